"""Load the real MNIST, verified, from a local folder or through Keras.

`load_mnist` returns exactly what `keras.datasets.mnist.load_data()` returns, so a
lesson reads the same with or without internet; in quick mode (``MNIST_QUICK=1``) it keeps
the first 6,000 training and 2,000 test images and says so. A local folder holds the four
original IDX files (gzip-compressed or not); their decompressed bytes must match
the published SHA-256 hashes, so a learner always trains on the real data.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

import numpy as np

from mnist_helpers.quick_mode import (
    QUICK_TEST_SAMPLES,
    QUICK_TRAIN_SAMPLES,
    QUICK_VARIABLE,
    is_quick_mode,
    shrink_in_quick_mode,
)

#: Ten digits, 0-9: the number of outputs of every network in the course (other modules import it from here).
NUM_CLASSES = 10

DATA_DIR_VARIABLE = "MNIST_DATA_DIR"

#: SHA-256 of the decompressed original MNIST files (the published hashes).
PUBLISHED_SHA256: dict[str, str] = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

#: Size in bytes of each decompressed original file: reads stop just past it, so a huge or endless file is
#: refused after reading this much, never held in memory whole.
PUBLISHED_SIZES: dict[str, int] = {
    "train-images-idx3-ubyte": 16 + 60_000 * 28 * 28,
    "train-labels-idx1-ubyte": 8 + 60_000,
    "t10k-images-idx3-ubyte": 16 + 10_000 * 28 * 28,
    "t10k-labels-idx1-ubyte": 8 + 10_000,
}

_CHUNK = 2**20
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
    """A file is not a valid MNIST IDX file (bad gzip, wrong magic number, truncated, too large, wrong shape)."""


class MnistReadError(MnistDataError, OSError):
    """A file is there but cannot be read: no permission, a folder under a file's name, a disk error."""


def load_mnist(data_dir: str | os.PathLike[str] | None = None, quick: bool | None = None) -> MnistArrays:
    """Return ``(x_train, y_train), (x_test, y_test)`` as uint8 arrays, like Keras does.

    Sources, in order: ``data_dir``; the ``MNIST_DATA_DIR`` environment variable;
    otherwise ``keras.datasets.mnist.load_data()`` (downloads once, then Keras caches it).
    Raises `MnistDataError` (never returns half-loaded data) when a source is unusable.
    In quick mode (``quick=None`` and ``MNIST_QUICK=1``, or ``quick=True``) only the first 6,000
    training and 2,000 test images are returned, with one line that says so; ``quick=False`` always
    returns all of them.
    """
    arrays = _load_all(data_dir)
    if not (is_quick_mode() if quick is None else quick):
        return arrays
    (x_train, y_train), (x_test, y_test) = arrays
    x_train, y_train, x_test, y_test = shrink_in_quick_mode(x_train, y_train, x_test, y_test, quick=True)
    print(
        f"Quick mode ({QUICK_VARIABLE}=1): using the first {QUICK_TRAIN_SAMPLES:,} training "
        f"and {QUICK_TEST_SAMPLES:,} test images."
    )
    return (x_train, y_train), (x_test, y_test)


def _load_all(data_dir: str | os.PathLike[str] | None) -> MnistArrays:
    if data_dir is None:
        from_environment = os.environ.get(DATA_DIR_VARIABLE, "").strip()
        if from_environment:
            _check_variable_folder(from_environment)
            return load_mnist_from_folder(from_environment)
        return _load_mnist_with_keras()
    return load_mnist_from_folder(data_dir)


def _check_variable_folder(value: str) -> None:
    """Say so, naming the variable, when ``MNIST_DATA_DIR`` is not a folder (a file, /dev/null, a typo)."""
    folder = Path(value).expanduser()
    try:
        is_folder = folder.is_dir()
    except OSError as error:
        raise MnistReadError(
            f"{DATA_DIR_VARIABLE}={value!r}: cannot look at {folder} ({error}). "
            f"Set {DATA_DIR_VARIABLE} to a folder you can read, or unset it to download MNIST through Keras."
        ) from error
    if not is_folder:
        what = "is not a folder" if folder.exists() else "does not exist"
        raise MnistFileMissingError(
            f"{DATA_DIR_VARIABLE}={value!r}: {folder} {what}. Set {DATA_DIR_VARIABLE} to the folder that holds "
            "train-images-idx3-ubyte(.gz) and the three other IDX files, or unset it to download MNIST through Keras."
        )


def load_mnist_from_folder(
    data_dir: str | os.PathLike[str],
    checksums: Mapping[str, str] = PUBLISHED_SHA256,
) -> MnistArrays:
    """Read and verify the four IDX files in ``data_dir``.

    ``checksums`` maps each file's base name to the SHA-256 of its decompressed
    bytes; the default is the published MNIST hashes (tests pass their own).
    """
    folder = Path(data_dir).expanduser()
    if not _is_folder(folder):
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


def parse_idx(raw: bytes | bytearray, source: str = "<bytes>") -> np.ndarray:
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
    expected = header_size + math.prod(shape)  # Python integers: a huge header cannot overflow
    if len(raw) != expected:
        problem = "truncated" if len(raw) < expected else "longer than its header says"
        raise MnistFormatError(
            f"{source}: header promises shape {shape} ({expected} bytes) but the file has {len(raw)} bytes; "
            f"it is {problem}. Download it again."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape).copy()


def _read_verified(folder: Path, name: str, checksums: Mapping[str, str]) -> np.ndarray:
    path = _find_file(folder, name)
    raw = _read_bytes(path, limit=PUBLISHED_SIZES.get(name))
    found = hashlib.sha256(raw).hexdigest()
    expected = checksums[name]
    if found != expected:
        raise MnistChecksumError(
            f"{path}: SHA-256 of the decompressed bytes is {found}, expected {expected}. "
            "The file is corrupt or not the original MNIST: download it again."
        )
    return parse_idx(raw, str(path))


def _is_folder(folder: Path) -> bool:
    try:
        return folder.is_dir()
    except OSError as error:
        raise MnistReadError(f"{folder}: cannot look into this folder ({error}). Check its permissions.") from error


def _find_file(folder: Path, name: str) -> Path:
    candidates = (folder / f"{name}.gz", folder / name)
    try:
        present = [(candidate, candidate.is_file()) for candidate in candidates if candidate.exists()]
    except OSError as error:
        raise MnistReadError(f"{folder}: cannot look for {name} here ({error}). Check its permissions.") from error
    for candidate, is_file in present:
        if is_file:
            return candidate
    if present:
        raise MnistReadError(
            f"{present[0][0]}: this is not a file (a folder or a device has its name). "
            f"Put the MNIST file {name}.gz or {name} there instead."
        )
    raise MnistFileMissingError(
        f"MNIST file missing: expected {name}.gz or {name} in {folder}. "
        f"Put the four IDX files there, or set {DATA_DIR_VARIABLE} to the folder that has them."
    )


def _read_bytes(path: Path, limit: int | None = None) -> bytearray:
    """The file's (decompressed) bytes; with ``limit``, reading stops just past that many (a format error)."""
    compressed = path.suffix == ".gz"
    try:
        with open(path, "rb") as handle:
            if compressed:
                with gzip.GzipFile(fileobj=handle) as stream:
                    data = _read_at_most(stream, limit)
            else:
                data = _read_at_most(handle, limit)
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:  # BadGzipFile is an OSError: caught first
        raise MnistFormatError(f"{path}: not a complete gzip file ({error}). Download it again.") from error
    except OSError as error:
        raise MnistReadError(_unreadable(path, error)) from error
    if limit is not None and len(data) > limit:
        raise MnistFormatError(
            f"{path}: more than {limit:,} bytes{' once decompressed' if compressed else ''}, but the original "
            f"{path.name.removesuffix('.gz')} has exactly {limit:,}. This is not the MNIST file (or it is damaged); "
            "reading stopped there. Download it again."
        )
    return data


def _read_at_most(stream: BinaryIO, limit: int | None) -> bytearray:
    """Read to the end, or stop as soon as more than ``limit`` bytes came; memory grows with what was read."""
    data = bytearray()
    while limit is None or len(data) <= limit:
        chunk = stream.read(_CHUNK if limit is None else min(_CHUNK, limit + 1 - len(data)))
        if not chunk:
            break
        data += chunk
    return data


def _unreadable(path: Path, error: OSError) -> str:
    return (
        f"{path}: cannot read this file ({type(error).__name__}: {error.strerror or error}). "
        "Check that it is a file you may read (permissions), or download it again to a folder of your own."
    )


def _check_pair(folder: Path, prefix: str, images: np.ndarray, labels: np.ndarray) -> None:
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise MnistFormatError(f"{folder}/{prefix}-images: images have shape {images.shape}, expected (n, 28, 28).")
    if labels.ndim != 1 or len(labels) != len(images):
        raise MnistFormatError(
            f"{folder}/{prefix}-labels: {len(labels)} labels for {len(images)} images; "
            "the files do not belong together."
        )
    if labels.size and labels.max() >= NUM_CLASSES:
        raise MnistFormatError(f"{folder}/{prefix}-labels: label {int(labels.max())} found, MNIST labels are 0-9.")


def _load_mnist_with_keras() -> MnistArrays:
    from mnist_helpers.notebook_setup import import_keras_quietly

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
