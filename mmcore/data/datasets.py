"""Dataset preparation through torchvision, once, into ``results/data/<name>/``.

Families: MNIST-format IDX files (mnist, fashion_mnist), CIFAR python batches (cifar10, cifar100), SVHN
``.mat`` files (svhn) and a local ``tiny-imagenet-200`` folder (tiny_imagenet; its validation images,
regrouped by class, are the test set, as in the authors' code). Sources are tried in order: a local
folder from the config, known offline locations (the Debian package ``dataset-fashion-mnist`` installs
the Fashion-MNIST IDX files under /usr/share/datasets/fashion-mnist/), then torchvision's download, only
when the config allows it. The files are checked (gzip integrity and checksums), read by torchvision's
own dataset classes, and written as uint8 tensors (N, H, W) or (N, C, H, W) with a manifest (source,
file sha256, shapes, class names) that is verified whenever the prepared data is loaded. Preparation
writes into a staging folder and renames it at the end, so a failure leaves no partial prepared data.

Each spec also carries what training needs to know about its dataset: classes, image shape, the
per-channel normalisation and the augmentation of the authors' loaders (reference.md section 4).

Every user-facing failure is a :class:`DatasetError` whose message is one sentence: what is wrong,
where we looked, and how to fix it. torch is imported inside the functions: the workflow reads
``DATASETS`` at parse time and should not pay for importing torch there.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError
from ..io import read_json, sha256_file, write_json

__all__ = [
    "DATASETS",
    "DatasetError",
    "DatasetSpec",
    "dataset_spec",
    "find_source",
    "load_prepared",
    "prepare",
]

RAW_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


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



def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def _candidates(spec: DatasetSpec, local_dir: str | None) -> list[Path]:
    dirs = [Path(local_dir)] if local_dir else []
    dirs += [Path(d) for d in spec.offline_dirs]
    if spec.family != "idx":
        return dirs
    # Also accept torchvision's own layout below any of them: <dir>/<Class>/raw/.
    return [p for d in dirs for p in (d, d / spec.torchvision_class / "raw")]


def _raw_path(folder: Path, raw: str) -> Path | None:
    for name in (raw + ".gz", raw):
        if (folder / name).is_file():
            return folder / name
    return None


def _complete(spec: DatasetSpec, folder: Path) -> bool:
    """Whether ``folder`` holds every file of ``spec`` (in one of the accepted forms)."""
    if spec.family == "idx":
        return all(_raw_path(folder, raw) for raw in RAW_FILES)
    if spec.family == "cifar":
        cls = spec.dataset_class()
        return (folder / cls.base_folder).is_dir() or (folder / cls.filename).is_file()
    if spec.family == "svhn":
        return all(
            (folder / f"{split}_32x32.mat").is_file() for split in ("train", "test")
        )
    return (folder / "train").is_dir() and (folder / "val").is_dir()


def find_source(name: str, local_dir: str | None = None) -> Path | None:
    """The first folder holding a complete copy of ``name``, or None."""
    spec = dataset_spec(name)
    for folder in _candidates(spec, local_dir):
        if _complete(spec, folder):
            return folder
    return None


def _missing_message(spec: DatasetSpec, local_dir: str | None, download: bool) -> str:
    looked = ", ".join(str(p) for p in _candidates(spec, local_dir))
    where = (
        f"in {looked}"
        if looked
        else "(no local folder is configured and no offline copy is known)"
    )
    extra = " and the download failed" if download else " and downloads are off"
    if spec.family == "tiny":
        extra = ""
    return f"dataset {spec.name}: no complete copy found {where}{extra}; {spec.how_to_get}."


def _corrupt(spec: DatasetSpec, what, err: Exception | None = None) -> DatasetError:
    why = f" ({type(err).__name__}: {err})" if err is not None else ""
    return DatasetError(
        f"dataset {spec.name}: {what} is corrupt or unreadable{why}; replace it with an intact copy"
    )


def _checksum_error(spec: DatasetSpec, what, why: str = "") -> DatasetError:
    return DatasetError(
        f"dataset {spec.name}: {what} fails its checksum{why}; replace it with an intact copy, or set "
        "config.data.verify_checksums: false to accept it unchecked"
    )


# ---- MNIST-format IDX files -------------------------------------------------------------------------


def _stage_raw(
    spec: DatasetSpec, source: Path, raw_dir: Path, verify: bool
) -> dict[str, str]:
    """Decompress/copy the four files into ``raw_dir``, checking them; return their source sha256."""
    known_gz_md5 = {Path(url).name: md5 for url, md5 in spec.dataset_class().resources}
    sums = {}
    for raw in RAW_FILES:
        src = _raw_path(source, raw)
        dest = raw_dir / raw
        try:
            if src.suffix == ".gz":
                with gzip.open(src, "rb") as fin, open(dest, "wb") as fout:
                    shutil.copyfileobj(fin, fout)
            else:
                shutil.copyfile(src, dest)
        except (OSError, EOFError, zlib.error) as err:
            raise _corrupt(spec, src, err) from None
        sums[src.name] = sha256_file(src)
        if verify:
            content_ok = spec.content_sha256.get(raw) == sha256_file(dest)
            gz_md5 = _md5(src) if src.suffix == ".gz" else None
            if not content_ok and known_gz_md5.get(src.name) != gz_md5:
                why = " (neither its content sha256 nor its .gz md5 is the known one)"
                raise _checksum_error(spec, src, why)
    return sums


def _read_idx(spec, source: Path, tmp: Path, verify: bool):
    import torch

    raw_dir = tmp / spec.torchvision_class / "raw"
    raw_dir.mkdir(parents=True)
    sums = _stage_raw(spec, source, raw_dir, verify)
    splits = []
    for train in (True, False):
        try:
            ds = spec.dataset_class()(str(tmp), train=train, download=False)
        except (RuntimeError, ValueError, AssertionError, OSError) as err:
            raise _corrupt(spec, "the IDX files", err) from None
        splits.append(
            (ds.data.to(torch.uint8).contiguous(), ds.targets.to(torch.int64))
        )
    return splits[0], splits[1], list(ds.classes), sums


# ---- CIFAR python batches and SVHN .mat files -------------------------------------------------------


def _unchecked(cls, verify: bool):
    """torchvision's class, or a subclass that skips its md5 check (verify_checksums: false)."""
    if verify:
        return cls
    attrs = {"_check_integrity": lambda self: True}
    if hasattr(cls, "meta"):  # CIFAR's class-name file has an md5 of its own
        attrs["meta"] = dict(cls.meta, md5=None)
    return type(cls.__name__, (cls,), attrs)


def _read_cifar(spec, source: Path, tmp: Path, verify: bool):
    import tarfile

    import torch

    cls = spec.dataset_class()
    root = source
    if not (source / cls.base_folder).is_dir():
        archive = source / cls.filename
        if verify and _md5(archive) != cls.tgz_md5:
            raise _checksum_error(spec, archive)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(tmp, filter="data")
        except (OSError, EOFError, tarfile.TarError, zlib.error) as err:
            raise _corrupt(spec, archive, err) from None
        root = tmp
    sums = {
        name: sha256_file(root / cls.base_folder / name)
        for name, _ in cls.train_list + cls.test_list
        if (root / cls.base_folder / name).is_file()
    }
    splits = []
    for train in (True, False):
        try:
            ds = _unchecked(cls, verify)(str(root), train=train, download=False)
        except RuntimeError as err:
            if "corrupted" in str(err):
                raise _checksum_error(spec, root / cls.base_folder) from None
            raise _corrupt(spec, root / cls.base_folder, err) from None
        except (ValueError, OSError, EOFError, KeyError, ImportError) as err:
            raise _corrupt(spec, root / cls.base_folder, err) from None
        x = torch.from_numpy(ds.data).permute(0, 3, 1, 2).contiguous()  # HWC -> CHW
        splits.append((x, torch.tensor(ds.targets, dtype=torch.int64)))
    return splits[0], splits[1], list(ds.classes), sums


def _read_svhn(spec, source: Path, tmp: Path, verify: bool):
    import torch

    cls = spec.dataset_class()
    splits = []
    sums = {}
    for split in ("train", "test"):
        path = source / f"{split}_32x32.mat"
        sums[path.name] = sha256_file(path)
        try:
            ds = _unchecked(cls, verify)(str(source), split=split, download=False)
        except RuntimeError as err:
            if "corrupted" in str(err):
                raise _checksum_error(spec, path) from None
            raise _corrupt(spec, path, err) from None
        except (ValueError, OSError, KeyError, TypeError) as err:
            raise _corrupt(spec, path, err) from None
        splits.append(
            (
                torch.from_numpy(ds.data).contiguous(),
                torch.from_numpy(ds.labels).to(torch.int64),
            )
        )
    return splits[0], splits[1], [str(i) for i in range(10)], sums


# ---- Tiny-ImageNet-200 from a local folder ----------------------------------------------------------


def _load_images(spec, paths: list[Path]):
    import numpy as np
    import torch
    from PIL import Image

    out = np.empty((len(paths), spec.size, spec.size, 3), dtype=np.uint8)
    for i, p in enumerate(paths):
        try:
            with Image.open(p) as im:
                im = im.convert("RGB")  # a few Tiny-ImageNet JPEGs are greyscale
                if im.size != (spec.size, spec.size):
                    raise ValueError(
                        f"expected {spec.size}x{spec.size} pixels, got {im.size[0]}x{im.size[1]}"
                    )
                out[i] = np.asarray(im)
        except (OSError, ValueError) as err:
            raise _corrupt(spec, p, err) from None
    return torch.from_numpy(out).permute(0, 3, 1, 2).contiguous()


def _read_tiny(spec, source: Path, tmp: Path, verify: bool):
    """train/<wnid>/images/*.JPEG; val either as shipped (val/images + val_annotations.txt) or regrouped."""
    import torch

    suffixes = {".jpeg", ".jpg", ".png"}
    classes = sorted(p.name for p in (source / "train").iterdir() if p.is_dir())
    if not classes:
        raise _corrupt(spec, source / "train", ValueError("no class folders"))
    index = {c: i for i, c in enumerate(classes)}
    train = [
        (p, index[c])
        for c in classes
        for p in sorted((source / "train" / c).rglob("*"))
        if p.suffix.lower() in suffixes
    ]
    annotations = source / "val" / "val_annotations.txt"
    if annotations.is_file():
        val = []
        for line in annotations.read_text().splitlines():
            if line.strip():
                fname, wnid = line.split("\t")[:2]
                if wnid not in index:
                    raise _corrupt(
                        spec,
                        annotations,
                        ValueError(f"class {wnid} has no training folder"),
                    )
                val.append((source / "val" / "images" / fname, index[wnid]))
    else:  # regrouped by the authors' create_val_folder: val/<wnid>/images/*
        val = [
            (p, index[c])
            for c in classes
            if (source / "val" / c).is_dir()
            for p in sorted((source / "val" / c).rglob("*"))
            if p.suffix.lower() in suffixes
        ]
    if not train or not val:
        raise _corrupt(
            spec, source, ValueError("no training or validation images found")
        )
    splits = [
        (
            _load_images(spec, [p for p, _ in items]),
            torch.tensor([c for _, c in items], dtype=torch.int64),
        )
        for items in (train, val)
    ]
    return splits[0], splits[1], classes, {}


_READERS = {
    "idx": _read_idx,
    "cifar": _read_cifar,
    "svhn": _read_svhn,
    "tiny": _read_tiny,
}


def _download(spec: DatasetSpec, root: Path) -> Path | None:
    """torchvision's download into ``root``; the folder holding the files, or None when it fails."""
    if spec.family == "tiny":
        return None
    try:
        if spec.family == "svhn":
            for split in ("train", "test"):
                spec.dataset_class()(str(root), split=split, download=True)
            return root
        spec.dataset_class()(str(root), train=True, download=True)
    except Exception:  # noqa: BLE001 - any network failure means: not available
        return None
    return root / spec.torchvision_class / "raw" if spec.family == "idx" else root


def prepare(
    name: str,
    out_dir: str | Path,
    *,
    local_dir: str | None = None,
    download: bool = False,
    verify_checksums: bool = True,
) -> dict:
    """Prepare ``name`` into ``out_dir`` (train.pt, test.pt, manifest.json); return the manifest."""
    import torch

    spec = dataset_spec(name)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"prepare-{name}-") as tmp:
        root = Path(tmp)
        source = find_source(name, local_dir)
        if source is None and download:
            source = _download(spec, root / "download")
        if source is None:
            raise DatasetError(_missing_message(spec, local_dir, download))
        (root / "work").mkdir()
        train, test, classes, sums = _READERS[spec.family](
            spec, source, root / "work", verify_checksums
        )

        staging = Path(
            tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.staging-")
        )
        try:
            staging.chmod(0o755)
            files = {}
            for split, (x, y) in (("train", train), ("test", test)):
                torch.save({"x": x, "y": y}, staging / f"{split}.pt")
                files[f"{split}.pt"] = sha256_file(staging / f"{split}.pt")
            manifest = {
                "dataset": name,
                "source": str(source),
                "source_sha256": sums,
                "checksums_verified": bool(verify_checksums),
                "shapes": {"train": list(train[0].shape), "test": list(test[0].shape)},
                "classes": classes,
                "files_sha256": files,
            }
            write_json(staging / "manifest.json", manifest)
            if out_dir.exists():
                shutil.rmtree(out_dir)
            os.replace(staging, out_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return manifest


def load_prepared(out_dir: str | Path, split: str):
    """Load a prepared split after checking it against the manifest (uint8 images, int64 labels)."""
    import torch

    out_dir = Path(out_dir)
    manifest_path = out_dir / "manifest.json"
    if not manifest_path.exists():
        raise DatasetError(
            f"{out_dir} holds no prepared dataset (no manifest.json); run the workflow to prepare it"
        )
    fix = f"delete {out_dir} and run the workflow again to prepare it afresh"
    manifest = read_json(manifest_path, require=("files_sha256",), fix=fix)
    path = out_dir / f"{split}.pt"
    recorded = manifest["files_sha256"]
    expected = recorded.get(f"{split}.pt") if isinstance(recorded, dict) else None
    if not path.exists() or sha256_file(path) != expected:
        raise DatasetError(
            f"{path} does not match its manifest; delete {out_dir} and run the workflow again to "
            "prepare it afresh"
        )
    data = torch.load(path, weights_only=True)
    return data["x"], data["y"], manifest
