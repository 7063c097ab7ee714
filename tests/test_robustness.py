"""Deformations (against PIL and hand-built geometry), FGSM and PGD (against finite differences and on
tiny models), and the robustness tables against hand computations and the paper's numbers."""

import logging
import math

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from mmcore import attacks
from mmcore.deform import deform
from mmcore.artefacts import ARTEFACTS, writer_of
from mmcore.records import write_record


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("kind,param", [("rotation", 0), ("shear", 0), ("zoom_in", 100), ("zoom_out", 100)])
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_identity_strengths_leave_images_unchanged(kind, param, interpolation):
    x = torch.rand(6, 3, 32, 32, generator=gen())
    assert torch.equal(deform(x, kind, param, gen(), interpolation), x)


@pytest.mark.parametrize("angle", [17.0, 45.0, 90.0])
def test_rotation_matches_pil(angle):
    img = torch.randint(0, 256, (32, 32), generator=gen(1), dtype=torch.uint8)
    # deform draws the angle as u * t, u ~ U(-1, 1); choosing t = angle / |u| pins it to +-angle.
    u = torch.rand(1, generator=gen(3), dtype=torch.float64).item() * 2 - 1
    drawn = math.copysign(angle, u)
    ours = deform(img.float().div(255)[None, None], "rotation", angle / abs(u), gen(3))
    pil = np.asarray(Image.fromarray(img.numpy()).rotate(drawn, resample=Image.NEAREST))
    got = (ours[0, 0] * 255).round().to(torch.uint8).numpy()
    assert (got == pil).mean() >= 0.99


def test_each_image_is_rotated_by_its_own_drawn_angle():
    n, size, c = 400, 33, 16
    x = torch.zeros(n, 1, size, size)
    x[:, :, c, c:] = 1.0  # a ray from the centre to the right edge
    out = deform(x, "rotation", 40, gen(5))
    assert torch.equal(out, deform(x, "rotation", 40, gen(5)))  # seeded
    # The angles deform draws: t * u, u ~ U(-1, 1), one per image from the generator, in order.
    drawn = 40 * (torch.rand(n, generator=gen(5), dtype=torch.float64) * 2 - 1)
    # Each image's ray direction, measured from its ink (y up, counter-clockwise positive, as PIL and
    # torchvision's rotate), away from the centre pixel.
    ys, xs = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    dx, dy = (xs - c).double(), -(ys - c).double()
    ink = out[:, 0].double() * ((dx**2 + dy**2) >= 4)
    measured = torch.rad2deg(torch.atan2((ink * dy).sum((1, 2)), (ink * dx).sum((1, 2))))
    assert (measured - drawn).abs().max() < 3  # a degree or two of pixel grid
    assert measured.min() < -35 and measured.max() > 35  # the whole range is used


def checkerboard(size=32, cell=4):
    idx = torch.arange(size) // cell
    return ((idx[:, None] + idx[None, :]) % 2).float()[None, None]


def test_zoom_in_enlarges_the_centre_box():
    board = checkerboard()
    out = deform(board, "zoom_in", 50, gen())
    centre = board[..., 8:24, 8:24]
    assert torch.equal(out, centre.repeat_interleave(2, -1).repeat_interleave(2, -2))


@pytest.mark.parametrize("k", [20, 40, 60, 80])
@pytest.mark.parametrize("size", [28, 32])
def test_zoom_in_puts_a_bright_square_where_the_definition_does(k, size):
    """Zoom-in maps input point p to c + (p - c) / k (c the centre, pixel i spanning [i, i + 1)); a bright
    square's centroid must land there within half a pixel (the box once sat 0.8 px top-left, 1.6 px at 80 %)."""
    c = size / 2
    lo = int(c + 0.18 * k / 100 * size)  # a 2 x 2 square inside the zoomed box, off the centre
    img = torch.zeros(1, 1, size, size)
    img[..., lo : lo + 2, lo - 3 : lo - 1] = 1.0
    out = deform(img, "zoom_in", k, gen())[0, 0]
    assert out.sum() > 0

    def centroid(a):
        idx = torch.arange(size, dtype=torch.float64) + 0.5  # pixel centres
        m = a.double()
        return float((m.sum(1) * idx).sum() / m.sum()), float((m.sum(0) * idx).sum() / m.sum())

    (r_in, c_in), (r_out, c_out) = centroid(img[0, 0]), centroid(out)
    want = (c + (r_in - c) * 100 / k, c + (c_in - c) * 100 / k)
    assert math.hypot(r_out - want[0], c_out - want[1]) <= 0.5, ((r_out, c_out), want)


def test_zoom_out_shrinks_into_a_black_border():
    board = checkerboard()
    out = deform(board, "zoom_out", 200, gen())
    assert torch.equal(out[..., 8:24, 8:24], board[..., ::2, ::2])  # nearest: every other pixel
    border = torch.ones(32, 32, dtype=torch.bool)
    border[8:24, 8:24] = False
    assert out[0, 0][border].abs().sum() == 0


def first_draw(seed):
    """The u ~ U(-1, 1) that deform draws first from gen(seed)."""
    return torch.rand(1, generator=gen(seed), dtype=torch.float64).item() * 2 - 1


@pytest.mark.parametrize("sign", [1, -1])
def test_shear_moves_rows_sideways_by_minus_the_tangent(sign):
    # torchvision's affine shear along x maps (x, y) to (x - tan(s) y, y) about the centre, y down
    # (SHx(s) = [1, -tan(s)] in transforms.v2.functional._geometry): a positive angle leans a vertical
    # line's lower half to the left.
    x = torch.zeros(1, 1, 21, 21)
    x[0, 0, :, 10] = 1.0  # a vertical line through the centre
    # Fix the draw: a seed whose first uniform has the wanted sign, a strength that makes it 0.5 rad.
    seed = next(s for s in range(100) if first_draw(s) * sign > 0)
    out = deform(x, "shear", 0.5 / abs(first_draw(seed)), gen(seed))
    angle = sign * 0.5  # radians
    cols = out[0, 0].argmax(1).float()
    slope = np.polyfit(np.arange(21) - 10, cols.numpy() - 10, 1)[0]
    assert slope == pytest.approx(-math.tan(angle), abs=0.08)
    # A known pixel: the line's point 8 rows below the centre lands at column 10 - 8 tan(angle).
    assert out[0, 0, 18].argmax().item() == round(10 - 8 * math.tan(angle)) == (6 if sign > 0 else 14)


# ---- attacks ------------------------------------------------------------------------------------------


def tiny_model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 6 * 6, 16), nn.Tanh(), nn.Linear(16, 5)).double()


def test_fgsm_gradient_sign_matches_finite_differences():
    model = tiny_model()
    x = torch.rand(4, 3, 6, 6, generator=gen(2), dtype=torch.float64)
    y = torch.tensor([0, 1, 2, 3])

    def to_input(p):
        return (p - 0.5) / 0.25

    grad = attacks.input_gradient(model, x, y, to_input)
    from mmcore.losses import bce_softmax, one_hot

    def loss(p):
        return bce_softmax(model(to_input(p)), one_hot(y, 5).double()).item()

    h = 1e-6
    checked = 0
    for flat in range(0, x.numel(), 7):
        e = torch.zeros_like(x).view(-1)
        e[flat] = h
        e = e.view_as(x)
        fd = (loss(x + e) - loss(x - e)) / (2 * h)
        if abs(fd) > 1e-7:
            assert math.copysign(1, fd) == grad.view(-1)[flat].sign().item()
            assert fd == pytest.approx(grad.view(-1)[flat].item(), rel=1e-4, abs=1e-9)
            checked += 1
    assert checked > 10


def accuracy(model, x, y, to_input) -> float:
    """% of argmax predictions equal to the labels, computed here rather than by the code under test."""
    with torch.no_grad():
        logits = model(to_input(x))
    return 100.0 * sum(int(row.argmax()) == int(label) for row, label in zip(logits, y)) / len(y)


def test_fgsm_steps_each_pixel_by_epsilon_uphill_and_clamps_to_pixels():
    model = tiny_model()
    x = torch.rand(50, 3, 6, 6, generator=gen(3), dtype=torch.float64)
    y = torch.randint(0, 5, (50,), generator=gen(4))

    def to_input(p):
        return p

    assert torch.equal(attacks.fgsm(model, x, y, 0.0, to_input), x)
    eps = 0.3
    adv = attacks.fgsm(model, x, y, eps, to_input)
    assert adv.min() >= 0 and adv.max() <= 1
    # Every pixel moves by exactly epsilon, or as far as the [0, 1] box lets it.
    step = (adv - x).abs()
    clamped = (adv == 0) | (adv == 1)
    assert torch.allclose(step[~clamped], torch.full_like(step[~clamped], eps)) and (step <= eps + 1e-12).all()
    # ... and uphill: the attacked loss of every example grows (a sign error would lower it).
    from mmcore.losses import bce_softmax, one_hot

    def per_example_loss(p):
        with torch.no_grad():
            return torch.stack([bce_softmax(model(p[i : i + 1]), one_hot(y[i : i + 1], 5).double()) for i in range(50)])

    assert (per_example_loss(adv) > per_example_loss(x)).all()


def test_unbounded_pgd_drives_accuracy_to_zero_and_the_projection_bounds_it():
    model = tiny_model(1)
    x = torch.rand(100, 3, 6, 6, generator=gen(5), dtype=torch.float64)

    def to_input(p):
        return (p - 0.5) / 0.25

    with torch.no_grad():
        y = model(to_input(x)).argmax(1)  # labels the model gets right: clean accuracy 100 %
    assert accuracy(model, x, y, to_input) == 100.0
    adv = attacks.pgd(model, x, y, steps=200, step_size=0.01, to_input=to_input)
    assert accuracy(model, adv, y, to_input) <= 2.0
    bounded = attacks.pgd(model, x, y, steps=20, step_size=0.01, to_input=to_input, epsilon=0.05)
    assert (bounded - x).abs().max() <= 0.05 + 1e-12


# ---- tables ---------------------------------------------------------------------------------------------


def cell(method, alpha, run_ids, dataset="cifar100", arch="preactresnet34"):
    return {"dataset": dataset, "arch": arch, "method": method, "alpha": alpha, "layers": "", "detach": False, "run_ids": run_ids}


def write_table(name, cells, files, options=None):
    art = ARTEFACTS[name]
    return writer_of(art)(art, cells, files, "reduced: x", options or {})[list(art.columns)]


def test_table9_against_hand_computation(tmp_path):
    cells = [cell("none", 0.0, ["a0", "a1"]), cell("manifold", 2.0, ["b0", "b1"])]
    files = {}
    for rid, base in (("a0", 50), ("a1", 54), ("b0", 60), ("b1", 62)):
        p = tmp_path / rid / "eval.json"
        write_record(p, {"run": {"run_id": rid}, "metrics": {"clean": base + 10, "deformations": {
            "rotation": {"20": base, "40": base - 20}, "zoom_out": {"120": base - 5}}}})
        files[rid] = str(p)
    t = write_table("table9", cells, files)
    r = t.set_index(["deformation", "param", "method"])
    assert r.loc[("rotation", 20.0, "none"), "acc_mean"] == 52 and r.loc[("rotation", 20.0, "none"), "acc_std"] == pytest.approx(math.sqrt(8))
    assert r.loc[("rotation", 20.0, "manifold"), "paper_acc"] == 60.08
    assert r.loc[("zoom_out", 120.0, "none"), "paper_acc"] == 43.18
    assert r.loc[("none", 0.0, "manifold"), "acc_mean"] == 71
    t.to_csv(tmp_path / "t.csv", index=False)
    figure = ARTEFACTS["table9_deformations"]
    writer_of(figure)(figure, [], {"table": str(tmp_path / "t.csv")}, "reduced: x", {}, str(tmp_path / "t.png"))
    assert (tmp_path / "t.png").stat().st_size > 10_000


def test_table7_and_pgd_tables(tmp_path):
    cells = [cell("input", 1.0, ["i"], "cifar10", "preactresnet18"), cell("manifold", 2.0, ["m"], "cifar10", "preactresnet18")]
    files = {}
    for rid, acc in (("i", 30.0), ("m", 40.0)):
        p = tmp_path / rid / "eval.json"
        write_record(p, {"run": {"run_id": rid}, "metrics": {"clean": 80.0, "fgsm": {"0": 80.0, "0.0314": acc}, "pgd": 0.5}})
        files[rid] = str(p)
    t7 = write_table("table7", cells, files)
    r = t7.set_index(["method", "epsilon"])
    assert r.loc[("input", 0.0314), "acc_mean"] == 30.0 and r.loc[("input", 0.0314), "paper_acc"] == 71.51
    assert r.loc[("manifold", 0.0), "acc_mean"] == r.loc[("manifold", 0.0), "clean_acc_mean"] == 80.0
    options = ARTEFACTS["pgd_sanity"].options_of({"robustness": {"pgd": {"iterations": 200, "step_size": 0.01, "epsilon": None}}})
    pg = write_table("pgd_sanity", cells, files, options)
    assert pg.set_index("method").loc["manifold", "paper_acc"] == 0.0 and pg["acc_mean"].tolist() == [0.5, 0.5]
    assert math.isnan(pg.loc[0, "epsilon"]) and pg.loc[0, "iterations"] == 200
    assert "unbounded" in ARTEFACTS["pgd_sanity"].fill(ARTEFACTS["pgd_sanity"].notes[0], options)


def test_robustness_tables_state_the_regime_of_the_models_they_compare(tmp_path):
    """Each evaluation carries its model's final clean training accuracy (from the run's sealed metrics.json);
    Tables 7, 9 and the PGD check hold every model to the supervised tables' 99 %, quoting the lowest per method."""
    from mmcore.experiments.robustness import _write
    from mmcore.experiments.job import Job

    cells = [cell("none", 0.0, ["a"], "cifar10", "preactresnet18"), cell("manifold", 2.0, ["b"], "cifar10", "preactresnet18")]
    files = {}
    for rid, fit in (("a", 100.0), ("b", 98.6)):
        trained = tmp_path / "runs" / rid / "metrics.json"
        write_record(trained, {"run": {"run_id": rid}, "metrics": {"train_acc_clean_final": fit}})
        job = Job({"run_id": rid, "seed": 0}, device="cpu", log=logging.getLogger("test"))
        path = tmp_path / "runs" / rid / "eval.json"
        _write(job, path, {"clean": 80.0, "fgsm": {"0": 80.0}, "pgd": 0.0,
                           "deformations": {"rotation": {"20": 70.0}}}, trained=trained)
        files[rid] = str(path)
    for name in ("table7", "table9", "pgd_sanity"):
        options = ARTEFACTS[name].options_of({"robustness": {"interpolation": "nearest",
                                                             "pgd": {"iterations": 1, "step_size": 0.01, "epsilon": None}}})
        state = write_table(name, cells, files, options)["regime"].iloc[0]
        assert state.startswith("NOT met:") and "none 100.0 %" in state and "manifold 98.6 %" in state, name
