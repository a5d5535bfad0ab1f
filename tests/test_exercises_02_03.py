"""Lessons 02 and 03's exercise checks: the untouched starter, the solution, and typical wrong answers with their
messages."""

from __future__ import annotations

import numpy as np
import pytest

import mnist_helpers as mh


def said(capsys) -> str:
    return capsys.readouterr().out


@pytest.fixture
def ex2():
    return mh.exercises(2)


@pytest.fixture
def ex3():
    return mh.exercises(3)


def test_02_1_count(ex2, capsys):
    assert not ex2[1].passes(...) and said(capsys).startswith("Not yet")
    assert ex2[1].passes((784 * 128 + 128) + (128 * 10 + 10))
    assert not ex2[1].passes(784 * 128 + 128 * 10)
    assert "only the weights" in said(capsys)
    assert not ex2[1].passes(784 * 128 + 128)
    assert "only the hidden layer" in said(capsys)
    assert not ex2[1].passes("101770")
    assert "should be a single number" in said(capsys)


def test_02_2_shares(ex2, capsys):
    counts = np.array([784 * 512 + 512, 512 * 256 + 256, 256 * 10 + 10])
    assert not ex2[2].passes(...) and said(capsys).startswith("Not yet")
    assert ex2[2].passes(list(counts / counts.sum()))
    assert not ex2[2].passes(counts)
    assert "parameter counts" in said(capsys)
    assert not ex2[2].passes(100 * counts / counts.sum())
    assert "percentages" in said(capsys)
    assert not ex2[2].passes([0.75, 0.25])
    assert "three shares" in said(capsys)


def test_02_3_width(ex2, capsys):
    assert not ex2[3].passes(...) and said(capsys).startswith("Not yet")
    assert ex2[3].passes(674)
    assert not ex2[3].passes(512)
    assert "407,050 parameters" in said(capsys)
    assert not ex2[3].passes(673.97)
    assert "round it to a whole number" in said(capsys)


def test_02_4_softmax(ex2, capsys):
    def stable(scores):
        shifted = np.asarray(scores) - np.max(scores)
        return np.exp(shifted) / np.exp(shifted).sum()

    def naive(scores):
        return np.exp(scores) / np.exp(scores).sum()

    assert not ex2[4].passes(...) and said(capsys).startswith("Not yet")
    assert ex2[4].passes(stable)
    assert not ex2[4].passes(naive)
    assert "overflows" in said(capsys)
    assert not ex2[4].passes(lambda scores: np.exp(np.asarray(scores) - np.max(scores)))
    assert "add up to" in said(capsys)
    assert not ex2[4].passes(stable([1.0, 2.0]))
    assert "as a function" in said(capsys)


def test_03_1_diverging(ex3, capsys):
    assert not ex3[1].passes(...) and said(capsys).startswith("Not yet")
    assert ex3[1].passes({1.0})
    assert ex3[1].passes([1.0]), "a list is fine too"
    assert not ex3[1].passes({0.5, 1.0})
    assert "0.5 stays below the limit" in said(capsys)
    assert not ex3[1].passes(set())
    assert "1.0 is above the limit" in said(capsys)


def test_03_2_gradient(ex3, capsys):
    x_toy, y_toy = _toy()
    at_five = float(np.mean(2 * x_toy * (5.0 * x_toy - y_toy)))
    assert not ex3[2].passes(...) and said(capsys).startswith("Not yet")
    assert ex3[2].passes(at_five)
    assert not ex3[2].passes(float(np.mean(2 * x_toy * (1.0 * x_toy - y_toy))))
    assert "gradient at w = 1" in said(capsys)
    assert not ex3[2].passes(-at_five)
    assert "wrong sign" in said(capsys)


def _toy():
    rng = np.random.default_rng(0)
    x_toy = rng.uniform(0.5, 1.5, size=200)
    return x_toy, 3.0 * x_toy + rng.normal(0.0, 0.3, size=200)


def test_03_3_long_step(ex3, capsys):
    assert not ex3[3].passes(..., ...) and said(capsys).startswith("Not yet")
    assert ex3[3].passes(2.41, 38.7)
    assert not ex3[3].passes(2.41, 2.21)
    assert "learning_rate=10" in said(capsys)
    assert not ex3[3].passes(2.41, 2.41)
    assert "assign the new weights" in said(capsys)


def test_03_4_losses(ex3, capsys):
    assert not ex3[4].passes(...) and said(capsys).startswith("Not yet")
    assert ex3[4].passes([2.28, 2.18, 2.12, 2.05, 1.98])
    assert ex3[4].passes([2.40, 2.28, 2.18, 2.12, 2.05, 1.98]), "with the loss before the first step too"
    assert not ex3[4].passes(1.98)
    assert "give the 5 losses" in said(capsys)
    assert not ex3[4].passes([2.4, 5.0, 9.0, 20.0, 41.0])
    assert "did not fall" in said(capsys)
