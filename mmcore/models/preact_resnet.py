"""PreActResNet18/34/50 as the Manifold Mixup authors trained them (reference.md 3.1).

He et al., "Identity Mappings in Deep Residual Networks" (ECCV 2016), in the CIFAR layout of the authors'
``supervised/models/preresnet.py``: a 3x3 stem (stride 2 for 64x64 Tiny-ImageNet inputs) with no BN/ReLU
after it, four stages of pre-activation blocks (64, 128, 256, 512 channels; stride 1, 2, 2, 2), no final
BN+ReLU, global average pooling (the authors' ``avg_pool2d(., 4)`` on the 4x4 map of a 32x32 input) and a
linear head. The shortcut is the identity, or a bias-free 1x1 convolution of the *pre-activated* input
when the stride or width changes. PyTorch's default initialisation.

Mix points (the code's k): ``input`` (0), ``stage1`` (1, after layer1), ``stage2`` (2), ``stage3`` (3).
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import nn

from ..mixup import MixPoint
from ._registry import register_model

__all__ = ["PreActResNet", "PreActBlock", "PreActBottleneck"]


class PreActBlock(nn.Module):
    """BN-ReLU-conv3x3(stride)-BN-ReLU-conv3x3, plus the shortcut (PreActResNet18/34)."""

    expansion = 1

    def __init__(self, in_planes: int, planes: int, stride: int = 1):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.shortcut = None
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False)

    def forward(self, x):
        out = F.relu(self.bn1(x))
        shortcut = self.shortcut(out) if self.shortcut is not None else x
        out = self.conv1(out)
        out = self.conv2(F.relu(self.bn2(out)))
        return out + shortcut


class PreActBottleneck(nn.Module):
    """BN-ReLU-1x1, BN-ReLU-3x3(stride), BN-ReLU-1x1 (4x), plus the shortcut (PreActResNet50)."""

    expansion = 4

    def __init__(self, in_planes: int, planes: int, stride: int = 1):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = nn.Conv2d(in_planes, planes, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.shortcut = None
        if stride != 1 or in_planes != planes * 4:
            self.shortcut = nn.Conv2d(in_planes, planes * 4, 1, stride=stride, bias=False)

    def forward(self, x):
        out = F.relu(self.bn1(x))
        shortcut = self.shortcut(out) if self.shortcut is not None else x
        out = self.conv1(out)
        out = self.conv2(F.relu(self.bn2(out)))
        out = self.conv3(F.relu(self.bn3(out)))
        return out + shortcut


class PreActResNet(nn.Module):
    def __init__(
        self,
        block: type[nn.Module],
        layers: tuple[int, int, int, int],
        num_classes: int = 10,
        in_channels: int = 3,
        width: int = 64,
        stem_stride: int = 1,
    ):
        super().__init__()
        self.in_planes = width
        self.conv1 = nn.Conv2d(in_channels, width, 3, stride=stem_stride, padding=1, bias=False)
        self.layer1 = self._make_layer(block, width, layers[0], 1)
        self.layer2 = self._make_layer(block, width * 2, layers[1], 2)
        self.layer3 = self._make_layer(block, width * 4, layers[2], 2)
        self.layer4 = self._make_layer(block, width * 8, layers[3], 2)
        self.linear = nn.Linear(width * 8 * block.expansion, num_classes)
        self.mix_points = (
            MixPoint("input", ""),
            MixPoint("stage1", "layer1"),
            MixPoint("stage2", "layer2"),
            MixPoint("stage3", "layer3"),
        )

    def _make_layer(self, block, planes: int, n: int, stride: int) -> nn.Sequential:
        blocks = []
        for s in [stride] + [1] * (n - 1):
            blocks.append(block(self.in_planes, planes, s))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*blocks)

    def forward_features(self, x):
        x = self.conv1(x)
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))

    def forward_head(self, x, pre_logits: bool = False):
        # Equal to the authors' avg_pool2d(x, 4) on the 4x4 map of a 32x32 (or strided 64x64) input.
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return x if pre_logits else self.linear(x)

    def forward(self, x):
        return self.forward_head(self.forward_features(x))


@register_model
def preactresnet18(**kwargs) -> PreActResNet:
    """PreActResNet18: basic blocks [2, 2, 2, 2]."""
    return PreActResNet(PreActBlock, (2, 2, 2, 2), **kwargs)


@register_model
def preactresnet34(**kwargs) -> PreActResNet:
    """PreActResNet34: basic blocks [3, 4, 6, 3]."""
    return PreActResNet(PreActBlock, (3, 4, 6, 3), **kwargs)


@register_model
def preactresnet50(**kwargs) -> PreActResNet:
    """PreActResNet50: bottleneck blocks [3, 4, 6, 3]."""
    return PreActResNet(PreActBottleneck, (3, 4, 6, 3), **kwargs)
