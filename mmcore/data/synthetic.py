"""Synthetic "1" / "7" digits rendered from known factors of variation (appendix A, Table 8, Figure 4).

Each image is a deterministic function of a factor vector (reference.md 3.4, the authors'
``synth_data_exp.py``): on a 256 x 256 white canvas, a red two-stroke polyline

* top stroke from (xpos, ypos) to (xpos + xlen, ypos + ychange),
* down-stroke from there to (xpos + xlen + xbot, ypos + 200),

drawn ``linewidth`` pixels wide, then rotated by ``angle`` degrees counter-clockwise about the canvas
centre (corners that rotate in from outside the canvas are black, as PIL's ``rotate`` of an RGBA canvas
converted to grayscale gives), reduced to 64 x 64 and converted to grayscale in [0, 1]. A short top
stroke (xlen ~ U(0, 20)) reads as a "1", a long one (xlen ~ U(40, 100)) as a "7".

Rendering is analytic and batched in torch instead of drawing with PIL: a point is ink when it lies
within ``linewidth / 2`` of either stroke (round caps; PIL draws butt ends, a difference confined to
the two free stroke ends), and each output pixel takes its anti-aliased coverage (see :func:`render`).
Same factors, same pixels.

Tasks (appendix A): train angles are U(-70, -50) or U(50, 80) with probability 1/2 each.
* Task A: label = angle range; test label 0 ~ U(-30, -10), label 1 ~ U(10, 30).
* Task B: label = angle range; test label 0 ~ U(-30, -20), label 1 ~ U(-10, 30).
* Task C: label = digit ("1" = 0, "7" = 1), angle independent of it; test angles U(-30, 30).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..mixup import MixParams, mix
from ..seeding import seed_generator
from .batch import Batch

__all__ = [
    "FACTORS",
    "TASKS",
    "IMAGE_SIZE",
    "TaskSpec",
    "sample_factors",
    "render",
    "factor_mix",
    "SyntheticSource",
    "fixed_test_set",
    "fixed_train_sample",
]

#: Order of the columns of a factor vector.
FACTORS = ("xpos", "ypos", "xlen", "ychange", "xbot", "linewidth", "angle")
_F = {name: i for i, name in enumerate(FACTORS)}

CANVAS = 256  # the authors' canvas, pixels
IMAGE_SIZE = 64  # the classifier's input, pixels
DOWN_STROKE = 200.0  # vertical extent of the down-stroke on the canvas
# Grayscale values: PIL's L = 0.299 R + 0.587 G + 0.114 B of red ink (255, 0, 0) is 76; white paper is
# 255; rotated-in corners of a transparent RGBA canvas are 0.
INK = 76.0 / 255.0
PAPER = 1.0
OUTSIDE = 0.0

TRAIN_ANGLES = ((-70.0, -50.0), (50.0, 80.0))
DIGIT_XLEN = ((0.0, 20.0), (40.0, 100.0))  # "1", "7"


@dataclass(frozen=True)
class TaskSpec:
    """What the label means and where the test angles lie (one range per label, or one for all)."""

    label: str  # "angle" or "digit"
    test_angles: tuple[tuple[float, float], ...]


TASKS = {
    "A": TaskSpec("angle", ((-30.0, -10.0), (10.0, 30.0))),
    "B": TaskSpec("angle", ((-30.0, -20.0), (-10.0, 30.0))),
    "C": TaskSpec("digit", ((-30.0, 30.0),)),
}


def _uniform(n: int, low: float, high: float, g: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=g)


def _from_ranges(choice: torch.Tensor, ranges, g: torch.Generator) -> torch.Tensor:
    """Per example, U(ranges[choice[i]])."""
    low = torch.tensor([r[0] for r in ranges])[choice]
    high = torch.tensor([r[1] for r in ranges])[choice]
    return low + (high - low) * torch.rand(choice.shape[0], generator=g)


def sample_factors(
    task: str, n: int, generator: torch.Generator, split: str = "train"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``n`` factor vectors and their labels for a task and split ("train" or "test")."""
    if task not in TASKS:
        raise ValueError(f"unknown synthetic task {task!r}; available: {', '.join(TASKS)}")
    if split not in ("train", "test"):
        raise ValueError(f"split: expected 'train' or 'test', got {split!r}")
    spec = TASKS[task]
    g = generator
    f = torch.empty(n, len(FACTORS))
    f[:, _F["xpos"]] = _uniform(n, 30, 150, g)
    f[:, _F["ypos"]] = _uniform(n, 20, 50, g)
    f[:, _F["ychange"]] = _uniform(n, -10, 10, g)
    f[:, _F["xbot"]] = _uniform(n, -30, 5, g)
    f[:, _F["linewidth"]] = torch.randint(15, 36, (n,), generator=g).float()
    digit = torch.randint(0, 2, (n,), generator=g)
    f[:, _F["xlen"]] = _from_ranges(digit, DIGIT_XLEN, g)
    side = torch.randint(0, 2, (n,), generator=g)  # which angle range
    if split == "train":
        f[:, _F["angle"]] = _from_ranges(side, TRAIN_ANGLES, g)
    elif len(spec.test_angles) == 1:
        f[:, _F["angle"]] = _from_ranges(torch.zeros_like(side), spec.test_angles, g)
    else:
        f[:, _F["angle"]] = _from_ranges(side, spec.test_angles, g)
    label = digit if spec.label == "digit" else side
    return f, label


def _segment_dist2(px, py, ax, ay, bx, by):
    """Squared distance from points (px, py) to segments a-b (broadcast over the batch)."""
    dx, dy = bx - ax, by - ay
    len2 = (dx * dx + dy * dy).clamp(min=1e-12)
    t = (((px - ax) * dx + (py - ay) * dy) / len2).clamp(0.0, 1.0)
    ex, ey = px - ax - t * dx, py - ay - t * dy
    return ex * ex + ey * ey


def render(factors: torch.Tensor, chunk: int = 128) -> torch.Tensor:
    """Render factor vectors ``(N, 7)`` to images ``(N, 1, 64, 64)`` in [0, 1].

    Anti-aliasing is analytic: a pixel's ink coverage is its centre's distance to the stroke edge in
    pixel units, clamped to [0, 1] (``0.5 + (r - d) / pixel``), and likewise for the canvas edge. This
    equals the area coverage for straight edges and is 16x cheaper than 4 x 4 supersampling. The strokes
    are rotated forward (per image) instead of rotating every pixel back; only the canvas-bounds term
    maps pixels back to the unrotated canvas.
    """
    if factors.ndim != 2 or factors.shape[1] != len(FACTORS):
        raise ValueError(
            f"render: expected factors of shape (N, {len(FACTORS)}), got {tuple(factors.shape)}"
        )
    device = factors.device
    pixel = CANVAS / IMAGE_SIZE  # canvas pixels per output pixel
    c = CANVAS / 2.0
    centres = (torch.arange(IMAGE_SIZE, device=device, dtype=torch.float32) + 0.5) * pixel - c
    qy = centres.view(1, -1, 1)  # pixel centres relative to the canvas centre, y down
    qx = centres.view(1, 1, -1)
    out = []
    for f in factors.float().split(chunk):
        xpos, ypos, xlen, ych, xbot, width, angle = (f[:, i].view(-1, 1, 1) for i in range(7))
        theta = angle * (math.pi / 180.0)
        cos, sin = torch.cos(theta), torch.sin(theta)
        # Stroke vertices on the unrotated canvas, relative to the centre.
        x0, y0 = xpos - c, ypos - c
        x1, y1 = x0 + xlen, y0 + ych
        x2, y2 = x1 + xbot, y0 + DOWN_STROKE

        # Counter-clockwise on screen (y points down): x' = cos x + sin y, y' = -sin x + cos y.
        def rot(x, y):
            return cos * x + sin * y, -sin * x + cos * y

        (x0, y0), (x1, y1), (x2, y2) = rot(x0, y0), rot(x1, y1), rot(x2, y2)
        d2 = torch.minimum(
            _segment_dist2(qx, qy, x0, y0, x1, y1), _segment_dist2(qx, qy, x1, y1, x2, y2)
        )
        ink = (0.5 + (width * 0.5 - d2.sqrt()) / pixel).clamp(0.0, 1.0)
        # Distance inside the unrotated canvas square: x = cos x' - sin y', y = sin x' + cos y'.
        edge = torch.maximum((cos * qx - sin * qy).abs(), (sin * qx + cos * qy).abs())
        inside = (0.5 + (c - edge) / pixel).clamp(0.0, 1.0)
        img = OUTSIDE + inside * (PAPER - OUTSIDE + ink * (INK - PAPER))
        out.append(img.unsqueeze(1))
    return torch.cat(out) if out else torch.empty(0, 1, IMAGE_SIZE, IMAGE_SIZE, device=device)


def factor_mix(factors: torch.Tensor, params: MixParams, truncate: bool = True) -> torch.Tensor:
    """Ground-truth factor mixup: interpolate factor vectors with the batch's lambda and permutation.

    ``truncate`` rounds the mixed factors toward zero, as the authors' code does (``int()`` of each
    mixed attribute); the paper does not say.
    """
    mixed = mix(factors, params)
    return torch.trunc(mixed) if truncate else mixed


class SyntheticSource:
    """Fresh training batches for one task, from its own generator (saved in checkpoints)."""

    num_classes = 2

    def __init__(
        self,
        task: str,
        batch_size: int,
        seed: int,
        factor_truncate: bool = True,
        device: str | torch.device = "cpu",
    ):
        if task not in TASKS:
            raise ValueError(f"unknown synthetic task {task!r}; available: {', '.join(TASKS)}")
        self.task = task
        self.batch_size = batch_size
        self.factor_truncate = factor_truncate
        self.device = torch.device(device)
        self.generator = seed_generator(seed, "batches")

    def next_batch(self):
        factors, labels = sample_factors(self.task, self.batch_size, self.generator, "train")
        factors, labels = factors.to(self.device), labels.to(self.device)
        return Batch(x=self.render(factors), y=labels, factors=factors, render=self.render_mixed)

    def render(self, factors: torch.Tensor) -> torch.Tensor:
        return render(factors)

    def render_mixed(self, factors: torch.Tensor, params: MixParams) -> torch.Tensor:
        return self.render(factor_mix(factors, params, self.factor_truncate))

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])


def fixed_train_sample(task: str, size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A fixed sample of the task's *training* distribution (its own stream: no other draw moves), on
    which a trained network's accuracy says whether it fits what it was trained on."""
    factors, labels = sample_factors(task, size, seed_generator(seed, f"synthetic_train_sample/{task}"), "train")
    return render(factors), labels


def fixed_test_set(task: str, size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The fixed test set of a task for one seed: same (task, size, seed), same images."""
    factors, labels = sample_factors(task, size, seed_generator(seed, f"synthetic_test/{task}"), "test")
    return render(factors), labels
