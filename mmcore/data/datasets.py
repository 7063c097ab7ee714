"""Dataset preparation: MNIST-family data through torchvision, once, into ``results/data/<name>/``.

Sources are tried in order: a local folder from the config, known offline locations (the Debian package
``dataset-fashion-mnist`` installs the Fashion-MNIST IDX files under /usr/share/datasets/fashion-mnist/),
then torchvision's download, only when the config allows it. The files are checked (gzip integrity and
checksums), staged as torchvision expects them (``<root>/<Class>/raw/``), read by torchvision's own
dataset class, and written as uint8 tensors with a manifest (source, file sha256, shapes, class names)
that is verified whenever the prepared data is loaded. Preparation writes into a staging folder and
renames it at the end, so a failure leaves no partial prepared data.

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
from ..io import read_json, write_json

__all__ = ["DatasetError", "DatasetSpec", "DATASETS", "find_source", "prepare", "load_prepared"]

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
    """How to find, check and read one dataset.

    ``content_sha256`` holds the sha256 of each *decompressed* raw file where known (a re-compressed
    copy such as Debian's has other .gz bytes but the same content); torchvision's own md5 of the
    official .gz files is accepted too.
    """

    name: str
    torchvision_class: str
    offline_dirs: tuple[str, ...] = ()
    content_sha256: dict[str, str] = field(default_factory=dict)
    how_to_get: str = ""

    def dataset_class(self):
        import torchvision.datasets

        return getattr(torchvision.datasets, self.torchvision_class)


DATASETS = {
    "mnist": DatasetSpec(
        name="mnist",
        torchvision_class="MNIST",
        how_to_get="set config.data.local_dirs.mnist to a folder holding the four MNIST IDX files "
        "(.gz or not), or set config.data.download: true on a machine with internet access",
    ),
    "fashion_mnist": DatasetSpec(
        name="fashion_mnist",
        torchvision_class="FashionMNIST",
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
        "IDX files, or set config.data.download: true on a machine with internet access",
    ),
}


def _spec(name: str) -> DatasetSpec:
    if name not in DATASETS:
        raise DatasetError(f"unknown dataset {name!r}; available: {', '.join(DATASETS)}")
    return DATASETS[name]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _candidates(spec: DatasetSpec, local_dir: str | None) -> list[Path]:
    dirs = [Path(local_dir)] if local_dir else []
    dirs += [Path(d) for d in spec.offline_dirs]
    # Also accept torchvision's own layout below any of them: <dir>/<Class>/raw/.
    return [p for d in dirs for p in (d, d / spec.torchvision_class / "raw")]


def _raw_path(folder: Path, raw: str) -> Path | None:
    for name in (raw + ".gz", raw):
        if (folder / name).is_file():
            return folder / name
    return None


def find_source(name: str, local_dir: str | None = None) -> Path | None:
    """The first folder holding all four raw files of ``name``, or None."""
    spec = _spec(name)
    for folder in _candidates(spec, local_dir):
        if all(_raw_path(folder, raw) for raw in RAW_FILES):
            return folder
    return None


def _missing_message(spec: DatasetSpec, local_dir: str | None, download: bool) -> str:
    looked = ", ".join(str(p) for p in _candidates(spec, local_dir))
    where = f"in {looked}" if looked else "(no local folder is configured and no offline copy is known)"
    extra = " and the download failed" if download else " and downloads are off"
    return f"dataset {spec.name}: no complete copy found {where}{extra}; {spec.how_to_get}."


def _stage_raw(spec: DatasetSpec, source: Path, raw_dir: Path, verify: bool) -> dict[str, str]:
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
            raise DatasetError(
                f"dataset {spec.name}: {src} is corrupt ({type(err).__name__}: {err}); "
                "replace it with an intact copy"
            ) from None
        sums[src.name] = _sha256(src)
        if verify:
            content_ok = spec.content_sha256.get(raw) == _sha256(dest)
            gz_md5 = hashlib.md5(src.read_bytes()).hexdigest() if src.suffix == ".gz" else None
            if not content_ok and known_gz_md5.get(src.name) != gz_md5:
                raise DatasetError(
                    f"dataset {spec.name}: {src} fails its checksum (neither its content sha256 nor "
                    "its .gz md5 is the known one); replace it with an intact copy, or set "
                    "config.data.verify_checksums: false to accept it unchecked"
                )
    return sums


def _read_with_torchvision(spec: DatasetSpec, root: Path, train: bool):
    import torch

    try:
        ds = spec.dataset_class()(str(root), train=train, download=False)
    except (RuntimeError, ValueError, AssertionError, OSError) as err:
        raise DatasetError(
            f"dataset {spec.name}: torchvision could not read the files ({err}); "
            "replace them with an intact copy"
        ) from None
    return ds.data.to(torch.uint8).contiguous(), ds.targets.to(torch.int64), list(ds.classes)


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

    spec = _spec(name)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"prepare-{name}-") as tmp:
        root = Path(tmp)
        raw_dir = root / spec.torchvision_class / "raw"
        raw_dir.mkdir(parents=True)
        source = find_source(name, local_dir)
        if source is None and download:
            try:
                spec.dataset_class()(str(root / "download"), train=True, download=True)
                source = root / "download" / spec.torchvision_class / "raw"
            except Exception:  # noqa: BLE001 - any network failure means: not available
                source = None
        if source is None:
            raise DatasetError(_missing_message(spec, local_dir, download))
        sums = _stage_raw(spec, source, raw_dir, verify_checksums)
        train = _read_with_torchvision(spec, root, train=True)
        test = _read_with_torchvision(spec, root, train=False)

        staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.staging-"))
        try:
            staging.chmod(0o755)
            files = {}
            for split, (x, y, _) in (("train", train), ("test", test)):
                torch.save({"x": x, "y": y}, staging / f"{split}.pt")
                files[f"{split}.pt"] = _sha256(staging / f"{split}.pt")
            manifest = {
                "dataset": name,
                "source": str(source),
                "source_sha256": sums,
                "checksums_verified": bool(verify_checksums),
                "shapes": {"train": list(train[0].shape), "test": list(test[0].shape)},
                "classes": train[2],
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
        raise DatasetError(f"{out_dir} holds no prepared dataset (no manifest.json); run the workflow to prepare it")
    manifest = read_json(manifest_path)
    path = out_dir / f"{split}.pt"
    if not path.exists() or _sha256(path) != manifest["files_sha256"].get(f"{split}.pt"):
        raise DatasetError(
            f"{path} does not match its manifest; delete {out_dir} and run the workflow again to "
            "prepare it afresh"
        )
    data = torch.load(path, weights_only=True)
    return data["x"], data["y"], manifest
