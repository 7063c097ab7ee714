"""Dataset preparation from tiny IDX fixtures written here: sources, manifest, and the errors."""

import dataclasses
import gzip
import hashlib
import struct

import pytest
import torch

from mmcore.data import datasets
from mmcore.data.datasets import DatasetError, find_source, load_prepared, prepare

N_TRAIN, N_TEST = 12, 5


def idx_images(n: int, seed: int) -> bytes:
    g = torch.Generator().manual_seed(seed)
    pixels = torch.randint(0, 256, (n, 28, 28), generator=g, dtype=torch.uint8)
    return struct.pack(">IIII", 2051, n, 28, 28) + pixels.numpy().tobytes()


def idx_labels(n: int) -> bytes:
    return struct.pack(">II", 2049, n) + bytes(i % 10 for i in range(n))


def write_fixture(folder, compress=True, n_train=N_TRAIN, n_test=N_TEST):
    """The four raw files of an MNIST-format dataset, as gzip (or plain) IDX files."""
    folder.mkdir(parents=True, exist_ok=True)
    content = {
        "train-images-idx3-ubyte": idx_images(n_train, 0),
        "train-labels-idx1-ubyte": idx_labels(n_train),
        "t10k-images-idx3-ubyte": idx_images(n_test, 1),
        "t10k-labels-idx1-ubyte": idx_labels(n_test),
    }
    for name, data in content.items():
        if compress:
            (folder / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return {name: hashlib.sha256(data).hexdigest() for name, data in content.items()}


@pytest.fixture
def fixture_spec(monkeypatch):
    """fashion_mnist with no offline location, so only the test's folder is found."""
    spec = dataclasses.replace(
        datasets.DATASETS["fashion_mnist"],
        offline_dirs=(),
        how_to_get="install the Debian package dataset-fashion-mnist",
    )
    monkeypatch.setitem(datasets.DATASETS, "fashion_mnist", spec)
    return spec


@pytest.mark.parametrize("compress", [True, False])
def test_prepare_from_local_folder(tmp_path, fixture_spec, compress):
    write_fixture(tmp_path / "src", compress)
    manifest = prepare("fashion_mnist", tmp_path / "out", local_dir=str(tmp_path / "src"), verify_checksums=False)
    assert manifest["shapes"] == {"train": [N_TRAIN, 28, 28], "test": [N_TEST, 28, 28]}
    assert manifest["classes"][0] == "T-shirt/top" and len(manifest["classes"]) == 10
    x, y, _ = load_prepared(tmp_path / "out", "train")
    assert x.dtype == torch.uint8 and x.shape == (N_TRAIN, 28, 28)
    assert y.tolist() == [i % 10 for i in range(N_TRAIN)]
    # The pixels are exactly the fixture's (read by torchvision, not by us).
    expected = torch.frombuffer(bytearray(idx_images(N_TRAIN, 0)[16:]), dtype=torch.uint8).view(N_TRAIN, 28, 28)
    assert torch.equal(x, expected)


def test_torchvision_layout_is_found(tmp_path, fixture_spec):
    write_fixture(tmp_path / "src" / "FashionMNIST" / "raw")
    assert find_source("fashion_mnist", str(tmp_path / "src")) == tmp_path / "src" / "FashionMNIST" / "raw"


def test_known_content_checksums_pass_and_mismatch_fails(tmp_path, monkeypatch, fixture_spec):
    sums = write_fixture(tmp_path / "src")
    monkeypatch.setitem(
        datasets.DATASETS, "fashion_mnist", dataclasses.replace(fixture_spec, content_sha256=sums)
    )
    prepare("fashion_mnist", tmp_path / "ok", local_dir=str(tmp_path / "src"))
    bad = dict(sums, **{"t10k-labels-idx1-ubyte": "0" * 64})
    monkeypatch.setitem(
        datasets.DATASETS, "fashion_mnist", dataclasses.replace(fixture_spec, content_sha256=bad)
    )
    with pytest.raises(DatasetError, match=r"t10k-labels-idx1-ubyte.gz fails its checksum"):
        prepare("fashion_mnist", tmp_path / "bad", local_dir=str(tmp_path / "src"))
    assert not (tmp_path / "bad").exists()


def test_missing_dataset_says_where_it_looked_and_how_to_fix(tmp_path, fixture_spec):
    with pytest.raises(DatasetError) as err:
        prepare("fashion_mnist", tmp_path / "out", local_dir=str(tmp_path / "nowhere"))
    msg = str(err.value)
    assert str(tmp_path / "nowhere") in msg and "dataset-fashion-mnist" in msg and "downloads are off" in msg
    assert "\n" not in msg and not (tmp_path / "out").exists()


def test_truncated_gzip_is_reported_and_leaves_nothing(tmp_path, fixture_spec):
    write_fixture(tmp_path / "src")
    f = tmp_path / "src" / "train-images-idx3-ubyte.gz"
    f.write_bytes(f.read_bytes()[: len(f.read_bytes()) // 2])
    with pytest.raises(DatasetError, match=r"train-images-idx3-ubyte.gz is corrupt"):
        prepare("fashion_mnist", tmp_path / "out", local_dir=str(tmp_path / "src"), verify_checksums=False)
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".out.staging-*"))


def test_prepared_data_is_verified_on_reuse(tmp_path, fixture_spec):
    write_fixture(tmp_path / "src")
    prepare("fashion_mnist", tmp_path / "out", local_dir=str(tmp_path / "src"), verify_checksums=False)
    (tmp_path / "out" / "test.pt").write_bytes(b"tampered")
    with pytest.raises(DatasetError, match="does not match its manifest"):
        load_prepared(tmp_path / "out", "test")


def test_unknown_dataset():
    with pytest.raises(DatasetError, match="unknown dataset 'cifar7'"):
        prepare("cifar7", "/tmp/never")


# ---- CIFAR, SVHN and Tiny-ImageNet from fixtures in their distribution formats ----------------------


def write_cifar(root, classes=10, n=6):
    """cifar-10-batches-py / cifar-100-python with tiny random batches (pickled as the originals)."""
    import pickle

    import numpy as np

    tv = datasets.DATASETS["cifar10" if classes == 10 else "cifar100"].dataset_class()
    folder = root / tv.base_folder
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    label_key = "labels" if classes == 10 else "fine_labels"
    for name, _ in tv.train_list + tv.test_list:
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        with open(folder / name, "wb") as fh:
            pickle.dump({"data": data, label_key: [i % classes for i in range(n)]}, fh)
    with open(folder / tv.meta["filename"], "wb") as fh:
        pickle.dump({tv.meta["key"]: [f"class{i}" for i in range(classes)]}, fh)
    return n * len(tv.train_list), n * len(tv.test_list)


@pytest.mark.parametrize("name,classes", [("cifar10", 10), ("cifar100", 100)])
def test_prepare_cifar_from_a_local_folder(tmp_path, name, classes):
    n_train, n_test = write_cifar(tmp_path / "src", classes)
    with pytest.raises(DatasetError, match="fails its checksum.*verify_checksums: false"):
        prepare(name, tmp_path / "out", local_dir=str(tmp_path / "src"))
    manifest = prepare(name, tmp_path / "out", local_dir=str(tmp_path / "src"), verify_checksums=False)
    assert manifest["shapes"] == {"train": [n_train, 3, 32, 32], "test": [n_test, 3, 32, 32]}
    x, y, _ = load_prepared(tmp_path / "out", "train")
    assert x.dtype == torch.uint8 and int(y.max()) < classes and len(manifest["classes"]) == classes


def test_cifar_pixels_keep_their_channel_order(tmp_path):
    import pickle

    write_cifar(tmp_path / "src")
    batch = tmp_path / "src" / "cifar-10-batches-py" / "data_batch_1"
    with open(batch, "rb") as fh:
        raw = pickle.load(fh)["data"][0]
    prepare("cifar10", tmp_path / "out", local_dir=str(tmp_path / "src"), verify_checksums=False)
    x, _, _ = load_prepared(tmp_path / "out", "train")
    # The python batches store each row as 1024 red, then 1024 green, then 1024 blue values.
    assert torch.equal(x[0].flatten(), torch.from_numpy(raw))


def test_prepare_svhn_from_mat_files(tmp_path):
    import numpy as np
    import scipy.io

    src = tmp_path / "src"
    src.mkdir()
    for split, n in (("train", 7), ("test", 3)):
        X = np.random.default_rng(0).integers(0, 256, (32, 32, 3, n), dtype=np.uint8)
        y = np.array([[10 if i == 0 else i] for i in range(n)])  # SVHN stores the digit 0 as label 10
        scipy.io.savemat(src / f"{split}_32x32.mat", {"X": X, "y": y})
    manifest = prepare("svhn", tmp_path / "out", local_dir=str(src), verify_checksums=False)
    assert manifest["shapes"] == {"train": [7, 3, 32, 32], "test": [3, 3, 32, 32]}
    _, y, _ = load_prepared(tmp_path / "out", "train")
    assert y.tolist() == list(range(7))


def test_a_reader_that_leaves_svhn_labels_1_to_10_stops_preparation_in_one_sentence(tmp_path, monkeypatch):
    """The slip the pilot was tried with (docs/pilot.md): a reader that forgets SVHN's 10 -> 0 shift hands
    back labels 1..10; preparation refuses it, naming the dataset, the split and the range, writing nothing."""
    import numpy as np
    import scipy.io

    from mmcore.data import readers

    src = tmp_path / "src"
    src.mkdir()
    for split, n in (("train", 7), ("test", 3)):
        X = np.random.default_rng(0).integers(0, 256, (32, 32, 3, n), dtype=np.uint8)
        scipy.io.savemat(src / f"{split}_32x32.mat", {"X": X, "y": np.array([[10 if i == 0 else i] for i in range(n)])})
    good = readers.READERS["svhn"]

    def unshifted(*args):
        (xt, yt), (xs, ys), classes, sums = good(*args)
        return (xt, torch.where(yt == 0, 10, yt)), (xs, ys), classes, sums

    monkeypatch.setitem(readers.READERS, "svhn", unshifted)
    with pytest.raises(DatasetError, match=r"dataset svhn: the train split .*labels span 1\.\.10, expected 0\.\.9"):
        prepare("svhn", tmp_path / "out", local_dir=str(src), verify_checksums=False)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("regrouped", [False, True])
def test_prepare_tiny_imagenet_with_validation_as_test_set(tmp_path, regrouped):
    from PIL import Image

    root = tmp_path / "tiny-imagenet-200"
    wnids = ["n01", "n02", "n03"]
    for i, w in enumerate(wnids):
        (root / "train" / w / "images").mkdir(parents=True)
        for j in range(2):
            Image.new("RGB", (64, 64), (i * 80, j * 100, 7)).save(root / "train" / w / "images" / f"{w}_{j}.JPEG")
    lines = []
    for k, w in enumerate(["n03", "n01", "n03", "n02"]):
        folder = root / "val" / (f"{w}/images" if regrouped else "images")
        folder.mkdir(parents=True, exist_ok=True)
        Image.new("L", (64, 64), 30 * k).save(folder / f"val_{k}.JPEG")  # greyscale, as some originals
        lines.append(f"val_{k}.JPEG\t{w}\t0\t0\t63\t63")
    if not regrouped:
        (root / "val" / "val_annotations.txt").write_text("\n".join(lines) + "\n")
    manifest = prepare("tiny_imagenet", tmp_path / "out", local_dir=str(root))
    assert manifest["shapes"] == {"train": [6, 3, 64, 64], "test": [4, 3, 64, 64]}
    assert manifest["classes"] == wnids
    _, y_test, _ = load_prepared(tmp_path / "out", "test")
    assert sorted(y_test.tolist()) == [0, 1, 2, 2]


def test_missing_cifar_and_tiny_say_how_to_get_them(tmp_path):
    for name, hint in (("cifar10", "cifar-10-batches-py"), ("svhn", "train_32x32.mat"), ("tiny_imagenet", "tiny-imagenet-200")):
        with pytest.raises(DatasetError) as err:
            prepare(name, tmp_path / name, local_dir=str(tmp_path / "nowhere"))
        msg = str(err.value)
        assert hint in msg and "\n" not in msg and not (tmp_path / name).exists()
