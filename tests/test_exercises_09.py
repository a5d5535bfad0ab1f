"""Lesson 09's exercise checks: the untouched starter, the solution, and typical wrong answers with their messages.

A small untrained CNN stands in for the lesson's (its feature maps are worked out here with NumPy from its weights),
and the lesson-sized models are built, never trained."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import mnist_helpers as mh


@pytest.fixture
def ex():
    return mh.exercises(9)


def said(capsys) -> str:
    return capsys.readouterr().out


@pytest.fixture(scope="module")
def small_cnn():
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


@pytest.fixture(scope="module")
def test_set(real_mnist_dir):
    _, (x_test, y_test) = mh.load_mnist(real_mnist_dir, quick=False)
    return mh.scale_pixels(x_test), y_test


@pytest.fixture(scope="module")
def shifting_cnn():
    """A CNN that starts with large random shifts, as lesson 09's starts with RandomTranslation."""
    keras.utils.set_random_seed(1)
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.RandomTranslation(0.3, 0.3, fill_mode="constant"),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def relu_maps(model, image: np.ndarray) -> np.ndarray:
    """The first Conv2D's relu maps of one 28x28 image (unshifted), slid by hand with its kernels and biases."""
    conv = next(layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D))
    kernel, bias = conv.get_weights()  # (3, 3, 1, filters), (filters,)
    patches = np.lib.stride_tricks.sliding_window_view(image, (3, 3))  # (26, 26, 3, 3)
    return np.maximum(np.einsum("ijkl,klf->ijf", patches, kernel[:, :, 0, :]) + bias, 0)


def test_1_feature_maps(ex, capsys, small_cnn, test_set):
    x_test, y_test = test_set
    one, eight = int(np.flatnonzero(y_test == 1)[0]), int(np.flatnonzero(y_test == 8)[0])
    maps_one, maps_eight = relu_maps(small_cnn, x_test[one]), relu_maps(small_cnn, x_test[eight])
    assert not ex[1].passes(small_cnn, ..., ...) and said(capsys).startswith("Not yet")
    assert ex[1].passes(small_cnn, maps_one, maps_eight)
    assert f"the maps of test images {one} (a 1) and {eight} (an 8)" in said(capsys)
    assert ex[1].passes(small_cnn, maps_one[np.newaxis], maps_eight[np.newaxis]), "a batch of one is fine"
    assert not ex[1].passes(small_cnn, maps_eight, maps_one)
    assert "maps_one holds the maps of the 8" in said(capsys)
    assert not ex[1].passes(small_cnn, relu_maps(small_cnn, x_test[1]), maps_eight)
    assert f"test image 1, a {y_test[1]}" in said(capsys)
    assert not ex[1].passes(small_cnn, maps_one, maps_eight[::2, ::2])
    assert "after the pooling" in said(capsys)
    assert not ex[1].passes(small_cnn, x_test[one], maps_eight)
    assert "is a 28x28 picture" in said(capsys)
    assert not ex[1].passes(small_cnn, 2 * maps_one + 1, maps_eight)
    assert "is not what this model's first Conv2D makes of the first 1" in said(capsys)


DIAGONAL = np.array([[0, 1, 1], [-1, 0, 1], [-1, -1, 0]])


def test_2_diagonal_filter(ex, capsys):
    assert not ex[2].passes(...) and said(capsys).startswith("Not yet")
    assert ex[2].passes(DIAGONAL)
    assert ex[2].passes((-DIAGONAL).tolist()), "a list, with the other sign, finds the same edges"
    assert ex[2].passes(np.array([[0, 1, 2], [-1, 0, 1], [-2, -1, 0]])), "a Sobel-like diagonal too"
    assert not ex[2].passes(np.fliplr(DIAGONAL))
    assert "top-right to bottom-left" in said(capsys)
    assert not ex[2].passes(np.array([[-1, 0, 1]] * 3))
    assert "answers to vertical edges (3)" in said(capsys)
    assert not ex[2].passes(np.eye(3))
    assert "add up to 3" in said(capsys)
    assert not ex[2].passes(3 * np.eye(3) - 1)
    assert "thin diagonal line" in said(capsys)
    assert not ex[2].passes(np.ones(4))
    assert "give a 3x3 filter" in said(capsys)


def cnn(shifts: bool = True, first_filters: int = 24, head: str = "Flatten"):
    """Lesson 09's CNN, with the changes an exercise asks for (or a learner makes)."""
    return keras.Sequential(
        [keras.Input(shape=(28, 28, 1))]
        + ([keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant")] if shifts else [])
        + [
            keras.layers.Conv2D(first_filters, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(48, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(96, 3, use_bias=False),
            keras.layers.BatchNormalization(momentum=0.9),
            keras.layers.Activation("relu"),
            getattr(keras.layers, head)(),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def trained(model) -> keras.callbacks.History:
    made = keras.callbacks.History()
    made.set_params({"epochs": 2, "steps": 1, "verbose": 0})
    made.set_model(model)
    made.history = {"loss": [0.3, 0.1], "val_loss": [0.1, 0.06], "accuracy": [0.9, 0.99], "val_accuracy": [0.96, 0.98]}
    return made


def test_3_no_shifts(ex, capsys):
    model = cnn(shifts=False)
    assert not ex[3].passes(..., ...) and said(capsys).startswith("Not yet")
    assert ex[3].passes(model, trained(model))
    assert "validation accuracy 0.9800 is below training accuracy 0.9900" in said(capsys)
    lesson = mh.build_cnn_model()
    assert not ex[3].passes(lesson, trained(lesson))
    assert "still has its RandomTranslation" in said(capsys)
    wider = cnn(shifts=False, first_filters=32)
    assert not ex[3].passes(wider, trained(wider))
    assert f"lesson 09's CNN {mh.build_cnn_model().count_params():,}" in said(capsys)
    assert not ex[3].passes(model, trained(cnn(shifts=False)))
    assert "does not come from training model_no_shifts" in said(capsys)


def test_4_head(ex, capsys):
    third, head = 3 * 3 * 48 * 96, 96 * 10 + 10
    gap = cnn(head="GlobalAveragePooling2D")
    assert not ex[4].passes(..., ..., ...) and said(capsys).startswith("Not yet")
    assert ex[4].passes(third, head, gap)
    assert "shrinks from 8,650 to 970" in said(capsys)
    assert not ex[4].passes(third + 96, head, gap)
    assert "counts 96 biases" in said(capsys)
    assert not ex[4].passes(3 * 3 * 96 + 96, head, gap)
    assert "forgets the input maps" in said(capsys)
    assert not ex[4].passes(third + 4 * 96, head, gap)
    assert "includes the BatchNormalization" in said(capsys)
    assert not ex[4].passes(3 * 3 * 24 * 48 + 48, head, gap)
    assert "is the second Conv2D" in said(capsys)
    assert not ex[4].passes(third, 864 * 10 + 10, gap)
    assert "the Dense layer after Flatten" in said(capsys)
    assert not ex[4].passes(third, 960, gap)
    assert "has no biases" in said(capsys)
    assert not ex[4].passes(third, head, mh.build_cnn_model())
    assert "still has a Flatten layer" in said(capsys)
    assert not ex[4].passes(third, head, cnn(first_filters=32, head="GlobalAveragePooling2D"))
    assert "change only that layer" in said(capsys)


def test_1_feature_maps_are_those_of_the_digit_as_it_is(ex, capsys, shifting_cnn, test_set):
    """The check compares with the maps of the unshifted digit, as predict sees it, not of a random shift of it."""
    x_test, y_test = test_set
    one, eight = int(np.flatnonzero(y_test == 1)[0]), int(np.flatnonzero(y_test == 8)[0])
    assert ex[1].passes(shifting_cnn, relu_maps(shifting_cnn, x_test[one]), relu_maps(shifting_cnn, x_test[eight]))
    first_conv = keras.Model(shifting_cnn.inputs[0], shifting_cnn.layers[1].output)
    shifted = keras.ops.convert_to_numpy(first_conv(x_test[[one, eight]][..., np.newaxis]))  # no training=False
    assert not ex[1].passes(shifting_cnn, shifted[0], shifted[1])
    assert "without training=False the random shift layer moves the digit" in said(capsys)
