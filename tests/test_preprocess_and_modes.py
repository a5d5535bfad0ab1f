"""Preprocessing helpers and quick mode."""

from __future__ import annotations

import numpy as np
import pytest

import mnist_helpers as mh
from mnist_helpers import data
from mnist_helpers.quick_mode import shrink_in_quick_mode


def test_scale_pixels_maps_0_255_to_float32_0_1():
    scaled = mh.scale_pixels(np.array([[0, 51, 255]], dtype=np.uint8))
    assert scaled.dtype == np.float32
    assert scaled[0].tolist() == pytest.approx([0.0, 0.2, 1.0])


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_scale_pixels_equals_the_written_out_division_and_leaves_its_input_alone(dtype):
    # Lesson 01 writes out images.astype("float32") / 255.0 and asserts that the helper gives the same array;
    # the helper divides its own copy in place, which must neither change a value nor touch the caller's images.
    images = np.arange(256, dtype=np.uint8).reshape(1, 16, 16).astype(dtype)
    before = images.copy()
    scaled = mh.scale_pixels(images)
    assert scaled.dtype == np.float32
    assert np.array_equal(scaled, images.astype("float32") / 255.0)
    assert np.array_equal(images, before) and scaled is not images


def test_flatten_images_keeps_pixel_order():
    images = np.arange(2 * 28 * 28).reshape(2, 28, 28)
    flat = mh.flatten_images(images)
    assert flat.shape == (2, 784)
    assert flat[1, 28] == images[1, 1, 0]


def test_one_hot_labels():
    encoded = mh.one_hot_labels(np.array([3, 0, 9]))
    assert encoded.shape == (3, 10)
    assert encoded.argmax(axis=1).tolist() == [3, 0, 9]
    assert encoded.sum(axis=1).tolist() == [1, 1, 1]


def test_prepare_for_dense_does_all_three():
    x, y = mh.prepare_for_dense(np.full((4, 28, 28), 255, np.uint8), np.array([1, 2, 3, 4]))
    assert x.shape == (4, 784) and x.dtype == np.float32 and x.max() == 1.0
    assert y.shape == (4, 10)


@pytest.mark.parametrize(("value", "quick"), [("1", True), ("true", True), ("0", False), ("", False)])
def test_quick_mode_switch(monkeypatch, value, quick):
    monkeypatch.setenv("MNIST_QUICK", value)
    assert mh.is_quick_mode() is quick
    assert mh.pick(full=20, quick=2) == (2 if quick else 20)


def test_shrink_in_quick_mode(monkeypatch):
    arrays = (np.zeros(60000), np.zeros(60000), np.zeros(10000), np.zeros(10000))
    monkeypatch.setenv("MNIST_QUICK", "1")
    assert [len(a) for a in shrink_in_quick_mode(*arrays)] == [6000, 6000, 2000, 2000]
    assert [len(a) for a in shrink_in_quick_mode(*arrays, quick=False)] == [60000, 60000, 10000, 10000]
    monkeypatch.setenv("MNIST_QUICK", "0")
    assert [len(a) for a in shrink_in_quick_mode(*arrays)] == [60000, 60000, 10000, 10000]
    assert [len(a) for a in shrink_in_quick_mode(*arrays, quick=True)] == [6000, 6000, 2000, 2000]


def test_load_mnist_applies_quick_mode_itself_and_says_so(monkeypatch, capsys):
    full = (
        (np.arange(60000 * 4, dtype=np.uint32).reshape(60000, 2, 2), np.arange(60000) % 10),
        (np.zeros((10000, 2, 2), np.uint32), np.arange(10000) % 10),
    )
    monkeypatch.setattr(data, "_load_all", lambda data_dir: full)
    monkeypatch.setenv("MNIST_QUICK", "1")
    (x_train, y_train), (x_test, y_test) = mh.load_mnist()
    assert [len(a) for a in (x_train, y_train, x_test, y_test)] == [6000, 6000, 2000, 2000]
    assert np.array_equal(x_train, full[0][0][:6000]), "quick mode keeps the first images, in order"
    said = capsys.readouterr().out
    assert said == "Quick mode (MNIST_QUICK=1): using the first 6,000 training and 2,000 test images.\n"
    assert mh.load_mnist(quick=False) is full and capsys.readouterr().out == "", "quick=False: all, silently"
    monkeypatch.setenv("MNIST_QUICK", "0")
    assert mh.load_mnist() is full and capsys.readouterr().out == "", "full mode: exactly what was loaded"
    assert len(mh.load_mnist(quick=True)[0][0]) == 6000


def test_models_dir_separates_quick_models(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("MNIST_QUICK", "0")
    assert mh.models_dir() == tmp_path
    monkeypatch.setenv("MNIST_QUICK", "1")
    assert mh.models_dir() == tmp_path / "quick" and (tmp_path / "quick").is_dir()


def test_models_dir_is_shared_by_a_lesson_and_its_solutions(monkeypatch, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    (tmp_path / "mnist_helpers").mkdir()
    (tmp_path / "notebooks" / "solutions").mkdir(parents=True)
    monkeypatch.delenv("MNIST_MODELS_DIR", raising=False)
    monkeypatch.setenv("MNIST_QUICK", "0")
    monkeypatch.chdir(tmp_path / "notebooks")
    from_lesson = mh.models_dir()
    monkeypatch.chdir(tmp_path / "notebooks" / "solutions")
    assert mh.models_dir() == from_lesson == tmp_path / "saved_models"


def test_models_dir_outside_a_checkout_is_next_to_the_notebook(monkeypatch, tmp_path):
    monkeypatch.delenv("MNIST_MODELS_DIR", raising=False)
    monkeypatch.setenv("MNIST_QUICK", "0")
    monkeypatch.chdir(tmp_path)
    assert mh.models_dir() == tmp_path / "saved_models"
