"""The loader on the real MNIST (through MNIST_DATA_DIR): the same arrays Keras would give."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_helpers import load_mnist


@pytest.fixture(scope="module")
def mnist(real_mnist_dir):
    return load_mnist(real_mnist_dir, quick=False)


def test_shapes_and_dtypes_match_keras(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60000,) and y_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and x_test.dtype == np.uint8
    assert y_test.shape == (10000,) and y_test.dtype == np.uint8


def test_label_counts_and_first_labels(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert np.bincount(y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert x_train.min() == 0 and x_train.max() == 255


def test_environment_variable_is_the_default_source(mnist, real_mnist_dir, monkeypatch):
    monkeypatch.setenv("MNIST_DATA_DIR", str(real_mnist_dir))
    (_, y_train), (_, y_test) = load_mnist(quick=False)
    assert np.array_equal(y_train, mnist[0][1]) and np.array_equal(y_test, mnist[1][1])


def test_quick_mode_keeps_the_first_images_of_the_real_data(mnist, real_mnist_dir):
    (x_train, y_train), (x_test, y_test) = load_mnist(real_mnist_dir, quick=True)
    assert x_train.shape == (6000, 28, 28) and y_test.shape == (2000,)
    assert np.array_equal(x_train, mnist[0][0][:6000]) and np.array_equal(y_test, mnist[1][1][:2000])
