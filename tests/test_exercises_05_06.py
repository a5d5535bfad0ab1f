"""Lessons 05 and 06's exercise checks: the untouched starter, the solution, and typical wrong answers with their
messages. The checks work from the learner's own model outputs, so small made-up outputs and models test them."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mnist_helpers as mh

keras = mh.import_keras_quietly()


def said(capsys) -> str:
    return capsys.readouterr().out


@pytest.fixture(scope="module")
def outputs():
    """Made-up model outputs for 200 images: probabilities, their true labels, and the confusion matrix."""
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 10, 200)
    scores = rng.normal(size=(200, 10))
    scores[np.arange(200), labels] += rng.uniform(0, 4, 200)  # mostly right, with a spread of confidence
    probabilities = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    confusion = np.zeros((10, 10), dtype=int)
    np.add.at(confusion, (labels, probabilities.argmax(axis=1)), 1)
    return probabilities, labels, confusion


def test_05_1_recall(outputs, capsys):
    ex = mh.exercises(5)
    probabilities, labels, confusion = outputs
    recall = np.diag(confusion) / confusion.sum(axis=1)
    worst = int(np.argmin(recall))
    row = confusion[worst].copy()
    row[worst] = 0
    assert not ex[1].passes(..., ..., confusion) and said(capsys).startswith("Not yet")
    assert ex[1].passes(worst, int(np.argmax(row)), confusion)
    other = (worst + 1) % 10
    assert not ex[1].passes(other, int(np.argmax(row)), confusion)
    assert "does not have the lowest recall" in said(capsys) or "lowest precision" in said(capsys)
    assert not ex[1].passes(worst, worst, confusion)
    assert "the digit itself" in said(capsys)


def test_05_2_least_sure(outputs, capsys):
    ex = mh.exercises(5)
    probabilities, labels, _ = outputs
    correct = np.flatnonzero(probabilities.argmax(axis=1) == labels)
    order = np.argsort(probabilities[correct].max(axis=1), kind="stable")
    assert not ex[2].passes(..., probabilities, labels) and said(capsys).startswith("Not yet")
    assert ex[2].passes(correct[order[:10]], probabilities, labels)
    assert not ex[2].passes(correct[order[::-1][:10]], probabilities, labels)
    assert "MOST confident" in said(capsys)
    wrong = np.flatnonzero(probabilities.argmax(axis=1) != labels)
    assert not ex[2].passes(np.concatenate([wrong[:1], correct[order[:9]]]), probabilities, labels)
    assert "some of these answers are wrong" in said(capsys)


def test_05_3_tf_confusion(outputs, capsys):
    ex = mh.exercises(5)
    _, _, confusion = outputs
    assert not ex[3].passes(..., confusion) and said(capsys).startswith("Not yet")
    assert ex[3].passes(confusion.copy(), confusion)
    assert not ex[3].passes(confusion.T, confusion)
    assert "transposed" in said(capsys)
    assert not ex[3].passes(np.zeros((9, 9)), confusion)
    assert "shape (10, 10)" in said(capsys)


def test_05_4_only_when_sure(outputs, capsys):
    ex = mh.exercises(5)
    probabilities, labels, _ = outputs
    sure = probabilities.max(axis=1) >= 0.9
    accuracy = np.mean(probabilities[sure].argmax(axis=1) == labels[sure])
    assert not ex[4].passes(..., ..., probabilities, labels) and said(capsys).startswith("Not yet")
    assert ex[4].passes(sure.mean(), accuracy, probabilities, labels)
    assert not ex[4].passes(1 - sure.mean(), accuracy, probabilities, labels)
    assert "'not sure' images" in said(capsys)
    overall = np.mean(probabilities.argmax(axis=1) == labels)
    assert not ex[4].passes(sure.mean(), overall, probabilities, labels)
    assert "accuracy on all images" in said(capsys)


@pytest.fixture(scope="module")
def small_model():
    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model


def test_06_1_saved(small_model, tmp_path, capsys):
    ex = mh.exercises(6)
    path = tmp_path / "mine.keras"
    small_model.save(path)
    size = path.stat().st_size
    assert not ex[1].passes(..., ...) and said(capsys).startswith("Not yet")
    assert ex[1].passes(path, size / 1e6)
    assert not ex[1].passes(path, size)
    assert "size in bytes" in said(capsys)
    assert not ex[1].passes(tmp_path / "missing.keras", 1.0)
    assert "there is no file" in said(capsys)
    assert not ex[1].passes(tmp_path / "mine.h5", 1.0)
    assert "does not end in .keras" in said(capsys)


def test_06_2_five(small_model, capsys):
    ex = mh.exercises(6)
    images = np.random.default_rng(0).random((20, 784)).astype("float32")
    probabilities = small_model.predict(images[:5], verbose=0)
    assert not ex[2].passes(..., small_model, images) and said(capsys).startswith("Not yet")
    assert ex[2].passes(probabilities.argmax(axis=1), small_model, images)
    assert not ex[2].passes(probabilities, small_model, images)
    assert "10 probabilities" in said(capsys)
    assert not ex[2].passes((probabilities.argmax(axis=1) + 1) % 10, small_model, images)
    assert "reads the first five images as" in said(capsys)


def test_06_3_more_training(capsys):
    ex = mh.exercises(6)
    batches = math.ceil(6000 / 64)
    assert not ex[3].passes(..., ..., 6000) and said(capsys).startswith("Not yet")
    assert ex[3].passes(150, 150 + batches, 6000)
    assert not ex[3].passes(150, 150, 6000)
    assert "did not move" in said(capsys)
    assert not ex[3].passes(150, 6150, 6000)
    assert "counts images" in said(capsys)


def test_06_4_rebuilt(small_model, capsys):
    ex = mh.exercises(6)
    images = np.random.default_rng(1).random((100, 784)).astype("float32")
    copy = keras.Sequential.from_config(small_model.get_config())
    assert not ex[4].passes(..., small_model, images) and said(capsys).startswith("Not yet")
    assert not ex[4].passes(copy, small_model, images)
    assert "did the rebuilt model load_weights" in said(capsys)
    copy.set_weights(small_model.get_weights())
    assert ex[4].passes(copy, small_model, images)
    assert not ex[4].passes(small_model, small_model, images)
    assert "the model itself" in said(capsys)
