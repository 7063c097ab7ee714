"""The synthetic-task classifier (appendix A; the authors' ``classifier_synth.py``, reference.md 3.4).

Four 5x5 stride-2 convolutions (padding 2) with BatchNorm and LeakyReLU(0.02), 32 -> 64 -> 128 -> 256
channels (the last block has no activation), then a linear head on the flattened 256 x 4 x 4 map. The
authors used one logit and a sigmoid; we use ``num_classes`` logits, and for two classes the
softmax-BCE loss equals their sigmoid BCE exactly (see ``mmcore.losses``).

Mix points: ``input`` and the output of each conv block (``block1`` ... ``block3``).
"""

from __future__ import annotations

from torch import nn

from ..mixup import MixPoint
from ._registry import register_model

__all__ = ["SyntheticCNN"]


def _block(cin: int, cout: int, act: bool) -> nn.Sequential:
    layers = [nn.Conv2d(cin, cout, 5, stride=2, padding=2), nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.LeakyReLU(0.02))
    return nn.Sequential(*layers)


class SyntheticCNN(nn.Module):
    def __init__(
        self,
        num_classes: int = 2,
        in_channels: int = 1,
        widths: tuple[int, ...] = (32, 64, 128, 256),
        image_size: int = 64,
    ):
        super().__init__()
        chans = (in_channels, *widths)
        n = len(widths)
        for i in range(n):
            self.add_module(f"block{i + 1}", _block(chans[i], chans[i + 1], act=i < n - 1))
        side = image_size // 2**n
        self.head = nn.Linear(widths[-1] * side * side, num_classes)
        self.num_blocks = n
        self.mix_points = (MixPoint("input", ""),) + tuple(
            MixPoint(f"block{i + 1}", f"block{i + 1}") for i in range(n - 1)
        )

    def forward_features(self, x):
        for i in range(self.num_blocks):
            x = getattr(self, f"block{i + 1}")(x)
        return x.flatten(1)

    def forward_head(self, x, pre_logits: bool = False):
        return x if pre_logits else self.head(x)

    def forward(self, x):
        return self.forward_head(self.forward_features(x))


@register_model
def synthetic_cnn(**kwargs) -> SyntheticCNN:
    """The appendix-A classifier: 4 conv blocks, 32 to 256 channels, 64 x 64 grayscale input."""
    return SyntheticCNN(**kwargs)
