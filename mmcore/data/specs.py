"""The datasets this workflow knows: how to find, check and read each one, and how its images are fed
to a network.

Families: MNIST-format IDX files (mnist, fashion_mnist), CIFAR python batches (cifar10, cifar100), SVHN
``.mat`` files (svhn) and a local ``tiny-imagenet-200`` folder (tiny_imagenet). Each spec also carries
what training needs to know about its dataset: classes, image shape, the per-channel normalisation and
the augmentation of the authors' loaders (reference.md section 4).

Light on purpose: the workflow reads ``DATASETS`` at parse time, so nothing here imports torch (the
torchvision class is looked up when a dataset is read).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import UserError

__all__ = ["DATASETS", "DatasetError", "DatasetSpec", "dataset_spec"]


class DatasetError(UserError, RuntimeError):
    """A dataset is missing or damaged; the message says where we looked and what to do."""


@dataclass(frozen=True)
class DatasetSpec:
    """How to find, check and read one dataset, and how its images are fed to a network.

    ``content_sha256`` holds the sha256 of each *decompressed* raw IDX file where known (a re-compressed
    copy such as Debian's has other .gz bytes but the same content); torchvision's own md5 of the
    official files is accepted too. ``mean``/``std`` normalise pixel values in [0, 1] per channel;
    ``flip`` and ``crop_padding`` are the training augmentation of the authors' loaders.
    """

    name: str
    family: str  # idx | cifar | svhn | tiny
    torchvision_class: str = ""
    num_classes: int = 10
    channels: int = 1
    size: int = 28
    mean: tuple[float, ...] = (0.5,)
    std: tuple[float, ...] = (0.5,)
    flip: bool = False
    crop_padding: int = 0
    offline_dirs: tuple[str, ...] = ()
    content_sha256: dict[str, str] = field(default_factory=dict)
    how_to_get: str = ""

    def dataset_class(self):
        import torchvision.datasets

        return getattr(torchvision.datasets, self.torchvision_class)


_ONLINE = "or set config.data.download: true on a machine with internet access"

DATASETS = {
    "mnist": DatasetSpec(
        name="mnist",
        family="idx",
        torchvision_class="MNIST",
        how_to_get="set config.data.local_dirs.mnist to a folder holding the four MNIST IDX files "
        f"(.gz or not), {_ONLINE}",
    ),
    "fashion_mnist": DatasetSpec(
        name="fashion_mnist",
        family="idx",
        torchvision_class="FashionMNIST",
        # As the stand-in for CIFAR: CIFAR's flip + crop with padding 2 (garments are mirror-symmetric).
        flip=True,
        crop_padding=2,
        offline_dirs=("/usr/share/datasets/fashion-mnist",),
        # Measured from Debian's dataset-fashion-mnist 0.0~git20200523.55506a9-1 (upstream's files).
        content_sha256={
            "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        },
        how_to_get="install the Debian package dataset-fashion-mnist (apt-get install "
        "dataset-fashion-mnist), set config.data.local_dirs.fashion_mnist to a folder holding the four "
        f"IDX files, {_ONLINE}",
    ),
    "cifar10": DatasetSpec(
        name="cifar10",
        family="cifar",
        torchvision_class="CIFAR10",
        channels=3,
        size=32,
        mean=(125.3 / 255, 123.0 / 255, 113.9 / 255),
        std=(63.0 / 255, 62.1 / 255, 66.7 / 255),
        flip=True,
        crop_padding=2,  # the authors' load_data_subset pads by 2 (not the common 4)
        how_to_get="set config.data.local_dirs.cifar10 to a folder holding cifar-10-batches-py/ or "
        f"cifar-10-python.tar.gz, {_ONLINE}",
    ),
    "cifar100": DatasetSpec(
        name="cifar100",
        family="cifar",
        torchvision_class="CIFAR100",
        num_classes=100,
        channels=3,
        size=32,
        mean=(129.3 / 255, 124.1 / 255, 112.4 / 255),
        std=(68.2 / 255, 65.4 / 255, 70.4 / 255),
        flip=True,
        crop_padding=2,
        how_to_get="set config.data.local_dirs.cifar100 to a folder holding cifar-100-python/ or "
        f"cifar-100-python.tar.gz, {_ONLINE}",
    ),
    "svhn": DatasetSpec(
        name="svhn",
        family="svhn",
        torchvision_class="SVHN",
        channels=3,
        size=32,
        mean=(0.5, 0.5, 0.5),
        std=(0.5, 0.5, 0.5),
        flip=False,  # digits: crop only
        crop_padding=2,
        how_to_get="set config.data.local_dirs.svhn to a folder holding train_32x32.mat and "
        f"test_32x32.mat, {_ONLINE}",
    ),
    "tiny_imagenet": DatasetSpec(
        name="tiny_imagenet",
        family="tiny",
        num_classes=200,
        channels=3,
        size=64,
        mean=(0.5, 0.5, 0.5),
        std=(0.5, 0.5, 0.5),
        flip=True,
        crop_padding=4,
        how_to_get="set config.data.local_dirs.tiny_imagenet to the tiny-imagenet-200 folder (with "
        "train/ and val/; there is no download, get it from the CS231n course site)",
    ),
}


def dataset_spec(name: str) -> DatasetSpec:
    """The spec of ``name``, or a one-sentence error listing the known datasets."""
    if name not in DATASETS:
        raise DatasetError(
            f"unknown dataset {name!r}; available: {', '.join(DATASETS)}"
        )
    return DATASETS[name]
