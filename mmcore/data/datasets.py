"""Dataset preparation through torchvision, once, into ``results/data/<name>/``.

The datasets and their specs live in :mod:`mmcore.data.specs`, finding (or downloading) their files in
:mod:`mmcore.data.sources`, the readers of each format in :mod:`mmcore.data.readers`; this module
prepares a dataset and loads it back. Sources are tried in order: a local folder from the config, known
offline locations (the Debian package ``dataset-fashion-mnist`` installs the Fashion-MNIST IDX files under
/usr/share/datasets/fashion-mnist/), then torchvision's download, only when the config allows it. The
files are checked, read, and written as uint8 tensors with a manifest (source, file sha256, shapes, class
names) that is verified whenever the prepared data is loaded. Preparation writes into a staging folder and
renames it at the end, so a failure leaves no partial prepared data.

Every user-facing failure is a :class:`DatasetError` whose message is one sentence: what is wrong,
where we looked, and how to fix it. torch is imported inside the functions: the workflow reads
``DATASETS`` (re-exported here) at parse time and should not pay for importing torch there.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..io import read_json, sha256_file, write_json
from .readers import READERS
from .sources import download_source, find_source, missing_message
from .specs import DATASETS, DatasetError, DatasetSpec, dataset_spec

__all__ = [
    "DATASETS",
    "DatasetError",
    "DatasetSpec",
    "dataset_spec",
    "find_source",
    "load_prepared",
    "prepare",
]


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
            source = download_source(spec, root / "download")
        if source is None:
            raise DatasetError(missing_message(spec, local_dir, download))
        (root / "work").mkdir()
        train, test, classes, sums = READERS[spec.family](
            spec, source, root / "work", verify_checksums
        )
        for split, (x, y) in (("train", train), ("test", test)):
            check_read(spec, split, x, y, source)

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


def check_read(spec: DatasetSpec, split: str, x, y, source) -> None:
    """What a reader hands back, checked before anything is written: uint8 images of the dataset's
    shape, one int64 label per image in [0, num_classes). A reader's slip (SVHN's labels 1-10 left
    unshifted, a transposed layout) stops preparation in one sentence, not a training job later."""
    import torch

    shape = (spec.size, spec.size) if spec.channels == 1 else (spec.channels, spec.size, spec.size)
    problem = None
    if x.dtype != torch.uint8 or tuple(x.shape[1:]) != shape:
        problem = f"images are {x.dtype} of shape {tuple(x.shape[1:])}, expected uint8 {shape}"
    elif y.dtype != torch.int64 or y.shape != (x.shape[0],):
        problem = f"labels are {y.dtype} of shape {tuple(y.shape)}, expected int64 ({x.shape[0]},)"
    elif y.numel() and (int(y.min()) < 0 or int(y.max()) >= spec.num_classes):
        problem = f"labels span {int(y.min())}..{int(y.max())}, expected 0..{spec.num_classes - 1}"
    if problem:
        raise DatasetError(f"dataset {spec.name}: the {split} split read from {source} is not as expected "
                           f"({problem}); replace the files with an intact copy")


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
