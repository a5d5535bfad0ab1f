"""plot_digit_grid refuses labels and predictions that do not give exactly one digit per image."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import mnist_helpers as mh  # noqa: E402

IMAGES = np.zeros((10, 28, 28), np.uint8)
DIGITS = np.arange(10)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"labels": DIGITS[:5]}, "got 10 images but 5 labels: give one per image"),
        ({"labels": DIGITS, "predictions": DIGITS[:3]}, "got 10 images but 3 predictions"),
        ({"labels": np.arange(20)}, "got 10 images but 20 labels"),
        ({"labels": np.eye(10)}, "got shape (10, 10): rows of scores or one-hot labels. "),
        ({"predictions": np.full((10, 10), 0.1)}, "np.argmax(predictions, axis=1)"),
        ({"labels": 3}, "got 10 images but labels of shape ()"),
    ],
    ids=["fewer labels", "fewer predictions", "more labels", "one-hot labels", "scores as predictions", "a number"],
)
def test_labels_and_predictions_must_be_one_digit_per_image(arguments, message):
    with pytest.raises(ValueError) as caught:
        mh.plot_digit_grid(IMAGES, **arguments)
    assert message in str(caught.value)


def test_one_digit_per_image_in_any_sequence_is_shown():
    figure = mh.plot_digit_grid(IMAGES[:3], labels=range(3), predictions=[0, 1, 5])
    assert [axis.title.get_text() for axis in figure.axes] == ["label 0\npred 0", "label 1\npred 1", "label 2\npred 5"]
