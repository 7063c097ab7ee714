"""Where a dataset's files come from: the folders tried in order (a local folder from the config, then
known offline locations, in torchvision's layout too), whether a folder holds a complete copy,
torchvision's download, and the one-sentence errors about missing, corrupt or mis-checksummed files."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .specs import DatasetError, DatasetSpec, dataset_spec

__all__ = [
    "RAW_FILES",
    "find_source",
    "download_source",
    "missing_message",
    "raw_path",
    "file_md5",
    "corrupt",
    "checksum_error",
]

RAW_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def file_md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def _candidates(spec: DatasetSpec, local_dir: str | None) -> list[Path]:
    dirs = [Path(local_dir)] if local_dir else []
    dirs += [Path(d) for d in spec.offline_dirs]
    if spec.family != "idx":
        return dirs
    # Also accept torchvision's own layout below any of them: <dir>/<Class>/raw/.
    return [p for d in dirs for p in (d, d / spec.torchvision_class / "raw")]


def raw_path(folder: Path, raw: str) -> Path | None:
    for name in (raw + ".gz", raw):
        if (folder / name).is_file():
            return folder / name
    return None


def _complete(spec: DatasetSpec, folder: Path) -> bool:
    """Whether ``folder`` holds every file of ``spec`` (in one of the accepted forms)."""
    if spec.family == "idx":
        return all(raw_path(folder, raw) for raw in RAW_FILES)
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


def missing_message(spec: DatasetSpec, local_dir: str | None, download: bool) -> str:
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


def corrupt(spec: DatasetSpec, what, err: Exception | None = None) -> DatasetError:
    why = f" ({type(err).__name__}: {err})" if err is not None else ""
    return DatasetError(
        f"dataset {spec.name}: {what} is corrupt or unreadable{why}; replace it with an intact copy"
    )


def checksum_error(spec: DatasetSpec, what, why: str = "") -> DatasetError:
    return DatasetError(
        f"dataset {spec.name}: {what} fails its checksum{why}; replace it with an intact copy, or set "
        "config.data.verify_checksums: false to accept it unchecked"
    )


def download_source(spec: DatasetSpec, root: Path) -> Path | None:
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
