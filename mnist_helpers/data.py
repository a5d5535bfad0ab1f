"""Load the real MNIST, verified, from a local folder or through Keras.

`load_mnist` returns exactly what `keras.datasets.mnist.load_data()` returns, so a
lesson reads the same with or without internet. A local folder holds the four
original IDX files (gzip-compressed or not); their decompressed bytes must match
the published SHA-256 hashes, so a learner always trains on the real data.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np

DATA_DIR_VARIABLE = "MNIST_DATA_DIR"

#: SHA-256 of the decompressed original MNIST files (the published hashes).
PUBLISHED_SHA256: dict[str, str] = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

_IMAGES_MAGIC = 2051  # IDX: unsigned bytes, 3 dimensions
_LABELS_MAGIC = 2049  # IDX: unsigned bytes, 1 dimension

MnistArrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class MnistDataError(Exception):
    """MNIST could not be loaded; the message says which file, what was wrong and how to fix it."""


class MnistFileMissingError(MnistDataError, FileNotFoundError):
    """One of the four IDX files is not in the data folder."""


class MnistChecksumError(MnistDataError):
    """A file's decompressed bytes do not match the published SHA-256."""


class MnistFormatError(MnistDataError):
    """A file is not a valid MNIST IDX file (bad gzip, wrong magic number, truncated, wrong shape)."""


def load_mnist(data_dir: str | os.PathLike[str] | None = None) -> MnistArrays:
    """Return ``(x_train, y_train), (x_test, y_test)`` as uint8 arrays, like Keras does.

    Sources, in order: ``data_dir``; the ``MNIST_DATA_DIR`` environment variable;
    otherwise ``keras.datasets.mnist.load_data()`` (downloads once, then Keras caches it).
    Raises `MnistDataError` (never returns half-loaded data) when a source is unusable.
    """
    if data_dir is None:
        data_dir = os.environ.get(DATA_DIR_VARIABLE) or None
    if data_dir is not None:
        return load_mnist_from_folder(data_dir)
    return _load_mnist_with_keras()


def load_mnist_from_folder(
    data_dir: str | os.PathLike[str],
    checksums: Mapping[str, str] = PUBLISHED_SHA256,
) -> MnistArrays:
    """Read and verify the four IDX files in ``data_dir``.

    ``checksums`` maps each file's base name to the SHA-256 of its decompressed
    bytes; the default is the published MNIST hashes (tests pass their own).
    """
    folder = Path(data_dir).expanduser()
    if not folder.is_dir():
        raise MnistFileMissingError(
            f"MNIST folder not found: {folder} (from {DATA_DIR_VARIABLE} or data_dir). "
            "Point it at the folder that holds train-images-idx3-ubyte(.gz) and the three other IDX files."
        )
    x_train = _read_verified(folder, "train-images-idx3-ubyte", checksums)
    y_train = _read_verified(folder, "train-labels-idx1-ubyte", checksums)
    x_test = _read_verified(folder, "t10k-images-idx3-ubyte", checksums)
    y_test = _read_verified(folder, "t10k-labels-idx1-ubyte", checksums)
    _check_pair(folder, "train", x_train, y_train)
    _check_pair(folder, "t10k", x_test, y_test)
    return (x_train, y_train), (x_test, y_test)


def parse_idx(raw: bytes, source: str = "<bytes>") -> np.ndarray:
    """Turn the decompressed bytes of an MNIST IDX file into a uint8 array.

    Checks the magic number (2051 for images, 2049 for labels) and that the file
    holds exactly as many bytes as its header promises.
    """
    if len(raw) < 8:
        raise MnistFormatError(f"{source}: only {len(raw)} bytes, too short for an IDX header; the file is truncated.")
    magic = int.from_bytes(raw[:4], "big")
    if magic not in (_IMAGES_MAGIC, _LABELS_MAGIC):
        raise MnistFormatError(
            f"{source}: magic number {magic} (0x{magic:08x}) is not an MNIST IDX file "
            f"(expected {_IMAGES_MAGIC} for images or {_LABELS_MAGIC} for labels). "
            "Is this the right file, and was it decompressed correctly?"
        )
    ndim = 3 if magic == _IMAGES_MAGIC else 1
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise MnistFormatError(
            f"{source}: header cut short ({len(raw)} of {header_size} bytes); the file is truncated."
        )
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header_size + int(np.prod(shape))
    if len(raw) != expected:
        problem = "truncated" if len(raw) < expected else "longer than its header says"
        raise MnistFormatError(
            f"{source}: header promises shape {shape} ({expected} bytes) but the file has {len(raw)} bytes; "
            f"it is {problem}. Download it again."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape).copy()


def _read_verified(folder: Path, name: str, checksums: Mapping[str, str]) -> np.ndarray:
    path = _find_file(folder, name)
    raw = _read_bytes(path)
    found = hashlib.sha256(raw).hexdigest()
    expected = checksums[name]
    if found != expected:
        raise MnistChecksumError(
            f"{path}: SHA-256 of the decompressed bytes is {found}, expected {expected}. "
            "The file is corrupt or not the original MNIST: download it again."
        )
    return parse_idx(raw, str(path))


def _find_file(folder: Path, name: str) -> Path:
    for candidate in (folder / f"{name}.gz", folder / name):
        if candidate.is_file():
            return candidate
    raise MnistFileMissingError(
        f"MNIST file missing: expected {name}.gz or {name} in {folder}. "
        f"Put the four IDX files there, or set {DATA_DIR_VARIABLE} to the folder that has them."
    )


def _read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix != ".gz":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise MnistFormatError(f"{path}: not a complete gzip file ({error}). Download it again.") from error


def _check_pair(folder: Path, prefix: str, images: np.ndarray, labels: np.ndarray) -> None:
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise MnistFormatError(f"{folder}/{prefix}-images: images have shape {images.shape}, expected (n, 28, 28).")
    if labels.ndim != 1 or len(labels) != len(images):
        raise MnistFormatError(
            f"{folder}/{prefix}-labels: {len(labels)} labels for {len(images)} images; "
            "the files do not belong together."
        )
    if labels.size and labels.max() > 9:
        raise MnistFormatError(f"{folder}/{prefix}-labels: label {int(labels.max())} found, MNIST labels are 0-9.")


def _load_mnist_with_keras() -> MnistArrays:
    from mnist_helpers.quiet import import_keras_quietly

    keras = import_keras_quietly()
    try:
        return keras.datasets.mnist.load_data()
    except Exception as error:  # Keras raises different types for offline, proxy and HTTP failures.
        raise MnistDataError(
            f"Could not download MNIST through keras.datasets.mnist.load_data(): {error}. "
            f"Without internet, set {DATA_DIR_VARIABLE} to a folder holding the four IDX files, "
            f"e.g. `export {DATA_DIR_VARIABLE}=/path/to/mnist` (or os.environ['{DATA_DIR_VARIABLE}'] = ... "
            "in the notebook before loading)."
        ) from error
