"""Reading MNIST files is bounded, OS errors stay in the MnistDataError family, MNIST_DATA_DIR is read carefully."""

from __future__ import annotations

import builtins
import gzip
import io
import tracemalloc
from pathlib import Path

import pytest
from conftest import FakeMnist

import mnist_helpers as mh
import mnist_helpers.data as data
from mnist_helpers import MnistDataError, MnistFileMissingError, MnistFormatError, MnistReadError
from mnist_helpers.data import parse_idx

TEST_LABELS = "t10k-labels-idx1-ubyte"
BOMB_BYTES = 16 * 2**20  # inflates to 16 MiB from about 16 kB; MNIST's test labels are 10,008 bytes


def peak_memory_of(action) -> tuple[BaseException | None, int]:
    """Run ``action``; return what it raised and the peak of Python memory it allocated meanwhile."""
    tracemalloc.start()
    try:
        action()
        raised = None
    except Exception as error:
        raised = error
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return raised, peak


def test_a_gzip_bomb_is_refused_after_reading_just_past_the_expected_size(fake_mnist):
    bomb = fake_mnist.path(TEST_LABELS)
    with gzip.open(bomb, "wb") as stream:
        for _ in range(BOMB_BYTES // 2**20):
            stream.write(bytes(2**20))
    assert bomb.stat().st_size < 100_000
    raised, peak = peak_memory_of(lambda: data.load_mnist_from_folder(fake_mnist.folder, fake_mnist.checksums))
    assert isinstance(raised, MnistFormatError), raised
    assert str(bomb) in str(raised) and "more than 10,008 bytes once decompressed" in str(raised)
    assert peak < BOMB_BYTES / 8, f"{peak:,} bytes allocated: the bomb was inflated"


def test_a_raw_file_too_big_is_refused_without_reading_it_whole(tmp_path):
    fake = FakeMnist(tmp_path, compress=False)
    big = fake.path(TEST_LABELS)
    with open(big, "r+b") as handle:
        handle.truncate(64 * 2**20)  # sparse: 64 MiB that take no disk space
    raised, peak = peak_memory_of(lambda: data.load_mnist_from_folder(tmp_path, fake.checksums))
    assert isinstance(raised, MnistFormatError), raised
    assert str(big) in str(raised) and "more than 10,008 bytes, but the original" in str(raised)
    assert peak < 4 * 2**20, f"{peak:,} bytes allocated: the file was read whole"


@pytest.mark.parametrize("shape", [(2**31, 2**31, 4), (2**32 - 1,) * 3], ids=["wraps int64 to 0", "4 GiB cubed"])
def test_a_huge_header_is_a_format_error_not_an_overflow(shape):
    header = (2051).to_bytes(4, "big") + b"".join(size.to_bytes(4, "big") for size in shape)
    with pytest.raises(MnistFormatError, match="header promises shape") as caught:
        parse_idx(header, "huge.idx")
    assert f"{16 + shape[0] * shape[1] * shape[2]} bytes" in str(caught.value)


@pytest.fixture
def refuse_to_open(monkeypatch):
    """Make opening one path fail with ``error`` (chmod 000 does not stop root, so patch every `open`)."""

    def install(path: Path, error: OSError) -> None:
        real_open = builtins.open

        def fake_open(file, *args, **kwargs):
            if str(file) == str(path):
                raise error
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", fake_open)
        monkeypatch.setattr(io, "open", fake_open)  # pathlib opens through io.open

    return install


def test_an_unreadable_file_is_a_read_error_naming_it(fake_mnist, refuse_to_open):
    path = fake_mnist.path(TEST_LABELS)
    refuse_to_open(path, PermissionError(13, "Permission denied", str(path)))
    with pytest.raises(MnistReadError) as caught:
        data.load_mnist_from_folder(fake_mnist.folder, fake_mnist.checksums)
    assert isinstance(caught.value, MnistDataError) and isinstance(caught.value, OSError)
    message = str(caught.value)
    assert str(path) in message and "Permission denied" in message and "permissions" in message


def test_a_disk_error_while_reading_is_a_read_error_not_a_format_error(fake_mnist, monkeypatch):
    path = fake_mnist.path(TEST_LABELS)
    real_open = builtins.open

    class FailingDisk(io.BytesIO):
        def read(self, *args):
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(
        builtins, "open", lambda f, *a, **k: FailingDisk() if str(f) == str(path) else real_open(f, *a, **k)
    )
    with pytest.raises(MnistReadError, match="Input/output error") as caught:
        data.load_mnist_from_folder(fake_mnist.folder, fake_mnist.checksums)
    assert str(path) in str(caught.value)


def test_a_folder_under_a_file_name_is_named(fake_mnist):
    path = fake_mnist.path(TEST_LABELS)
    path.unlink()
    path.mkdir()
    with pytest.raises(MnistReadError, match="this is not a file") as caught:
        data.load_mnist_from_folder(fake_mnist.folder, fake_mnist.checksums)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("name", sorted(data.PUBLISHED_SHA256))
def test_each_file_is_read_up_to_the_real_files_size_and_no_further(name, real_mnist_dir, tmp_path):
    """The bound is the real file's size: the real file fits it exactly, one byte more is refused unread."""
    packed = real_mnist_dir / f"{name}.gz"
    real_size = len(gzip.decompress(packed.read_bytes())) if packed.exists() else (real_mnist_dir / name).stat().st_size
    fake = FakeMnist(tmp_path, compress=False)
    with open(fake.path(name), "r+b") as handle:
        handle.truncate(real_size + 1)  # sparse: no disk space, zeros when read
    with pytest.raises(MnistFormatError) as caught:
        data.load_mnist_from_folder(tmp_path, fake.checksums)
    assert f"{fake.path(name)}: more than {real_size:,} bytes" in str(caught.value)


# --- MNIST_DATA_DIR ----------------------------------------------------------------------------------------------


def test_mnist_data_dir_is_stripped_and_expanded(fake_mnist, monkeypatch):
    monkeypatch.setenv("HOME", str(fake_mnist.folder.parent))
    for value in (f"  {fake_mnist.folder}\n", f"~/{fake_mnist.folder.name} "):
        monkeypatch.setenv("MNIST_DATA_DIR", value)
        with pytest.raises(mh.MnistChecksumError):  # it read the fake folder (whose hashes are not MNIST's)
            mh.load_mnist()


def test_a_whitespace_mnist_data_dir_counts_as_unset(monkeypatch):
    monkeypatch.setenv("MNIST_DATA_DIR", "   ")
    monkeypatch.setattr(data, "_load_mnist_with_keras", lambda: "from keras")
    assert mh.load_mnist(quick=False) == "from keras"


@pytest.mark.parametrize("kind", ["file", "/dev/null", "missing"])
def test_a_mnist_data_dir_that_is_no_folder_names_the_variable(tmp_path, monkeypatch, kind):
    value = {"file": str(tmp_path / "notes.txt"), "/dev/null": "/dev/null", "missing": str(tmp_path / "nope")}[kind]
    (tmp_path / "notes.txt").write_text("not a folder")
    monkeypatch.setenv("MNIST_DATA_DIR", value)
    with pytest.raises(MnistFileMissingError) as caught:
        mh.load_mnist()
    message = str(caught.value)
    assert message.startswith(f"MNIST_DATA_DIR={value!r}")
    assert ("does not exist" if kind == "missing" else "is not a folder") in message
