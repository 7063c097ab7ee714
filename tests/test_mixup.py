"""The mixing mechanism against independent computations (naive loops, staged forwards)."""

import pytest
import scipy.stats
import torch
from torch import nn

from mmcore.data.batch import Batch
from mmcore.mixup import (
    MixParams,
    MixPoint,
    declare_mix_points,
    mix,
    mix_point_names,
    mix_targets,
    mixing,
    resolve_mix_point,
    sample_lambda,
    sample_mix,
    validate_mix_points,
)
from mmcore.models import create_model
from mmcore.policy import MixPolicy

pytestmark = pytest.mark.filterwarnings("error")


class Tiny(nn.Module):
    """Three linear stages with declared mix points, small enough for exact checks."""

    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(5, 6)
        self.l2 = nn.Linear(6, 7)
        self.l3 = nn.Linear(7, 3)
        self.mix_points = (MixPoint("input", ""), MixPoint("h1", "l1"), MixPoint("h2", "l2"))

    def forward(self, x):
        return self.l3(torch.relu(self.l2(torch.relu(self.l1(x)))))


def naive_mix(h, lam, perm):
    """Loop-over-batch oracle."""
    out = torch.empty_like(h)
    for i in range(h.shape[0]):
        li = lam if lam.ndim == 0 else lam[i]
        out[i] = li * h[i] + (1 - li) * h[perm[i]]
    return out


@pytest.mark.parametrize("per_example", [False, True])
def test_mix_matches_loop_and_pairs_by_permutation(per_example):
    g = torch.Generator().manual_seed(3)
    h = torch.randn(9, 4, 2)
    p = sample_mix(9, 2.0, g, per_example=per_example)
    before = h.clone()
    torch.testing.assert_close(mix(h, p), naive_mix(h, p.lam, p.perm))
    assert torch.equal(h, before)  # input not mutated
    assert sorted(p.perm.tolist()) == list(range(9))  # a permutation


def test_alpha_zero_gives_lambda_one_and_identity():
    g = torch.Generator().manual_seed(0)
    p = sample_mix(6, 0.0, g, points=["h1"])
    assert float(p.lam) == 1.0
    model = Tiny()
    x = torch.randn(6, 5)
    with mixing(model, p):
        out = model(x)
    torch.testing.assert_close(out, model(x))


def test_lambda_one_is_identity_at_every_point():
    model = create_model("synthetic_cnn", num_classes=2, in_channels=1).eval()
    x = torch.rand(4, 1, 64, 64)
    for point in ("input", "block1", "block2", "block3"):
        p = MixParams(lam=torch.tensor(1.0), perm=torch.tensor([3, 2, 1, 0]), point=point)
        with mixing(model, p):
            out = model(x)
        torch.testing.assert_close(out, model(x))


def test_input_point_equals_input_mixup():
    model = Tiny()
    x = torch.randn(8, 5)
    p = MixParams(lam=torch.tensor(0.3), perm=torch.randperm(8), point="input")
    with mixing(model, p):
        out = model(x)
    torch.testing.assert_close(out, model(0.3 * x + 0.7 * x[p.perm]))


def test_hidden_point_equals_staged_forward():
    model = Tiny()
    x = torch.randn(8, 5)
    p = MixParams(lam=torch.tensor(0.25), perm=torch.randperm(8), point="h2")
    with mixing(model, p):
        out = model(x)
    h = model.l2(torch.relu(model.l1(x)))  # the output of module l2, then mixed
    h = 0.25 * h + 0.75 * h[p.perm]
    torch.testing.assert_close(out, model.l3(torch.relu(h)))


def test_hooks_are_removed_after_the_block():
    model = Tiny()
    x = torch.randn(4, 5)
    p = MixParams(lam=torch.tensor(0.5), perm=torch.tensor([1, 0, 3, 2]), point="h1")
    with mixing(model, p):
        model(x)
    assert not model.l1._forward_hooks and not model._forward_pre_hooks
    torch.testing.assert_close(model(x), model.l3(torch.relu(model.l2(torch.relu(model.l1(x))))))


def test_same_generator_state_gives_same_draws():
    g1 = torch.Generator().manual_seed(11)
    g2 = torch.Generator().manual_seed(11)
    for _ in range(5):
        a = sample_mix(16, 2.0, g1, points=["input", "h1", "h2"])
        b = sample_mix(16, 2.0, g2, points=["input", "h1", "h2"])
        assert a.point == b.point and torch.equal(a.lam, b.lam) and torch.equal(a.perm, b.perm)
    c = sample_mix(16, 2.0, torch.Generator().manual_seed(12), points=["input", "h1", "h2"])
    assert not torch.equal(c.perm, a.perm) or not torch.equal(c.lam, a.lam)


def test_mix_point_is_uniform_over_the_eligible_set():
    g = torch.Generator().manual_seed(0)
    counts = {"input": 0, "h1": 0, "h2": 0}
    for _ in range(3000):
        counts[sample_mix(2, 1.0, g, points=list(counts)).point] += 1
    assert scipy.stats.chisquare(list(counts.values())).pvalue > 1e-3


@pytest.mark.parametrize("alpha", [0.2, 1.0, 2.0])
def test_lambda_follows_beta(alpha):
    g = torch.Generator().manual_seed(1)
    lam = sample_lambda(alpha, g, (4000,)).double().numpy()
    assert ((lam >= 0) & (lam <= 1)).all()
    assert scipy.stats.kstest(lam, scipy.stats.beta(alpha, alpha).cdf).pvalue > 1e-3


def test_gradient_blocking_leaves_no_gradient_before_the_mix_point():
    model = Tiny()
    x = torch.randn(8, 5)
    p = MixParams(lam=torch.tensor(0.4), perm=torch.randperm(8), point="h2")
    with mixing(model, p, detach=True):
        model(x).sum().backward()
    assert model.l1.weight.grad is None and model.l2.weight.grad is None
    assert model.l3.weight.grad is not None and model.l3.weight.grad.abs().sum() > 0


def test_without_blocking_gradient_flows_before_the_mix_point():
    model = Tiny()
    p = MixParams(lam=torch.tensor(0.4), perm=torch.randperm(8), point="h2")
    with mixing(model, p):
        model(torch.randn(8, 5)).sum().backward()
    assert model.l1.weight.grad is not None and model.l1.weight.grad.abs().sum() > 0


def test_soft_targets_sum_to_one_and_mix_like_the_hidden_state():
    g = torch.Generator().manual_seed(5)
    y = torch.nn.functional.one_hot(torch.randint(0, 10, (12,)), 10).float()
    for per_example in (False, True):
        p = sample_mix(12, 1.0, g, per_example=per_example)
        t = mix_targets(y, p)
        torch.testing.assert_close(t.sum(1), torch.ones(12))
        torch.testing.assert_close(t, naive_mix(y, p.lam, p.perm))


def test_errors_name_the_problem():
    model = Tiny()
    with pytest.raises(ValueError, match="unknown mix point 'h9'"):
        resolve_mix_point(model, "h9")
    with pytest.raises(ValueError, match="alpha: expected a number >= 0"):
        sample_lambda(-1.0, torch.Generator())
    with pytest.raises(ValueError, match="permutation has 3 entries but the batch has 4"):
        mix(torch.zeros(4, 2), MixParams(torch.tensor(0.5), torch.arange(3)))
    model.mix_points = (MixPoint("input", ""), MixPoint("h9", "l9"))
    with pytest.raises(ValueError, match="names module 'l9'"):
        validate_mix_points(model)


def test_gan_style_real_fake_mixing_with_per_example_lambda():
    """The discriminator use (appendix E): real and fake in one batch, each real paired with a fake,
    one lambda per example, soft 'real' label equal to the real example's weight."""
    model = Tiny()
    real, fake = torch.randn(4, 5), torch.randn(4, 5)
    x = torch.cat([real, fake])
    perm = torch.cat([torch.arange(4, 8), torch.arange(0, 4)])  # real i <-> fake i
    lam = sample_lambda(0.5, torch.Generator().manual_seed(0), (8,))
    p = MixParams(lam=lam, perm=perm, point="h1")
    with mixing(model, p):
        out = model(x)
    h = model.l1(x)
    h = lam[:, None] * h + (1 - lam[:, None]) * h[perm]
    torch.testing.assert_close(out, model.l3(torch.relu(model.l2(torch.relu(h)))))
    is_real = torch.cat([torch.ones(4), torch.zeros(4)])[:, None]
    soft = mix_targets(is_real, p)[:, 0]
    torch.testing.assert_close(soft[:4], lam[:4])  # real weighted by lambda
    torch.testing.assert_close(soft[4:], 1 - lam[4:])  # fake first: the real partner has 1 - lambda


# ---- a model this project did not write: torchvision's ResNet-18, mix points named from outside ----


@pytest.fixture
def resnet18():
    from torchvision.models import resnet18

    # eval(): BatchNorm uses its running statistics, so each example's path is fixed and the staged
    # forward below is an exact oracle.
    return declare_mix_points(resnet18(num_classes=10), ["layer1", "layer2"]).eval()


def hand_mix(h, lam, perm):
    return torch.stack([lam * h[i] + (1 - lam) * h[int(perm[i])] for i in range(h.shape[0])])


def staged_resnet18(model, x, lam, perm, at):
    """torchvision's ResNet.forward written out stage by stage, mixing by hand after stage ``at``."""
    if at == "input":
        x = hand_mix(x, lam, perm)
    h = model.maxpool(model.relu(model.bn1(model.conv1(x))))
    h = model.layer1(h)
    if at == "layer1":
        h = hand_mix(h, lam, perm)
    h = model.layer2(h)
    if at == "layer2":
        h = hand_mix(h, lam, perm)
    h = model.layer4(model.layer3(h))
    return model.fc(torch.flatten(model.avgpool(h), 1))


def test_declare_mix_points_names_them_from_outside(resnet18):
    assert resnet18.mix_points == (MixPoint("input", ""), MixPoint("layer1", "layer1"), MixPoint("layer2", "layer2"))
    named = declare_mix_points(Tiny(), {"x": "", "first": "l1", "second": "l2"})
    assert [(p.name, p.module) for p in named.mix_points] == [("x", ""), ("first", "l1"), ("second", "l2")]
    with pytest.raises(ValueError, match="mix point 'layer9' names module 'layer9'"):
        declare_mix_points(resnet18, ["layer1", "layer9"])
    assert mix_point_names(resnet18) == ("input", "layer1", "layer2")  # a refused declaration changes nothing
    with pytest.raises(ValueError, match="mix point 'input' is declared twice"):
        declare_mix_points(resnet18, {"input": "layer1"})
    tiny = Tiny()
    tiny.mix_points = (MixPoint("h1", "l1"), MixPoint("input", ""))  # input mixup would mix at h1
    with pytest.raises(ValueError, match="the first mix point must be the input"):
        validate_mix_points(tiny)


@pytest.mark.parametrize("at", ["layer1", "layer2"])
def test_torchvision_resnet18_mixed_forward_equals_the_staged_forward(resnet18, at):
    x = torch.randn(4, 3, 32, 32)
    params = MixParams(lam=torch.tensor(0.3), perm=torch.tensor([2, 0, 3, 1]), point=at)
    with mixing(resnet18, params):
        out = resnet18(x)
    expected = staged_resnet18(resnet18, x, 0.3, params.perm, at)
    torch.testing.assert_close(out, expected)
    assert not torch.allclose(out, resnet18(x), atol=1e-3)  # the mix changed the logits


def test_torchvision_resnet18_through_the_policy(resnet18):
    """MixPolicy draws (k, lambda, perm) from the generator; the same draws by hand give the same logits
    and soft targets, and both declared points get drawn."""
    x, y = torch.randn(4, 3, 32, 32), torch.tensor([1, 7, 7, 2])
    policy = MixPolicy(method="manifold", alpha=2.0, eligible=("layer1", "layer2"))
    seen = set()
    for seed in range(6):
        logits, targets = policy.forward(resnet18, Batch(x, y), torch.Generator().manual_seed(seed), 10)
        p = sample_mix(4, 2.0, torch.Generator().manual_seed(seed), points=["layer1", "layer2"])
        seen.add(p.point)
        torch.testing.assert_close(logits, staged_resnet18(resnet18, x, p.lam, p.perm, p.point))
        torch.testing.assert_close(targets, hand_mix(nn.functional.one_hot(y, 10).float(), p.lam, p.perm))
    assert seen == {"layer1", "layer2"}


def test_torchvision_resnet18_input_mixing(resnet18):
    x, y = torch.randn(4, 3, 32, 32), torch.tensor([0, 3, 5, 9])
    logits, targets = MixPolicy(method="input", alpha=1.0).forward(
        resnet18, Batch(x, y), torch.Generator().manual_seed(4), 10
    )
    p = sample_mix(4, 1.0, torch.Generator().manual_seed(4), points=["input"])
    assert 0.05 < float(p.lam) < 0.95 and not torch.equal(p.perm, torch.arange(4))
    torch.testing.assert_close(logits, resnet18(hand_mix(x, p.lam, p.perm)))
    torch.testing.assert_close(logits, staged_resnet18(resnet18, x, p.lam, p.perm, "input"))
    torch.testing.assert_close(targets, hand_mix(nn.functional.one_hot(y, 10).float(), p.lam, p.perm))


def test_torchvision_resnet18_gradient_blocked_before_the_mix_point(resnet18):
    x = torch.randn(4, 3, 32, 32)
    params = MixParams(lam=torch.tensor(0.6), perm=torch.tensor([1, 0, 3, 2]), point="layer1")
    with mixing(resnet18, params, detach=True):
        resnet18(x).sum().backward()
    assert resnet18.conv1.weight.grad is None and all(p.grad is None for p in resnet18.layer1.parameters())
    assert resnet18.layer2[0].conv1.weight.grad.abs().sum() > 0
    resnet18.zero_grad(set_to_none=True)
    with mixing(resnet18, params):
        resnet18(x).sum().backward()
    assert resnet18.conv1.weight.grad.abs().sum() > 0  # without blocking, the stem learns


def test_readme_example_runs(repo):
    """The README's "Manifold mixup in your own model" example, executed as written."""
    text = (repo / "README.md").read_text()
    section = text.split("## Manifold mixup in your own model", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    scope = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert scope["soft_targets"].shape == (8, 10) and torch.isfinite(scope["loss"])
    assert ((scope["soft_targets"] > 0) & (scope["soft_targets"] < 1)).any()  # the targets were mixed
