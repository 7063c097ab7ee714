"""The readers of each distribution format: they check the files (gzip integrity and checksums), read
them with torchvision's own dataset classes (or PIL for Tiny-ImageNet) and return both splits as uint8
tensors (N, H, W) or (N, C, H, W) with int64 labels, the class names and the sources' sha256.

Each reader is ``read(spec, source, tmp, verify) -> ((x_train, y_train), (x_test, y_test), classes, sums)``;
:data:`READERS` maps a spec's family to its reader. torch is imported inside the functions.
"""

from __future__ import annotations

import gzip
import shutil
import zlib
from pathlib import Path

from ..io import sha256_file
from .sources import RAW_FILES, checksum_error, corrupt, file_md5, raw_path
from .specs import DatasetSpec

__all__ = ["READERS"]


# ---- MNIST-format IDX files -------------------------------------------------------------------------


def _stage_raw(
    spec: DatasetSpec, source: Path, raw_dir: Path, verify: bool
) -> dict[str, str]:
    """Decompress/copy the four files into ``raw_dir``, checking them; return their source sha256."""
    known_gz_md5 = {Path(url).name: md5 for url, md5 in spec.dataset_class().resources}
    sums = {}
    for raw in RAW_FILES:
        src = raw_path(source, raw)
        dest = raw_dir / raw
        try:
            if src.suffix == ".gz":
                with gzip.open(src, "rb") as fin, open(dest, "wb") as fout:
                    shutil.copyfileobj(fin, fout)
            else:
                shutil.copyfile(src, dest)
        except (OSError, EOFError, zlib.error) as err:
            raise corrupt(spec, src, err) from None
        sums[src.name] = sha256_file(src)
        if verify:
            content_ok = spec.content_sha256.get(raw) == sha256_file(dest)
            gz_md5 = file_md5(src) if src.suffix == ".gz" else None
            if not content_ok and known_gz_md5.get(src.name) != gz_md5:
                why = " (neither its content sha256 nor its .gz md5 is the known one)"
                raise checksum_error(spec, src, why)
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
            raise corrupt(spec, "the IDX files", err) from None
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
        if verify and file_md5(archive) != cls.tgz_md5:
            raise checksum_error(spec, archive)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(tmp, filter="data")
        except (OSError, EOFError, tarfile.TarError, zlib.error) as err:
            raise corrupt(spec, archive, err) from None
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
                raise checksum_error(spec, root / cls.base_folder) from None
            raise corrupt(spec, root / cls.base_folder, err) from None
        except (ValueError, OSError, EOFError, KeyError, ImportError) as err:
            raise corrupt(spec, root / cls.base_folder, err) from None
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
                raise checksum_error(spec, path) from None
            raise corrupt(spec, path, err) from None
        except (ValueError, OSError, KeyError, TypeError) as err:
            raise corrupt(spec, path, err) from None
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
            raise corrupt(spec, p, err) from None
    return torch.from_numpy(out).permute(0, 3, 1, 2).contiguous()


def _read_tiny(spec, source: Path, tmp: Path, verify: bool):
    """train/<wnid>/images/*.JPEG; val either as shipped (val/images + val_annotations.txt) or regrouped."""
    import torch

    suffixes = {".jpeg", ".jpg", ".png"}
    classes = sorted(p.name for p in (source / "train").iterdir() if p.is_dir())
    if not classes:
        raise corrupt(spec, source / "train", ValueError("no class folders"))
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
                    raise corrupt(
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
        raise corrupt(
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


READERS = {
    "idx": _read_idx,
    "cifar": _read_cifar,
    "svhn": _read_svhn,
    "tiny": _read_tiny,
}
