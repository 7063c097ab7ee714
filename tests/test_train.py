"""The training loop: determinism, resume after a kill, the NaN guard, and the mixing policies."""

import copy

import pytest
import torch

from mmcore.data.synthetic import SyntheticSource
from mmcore.losses import bce_softmax, one_hot
from mmcore.mixup import sample_mix
from mmcore.seeding import seed_generator
from mmcore.models import create_model
from mmcore.data.batch import Batch
from mmcore.errors import UserError
from mmcore.losses import get_loss, unclamped_loss
from mmcore.policy import MixPolicy
from mmcore.train import DivergenceError, TrainConfig, train


def _run(tmp_path=None, steps=6, stop_after=None, method="factor", seed=3):
    torch.manual_seed(seed)
    model = create_model("synthetic_cnn", num_classes=2, in_channels=1, widths=(4, 8, 8, 8))
    source = SyntheticSource("C", 8, seed)
    policy = MixPolicy(method, 1.0, eligible=["input", "block1", "block2"])
    cfg = TrainConfig(steps=steps, lr=1e-3, checkpoint_every=2)
    ckpt = tmp_path / "last.pt" if tmp_path is not None else None
    history = train(model, source, policy, cfg, seed=seed, checkpoint_path=ckpt, stop_after=stop_after)
    return model, history


@pytest.mark.parametrize("method", ["none", "input", "manifold", "factor"])
def test_same_seed_same_result(method):
    m1, h1 = _run(method=method)
    m2, h2 = _run(method=method)
    assert h1 == h2
    for a, b in zip(m1.state_dict().values(), m2.state_dict().values()):
        assert torch.equal(a, b)


def test_resume_after_interruption_gives_the_uninterrupted_result(tmp_path):
    ref_model, ref_hist = _run(method="manifold")
    _, partial = _run(tmp_path, stop_after=3, method="manifold")  # "killed" after step 3
    assert (tmp_path / "last.pt").exists() and len(partial) == 3
    model, hist = _run(tmp_path, method="manifold")  # a fresh process picks up the checkpoint
    assert hist == ref_hist
    for a, b in zip(model.state_dict().values(), ref_model.state_dict().values()):
        assert torch.equal(a, b)


def test_history_rows():
    _, hist = _run(steps=4, method="input")
    assert [r["step"] for r in hist] == [1, 2, 3, 4]
    assert set(hist[0]) == {"step", "lr", "train_loss", "train_acc"}


def hand_mix(h, lam, perm):
    return torch.stack([lam * h[i] + (1 - lam) * h[int(perm[i])] for i in range(h.shape[0])])


@pytest.mark.parametrize("method,points", [("input", ["input"]), ("manifold", ["block2"]), ("factor", None)])
def test_the_first_step_trains_on_the_mixed_batch(method, points):
    """Recompute step 1's loss by hand from the same draws: a policy that silently skipped mixing (of
    the hidden state or of the targets) would still train deterministically, but not on this loss."""
    seed = 3
    torch.manual_seed(seed)
    model = create_model("synthetic_cnn", num_classes=2, in_channels=1, widths=(4, 8, 8, 8))
    ref = copy.deepcopy(model).train()
    policy = MixPolicy(method, 2.0, eligible=points or ())
    (row,) = train(model, SyntheticSource("C", 8, seed), policy, TrainConfig(steps=1, lr=1e-3), seed=seed)

    batch = SyntheticSource("C", 8, seed).next_batch()
    p = sample_mix(8, 2.0, seed_generator(seed, "mix"), points=points)  # the loop's mixing stream
    assert 0.05 < float(p.lam) < 0.95 and not torch.equal(p.perm, torch.arange(8))
    targets = hand_mix(one_hot(batch.y, 2), p.lam, p.perm)
    with torch.no_grad():
        if method == "input":
            logits = ref(hand_mix(batch.x, p.lam, p.perm))
        elif method == "manifold":  # staged: block1, block2, mix, block3, block4, head
            h = hand_mix(ref.block2(ref.block1(batch.x)), p.lam, p.perm)
            logits = ref.head(ref.block4(ref.block3(h)).flatten(1))
        else:  # the factors mixed (and truncated, as the authors' code), then rendered
            logits = ref(batch.render(batch.factors, p))
        mixed = bce_softmax(logits, targets).item()
        unmixed_input = bce_softmax(ref(batch.x), targets).item()
        plain = bce_softmax(ref(batch.x), one_hot(batch.y, 2)).item()
    assert row["train_loss"] == pytest.approx(mixed, rel=1e-6)
    assert abs(mixed - unmixed_input) > 1e-3 and abs(mixed - plain) > 1e-3  # the test can tell them apart


class NaNSource:
    num_classes = 2

    def next_batch(self):
        return Batch(x=torch.full((4, 1, 64, 64), float("nan")), y=torch.zeros(4, dtype=torch.long))

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


def test_nan_guard_names_the_step():
    model = create_model("synthetic_cnn", num_classes=2, in_channels=1)
    with pytest.raises(DivergenceError) as err:
        train(model, NaNSource(), MixPolicy("none"), TrainConfig(steps=5, lr=1e-3), seed=0, name="run-x")
    assert str(err.value) == (
        "run-x diverged at step 1 of 5: the logits are no longer finite; lower the learning rate (now 0.001) "
        "or check the data"
    )
    assert isinstance(err.value, UserError)  # printed by the step as one sentence, without a traceback


def test_nan_guard_names_epoch_and_step_for_epoch_based_runs():
    model = create_model("synthetic_cnn", num_classes=2, in_channels=1)
    cfg = TrainConfig(steps=5, lr=1e-3, steps_per_epoch=3)
    with pytest.raises(FloatingPointError, match=r"diverged at epoch 1, step 1 of 3: .*; lower the learning rate"):
        train(model, NaNSource(), MixPolicy("none"), cfg, seed=0)


@pytest.mark.parametrize("loss", ["bce_softmax", "soft_ce"])
def test_an_exploding_loss_stops_training_although_the_clamped_loss_stays_finite(loss):
    """lr 1e6: the logits grow to ~1e13 after one step; BCE's clamp keeps the trained-on loss <= 100."""
    torch.manual_seed(0)
    model = create_model("synthetic_cnn", num_classes=2, in_channels=1, widths=(4, 8, 8, 8))
    cfg = TrainConfig(steps=6, lr=1e6, loss=loss)
    with pytest.raises(DivergenceError, match=r"^r diverged at step 2 of 6: the training loss \(unclamped\) became "
                       r"[0-9.e+]+, above 100, where no converging run goes; lower the learning rate \(now 1e\+06\)"):
        train(model, SyntheticSource("A", 8, 0), MixPolicy("input", 1.0), cfg, seed=0, name="r")


def test_unclamped_loss_equals_the_training_loss_where_the_clamp_is_idle():
    logits, targets = torch.randn(8, 10), torch.softmax(torch.randn(8, 10), 1)
    for name in ("bce_softmax", "soft_ce"):
        assert torch.equal(unclamped_loss(name, logits, targets), get_loss(name)(logits, targets))
    huge = logits * 1e6
    assert bce_softmax(huge, targets) <= 100 < unclamped_loss("bce_softmax", huge, targets)


def test_policy_errors():
    model = create_model("synthetic_cnn", num_classes=2, in_channels=1)
    with pytest.raises(ValueError, match="unknown mixing method 'mixup'"):
        MixPolicy("mixup")
    with pytest.raises(ValueError, match="needs a non-empty set of eligible mix points"):
        MixPolicy("manifold", 1.0)
    with pytest.raises(ValueError, match=r"eligible mix points \['block9'\] are not declared"):
        MixPolicy("manifold", 1.0, eligible=["block9"]).points(model)
    batch = Batch(x=torch.rand(2, 1, 64, 64), y=torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="factor mixup needs a batch source that renders"):
        MixPolicy("factor", 1.0).forward(model, batch, torch.Generator(), 2)


def test_factor_policy_mixes_targets_with_the_rendered_factors():
    model = create_model("synthetic_cnn", num_classes=2, in_channels=1)
    batch = SyntheticSource("A", 16, seed=0).next_batch()
    _, targets = MixPolicy("factor", 1.0).forward(model, batch, torch.Generator().manual_seed(0), 2)
    torch.testing.assert_close(targets.sum(1), torch.ones(16))
    assert ((targets > 0) & (targets < 1)).any()  # some pairs mix the two labels


def test_channels_last_is_refused_for_convolutions_narrower_than_8_on_the_cpu():
    from mmcore.models import create_model
    from mmcore.train import channels_last_supported

    assert channels_last_supported(create_model("preactresnet18", num_classes=10, in_channels=1, width=8))
    assert not channels_last_supported(create_model("preactresnet18", num_classes=10, in_channels=1, width=4))


def test_a_diverging_synthetic_run_stops_with_one_sentence_naming_run_and_step(tmp_path, repo):
    """The synthetic step with lr 1e6 used to finish with test NLL 2.6e15 (and Table 8 printed it)."""
    from mmcore.config import load_schema, validate_config
    from mmcore.experiments import synthetic
    from mmcore.runsheet import artefact_cells
    from mmcore.steps import step

    cfg = validate_config({"synthetic": {"lr": 1e6, "seeds": [0], "tasks": ["A"], "methods": ["input"]}},
                          load_schema(repo / "schemas" / "config.schema.yaml"))
    run = artefact_cells(cfg)["table8"][0]["runs"][0]
    log = tmp_path / "train.log"
    with pytest.raises(SystemExit) as err:
        with step(str(log)):
            synthetic.train_run(run, tmp_path / "model.pt", tmp_path / "history.csv", tmp_path / "metrics.json",
                                test_size=16, device="cpu", checkpoint_path=tmp_path / "ckpt" / "last.pt")
    import logging

    logging.shutdown()
    message = str(err.value)
    assert message.startswith(f"Error: {run['run_id']} diverged at step 2 of 60: the training loss (unclamped) became ")
    assert message.endswith("; lower the learning rate (now 1e+06) or check the data") and "\n" not in message
    assert "Traceback" not in log.read_text()
    assert not any((tmp_path / f).exists() for f in ("model.pt", "history.csv", "metrics.json"))  # no numbers


def test_a_model_with_non_finite_logits_yields_no_metrics(tmp_path, repo):
    """A verified model can still be diverged (e.g. saved by a run without this guard): the evaluation
    names the run instead of writing numbers."""
    from mmcore.config import load_schema, validate_config
    from mmcore.errors import DivergenceError
    from mmcore.experiments import synthetic
    from mmcore.runsheet import artefact_cells

    cfg = validate_config({"synthetic": {"iterations": 2, "seeds": [0], "tasks": ["A"], "methods": ["none"]}},
                          load_schema(repo / "schemas" / "config.schema.yaml"))
    run = artefact_cells(cfg)["table8"][0]["runs"][0]
    model = synthetic.build(run, torch.device("cpu"))
    with torch.no_grad():
        next(model.parameters()).fill_(float("inf"))
    with pytest.raises(DivergenceError) as err:
        synthetic.evaluate_run(run, model, tmp_path / "metrics.json", test_size=16)
    assert str(err.value) == (
        f"{run['run_id']} diverged: its logits are not finite on 16 of 16 test images; retrain it with a lower learning rate"
    )
    assert not (tmp_path / "metrics.json").exists()
