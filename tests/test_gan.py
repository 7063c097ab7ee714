"""Appendix E: mixup in the GAN discriminator, the GAN loop, the metrics, the run sheet and the config."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
import torch
import yaml

from mmcore.config import ConfigError, load_schema, validate_config
from mmcore.errors import DivergenceError, UserError
from mmcore.gan.loop import PAPER_PAIRS, GanConfig, generate, mix_batch, mix_loss, train_gan
from mmcore.gan.metrics import frechet_distance, inception_score, score_samples
from mmcore.mixup import MixParams, mix, mixing, sample_pair_mix
from mmcore.models import create_model
from mmcore.models.gan import create_generator
from mmcore.records import write_record
from mmcore.runsheet import all_runs, artefact_cells

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = load_schema(ROOT / "schemas" / "config.schema.yaml")


def _config(path: str | None = None, **gan) -> dict:
    cfg = yaml.safe_load((ROOT / path).read_text()) if path else {}
    cfg.setdefault("gan", {}).update(gan)
    return validate_config(cfg, SCHEMA)


def _groups(b: int) -> dict:
    return {"fake": range(0, b), "real": range(b, 2 * b)}


# ---- mixing in D (eq. 4-7), through mmcore.mixup -------------------------------------------------------


def test_each_mix_group_has_its_eq5_label_and_no_real_real_mix():
    b = 16
    fake, real = torch.randn(b, 1, 4, 4), torch.randn(b, 1, 4, 4)
    cfg = GanConfig(g_steps=1, method="input", alpha=0.5, mix_points=("pixel",))
    batch, params, targets = mix_batch(fake, real, cfg, torch.Generator().manual_seed(0))
    assert params.first.shape == params.perm.shape == params.lam.shape == (3 * b,)
    is_real = lambda idx: idx >= b  # noqa: E731  (cat([fake, real]))
    kinds = [(bool(is_real(a)), bool(is_real(c))) for a, c in zip(params.first, params.perm)]
    assert kinds == [(False, False)] * b + [(True, False)] * b + [(False, True)] * b  # ff, rf, fr
    assert (True, True) not in kinds
    lam = params.lam
    torch.testing.assert_close(targets[:b], torch.zeros(b))
    torch.testing.assert_close(targets[b : 2 * b], lam[b : 2 * b])
    torch.testing.assert_close(targets[2 * b :], 1 - lam[2 * b :])
    # the mixed images are lam * first + (1 - lam) * second, one per pair
    mixed = mix(batch, params)
    i = b + 3  # a real-fake mix
    torch.testing.assert_close(mixed[i], lam[i] * batch[params.first[i]] + (1 - lam[i]) * batch[params.perm[i]])


def test_each_group_draws_its_own_pairing():
    params = sample_pair_mix(_groups(32), PAPER_PAIRS, 0.5, torch.Generator().manual_seed(1))
    ff_a, rf_fake, fr_fake = params.first[:32], params.perm[32:64], params.first[64:]
    assert not torch.equal(ff_a, rf_fake) and not torch.equal(rf_fake, fr_fake)
    assert sorted(ff_a.tolist()) == list(range(32))  # a permutation of the fakes


@pytest.mark.parametrize("alpha", [0.1, 0.5, 1.0])
def test_lambda_stays_in_0_alpha(alpha):
    g = torch.Generator().manual_seed(0)
    lams = torch.cat([sample_pair_mix(_groups(64), PAPER_PAIRS, alpha, g).lam for _ in range(50)])
    assert lams.min() >= 0 and lams.max() <= alpha
    assert lams.max() > 0.9 * alpha and lams.min() < 0.1 * alpha  # U(0, alpha), not a point mass
    assert abs(float(lams.mean()) - alpha / 2) < 0.02 * alpha + 0.01


def test_master_formulation_index_pairs_real_with_fake_folded_beta_hard_label():
    b = 8
    cfg = GanConfig(g_steps=1, method="input", alpha=0.2, mix_points=("pixel",), formulation="master")
    _, params, targets = mix_batch(torch.randn(b, 3), torch.randn(b, 3), cfg, torch.Generator().manual_seed(0))
    assert params.first.tolist() == list(range(b, 2 * b)) and params.perm.tolist() == list(range(b))
    assert (params.lam <= 0.5).all() and (params.lam >= 0).all()
    assert (targets == 0).all()


def test_existing_mixes_are_unchanged_by_pair_mixing():
    """MixParams without ``first`` mixes within the batch, as before."""
    h = torch.randn(4, 3)
    p = MixParams(lam=torch.tensor(0.3), perm=torch.tensor([1, 0, 3, 2]))
    torch.testing.assert_close(mix(h, p), 0.3 * h + 0.7 * h[[1, 0, 3, 2]])


def _staged_dcgan(D, x, params):
    h = D.block1(x)
    a, b = h[params.first], h[params.perm]
    lam = params.lam.view(-1, 1, 1, 1)
    return D.head(D.block2(lam * a + (1 - lam) * b).flatten(1))


def _staged_sngan(D, x, params):
    h = D.block1(x)
    lam = params.lam.view(-1, 1, 1, 1)
    h = lam * h[params.first] + (1 - lam) * h[params.perm]
    h = torch.relu(D.block4(D.block3(D.block2(h))))
    return D.head(h.mean((2, 3)))


@pytest.mark.parametrize(
    "name,shape,staged",
    [("dcgan_d", (6, 1, 28, 28), _staged_dcgan), ("sngan_d", (4, 3, 32, 32), _staged_sngan)],
)
def test_a_d_mix_at_h1_equals_a_staged_forward(name, shape, staged):
    torch.manual_seed(0)
    D = create_model(name, in_channels=shape[1]).eval()  # eval: spectral norm's power iteration is frozen
    x = torch.randn(shape)
    half = shape[0] // 2
    params = sample_pair_mix(
        {"fake": range(half), "real": range(half, shape[0])}, PAPER_PAIRS, 0.5, torch.Generator().manual_seed(3), ["h1"]
    )
    assert params.point == "h1"
    with torch.no_grad():
        with mixing(D, params):
            out = D(x)
        assert out.shape == (3 * half, 1)
        torch.testing.assert_close(out, staged(D, x, params))


def test_the_mix_point_is_drawn_uniformly_from_the_layer_set():
    g = torch.Generator().manual_seed(0)
    points = [sample_pair_mix(_groups(2), PAPER_PAIRS, 0.5, g, ["pixel", "h1", "h2"]).point for _ in range(600)]
    counts = {p: points.count(p) for p in ("pixel", "h1", "h2")}
    assert all(150 < c < 250 for c in counts.values()), counts


def test_the_g_step_maximises_the_mix_loss():
    """G's loss is BCE(D(G(z)), 1) - mix: the mix term's gradient on G has the opposite sign of D's."""
    torch.manual_seed(0)
    G, D = create_generator("dcgan", width=8), create_model("dcgan_d", width=8)
    cfg = GanConfig(g_steps=1, method="input", alpha=0.5, mix_points=("pixel",))
    fake, real = G(torch.randn(8, G.z_dim)), torch.rand(8, 1, 28, 28) * 2 - 1
    loss = mix_loss(D, fake, real, cfg, torch.Generator().manual_seed(0), torch.autocast("cpu", enabled=False))
    grad = torch.autograd.grad(loss, G.up2.weight)[0]
    assert grad.abs().sum() > 0  # the mixes use the non-detached fakes


# ---- spectral norm --------------------------------------------------------------------------------------


def _sn_weights(D):
    return [m.weight for m in D.modules() if hasattr(m, "parametrizations")]


@pytest.mark.parametrize("name,in_channels", [("dcgan_d", 1), ("sngan_d", 3)])
def test_spectral_norm_keeps_every_weights_largest_singular_value_near_1(name, in_channels):
    torch.manual_seed(0)
    D = create_model(name, in_channels=in_channels, width=8) if name == "dcgan_d" else create_model(name)
    side = 28 if name == "dcgan_d" else 32
    convs = [m for m in D.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    assert convs and all(hasattr(m, "parametrizations") for m in convs)  # every conv and linear
    D.train()
    with torch.no_grad():
        for _ in range(60):  # power iterations (one per training forward)
            D(torch.randn(2, in_channels, side, side))
    D.eval()
    for w in _sn_weights(D):
        sigma = torch.linalg.matrix_norm(w.detach().reshape(w.shape[0], -1), ord=2)
        assert abs(float(sigma) - 1) < 0.05, float(sigma)


# ---- metrics (torch-fidelity) ---------------------------------------------------------------------------


def _scipy_fid(f1: np.ndarray, f2: np.ndarray) -> float:
    mu1, mu2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def test_fid_of_a_feature_set_with_itself_is_zero_and_matches_scipy():
    g = torch.Generator().manual_seed(0)
    f1 = torch.randn(300, 6, generator=g, dtype=torch.float64)
    f2 = 0.8 * torch.randn(300, 6, generator=g, dtype=torch.float64) + 0.3
    assert abs(frechet_distance(f1, f1)) < 1e-6
    expected = _scipy_fid(f1.numpy(), f2.numpy())
    assert expected > 0.5
    assert frechet_distance(f1, f2) == pytest.approx(expected, rel=1e-6)


def test_inception_score_of_uniform_predictions_is_1_and_of_confident_spread_ones_is_n():
    mean, std = inception_score(torch.zeros(1000, 7))
    assert mean == pytest.approx(1.0) and std == pytest.approx(0.0, abs=1e-9)
    n = 10
    confident = 40.0 * torch.nn.functional.one_hot(torch.arange(2000) % n, n).double()
    assert inception_score(confident, splits=1)[0] == pytest.approx(n, rel=1e-9)
    # 10 splits of a shuffled set: each split's classes are only nearly even, so IS is just below n
    mean, _ = inception_score(confident, splits=10)
    assert n - 0.5 < mean <= n + 1e-9


def test_missing_inception_weights_stop_with_one_sentence_naming_the_file(tmp_path):
    x = torch.zeros(4, 3, 32, 32, dtype=torch.uint8)
    missing = tmp_path / "weights" / "weights-inception-2015-12-05-6726825d.pth"
    with pytest.raises(UserError, match=f"the Inception weights file {missing} .*does not exist: put torch-fidelity's"):
        score_samples(x, x, features="inception", weights_path=missing)
    with pytest.raises(UserError, match="feature_extractor_weights_path is not set"):
        score_samples(x, x, features="inception", weights_path=None)


# ---- the loop: seeding, resume, divergence ------------------------------------------------------------


class _Real:
    """Random 'real' images in [-1, 1], resumable."""

    def __init__(self, seed=0, b=8):
        self.g, self.b = torch.Generator().manual_seed(seed), b

    def next_batch(self):
        return type("B", (), {"x": torch.rand(self.b, 1, 28, 28, generator=self.g) * 2 - 1})

    def state_dict(self):
        return {"g": self.g.get_state()}

    def load_state_dict(self, state):
        self.g.set_state(state["g"])


def _models():
    torch.manual_seed(0)
    return create_generator("dcgan", width=8), create_model("dcgan_d", width=8)


def _cfg(**kw):
    base = dict(g_steps=6, n_dis=2, batch_size=8, g_batch_size=8, method="manifold", alpha=0.5,
                mix_points=("pixel", "h1", "h2"), checkpoint_every=100, log_every=1)
    return GanConfig(**{**base, **kw})


def test_resume_gives_identical_results(tmp_path):
    G, D = _models()
    full = train_gan(G, D, _Real(), _cfg(), seed=3)
    G2, D2 = _models()
    ckpt = tmp_path / "last.pt"
    train_gan(G2, D2, _Real(), _cfg(), seed=3, checkpoint_path=ckpt, stop_after=3)
    G3, D3 = _models()  # a fresh process: models rebuilt, state from the checkpoint
    resumed = train_gan(G3, D3, _Real(), _cfg(), seed=3, checkpoint_path=ckpt)
    assert resumed == full
    for a, b in ((G, G3), (D, D3)):
        for (k, v), (_, w) in zip(a.state_dict().items(), b.state_dict().items()):
            assert torch.equal(v, w), k
    assert torch.equal(generate(G, 16, 0), generate(G3, 16, 0))


def test_same_seed_gives_the_same_run():
    runs = []
    for _ in range(2):
        G, D = _models()
        history = train_gan(G, D, _Real(), _cfg(g_steps=2), seed=1)
        runs.append((history, generate(G, 8, 0)))
    assert runs[0][0] == runs[1][0] and torch.equal(runs[0][1], runs[1][1])


# the mix point, where its hidden state is read (the model's input, or a module's output), and the module
# that receives the (mixed) state next
_POINTS = {"pixel": ("", "block1"), "h1": ("block1", "block2"), "h2": ("block2", "head")}


@pytest.mark.parametrize("point", list(_POINTS))
def test_every_mixed_forward_of_d_in_a_run_mixes_the_hidden_state(point, monkeypatch):
    """In a training run, each of D's mixed forward passes (G's step and every D step) hands on
    lam * h[first] + (1 - lam) * h[perm] of the hidden state h at the mix point, written out here from
    the drawn mixes: a mix that did nothing inside D (or mixed the wrong operands) fails."""
    import mmcore.gan.loop as loop

    drawn = []  # every mix the loop draws, in order (a spy: the loop still draws with the real function)
    draw = loop.sample_pair_mix
    monkeypatch.setattr(loop, "sample_pair_mix", lambda *a, **k: drawn.append(draw(*a, **k)) or drawn[-1])
    G, D = _models()
    at, following = _POINTS[point]
    seen = []  # per forward pass of D: [state at the point, what the next module received]
    # registered before the loop's own hooks, so these see the state before the mix
    D.register_forward_pre_hook(lambda _m, args: seen.append([] if at else [args[0].detach().clone()]))
    if at:
        D.get_submodule(at).register_forward_hook(lambda _m, _a, out: seen[-1].append(out.detach().clone()))
    D.get_submodule(following).register_forward_pre_hook(lambda _m, args: seen[-1].append(args[0].detach().clone()))
    method = "input" if point == "pixel" else "manifold"
    cfg = _cfg(g_steps=2, n_dis=2, method=method, mix_points=(point,))
    train_gan(G, D, _Real(), cfg, seed=1)

    mixed = [(h, nxt) for h, nxt in seen if nxt.shape[0] != h.shape[0]]  # 2B states in, 3B mixes out
    assert len(drawn) == len(mixed) == cfg.g_steps * (1 + cfg.n_dis)  # G's mix term and each D step's
    for params, (h, nxt) in zip(drawn, mixed):
        assert params.point == point and 0 < float(params.lam.min()) and float(params.lam.max()) < 1
        lam = params.lam.view(-1, *([1] * (h.ndim - 1)))
        want = lam * h[params.first] + (1 - lam) * h[params.perm]
        torch.testing.assert_close(nxt.reshape(want.shape), want)
        assert not torch.allclose(want, h[params.first])  # the mix is visible in this data


def test_a_non_finite_loss_names_the_run_and_the_step():
    G, D = _models()
    with pytest.raises(DivergenceError, match=r"^myrun diverged at step 1 of 6: the generator loss became nan"):
        with torch.no_grad():
            D.head.parametrizations.weight.original.fill_(float("nan"))
        train_gan(G, D, _Real(), _cfg(), seed=0, name="myrun")


# ---- run sheet, config, gpu-hours ---------------------------------------------------------------------


def test_default_run_sheet_names_mix_points_and_the_classifier_run():
    cfg = _config("config.yaml")
    cells = artefact_cells(cfg)["gan"]
    assert [(c["setting"], c["layers"], c["alpha"]) for c in cells] == [
        ("baseline", "", 0.0), ("input", "pixel", 0.5), ("manifold", "pixel,h1,h2", 0.5)
    ]
    runs = [r for c in cells for r in c["runs"]]
    assert len(runs) == 3 * len(cfg["gan"]["seeds"])
    assert {r["mix_points"] for r in runs} == {"", "pixel", "pixel,h1,h2"}
    manifold = [r for r in runs if r["method"] == "manifold"][0]
    assert manifold["run_id"].startswith("gan-fashion_mnist-dcgan-manifold-a0.5-Lpixel+h1+h2-s0-")
    clf = all_runs(artefact_cells(cfg))[manifold["feature_run"]]
    assert clf["experiment"] == "gan_classifier" and clf["run_id"].startswith("ganclf-fashion_mnist-")


def test_paper_config_lists_figure8s_grid_once_each():
    cfg = _config("configs/paper.yaml")
    runs = [r for c in artefact_cells(cfg)["gan"] for r in c["runs"]]
    assert len(runs) == len({r["run_id"] for r in runs}) == (1 + 4 * 4) * 3
    assert {r["mix_points"] for r in runs} == {"", "pixel", "h1", "h1,h2", "pixel,h1,h2"}
    assert all(r["arch"] == "sngan" and r["features"] == "inception" and r["feature_run"] == "" for r in runs)
    assert {r["alpha"] for r in runs} == {0.0, 0.1, 0.2, 0.5, 1.0}


def test_changing_the_classifier_changes_every_gan_run_id():
    a = {r["run_id"] for r in all_runs(artefact_cells(_config())).values()}
    b = {r["run_id"] for r in all_runs(artefact_cells(_config(classifier={"epochs": 3}))).values()}
    gan_a, gan_b = {r for r in a if r.startswith("gan")}, {r for r in b if r.startswith("gan")}
    assert gan_a.isdisjoint(gan_b) and a - gan_a == b - gan_b


@pytest.mark.parametrize(
    "gan,message",
    [
        ({"arch": "sngan"}, "config.gan.arch: sngan generates 32 x 32 colour images"),
        ({"kid_subset_size": 5000}, r"config.gan.kid_subset_size: expected at most gan.eval_samples \(2000\)"),
        ({"layer_sets": [["h1", "pixel"], ["pixel", "h1"]]}, r"config.gan.layer_sets\[1\]: repeats the set"),
        ({"features": "inception"}, "config.gan.feature_extractor_weights_path: features inception needs"),
        ({"alphas": [float("nan")]}, r"config.gan.alphas\[0\]: expected a finite number"),
        ({"layer_sets": [["h3"]]}, r"config.gan.layer_sets\[0\]\[0\]: expected one of pixel, h1, h2"),
    ],
)
def test_bad_gan_config_is_one_sentence(gan, message):
    with pytest.raises(ConfigError, match=message):
        _config(**gan)


def test_gpu_hours_counts_the_gan_runs():
    out = subprocess.run(
        [sys.executable, "benchmarks/gpu_hours.py", "configs/paper.yaml"], cwd=ROOT, capture_output=True, text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, check=True,
    ).stdout
    assert "51 GAN runs" in out
    gan_hours = float(out.split("\ngan: ")[1].split()[0])
    assert 100 < gan_hours < 400  # gan.md section 4: about 150-300 GPU-hours


# ---- the table writer and its claims ---------------------------------------------------------------


def test_gan_table_is_labelled_classifier_based_and_feeds_the_scorecard(tmp_path):
    from mmcore.artefacts import ARTEFACTS
    from mmcore.report import write_table
    from mmcore.runsheet import slim
    from mmcore.scale import scale_of
    from mmcore.scorecard import scorecard
    from mmcore.tables.gan import gan_table

    cfg = _config("config.yaml")
    art = ARTEFACTS["gan"]
    cells = slim(artefact_cells(cfg)["gan"])
    files = {}
    fid = {"baseline": 30.0, "input": 25.0, "manifold": 20.0}
    for cell in cells:
        for rid, seed in zip(cell["run_ids"], cell["seeds"]):
            path = tmp_path / rid / "metrics.json"
            path.parent.mkdir()
            m = {"is": 3.0 + seed * 0.1 + (cell["setting"] != "baseline"), "fid": fid[cell["setting"]] + seed,
                 "kid": 0.01, "features": "classifier", "real_is": 4.0, "real_fid": 2.0}
            write_record(path, {"run": {"run_id": rid}, "metrics": m})
            files[rid] = str(path)
    scale = scale_of(art, cfg)
    assert scale.startswith("reduced: classifier-based IS/FID/KID")
    df = gan_table(art, cells, files, scale, art.options_of(cfg))
    assert list(df[list(art.columns)].columns) == list(art.columns)
    assert list(df["setting"]) == ["baseline", "input", "manifold"] and (df["features"] == "classifier").all()
    assert df["paper_fid"].tolist() == [21.9, 21.4, 21.2]
    # the regime: the baseline's IS (3.0, 3.1, 3.2 over seeds) against the real images' 4.0
    assert df["real_is"].tolist() == [4.0] * 3 and df["is_share"].iloc[0] == pytest.approx(100 * 3.1 / 4.0)
    assert df["regime"].iloc[0].startswith("met:") and "baseline 75.0 % (3 runs)" in df["regime"].iloc[0]
    write_table(df, tmp_path / "gan.csv", tmp_path / "gan.md", art.fill(art.title, art.options_of(cfg)), [])
    assert "classifier-based IS / FID / KID" in (tmp_path / "gan.md").read_text()
    card = scorecard({"gan": tmp_path / "gan.csv"})
    assert len(card) == 4 and (card["verdict"] == "holds").all()  # 5 (FID) and 1 (IS) against se 0.8, 0.08
    assert card["claim"].str.contains("beats the baseline").all()


def test_gan_regime_is_not_met_by_a_baseline_far_below_the_real_images(tmp_path):
    """A baseline at 3.0 / 5.0 = 60 % of the real images' IS does not generate: NOT met, whatever the mixup runs."""
    from mmcore.artefacts import ARTEFACTS
    from mmcore.runsheet import slim
    from mmcore.tables.gan import gan_table

    cfg = _config("config.yaml")
    art = ARTEFACTS["gan"]
    cells = slim(artefact_cells(cfg)["gan"])
    files = {}
    for cell in cells:
        for rid in cell["run_ids"]:
            path = tmp_path / rid / "metrics.json"
            path.parent.mkdir()
            is_ = 3.0 if cell["setting"] == "baseline" else 4.9  # mixup runs near the real images: not the regime
            write_record(path, {"run": {"run_id": rid}, "metrics": {
                "is": is_, "fid": 10.0, "kid": 0.01, "features": "classifier", "real_is": 5.0, "real_fid": 1.0}})
            files[rid] = str(path)
    df = gan_table(art, cells, files, "reduced", art.options_of(cfg))
    assert df["regime"].iloc[0].startswith("NOT met:") and "baseline 60.0 %" in df["regime"].iloc[0]
    assert "input" not in df["regime"].iloc[0]  # only the baseline is held to it
