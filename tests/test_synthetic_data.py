"""The synthetic renderer and task definitions (appendix A), against PIL and the appendix's numbers."""

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from mmcore.data.synthetic import (
    FACTORS,
    INK,
    SyntheticSource,
    factor_mix,
    render,
    sample_factors,
    fixed_test_set,
)
from mmcore.mixup import MixParams

pytestmark = pytest.mark.filterwarnings("error")
ANGLE = FACTORS.index("angle")
XLEN = FACTORS.index("xlen")


def pil_render(f) -> np.ndarray:
    """Independent oracle: the authors' recipe drawn with PIL (reference.md 3.4).

    Red polyline on a white RGBA 256 canvas, rotate (transparent black fill), grayscale, box-reduce to
    64 x 64. PIL draws butt line ends, so a few pixels at the stroke ends differ from our round caps.
    """
    xpos, ypos, xlen, ych, xbot, width, angle = (float(v) for v in f)
    img = Image.new("RGBA", (256, 256), (255, 255, 255, 255))
    d = ImageDraw.Draw(img)
    pts = [(xpos, ypos), (xpos + xlen, ypos + ych), (xpos + xlen + xbot, ypos + 200)]
    d.line(pts, fill=(255, 0, 0, 255), width=int(width), joint="curve")
    img = img.rotate(angle, resample=Image.Resampling.BILINEAR)
    gray = img.convert("L").resize((64, 64), Image.Resampling.BOX)
    return np.asarray(gray, dtype=np.float64) / 255.0


def test_render_matches_pil_oracle():
    g = torch.Generator().manual_seed(0)
    for task, split in (("C", "train"), ("A", "test"), ("B", "test")):
        f, _ = sample_factors(task, 12, g, split)
        ours = render(f)[:, 0].double().numpy()
        for i in range(12):
            ref = pil_render(f[i])
            diff = np.abs(ours[i] - ref)
            assert diff.mean() < 0.02, (task, split, i)
            # Large differences only where the caps differ (round vs butt): under 2.5 % of pixels.
            assert (diff > 0.3).mean() < 0.025, (task, split, i)


def test_render_is_deterministic_and_in_range():
    g = torch.Generator().manual_seed(1)
    f, _ = sample_factors("C", 40, g)
    a, b = render(f), render(f.clone())
    assert torch.equal(a, b)
    assert a.shape == (40, 1, 64, 64) and a.dtype == torch.float32
    assert a.min() >= 0 and a.max() <= 1
    # Batch composition does not change an image.
    assert torch.equal(render(f[7:8]), a[7:8])


def test_unrotated_geometry():
    # A vertical "1": top stroke of length 0 at x=100, down-stroke to x=100, from y=40 to y=240.
    f = torch.tensor([[100.0, 40.0, 0.0, 0.0, 0.0, 20.0, 0.0]])
    img = render(f)[0, 0]
    col = int(100 / 4)  # canvas x 100 is output column 25
    assert img[int(140 / 4), col] == pytest.approx(INK, abs=1e-6)  # mid-stroke: pure ink
    assert img[int(140 / 4), col + 6] == pytest.approx(1.0)  # 24 canvas px to the right: paper
    assert img[2, col] == pytest.approx(1.0)  # above the stroke
    assert (img == 0).sum() == 0  # no rotation, no black corners


def test_rotation_is_counter_clockwise_with_black_corners():
    f = torch.tensor([[128.0, 28.0, 0.0, 0.0, 0.0, 16.0, 90.0]])  # vertical line through the centre
    img = render(f)[0, 0]
    # Rotated by +90 degrees counter-clockwise it becomes horizontal through the centre row.
    assert img[32, 10] == pytest.approx(INK, abs=1e-6) and img[32, 53] == pytest.approx(INK, abs=1e-6)
    assert img[5, 32] == pytest.approx(1.0)
    g = torch.tensor([[128.0, 28.0, 0.0, 0.0, 0.0, 16.0, 45.0]])
    assert render(g)[0, 0, 0, 0] == 0.0  # a 45 degree turn brings black into the corners


@pytest.mark.parametrize(
    "task,split,ranges",
    [
        ("A", "train", [(-70, -50), (50, 80)]),
        ("A", "test", [(-30, -10), (10, 30)]),
        ("B", "test", [(-30, -20), (-10, 30)]),
        ("C", "train", [(-70, -50), (50, 80)]),
        ("C", "test", [(-30, 30)]),
    ],
)
def test_task_angle_ranges(task, split, ranges):
    f, y = sample_factors(task, 4000, torch.Generator().manual_seed(2), split)
    angle = f[:, ANGLE]
    in_range = torch.zeros_like(angle, dtype=torch.bool)
    for lo, hi in ranges:
        in_range |= (angle >= lo) & (angle <= hi)
    assert in_range.all()
    for lo, hi in ranges:  # every range is used, the two sides about equally
        share = ((angle >= lo) & (angle <= hi)).float().mean().item()
        assert share > 0.4
    if task in "AB":  # label = which range
        for label, (lo, hi) in enumerate(ranges):
            sel = y == label
            assert ((angle[sel] >= lo) & (angle[sel] <= hi)).all()
    if task == "C":  # label = digit: "1" has a short top stroke, "7" a long one
        assert (f[y == 0, XLEN] <= 20).all() and (f[y == 1, XLEN] >= 40).all()
        if split == "train":  # angle independent of the label
            for label in (0, 1):
                assert ((angle[y == label] > 0).float().mean() - 0.5).abs() < 0.05


def test_factor_mixup_renders_the_interpolated_factors():
    g = torch.Generator().manual_seed(4)
    f, _ = sample_factors("A", 6, g)
    perm = torch.tensor([5, 4, 3, 2, 1, 0])
    p = MixParams(lam=torch.tensor(0.3), perm=perm)
    mixed = torch.stack([torch.trunc(0.3 * f[i] + 0.7 * f[perm[i]]) for i in range(6)])
    torch.testing.assert_close(render(factor_mix(f, p)), render(mixed))
    raw = torch.stack([0.3 * f[i] + 0.7 * f[perm[i]] for i in range(6)])
    torch.testing.assert_close(render(factor_mix(f, p, truncate=False)), render(raw))
    # The mixed angles lie between the partners' angles: factor mixup fills the angle gap.
    a = factor_mix(f, p, truncate=False)[:, ANGLE]
    lo = torch.minimum(f[:, ANGLE], f[perm, ANGLE])
    hi = torch.maximum(f[:, ANGLE], f[perm, ANGLE])
    assert ((a >= lo - 1e-4) & (a <= hi + 1e-4)).all()


def test_test_set_fixed_per_seed_and_source_reproducible():
    x1, y1 = fixed_test_set("B", 50, seed=3)
    x2, y2 = fixed_test_set("B", 50, seed=3)
    x3, _ = fixed_test_set("B", 50, seed=4)
    assert torch.equal(x1, x2) and torch.equal(y1, y2) and not torch.equal(x1, x3)
    s1, s2 = SyntheticSource("C", 8, seed=9), SyntheticSource("C", 8, seed=9)
    b1, b2 = s1.next_batch(), s2.next_batch()
    assert torch.equal(b1.x, b2.x) and torch.equal(b1.y, b2.y)
    state = s1.state_dict()
    nxt = s1.next_batch()
    s2.load_state_dict(state)
    assert torch.equal(s2.next_batch().x, nxt.x)


def test_errors():
    with pytest.raises(ValueError, match="unknown synthetic task 'D'"):
        sample_factors("D", 1, torch.Generator())
    with pytest.raises(ValueError, match=r"expected factors of shape \(N, 7\)"):
        render(torch.zeros(2, 6))
