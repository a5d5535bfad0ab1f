"""Lesson 01's exercise checks: the untouched starter, the solution, and typical wrong answers with their messages."""

from __future__ import annotations

import numpy as np
import pytest

import mnist_helpers as mh


@pytest.fixture(scope="module")
def mnist(real_mnist_dir):
    (x_train, y_train), (x_test, y_test) = mh.load_mnist(real_mnist_dir, quick=False)
    return x_train, y_train, x_test, y_test


@pytest.fixture
def ex():
    return mh.exercises(1)


def said(capsys) -> str:
    return capsys.readouterr().out


def test_1_counts(ex, mnist, capsys):
    _, y_train, _, y_test = mnist
    counts = np.bincount(y_train, minlength=10)
    rarest = int(counts.argmin())
    share = counts[rarest] / len(y_train)
    assert not ex[1].passes(..., ..., ...) and said(capsys).startswith("Not yet")
    assert ex[1].passes(int(np.sum(y_test == 7)), rarest, share)
    assert not ex[1].passes(int(np.sum(y_train == 7)), rarest, share)
    assert "how many 7s the training set has" in said(capsys)
    assert not ex[1].passes(int(np.sum(y_test == 7)), int(counts[rarest]), share)
    assert "give the digit itself" in said(capsys)
    assert not ex[1].passes(int(np.sum(y_test == 7)), rarest, 100 * share)
    assert "is a percentage" in said(capsys)


def test_2_first_threes(ex, mnist, capsys):
    x_train, y_train, _, _ = mnist
    assert not ex[2].passes(...) and said(capsys).startswith("Not yet")
    assert ex[2].passes(x_train[y_train == 3][:20])
    assert not ex[2].passes(x_train[:20])
    assert "of every digit" in said(capsys)
    assert not ex[2].passes(x_train[y_train == 3][:10])
    assert "holds 10 images" in said(capsys)
    assert not ex[2].passes(x_train[y_train == 3][20:40])
    assert "not the first 20 images of a 3" in said(capsys)


def test_3_averages(ex, mnist, capsys):
    x_train, y_train, _, _ = mnist
    scaled = mh.scale_pixels(x_train)
    means = np.stack([scaled[y_train == digit].mean(axis=0) for digit in range(10)])
    never = int(np.sum(x_train.max(axis=0) == 0))
    assert not ex[3].passes(..., ...) and said(capsys).startswith("Not yet")
    assert ex[3].passes(means, never)
    assert ex[3].passes(means.reshape(10, 784), never), "flattened averages are fine too"
    assert not ex[3].passes(255 * means, never)
    assert "go up to 255" in said(capsys)
    assert not ex[3].passes(np.stack([scaled.mean(axis=0)] * 10), never)
    assert "all ten averages are the same" in said(capsys)
    assert not ex[3].passes(means, int(np.sum(x_train.min(axis=0) == 0)))
    assert "0 in *some* image" in said(capsys)


def test_4_sorted_split(ex, mnist, capsys):
    x_train, y_train, _, _ = mnist
    order = np.argsort(y_train, kind="stable")
    x_sorted, y_sorted = x_train[order], y_train[order]
    permutation = np.random.default_rng(0).permutation(len(y_sorted))
    assert not ex[4].passes(..., ..., ...) and said(capsys).startswith("Not yet")
    assert ex[4].passes({7, 8, 9}, x_sorted[permutation], y_sorted[permutation])
    assert not ex[4].passes([8, 9], x_sorted[permutation], y_sorted[permutation])
    assert "you have none of 7" in said(capsys)
    other = np.random.default_rng(1).permutation(len(y_sorted))
    assert not ex[4].passes({7, 8, 9}, x_sorted[permutation], y_sorted[other])
    assert "no longer have their own label" in said(capsys)
    assert not ex[4].passes({7, 8, 9}, x_sorted, y_sorted)
    assert "still holds only the highest digits" in said(capsys)
