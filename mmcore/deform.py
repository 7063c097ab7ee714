"""Deformed test sets of section 5.2 / Table 9: rotation, shear, zoom-in and zoom-out.

Built with torchvision's v2 functional ops on pixel values in [0, 1], before normalisation, with black
fill, as the authors' ``affine_transforms.py`` (nearest neighbour by default; ``interpolation`` is an
option). Random parameters (rotation and shear angles) are drawn per image from a seeded generator, so a
deformed test set is the same on every run and every machine.

* ``rotation`` t: angle ~ U(-t, t) degrees.
* ``shear`` r: shear angle ~ U(-r, r) *radians* (the paper prints 0.5-3 rad as 28.6-171.9 degrees),
  applied along x with torchvision's ``affine(shear=...)``. torchvision's shear matrix uses the tangent
  of the angle, so beyond pi/2 rad it shears less again (tan 3 = -0.14): the authors' Keras-style
  matrix used sin/cos instead and also flips the image there. Only the first two strengths agree.
* ``zoom_in`` k (%): the centred box of k % of the height and width, enlarged back to full size (an
  affine scaling by 1/k about the image centre, so the box is exactly centred, to the sub-pixel).
* ``zoom_out`` k (%): the image shrunk to 1/k of its size in the centre of a black canvas.
"""

from __future__ import annotations

import math

import torch

__all__ = ["DEFORMATIONS", "deform"]

DEFORMATIONS = ("rotation", "shear", "zoom_in", "zoom_out")


def _interp(name: str):
    from torchvision.transforms import InterpolationMode

    return InterpolationMode(name)


def deform(
    x: torch.Tensor, kind: str, param: float, generator: torch.Generator, interpolation: str = "nearest"
) -> torch.Tensor:
    """Deform a batch ``x`` (N, C, H, W) of pixel values in [0, 1]."""
    import torchvision.transforms.v2.functional as TF

    if kind not in DEFORMATIONS:
        raise ValueError(f"unknown deformation {kind!r}; available: {', '.join(DEFORMATIONS)}")
    mode = _interp(interpolation)
    n, _, h, w = x.shape
    if kind in ("rotation", "shear"):
        # Draw every image's angle first, so the set does not depend on how it is batched.
        u = torch.rand(n, generator=generator, dtype=torch.float64) * 2 - 1
        angles = (u * float(param)).tolist()
        out = torch.empty_like(x)
        for i, a in enumerate(angles):
            if kind == "rotation":
                out[i] = TF.rotate(x[i], a, interpolation=mode, fill=[0.0])
            else:
                out[i] = TF.affine(
                    x[i], angle=0.0, translate=[0.0, 0.0], scale=1.0, shear=[math.degrees(a), 0.0],
                    interpolation=mode, fill=[0.0],
                )
        return out
    k = float(param) / 100.0
    if kind == "zoom_in":
        if not 0 < k <= 1:
            raise ValueError(f"zoom_in: expected a percentage in (0, 100], got {param}")
        if k == 1:
            return x.clone()
        # The definition, in continuous coordinates: output point q shows input point c + (q - c) * k,
        # c the image centre. An affine map about the centre samples exactly that (pixel centres, no
        # rounding of the box to whole pixels, which shifted it up to a pixel towards the top-left).
        return TF.affine(
            x, angle=0.0, translate=[0.0, 0.0], scale=1.0 / k, shear=[0.0, 0.0], interpolation=mode, fill=[0.0]
        )
    if k < 1:
        raise ValueError(f"zoom_out: expected a percentage >= 100, got {param}")
    small = TF.resize(x, [max(1, round(h / k)), max(1, round(w / k))], interpolation=mode, antialias=False)
    return TF.center_crop(small, [h, w])  # pads with zeros around the shrunken image
