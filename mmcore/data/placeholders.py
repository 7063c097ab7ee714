"""Placeholder files for a pilot (:mod:`mmcore.pilot`): each dataset in its distribution format, and
torch-fidelity's Inception weights, with random contents of the right shapes, dtypes and label ranges.

They exist so that the real readers (:mod:`mmcore.data.readers`), the preparation rule and the
feature extractor run in a pilot on a machine that has none of the paper's data. A pilot writes them into
its own results folder only, never uses them outside the pilot, and labels them placeholders in its
report; they carry no known checksum, so the pilot turns verification off for them alone.

:func:`write_placeholder` ``(name, folder, n_train, n_test, seed)`` writes the files
:func:`mmcore.data.sources.find_source` looks for in ``folder``; :data:`FORMATS` says which format each
dataset uses. torch, numpy, scipy and PIL are imported inside the functions.
"""

from __future__ import annotations

import pickle
from pathlib import Path

from .specs import dataset_spec

__all__ = ["FORMATS", "INCEPTION_FORMAT", "write_placeholder", "write_inception_weights"]

#: The distribution format each family's placeholder is written in.
FORMATS = {
    "idx": "MNIST IDX files (uncompressed)",
    "cifar": "CIFAR python pickled batches",
    "svhn": "SVHN .mat files (MATLAB v5)",
    "tiny": "tiny-imagenet-200 folder layout (JPEG, val_annotations.txt)",
}
INCEPTION_FORMAT = "torch-fidelity inception-v3-compat state dict (randomly initialised)"


def _rng(seed: int):
    import numpy as np

    return np.random.default_rng(seed)


def _labels(rng, n: int, classes: int, base: int = 0):
    """``n`` labels covering every class (when n >= classes), in random order."""
    import numpy as np

    y = np.arange(n) % classes + base
    rng.shuffle(y)
    return y


def _write_idx(spec, folder: Path, n_train: int, n_test: int, rng) -> None:
    import numpy as np

    names = {
        True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    }
    for train, n in ((True, n_train), (False, n_test)):
        images, labels = names[train]
        x = rng.integers(0, 256, size=(n, spec.size, spec.size), dtype=np.uint8)
        y = _labels(rng, n, spec.num_classes).astype(np.uint8)
        # IDX: magic (0, 0, dtype 0x08 = ubyte, ndim), big-endian int32 dims, then the data.
        header = bytes([0, 0, 8, 3]) + np.array([n, spec.size, spec.size], dtype=">i4").tobytes()
        (folder / images).write_bytes(header + x.tobytes())
        (folder / labels).write_bytes(bytes([0, 0, 8, 1]) + np.array([n], dtype=">i4").tobytes() + y.tobytes())


def _write_cifar(spec, folder: Path, n_train: int, n_test: int, rng) -> None:
    import numpy as np

    cls = spec.dataset_class()
    base = folder / cls.base_folder
    base.mkdir(parents=True, exist_ok=True)
    key = "fine_labels" if spec.num_classes == 100 else "labels"
    train_files = [name for name, _ in cls.train_list]
    chunks = np.array_split(np.arange(n_train), len(train_files))
    y_train = _labels(rng, n_train, spec.num_classes)
    for name, idx in zip(train_files, chunks):
        batch = {
            "data": rng.integers(0, 256, size=(len(idx), 3 * spec.size * spec.size), dtype=np.uint8),
            key: [int(v) for v in y_train[idx]],
        }
        if key == "fine_labels":
            batch["coarse_labels"] = [int(v) // 5 for v in y_train[idx]]
        with open(base / name, "wb") as fh:
            pickle.dump(batch, fh)
    for name, _ in cls.test_list:
        y = _labels(rng, n_test, spec.num_classes)
        batch = {"data": rng.integers(0, 256, size=(n_test, 3 * spec.size * spec.size), dtype=np.uint8),
                 key: [int(v) for v in y]}
        if key == "fine_labels":
            batch["coarse_labels"] = [int(v) // 5 for v in y]
        with open(base / name, "wb") as fh:
            pickle.dump(batch, fh)
    meta = {cls.meta["key"]: [f"placeholder_{i}" for i in range(spec.num_classes)]}
    with open(base / cls.meta["filename"], "wb") as fh:
        pickle.dump(meta, fh)


def _write_svhn(spec, folder: Path, n_train: int, n_test: int, rng) -> None:
    import numpy as np
    from scipy.io import savemat

    for split, n in (("train", n_train), ("test", n_test)):
        # As shipped: X is (32, 32, 3, N) uint8, y is (N, 1) with the digit 0 labelled 10.
        x = rng.integers(0, 256, size=(spec.size, spec.size, 3, n), dtype=np.uint8)
        y = _labels(rng, n, 10, base=1).reshape(n, 1).astype(np.uint8)
        savemat(str(folder / f"{split}_32x32.mat"), {"X": x, "y": y})


def _write_tiny(spec, folder: Path, n_train: int, n_test: int, rng) -> None:
    import numpy as np
    from PIL import Image

    wnids = [f"n{i:08d}" for i in range(spec.num_classes)]
    (folder / "wnids.txt").write_text("\n".join(wnids) + "\n")
    y_train = _labels(rng, max(n_train, spec.num_classes), spec.num_classes)
    for i, c in enumerate(y_train):
        d = folder / "train" / wnids[c] / "images"
        d.mkdir(parents=True, exist_ok=True)
        pixels = rng.integers(0, 256, size=(spec.size, spec.size, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(d / f"{wnids[c]}_{i}.JPEG", format="JPEG")
    val = folder / "val" / "images"
    val.mkdir(parents=True, exist_ok=True)
    lines = []
    for i, c in enumerate(_labels(rng, n_test, spec.num_classes)):
        pixels = rng.integers(0, 256, size=(spec.size, spec.size, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(val / f"val_{i}.JPEG", format="JPEG")
        lines.append(f"val_{i}.JPEG\t{wnids[c]}\t0\t0\t{spec.size - 1}\t{spec.size - 1}")
    (folder / "val" / "val_annotations.txt").write_text("\n".join(lines) + "\n")


_WRITERS = {"idx": _write_idx, "cifar": _write_cifar, "svhn": _write_svhn, "tiny": _write_tiny}


def write_placeholder(name: str, folder: str | Path, *, n_train: int = 500, n_test: int = 200, seed: int = 0) -> dict:
    """Write dataset ``name``'s placeholder files into ``folder`` (random pixels, every class present when
    there are at least as many images as classes); return a description for the pilot report."""
    spec = dataset_spec(name)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _WRITERS[spec.family](spec, folder, int(n_train), int(n_test), _rng(seed))
    return {"name": name, "format": FORMATS[spec.family], "path": str(folder), "n_train": int(n_train),
            "n_test": int(n_test)}


def write_inception_weights(path: str | Path, seed: int = 0) -> dict:
    """A state dict with the keys and shapes of torch-fidelity's ``inception-v3-compat`` (randomly
    initialised), loadable through ``feature_extractor_weights_path``."""
    from unittest import mock

    import torch
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

    torch.manual_seed(seed)
    # The extractor loads its weights in __init__: build it around an empty load, keep its fresh init.
    with mock.patch.object(torch, "load", return_value={}), mock.patch.object(
        FeatureExtractorInceptionV3, "load_state_dict", return_value=None
    ):
        model = FeatureExtractorInceptionV3("inception-v3-compat", ["2048"], feature_extractor_weights_path="-")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(model.state_dict(), tmp)
    tmp.replace(path)
    return {"name": "inception", "format": INCEPTION_FORMAT, "path": str(path)}
