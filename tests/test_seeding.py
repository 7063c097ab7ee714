"""The seeding scheme: independent streams, and integer seeds pinned so no run's draws move."""

import torch

from mmcore.data.loader import TensorSource
from mmcore.data.synthetic import SyntheticSource, fixed_test_set, render, sample_factors
from mmcore.seeding import seed_generator, stream_seed


def test_streams_differ():
    a = torch.randperm(10, generator=seed_generator(0, "labels_per_class"))
    b = torch.randperm(10, generator=seed_generator(0, "test_subset"))
    assert not torch.equal(a, b)


def test_integer_seeds_are_pinned():
    # Changing any of these changes every run's metrics: the hashed rule and the two older streams.
    assert stream_seed(1, "mix") == 1_000_003 + (1 * ord("m") + 2 * ord("i") + 3 * ord("x"))
    assert stream_seed(0, "test_subset") == sum((i + 1) * ord(c) for i, c in enumerate("test_subset"))
    assert stream_seed(5, "batches") == 5
    assert stream_seed(2, "synthetic_test/C") == 10_000_019 * 3 + ord("C")


def test_sources_and_test_sets_draw_from_their_streams():
    src = SyntheticSource("A", 4, seed=7)
    factors, _ = sample_factors("A", 4, torch.Generator().manual_seed(7), "train")
    torch.testing.assert_close(src.next_batch().factors, factors, rtol=0, atol=0)
    x, y = fixed_test_set("B", 5, 1)
    f, labels = sample_factors("B", 5, torch.Generator().manual_seed(10_000_019 * 2 + ord("B")), "test")
    assert torch.equal(x, render(f)) and torch.equal(y, labels)
    tensors = TensorSource(torch.zeros(6, 1, 2, 2, dtype=torch.uint8), torch.arange(6), 6, seed=3, num_classes=6)
    assert torch.equal(tensors.order, torch.randperm(6, generator=torch.Generator().manual_seed(3)))
