"""The original project's preprocessing: scale to 0-1, flatten to 784, one-hot labels.

Lesson 01 writes these steps out; later lessons call them from here.
"""

from __future__ import annotations

import numpy as np

from mnist_helpers.data import NUM_CLASSES


def scale_pixels(images: np.ndarray) -> np.ndarray:
    """Map uint8 pixels 0-255 to float32 values in [0, 1]: the same numbers as ``images.astype("float32") / 255.0``.

    Divides the new float32 copy in place, so 60,000 images take one array of 188 MB, not two.
    """
    scaled = images.astype("float32")  # always a new array: the caller's images stay as they are
    scaled /= 255.0
    return scaled


def flatten_images(images: np.ndarray) -> np.ndarray:
    """Turn ``(n, 28, 28)`` images into ``(n, 784)`` rows for a Dense network."""
    return images.reshape(len(images), -1)


def one_hot_labels(labels: np.ndarray) -> np.ndarray:
    """Turn digit labels 0-9 into one-hot rows of 10, with ``keras.utils.to_categorical``."""
    from mnist_helpers.notebook_setup import import_keras_quietly

    keras = import_keras_quietly()
    return keras.utils.to_categorical(labels, NUM_CLASSES)


def prepare_for_dense(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale, flatten and one-hot encode, as the original project does before training."""
    return flatten_images(scale_pixels(images)), one_hot_labels(labels)
