"""Shared fixtures: small IDX files the tests write themselves, and the real MNIST when available."""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

IDX_NAMES = {
    ("train", "images"): "train-images-idx3-ubyte",
    ("train", "labels"): "train-labels-idx1-ubyte",
    ("test", "images"): "t10k-images-idx3-ubyte",
    ("test", "labels"): "t10k-labels-idx1-ubyte",
}


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array as an IDX file (magic 2051 for 3-D images, 2049 for 1-D labels)."""
    magic = 2051 if array.ndim == 3 else 2049
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


class FakeMnist:
    """A tiny MNIST-shaped data folder: 12 training and 5 test digits with known contents."""

    def __init__(self, folder: Path, compress: bool = True) -> None:
        rng = np.random.default_rng(0)
        self.folder = folder
        self.compress = compress
        self.arrays = {
            ("train", "images"): rng.integers(0, 256, (12, 28, 28), dtype=np.uint8),
            ("train", "labels"): np.arange(12, dtype=np.uint8) % 10,
            ("test", "images"): rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
            ("test", "labels"): np.array([7, 2, 1, 0, 4], dtype=np.uint8),
        }
        self.checksums: dict[str, str] = {}
        for key, array in self.arrays.items():
            self.write(IDX_NAMES[key], idx_bytes(array))

    def path(self, name: str) -> Path:
        return self.folder / (f"{name}.gz" if self.compress else name)

    def write(self, name: str, raw: bytes, update_checksum: bool = True) -> Path:
        """Write raw (decompressed) bytes for one file; by default its checksum becomes the expected one."""
        path = self.path(name)
        path.write_bytes(gzip.compress(raw) if self.compress else raw)
        if update_checksum:
            self.checksums[name] = hashlib.sha256(raw).hexdigest()
        return path


@pytest.fixture
def fake_mnist(tmp_path: Path) -> FakeMnist:
    return FakeMnist(tmp_path)


@pytest.fixture(scope="session")
def real_mnist_dir() -> Path:
    folder = os.environ.get("MNIST_DATA_DIR")
    if not folder:
        pytest.skip("MNIST_DATA_DIR is not set: point it at the four MNIST IDX files to run the real-data tests.")
    return Path(folder)
