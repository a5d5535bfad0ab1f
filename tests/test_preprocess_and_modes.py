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


# --- input the helpers would misread is refused, with the fix in the message ------------------------------------


def known_images() -> np.ndarray:
    """Three uint8 28x28 images, values 0-200, with the one white pixel (255) at [1, 14, 10]."""
    images = (np.arange(3 * 28 * 28) % 201).astype(np.uint8).reshape(3, 28, 28)
    images[1, 14, 10] = 255
    return images


#: Pixels a careless call passes, how they are made from 0-255 images, and what the message must say.
MISREAD_PIXELS = {
    "divided by 255 already": (lambda x: x / 255, "look scaled to 0-1 already: the brightest is 1,"),
    "scaled by the helper already": (mh.scale_pixels, "Pass the original 0-255 images"),
    "a 0/1 mask": (lambda x: (x > 127).astype(np.uint8), "look scaled to 0-1 already"),
    "16-bit, 0-65535": (
        lambda x: x.astype(np.uint16) * 257,
        "go up to 65535 (at [1, 14, 10], dtype uint16). For 16-bit images (0-65535) use (images // 257)",
    ),
    "centred, negative": (lambda x: x.astype(np.float32) - 127.5, "go down to -127.5 (at [0, 0, 0])"),
    "with NaN": (lambda x: np.where(x == 255, np.nan, x.astype(np.float32)), "NaN or infinity (nan at [1, 14, 10])"),
    "True/False": (lambda x: x > 127, "True/False values, not pixels 0-255: use images.astype('uint8') * 255"),
    "text": (lambda x: x.astype(str), "got an array of dtype <U3"),
}


@pytest.mark.parametrize("helper", ["scale_pixels", "prepare_for_dense"])
@pytest.mark.parametrize("case", MISREAD_PIXELS)
def test_pixels_that_would_be_misread_are_refused(helper, case):
    make, message = MISREAD_PIXELS[case]
    images = make(known_images())
    with pytest.raises(ValueError) as caught:
        if helper == "scale_pixels":
            mh.scale_pixels(images)
        else:
            mh.prepare_for_dense(images, np.array([1, 2, 3]))
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "images",
    [
        known_images(),
        known_images().astype("float32"),
        known_images().astype("int64"),
        known_images() * 0.75,
        np.zeros((2, 28, 28), np.uint8),
        np.zeros((2, 28, 28), np.float32),
        np.zeros((0, 28, 28), np.uint8),
    ],
    ids=["uint8", "float32 0-255", "int64 0-255", "fractional 0-191.25", "all black", "all black float", "none"],
)
def test_pixels_0_255_of_any_number_type_are_scaled(images):
    assert np.array_equal(mh.scale_pixels(images), images.astype("float32") / 255.0)


#: Labels a careless call passes, and what the message must say.
MISREAD_LABELS = {
    "one-hot already": (np.eye(10)[[3, 1, 4]], "shape (3, 10): one row of 10 per image, so they are one-hot already"),
    "-1": (np.array([3, -1, 4]), "1 of 3 are not: the first is -1 at position 1"),
    "10": (np.array([3, 1, 10]), "the first is 10 at position 2"),
    "255 in uint8": (np.array([255, 1, 4], np.uint8), "the first is 255 at position 0"),
    "2.5": (np.array([3.0, 2.5, 4.0]), "the first is 2.5 at position 1"),
    "True/False": (np.array([True, False, True]), "got an array of dtype bool"),
    "one label, not a batch": (np.array(3), "For a single label use np.array([label])"),
}


@pytest.mark.parametrize("helper", ["one_hot_labels", "prepare_for_dense"])
@pytest.mark.parametrize("case", MISREAD_LABELS)
def test_labels_that_would_be_misread_are_refused(helper, case):
    labels, message = MISREAD_LABELS[case]
    with pytest.raises(ValueError) as caught:
        if helper == "one_hot_labels":
            mh.one_hot_labels(labels)
        else:
            mh.prepare_for_dense(known_images()[: max(labels.size // 10, 3) if labels.ndim == 2 else 3], labels)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "labels",
    [[3, 0, 9], np.array([3, 0, 9], np.uint8), np.array([3.0, 0.0, 9.0]), np.array([[3], [0], [9]])],
    ids=["list", "uint8", "whole floats", "a column"],
)
def test_digit_labels_in_any_number_type_are_one_hot_encoded(labels):
    assert mh.one_hot_labels(labels).argmax(axis=1).tolist() == [3, 0, 9]


@pytest.mark.parametrize(("images", "labels"), [(3, 2), (2, 3)])
def test_prepare_for_dense_wants_one_label_per_image(images, labels):
    with pytest.raises(ValueError, match=f"got {images} images but {labels} labels: each image needs its own label"):
        mh.prepare_for_dense(known_images()[:images], np.array([1, 2, 3])[:labels])


def test_flatten_images_refuses_one_image_without_its_batch_axis():
    with pytest.raises(ValueError, match=r"one 28x28 image.*image\[np.newaxis\]"):
        mh.flatten_images(known_images()[0])
    with pytest.raises(ValueError, match=r"shape \(n, 28, 28\) or \(n, 784\), got shape \(3, 10\)"):
        mh.flatten_images(np.zeros((3, 10)))
    assert mh.flatten_images(np.zeros((3, 784))).shape == (3, 784)
