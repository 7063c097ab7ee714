"""WRN-28-10 as the Manifold Mixup authors trained it (reference.md 3.2).

Zagoruyko & Komodakis, "Wide Residual Networks" (BMVC 2016), in the layout of the authors'
``supervised/models/wide_resnet.py``: a 3x3 stem with bias (stride 2 for 64x64 inputs), three stages of
n = (depth - 4) / 6 blocks of widths 16k, 32k, 64k. A block is conv3x3(ReLU(BN(x))) then
conv3x3(ReLU(BN(.))) with the stride on the *second* convolution, all with bias, plus a 1x1 strided conv
(with bias) of the raw x when the shape changes. No dropout ("dropout has been removed"). Head: BN with
momentum 0.9 (the authors' value; in PyTorch's convention 0.9 weighs the new batch), ReLU, global
average pooling (their ``avg_pool2d(., 8)`` on the 8x8 map), linear.

Mix points: ``input`` (0), ``stage1`` (1, after layer1), ``stage2`` (2), ``stage3`` (3). The paper mixes
in {input, stage1} for this network; the authors' code in {input, stage1, stage2}.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import nn

from ..mixup import MixPoint
from ._registry import register_model

__all__ = ["WideResNet", "WideBasic"]


class WideBasic(nn.Module):
    def __init__(self, in_planes: int, planes: int, stride: int = 1):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = nn.Conv2d(in_planes, planes, 3, padding=1, bias=True)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=True)
        self.shortcut = None
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Conv2d(in_planes, planes, 1, stride=stride, bias=True)

    def forward(self, x):
        out = self.conv1(F.relu(self.bn1(x)))
        out = self.conv2(F.relu(self.bn2(out)))
        return out + (self.shortcut(x) if self.shortcut is not None else x)


class WideResNet(nn.Module):
    def __init__(
        self,
        depth: int = 28,
        widen_factor: int = 10,
        num_classes: int = 10,
        in_channels: int = 3,
        stem_stride: int = 1,
    ):
        super().__init__()
        if (depth - 4) % 6:
            raise ValueError(f"WideResNet depth: expected 6n + 4, got {depth}")
        n = (depth - 4) // 6
        widths = (16, 16 * widen_factor, 32 * widen_factor, 64 * widen_factor)
        self.conv1 = nn.Conv2d(in_channels, widths[0], 3, stride=stem_stride, padding=1, bias=True)
        self.in_planes = widths[0]
        self.layer1 = self._make_layer(widths[1], n, 1)
        self.layer2 = self._make_layer(widths[2], n, 2)
        self.layer3 = self._make_layer(widths[3], n, 2)
        self.bn1 = nn.BatchNorm2d(widths[3], momentum=0.9)
        self.linear = nn.Linear(widths[3], num_classes)
        self.mix_points = (
            MixPoint("input", ""),
            MixPoint("stage1", "layer1"),
            MixPoint("stage2", "layer2"),
            MixPoint("stage3", "layer3"),
        )

    def _make_layer(self, planes: int, n: int, stride: int) -> nn.Sequential:
        blocks = []
        for s in [stride] + [1] * (n - 1):
            blocks.append(WideBasic(self.in_planes, planes, s))
            self.in_planes = planes
        return nn.Sequential(*blocks)

    def forward_features(self, x):
        x = self.layer3(self.layer2(self.layer1(self.conv1(x))))
        return F.relu(self.bn1(x))

    def forward_head(self, x, pre_logits: bool = False):
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return x if pre_logits else self.linear(x)

    def forward(self, x):
        return self.forward_head(self.forward_features(x))


@register_model
def wrn28_10(**kwargs) -> WideResNet:
    """WRN-28-10: 4 blocks per stage, widths 160, 320, 640."""
    return WideResNet(**dict(dict(depth=28, widen_factor=10), **kwargs))


@register_model
def wrn28_2(**kwargs) -> WideResNet:
    """WRN-28-2: the narrow variant of the authors' code (widths 32, 64, 128)."""
    return WideResNet(**dict(dict(depth=28, widen_factor=2), **kwargs))
