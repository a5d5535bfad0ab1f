"""Lesson 10's exercise checks: the untouched starter, the solution, and typical wrong answers with their messages.

The model is a one-layer network whose weights are the average training image of each digit (no training), so
it reads drawings the way any MNIST model does, just less well; the drawings are made from real test digits."""

from __future__ import annotations

from collections import Counter

import keras
import numpy as np
import pytest
from scipy import ndimage

import mnist_helpers as mh


@pytest.fixture(scope="module")
def mnist(real_mnist_dir):
    (x_train, y_train), (x_test, y_test) = mh.load_mnist(real_mnist_dir, quick=False)
    return x_train[:6000], y_train[:6000], x_test, y_test


@pytest.fixture(scope="module")
def model(mnist):
    """Dense(10, softmax) on 784 pixels whose weights are each digit's average image, centred: a template matcher."""
    x_train, y_train, _, _ = mnist
    means = np.stack([x_train[y_train == digit].reshape(-1, 784).mean(axis=0) / 255 for digit in range(10)])
    weights = (means - means.mean(axis=1, keepdims=True)).T * 20
    network = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10, activation="softmax")])
    network.layers[0].set_weights([weights.astype("float32"), np.zeros(10, "float32")])
    return network


@pytest.fixture(scope="module")
def drawings(mnist):
    """40 test digits drawn at random sizes and places, as in the lesson's section 5, with their labels."""
    _, _, x_test, y_test = mnist
    rng = np.random.default_rng(0)
    made = []
    for digit in x_test[:40]:
        size = int(rng.integers(84, 225))
        top, left = rng.integers(0, 280 - size + 1, size=2)
        made.append(mh.draw_digit_on_canvas(digit, size, top, left))
    return made, y_test[:40]


@pytest.fixture
def ex():
    return mh.exercises(10)


def said(capsys) -> str:
    return capsys.readouterr().out


def read(model, images) -> np.ndarray:
    return np.argmax(model.predict(np.asarray(images).reshape(len(images), 784), verbose=0), axis=1)


def top_left(drawing):
    scaled = mh.preprocessing_steps(drawing).scaled
    field = np.zeros((28, 28), dtype="float32")
    field[: scaled.shape[0], : scaled.shape[1]] = scaled
    return field


def test_1_three_sizes(ex, capsys, model, mnist):
    x_test = mnist[2]
    three = [mh.draw_digit_on_canvas(x_test[1], size, top, 10) for size, top in ((60, 0), (140, 70), (250, 20))]
    readings = [mh.predict_digit(model, drawing).digit for drawing in three]
    assert not ex[1].passes(..., ..., model, x_test) and said(capsys).startswith("Not yet")
    assert ex[1].passes(three, readings, model, x_test)
    assert said(capsys).startswith("Right:")
    assert not ex[1].passes(three[:2], readings[:2], model, x_test)
    assert "holds 2 drawings" in said(capsys)
    same_size = [mh.draw_digit_on_canvas(x_test[1], 140, top, 10) for top in (0, 60, 120)]
    assert not ex[1].passes(same_size, readings, model, x_test)
    assert "make them (60, 140, 250)" in said(capsys)
    other_digit = [mh.draw_digit_on_canvas(x_test[0], size, top, 10) for size, top in ((60, 0), (140, 70), (250, 20))]
    assert not ex[1].passes(other_digit, readings, model, x_test)
    assert "does not show x_test_images[1]" in said(capsys)
    shrunk = [np.asarray(mh.to_mnist_format(d)) for d in three]
    assert not ex[1].passes(shrunk, readings, model, x_test)
    assert "280x280 RGBA" in said(capsys)
    probabilities = [mh.predict_digit(model, drawing).probabilities for drawing in three]
    assert not ex[1].passes(three, probabilities, model, x_test)
    assert "these are probabilities" in said(capsys)
    assert not ex[1].passes(three, [(r + 1) % 10 for r in readings], model, x_test)
    assert "the model reads the three drawings as" in said(capsys)


def test_2_not_centred(ex, capsys, model, drawings):
    made, labels = drawings
    right = float(np.mean(read(model, np.stack([top_left(d) for d in made])) == labels))
    centred = float(np.mean(read(model, np.stack([mh.to_mnist_format(d) for d in made])) == labels))
    assert right != centred, "the test needs drawings whose accuracy changes without centring"
    assert not ex[2].passes(..., ..., model, made, labels) and said(capsys).startswith("Not yet")
    assert ex[2].passes(top_left, right, model, made, labels)
    assert not ex[2].passes(mh.to_mnist_format, right, model, made, labels)
    assert "gives the centred picture" in said(capsys)

    def bottom_right(drawing):
        return np.rot90(top_left(drawing), 2)

    assert not ex[2].passes(bottom_right, right, model, made, labels)
    assert "in its top-left corner" in said(capsys)
    assert not ex[2].passes(top_left, centred, model, made, labels)
    assert "accuracy WITH centring" in said(capsys)
    assert not ex[2].passes(top_left, 100 * right, model, made, labels)
    assert "is a percentage" in said(capsys)
    assert not ex[2].passes(top_left(made[0]), right, model, made, labels)
    assert "should be a function" in said(capsys)


def accuracy_with(model, made, labels, change, rubbed_out: str = "keep") -> float:
    pictures, right_mask = [], []
    for drawing in made:
        alpha = change(drawing[..., 3], size=(9, 9))
        changed = drawing.copy()
        gone = alpha.max() < 64
        if not gone:
            changed[..., 3] = alpha
        pictures.append(mh.to_mnist_format(changed))
        right_mask.append(not gone)
    right = read(model, np.stack(pictures)) == labels
    kept = np.asarray(right_mask)
    return float({"keep": right.mean(), "drop": right[kept].mean(), "wrong": (right & kept).mean()}[rubbed_out])


def test_3_strokes(ex, capsys, model, drawings):
    made, labels = drawings
    thinner = accuracy_with(model, made, labels, ndimage.grey_erosion)
    thicker = accuracy_with(model, made, labels, ndimage.grey_dilation)
    assert thinner != thicker, "the test needs strokes whose thickness changes the accuracy"
    assert not ex[3].passes(..., ..., model, made, labels) and said(capsys).startswith("Not yet")
    assert ex[3].passes(thinner, thicker, model, made, labels)
    assert not ex[3].passes(thicker, thinner, model, made, labels)
    assert "swapped" in said(capsys)
    assert not ex[3].passes(thinner + 0.1, thicker, model, made, labels)
    assert "thinner_accuracy is" in said(capsys)
    dropped = accuracy_with(model, made, labels, ndimage.grey_erosion, "drop")
    if dropped != thinner:  # some small drawings are rubbed out by the erosion
        assert not ex[3].passes(dropped, thicker, model, made, labels)
        assert "keep that drawing as it was" in said(capsys)


def test_4_confusions(ex, capsys, model, drawings):
    made, labels = drawings
    preprocessed = np.stack([mh.to_mnist_format(d) for d in made])
    predicted = read(model, preprocessed)
    confusions = Counter((int(t), int(p)) for t, p in zip(labels, predicted, strict=True) if t != p)
    assert confusions, "the test needs a model that makes mistakes"
    assert not ex[4].passes(..., model, preprocessed, labels) and said(capsys).startswith("Not yet")
    assert ex[4].passes(confusions, model, preprocessed, labels)
    assert "mistakes; the most common is" in said(capsys)
    assert not ex[4].passes(Counter({(p, t): n for (t, p), n in confusions.items()}), model, preprocessed, labels)
    assert "wrong way round" in said(capsys)
    everything = Counter((int(t), int(p)) for t, p in zip(labels, predicted, strict=True))
    assert not ex[4].passes(everything, model, preprocessed, labels)
    assert "includes right answers" in said(capsys)
    assert not ex[4].passes(Counter(dict(confusions.most_common(1))), model, preprocessed, labels)
    assert "mistakes on these drawings" in said(capsys)
    assert not ex[4].passes([1, 2, 3], model, preprocessed, labels)
    assert "should count the mistakes" in said(capsys)
