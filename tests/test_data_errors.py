"""Every way loading can fail says which file, what was wrong and how to fix it, and returns nothing."""

from __future__ import annotations

import types

import numpy as np
import pytest
from conftest import FakeMnist, idx_bytes

import mnist_helpers.data as data
from mnist_helpers import (
    MnistChecksumError,
    MnistDataError,
    MnistFileMissingError,
    MnistFormatError,
    load_mnist,
)
from mnist_helpers.data import load_mnist_from_folder, parse_idx

TRAIN_IMAGES = "train-images-idx3-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"


def test_small_folder_loads_exactly(fake_mnist):
    (x_train, y_train), (x_test, y_test) = load_mnist_from_folder(fake_mnist.folder, fake_mnist.checksums)
    assert np.array_equal(x_train, fake_mnist.arrays[("train", "images")])
    assert np.array_equal(y_test, fake_mnist.arrays[("test", "labels")])
    assert x_train.dtype == np.uint8 and x_test.shape == (5, 28, 28)
    assert x_train.flags.writeable


def test_uncompressed_files_load_too(tmp_path):
    fake = FakeMnist(tmp_path, compress=False)
    (_, y_train), _ = load_mnist_from_folder(tmp_path, fake.checksums)
    assert y_train.tolist() == fake.arrays[("train", "labels")].tolist()


def test_missing_folder_names_it(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(MnistFileMissingError, match="nowhere") as caught:
        load_mnist(missing)
    assert "MNIST_DATA_DIR" in str(caught.value)


def test_missing_file_names_expected_file_and_folder(fake_mnist):
    fake_mnist.path(TEST_LABELS).unlink()
    with pytest.raises(MnistFileMissingError) as caught:
        load_mnist_from_folder(fake_mnist.folder, fake_mnist.checksums)
    message = str(caught.value)
    assert TEST_LABELS in message and str(fake_mnist.folder) in message
    assert isinstance(caught.value, FileNotFoundError)


def test_checksum_mismatch_shows_expected_and_found(fake_mnist):
    good = fake_mnist.checksums[TRAIN_IMAGES]
    images = fake_mnist.arrays[("train", "images")].copy()
    images[0, 0, 0] ^= 1  # one flipped bit
    fake_mnist.write(TRAIN_IMAGES, idx_bytes(images), update_checksum=False)
    with pytest.raises(MnistChecksumError) as caught:
        load_mnist_from_folder(fake_mnist.folder, fake_mnist.checksums)
    message = str(caught.value)
    assert good in message and TRAIN_IMAGES in message
    assert data.hashlib.sha256(idx_bytes(images)).hexdigest() in message


def test_real_folder_default_checks_published_hashes(fake_mnist):
    # Without a checksums argument the published MNIST hashes apply, which fake data cannot match.
    with pytest.raises(MnistChecksumError, match="expected ba891046"):
        load_mnist(fake_mnist.folder)


def test_truncated_idx_file(fake_mnist):
    raw = idx_bytes(fake_mnist.arrays[("train", "images")])
    fake_mnist.write(TRAIN_IMAGES, raw[:-100])
    with pytest.raises(MnistFormatError, match="truncated") as caught:
        load_mnist_from_folder(fake_mnist.folder, fake_mnist.checksums)
    assert TRAIN_IMAGES in str(caught.value)


def test_truncated_gzip_stream(fake_mnist):
    path = fake_mnist.path(TRAIN_IMAGES)
    path.write_bytes(path.read_bytes()[:-50])
    with pytest.raises(MnistFormatError, match="gzip") as caught:
        load_mnist_from_folder(fake_mnist.folder, fake_mnist.checksums)
    assert str(path) in str(caught.value)


def test_wrong_magic_number(fake_mnist):
    raw = bytearray(idx_bytes(fake_mnist.arrays[("test", "labels")]))
    raw[:4] = (1234).to_bytes(4, "big")
    fake_mnist.write(TEST_LABELS, bytes(raw))
    with pytest.raises(MnistFormatError, match="magic number 1234") as caught:
        load_mnist_from_folder(fake_mnist.folder, fake_mnist.checksums)
    assert TEST_LABELS in str(caught.value)


def test_file_longer_than_header_says():
    raw = idx_bytes(np.zeros(3, dtype=np.uint8)) + b"\x00"
    with pytest.raises(MnistFormatError, match="longer than its header"):
        parse_idx(raw, "extra.idx")


@pytest.mark.parametrize("size", [0, 5])
def test_file_shorter_than_header(size):
    with pytest.raises(MnistFormatError, match="truncated"):
        parse_idx(b"\x00\x00\x08\x03"[:size] + b"\x00" * max(0, size - 4), "tiny.idx")


def test_images_and_labels_must_pair_up(fake_mnist):
    fake_mnist.write(TEST_LABELS, idx_bytes(np.array([1, 2, 3], dtype=np.uint8)))
    with pytest.raises(MnistFormatError, match="3 labels for 5 images"):
        load_mnist_from_folder(fake_mnist.folder, fake_mnist.checksums)


def test_labels_outside_0_to_9_are_rejected(fake_mnist):
    fake_mnist.write(TEST_LABELS, idx_bytes(np.array([1, 2, 3, 4, 12], dtype=np.uint8)))
    with pytest.raises(MnistFormatError, match="label 12"):
        load_mnist_from_folder(fake_mnist.folder, fake_mnist.checksums)


def test_data_dir_argument_beats_environment(fake_mnist, tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_DATA_DIR", str(tmp_path / "elsewhere"))
    with pytest.raises(MnistChecksumError):  # it read the argument's folder, not the missing env folder
        load_mnist(fake_mnist.folder)


def _fake_keras(load_data) -> types.ModuleType:
    keras = types.ModuleType("keras")
    keras.datasets = types.SimpleNamespace(mnist=types.SimpleNamespace(load_data=load_data))
    return keras


def test_without_local_data_keras_is_used(monkeypatch):
    sentinel = ((np.zeros((1, 28, 28), np.uint8), np.zeros(1, np.uint8)),) * 2
    monkeypatch.delenv("MNIST_DATA_DIR", raising=False)
    monkeypatch.setattr("mnist_helpers.notebook_setup.import_keras_quietly", lambda: _fake_keras(lambda: sentinel))
    assert load_mnist(quick=False) is sentinel


def test_no_local_data_and_no_internet_explains_mnist_data_dir(monkeypatch):
    def offline():
        raise OSError("URL fetch failure: [Errno -3] Temporary failure in name resolution")

    monkeypatch.delenv("MNIST_DATA_DIR", raising=False)
    monkeypatch.setattr("mnist_helpers.notebook_setup.import_keras_quietly", lambda: _fake_keras(offline))
    with pytest.raises(MnistDataError) as caught:
        load_mnist()
    message = str(caught.value)
    assert "MNIST_DATA_DIR" in message and "name resolution" in message
