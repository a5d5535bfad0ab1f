"""Plot helpers return a Figure and show nothing."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import mnist_helpers as mh  # noqa: E402
from mnist_helpers.plots import figure_to_png  # noqa: E402


def test_digit_grid_returns_figure_without_opening_a_window():
    images = np.zeros((12, 28, 28), np.uint8)
    figure = mh.plot_digit_grid(images, labels=range(12), predictions=[0] * 12, columns=5)
    assert isinstance(figure, Figure)
    assert len([axis for axis in figure.axes if axis.images]) == 12
    assert figure.axes[3].title.get_color() == "red"  # label 3, predicted 0
    assert figure.axes[0].title.get_text() == "label 0\npred 0"
    assert plt.get_fignums() == []


def test_digit_grid_accepts_flattened_rows():
    figure = mh.plot_digit_grid(np.zeros((3, 784)))
    assert figure.axes[0].images[0].get_array().shape == (28, 28)


def test_digit_grid_rejects_wrong_shape():
    with pytest.raises(ValueError, match="shape"):
        mh.plot_digit_grid(np.zeros((3, 10)))


def test_history_plot_has_train_and_validation_curves():
    curves = {"accuracy": [0.9, 0.95], "val_accuracy": [0.92, 0.94], "loss": [0.3, 0.2], "val_loss": [0.25, 0.22]}
    figure = mh.plot_history(curves)
    accuracy_axis, loss_axis = figure.axes
    assert [line.get_label() for line in accuracy_axis.lines] == ["training accuracy", "validation accuracy"]
    assert list(loss_axis.lines[1].get_ydata()) == [0.25, 0.22]
    assert plt.get_fignums() == []


def test_history_plot_explains_missing_metric():
    with pytest.raises(ValueError, match="metrics=\\['accuracy'\\]"):
        mh.plot_history({"loss": [1.0]})


def test_figure_to_png_gives_png_bytes():
    assert figure_to_png(mh.plot_history({"accuracy": [1], "loss": [0]})).startswith(b"\x89PNG")
