"""GAN generators and spectral-norm discriminators of appendix E (Figure 8).

Two families, each a generator and a discriminator (gan.md sections 2.3, 3 and 6):

* **SNGAN ResNet, 32 x 32** as the authors' ``gan/`` code configures it by default (``variant="code"``): G
  with 128 channels and z of 62, three up-blocks with upsampled identity shortcuts; D with an optimized
  first block (3 -> 128, down), a down-block and two blocks without downsampling (identity shortcut, as
  the ``new_gan`` branch), ReLU, global *average* pooling and a linear head *with* bias. Miyato et al.'s
  SN-GAN (``variant="miyato"``): G with 256 channels, z of 128 and learnable 1x1 shortcuts when
  upsampling; D with global *sum* pooling and a linear head without bias.
* **DCGAN-class stand-in** for the offline default (28 x 28 Fashion-MNIST, or 32 x 32): G z -> dense
  (side/4)^2 x 2c -> transposed conv -> side/2 x c -> transposed conv -> side; D two strided SN convs and
  an SN linear head.

Every convolution and linear layer of a discriminator is wrapped in
``torch.nn.utils.parametrizations.spectral_norm`` (one power iteration per training forward, as Miyato
and the authors' module). A discriminator returns one logit per image (the authors' sigmoid is inside the
BCE-with-logits loss) and declares its mix points: ``pixel`` (the input), ``h1`` (after block 1) and ``h2``
(after block 2), the names of appendix E and Figure 8.

Discriminators are registered in the model registry (their mix points are checked there); generators,
which declare no mix points, are built with :func:`create_generator`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from ..mixup import MixPoint
from ._registry import check_settings, model_settings, register_model, settings_of

__all__ = [
    "SNGAN_VARIANTS",
    "SNResNetGenerator",
    "SNResNetDiscriminator",
    "DCGANGenerator",
    "DCGANDiscriminator",
    "GENERATORS",
    "create_generator",
    "split_gan_settings",
    "FeatureCNN",
]

#: The two SNGAN configurations (gan.md section 3): the authors' code and Miyato et al.
SNGAN_VARIANTS = {
    "code": {"g_channels": 128, "z_dim": 62, "pool": "avg", "head_bias": True, "g_shortcut": "identity"},
    "miyato": {"g_channels": 256, "z_dim": 128, "pool": "sum", "head_bias": False, "g_shortcut": "conv"},
}


def _mix_points() -> tuple[MixPoint, ...]:
    return (MixPoint("pixel", ""), MixPoint("h1", "block1"), MixPoint("h2", "block2"))


def _sn(module: nn.Module) -> nn.Module:
    return spectral_norm(module)


# ---- SNGAN ResNet (32 x 32) ---------------------------------------------------------------------------


class _UpBlock(nn.Module):
    """BN, ReLU, nearest x2, conv3, BN, ReLU, conv3; shortcut: upsampled identity (code) or 1x1 conv."""

    def __init__(self, cin: int, cout: int, shortcut: str):
        super().__init__()
        self.bn1, self.conv1 = nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.bn2, self.conv2 = nn.BatchNorm2d(cout), nn.Conv2d(cout, cout, 3, padding=1)
        if shortcut == "identity" and cin != cout:
            raise ValueError(f"an identity shortcut needs equal channels, got {cin} -> {cout}")
        self.shortcut = nn.Identity() if shortcut == "identity" else nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        h = F.interpolate(F.relu(self.bn1(x)), scale_factor=2, mode="nearest")
        h = self.conv2(F.relu(self.bn2(self.conv1(h))))
        return h + self.shortcut(F.interpolate(x, scale_factor=2, mode="nearest"))


class SNResNetGenerator(nn.Module):
    def __init__(self, z_dim: int = 62, channels: int = 128, out_channels: int = 3, shortcut: str = "identity"):
        super().__init__()
        self.z_dim, self.channels = z_dim, channels
        self.dense = nn.Linear(z_dim, 4 * 4 * channels)
        self.blocks = nn.Sequential(*(_UpBlock(channels, channels, shortcut) for _ in range(3)))
        self.bn = nn.BatchNorm2d(channels)
        self.out = nn.Conv2d(channels, out_channels, 3, padding=1)
        for m in self.modules():  # Xavier, as the authors' model_resnet.py
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, z):
        h = self.dense(z).view(-1, self.channels, 4, 4)
        return torch.tanh(self.out(F.relu(self.bn(self.blocks(h)))))


class _DBlock(nn.Module):
    """[ReLU], conv3, ReLU, conv3, [avgpool]; shortcut: 1x1 conv (then avgpool) when the block changes
    channels or resolution, identity otherwise (the ``new_gan`` branch). ``first``: the optimized first
    block (no leading ReLU; shortcut avgpool then 1x1 conv)."""

    def __init__(self, cin: int, cout: int, down: bool, first: bool = False):
        super().__init__()
        self.first, self.down = first, down
        self.conv1 = _sn(nn.Conv2d(cin, cout, 3, padding=1))
        self.conv2 = _sn(nn.Conv2d(cout, cout, 3, padding=1))
        self.shortcut = _sn(nn.Conv2d(cin, cout, 1)) if (down or cin != cout) else None
        nn.init.xavier_uniform_(self.conv1.parametrizations.weight.original, 2**0.5)
        nn.init.xavier_uniform_(self.conv2.parametrizations.weight.original, 2**0.5)
        if self.shortcut is not None:
            nn.init.xavier_uniform_(self.shortcut.parametrizations.weight.original)

    def forward(self, x):
        h = x if self.first else F.relu(x)
        h = self.conv2(F.relu(self.conv1(h)))
        if self.down:
            h = F.avg_pool2d(h, 2)
        if self.shortcut is None:
            return h + x
        if self.first:
            s = self.shortcut(F.avg_pool2d(x, 2))
        else:
            s = self.shortcut(x)
            s = F.avg_pool2d(s, 2) if self.down else s
        return h + s


class SNResNetDiscriminator(nn.Module):
    """SNGAN ResNet discriminator for 32 x 32 images; ``pool`` "avg" (code) or "sum" (Miyato)."""

    def __init__(
        self,
        in_channels: int = 3,
        channels: int = 128,
        pool: str = "avg",
        head_bias: bool = True,
        num_classes: int = 1,
    ):
        super().__init__()
        if pool not in ("avg", "sum"):
            raise ValueError(f"pool: expected avg or sum, got {pool!r}")
        self.pool = pool
        self.block1 = _DBlock(in_channels, channels, down=True, first=True)  # h1: channels x 16 x 16
        self.block2 = _DBlock(channels, channels, down=True)  # h2: channels x 8 x 8
        self.block3 = _DBlock(channels, channels, down=False)
        self.block4 = _DBlock(channels, channels, down=False)
        self.head = _sn(nn.Linear(channels, num_classes, bias=head_bias))
        nn.init.xavier_uniform_(self.head.parametrizations.weight.original)
        self.mix_points = _mix_points()

    def forward_features(self, x):
        h = F.relu(self.block4(self.block3(self.block2(self.block1(x)))))
        return h.mean((2, 3)) if self.pool == "avg" else h.sum((2, 3))

    def forward(self, x):
        return self.head(self.forward_features(x))


# ---- DCGAN-class stand-in -----------------------------------------------------------------------------


class DCGANGenerator(nn.Module):
    def __init__(self, z_dim: int = 64, width: int = 32, out_channels: int = 1, image_size: int = 28):
        super().__init__()
        if image_size % 4:
            raise ValueError(f"image_size: expected a multiple of 4, got {image_size}")
        self.z_dim, self.width, self.side = z_dim, width, image_size // 4
        self.dense = nn.Sequential(nn.Linear(z_dim, 2 * width * self.side**2), nn.BatchNorm1d(2 * width * self.side**2), nn.ReLU())
        self.up1 = nn.Sequential(nn.ConvTranspose2d(2 * width, width, 4, 2, 1), nn.BatchNorm2d(width), nn.ReLU())
        self.up2 = nn.ConvTranspose2d(width, out_channels, 4, 2, 1)

    def forward(self, z):
        h = self.dense(z).view(-1, 2 * self.width, self.side, self.side)
        return torch.tanh(self.up2(self.up1(h)))


class DCGANDiscriminator(nn.Module):
    """SN conv (stride 2) -> h1 (c x side/2), SN conv (stride 2) -> h2 (2c x side/4), SN linear."""

    def __init__(self, in_channels: int = 1, width: int = 32, image_size: int = 28, num_classes: int = 1):
        super().__init__()
        side = image_size // 4
        self.block1 = nn.Sequential(_sn(nn.Conv2d(in_channels, width, 4, 2, 1)), nn.LeakyReLU(0.1))
        self.block2 = nn.Sequential(_sn(nn.Conv2d(width, 2 * width, 4, 2, 1)), nn.LeakyReLU(0.1))
        self.head = _sn(nn.Linear(2 * width * side * side, num_classes))
        self.mix_points = _mix_points()

    def forward_features(self, x):
        return self.block2(self.block1(x)).flatten(1)

    def forward(self, x):
        return self.head(self.forward_features(x))


# ---- the stand-in's evaluation classifier ------------------------------------------------------------


class FeatureCNN(nn.Module):
    """The classifier whose features score the stand-in GAN (classifier-based IS / FID / KID).

    conv3-BN-ReLU-maxpool (c), conv3-BN-ReLU-maxpool (2c), linear to a 128-d penultimate layer (ReLU;
    FID and KID read it), linear to the logits (IS reads them). Mix points: input and both conv blocks
    (every registered model declares some; this one is never trained with mixup).
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, width: int = 32, image_size: int = 28, dim: int = 128):
        super().__init__()
        side = image_size // 4
        self.block1 = nn.Sequential(nn.Conv2d(in_channels, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2))
        self.block2 = nn.Sequential(nn.Conv2d(width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(), nn.MaxPool2d(2))
        self.penultimate = nn.Sequential(nn.Linear(2 * width * side * side, dim), nn.ReLU())
        self.head = nn.Linear(dim, num_classes)
        self.mix_points = (MixPoint("input", ""), MixPoint("block1", "block1"), MixPoint("block2", "block2"))

    def forward_features(self, x):
        return self.penultimate(self.block2(self.block1(x)).flatten(1))

    def forward_head(self, x, pre_logits: bool = False):
        return x if pre_logits else self.head(x)

    def forward(self, x):
        return self.forward_head(self.forward_features(x))


# ---- generators and registered models ---------------------------------------------------------


def _sngan_generator(variant: str = "code", out_channels: int = 3, z_dim: int | None = None):
    v = SNGAN_VARIANTS[variant]
    return SNResNetGenerator(z_dim or v["z_dim"], v["g_channels"], out_channels, v["g_shortcut"])


def _dcgan_generator(width: int = 32, out_channels: int = 1, image_size: int = 28, z_dim: int | None = None):
    return DCGANGenerator(z_dim or 64, width, out_channels, image_size)


#: Generator builders by family (the family's discriminator is registered as ``<family>_d``).
GENERATORS = {"sngan": _sngan_generator, "dcgan": _dcgan_generator}


def _family(family: str) -> None:
    if family not in GENERATORS:
        raise ValueError(f"unknown GAN family {family!r}; available: {', '.join(GENERATORS)}")


def create_generator(family: str, **kwargs) -> nn.Module:
    """The generator of a GAN family (``sngan`` or ``dcgan``); a keyword it does not take is a
    :class:`~mmcore.models._registry.ModelSettingError` (:func:`split_gan_settings` splits one run's
    settings between G and D)."""
    _family(family)
    check_settings(f"generator {family}", kwargs, settings_of(GENERATORS[family]))
    return GENERATORS[family](**kwargs)


def split_gan_settings(family: str, settings: dict) -> tuple[dict, dict]:
    """One GAN run's model settings (the run sheet's ``model_kwargs``, one dict for both networks) as
    ``(generator's, discriminator's)``: each setting goes to the factories that take it (``out_channels``
    and ``z_dim`` are G's, ``in_channels`` is D's, ``variant``, ``width`` and ``image_size`` go to both
    where both take them); one that neither takes is refused in one sentence."""
    _family(family)
    g_known, d_known = settings_of(GENERATORS[family]), model_settings(f"{family}_d")
    known = g_known + tuple(k for k in d_known if k not in g_known)
    check_settings(f"GAN {family} (generator and discriminator)", settings, known)
    return ({k: v for k, v in settings.items() if k in g_known}, {k: v for k, v in settings.items() if k in d_known})


@register_model
def sngan_d(variant: str = "code", in_channels: int = 3, num_classes: int = 1) -> SNResNetDiscriminator:
    """The SNGAN ResNet discriminator, 32 x 32: the authors' code (avg pool, biased head) or Miyato's."""
    v = SNGAN_VARIANTS[variant]
    return SNResNetDiscriminator(in_channels, 128, v["pool"], v["head_bias"], num_classes)


@register_model
def dcgan_d(width: int = 32, in_channels: int = 1, image_size: int = 28, num_classes: int = 1) -> DCGANDiscriminator:
    """The stand-in's spectral-norm DCGAN discriminator (c = ``width``)."""
    return DCGANDiscriminator(in_channels, width, image_size, num_classes)


@register_model
def feature_cnn(num_classes: int = 10, in_channels: int = 1, image_size: int = 28, width: int = 32) -> FeatureCNN:
    """The evaluation classifier of the offline GAN runs (features for classifier-based IS / FID / KID)."""
    return FeatureCNN(num_classes, in_channels, width, image_size)
