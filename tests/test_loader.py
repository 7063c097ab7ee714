"""The in-memory batch source: epochs, the last partial batch, seeding and resume."""

import torch

from mmcore.data.loader import TensorSource, normalise


def _source(seed=0, n=10, batch=4):
    x = torch.arange(n, dtype=torch.uint8).view(n, 1, 1).expand(n, 2, 2).contiguous()
    return TensorSource(x, torch.arange(n) % 3, batch, seed, num_classes=3, mean=0.0, std=1.0)


def test_every_epoch_visits_every_example_once_keeping_the_partial_batch():
    s = _source()
    assert s.steps_per_epoch == 3
    for _ in range(2):
        sizes, seen = [], []
        for _ in range(s.steps_per_epoch):
            b = s.next_batch()
            sizes.append(b.x.shape[0])
            seen += (b.x[:, 0, 0, 0] * 255).round().long().tolist()
        assert sizes == [4, 4, 2] and sorted(seen) == list(range(10))


def test_seeded_and_resumable():
    a, b = _source(seed=5), _source(seed=5)
    assert torch.equal(a.next_batch().x, b.next_batch().x)
    state = a.state_dict()
    rest = [a.next_batch().y for _ in range(5)]
    c = _source(seed=99)
    c.load_state_dict(state)
    assert all(torch.equal(r, c.next_batch().y) for r in rest)


def test_normalise():
    x = torch.tensor([[[0, 255]]], dtype=torch.uint8)
    torch.testing.assert_close(normalise(x, 0.5, 0.5), torch.tensor([[[[-1.0, 1.0]]]]))
