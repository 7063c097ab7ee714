"""Dataset preparation from tiny IDX fixtures written here: sources, manifest, and the errors."""

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
    spec = datasets.DatasetSpec(
        name="fashion_mnist",
        torchvision_class="FashionMNIST",
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
        datasets.DATASETS, "fashion_mnist", datasets.DatasetSpec("fashion_mnist", "FashionMNIST", content_sha256=sums)
    )
    prepare("fashion_mnist", tmp_path / "ok", local_dir=str(tmp_path / "src"))
    bad = dict(sums, **{"t10k-labels-idx1-ubyte": "0" * 64})
    monkeypatch.setitem(
        datasets.DATASETS, "fashion_mnist", datasets.DatasetSpec("fashion_mnist", "FashionMNIST", content_sha256=bad)
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
