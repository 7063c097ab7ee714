"""Bottleneck MLPs for the representation analyses (appendix B, Figure 5; appendix G, Figures 9-12).

``n_before`` fully connected layers of ``width`` units with LeakyReLU, a linear bottleneck of
``bottleneck`` units (optionally followed by BatchNorm, as in the authors' Figure 5 script), then
``n_after`` such layers and a linear classifier. Manifold mixup here mixes only at the bottleneck
(appendix B: "training *only* with mixup directly following the 2D bottleneck").

Mix points: ``input`` and ``bottleneck`` (the bottleneck's output, after its BatchNorm if any).

Variants used by the paper (reference.md 3.3):
* ``mlp_bottleneck2``: 2 layers, 2-D bottleneck, 2 layers (appendix B's text); the authors' script used
  3 layers before and BatchNorm on the bottleneck (``n_before=3, bottleneck_bn=True``).
* ``mlp_bottleneck12_after3`` / ``mlp_bottleneck30_after3``: 3 layers, 12 or 30 units, 4 layers (Fig. 9, 10).
* ``mlp_bottleneck30_after1``: 1 layer, 30 units, 4 layers (Fig. 11).
"""

from __future__ import annotations

from torch import nn

from ..mixup import MixPoint
from ._registry import register_model

__all__ = ["BottleneckMLP"]


class BottleneckMLP(nn.Module):
    def __init__(
        self,
        num_classes: int = 10,
        in_channels: int = 1,
        image_size: int = 28,
        width: int = 1024,
        n_before: int = 2,
        bottleneck: int = 2,
        n_after: int = 2,
        bottleneck_bn: bool = False,
        negative_slope: float = 0.01,
    ):
        super().__init__()
        d = in_channels * image_size * image_size
        before = []
        for _ in range(n_before):
            before += [nn.Linear(d, width), nn.LeakyReLU(negative_slope)]
            d = width
        self.before = nn.Sequential(nn.Flatten(), *before)
        squeeze = [nn.Linear(d, bottleneck)]
        if bottleneck_bn:
            squeeze.append(nn.BatchNorm1d(bottleneck))
        self.bottleneck = nn.Sequential(*squeeze)
        after, d = [], bottleneck
        for _ in range(n_after):
            after += [nn.Linear(d, width), nn.LeakyReLU(negative_slope)]
            d = width
        self.after = nn.Sequential(*after)
        self.head = nn.Linear(d, num_classes)
        self.mix_points = (MixPoint("input", ""), MixPoint("bottleneck", "bottleneck"))

    def forward_features(self, x):
        """The bottleneck representation."""
        return self.bottleneck(self.before(x))

    def forward_head(self, h, pre_logits: bool = False):
        h = self.after(h)
        return h if pre_logits else self.head(h)

    def forward(self, x):
        return self.forward_head(self.forward_features(x))


@register_model
def mlp_bottleneck(**kwargs) -> BottleneckMLP:
    """Any bottleneck MLP: pass n_before, bottleneck, n_after, bottleneck_bn."""
    return BottleneckMLP(**kwargs)


@register_model
def mlp_bottleneck2(**kwargs) -> BottleneckMLP:
    """Figure 5 (appendix B text): 2 x 1024, a 2-D bottleneck, 2 x 1024."""
    return BottleneckMLP(**dict(dict(n_before=2, bottleneck=2, n_after=2), **kwargs))


@register_model
def mlp_bottleneck12_after3(**kwargs) -> BottleneckMLP:
    """Figure 9 (appendix G): 3 x 1024, 12 units, 4 x 1024."""
    return BottleneckMLP(**dict(dict(n_before=3, bottleneck=12, n_after=4), **kwargs))


@register_model
def mlp_bottleneck30_after3(**kwargs) -> BottleneckMLP:
    """Figure 10 (appendix G): 3 x 1024, 30 units, 4 x 1024."""
    return BottleneckMLP(**dict(dict(n_before=3, bottleneck=30, n_after=4), **kwargs))


@register_model
def mlp_bottleneck30_after1(**kwargs) -> BottleneckMLP:
    """Figure 11 (appendix G): 1 x 1024, 30 units, 4 x 1024."""
    return BottleneckMLP(**dict(dict(n_before=1, bottleneck=30, n_after=4), **kwargs))
