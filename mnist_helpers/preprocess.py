"""The original project's preprocessing: scale to 0-1, flatten to 784, one-hot labels.

Lesson 01 writes these steps out; later lessons call them from here. Each helper first checks that its input is
what it expects (0-255 pixels, 28x28 images, digit labels 0-9, as many labels as images) and otherwise raises a
ValueError that says what it found and how to fix it, so a careless call never gives a silently wrong array:
pixels scaled twice, labels one-hot encoded twice, or -1 read as the digit 9.
"""

from __future__ import annotations

import numpy as np

from mnist_helpers.data import NUM_CLASSES

#: The largest pixel value of MNIST's uint8 images (white ink).
PIXEL_MAX = 255

#: Pixels per image: 28 x 28.
IMAGE_PIXELS = 28 * 28


def _position(array: np.ndarray, flat_index: int) -> str:
    return "[" + ", ".join(str(int(i)) for i in np.unravel_index(flat_index, array.shape)) + "]"


def _check_pixels(images: np.ndarray) -> None:
    """Raise ValueError unless ``images`` hold pixels 0-255 that are not scaled yet.

    Accepted: whole or fractional numbers from 0 to 255 (uint8 as loaded, or ``astype("float32")`` of it), and an
    all-zero batch. Refused, with the fix in the message: True/False values; NaN or infinity; values below 0 or
    above 255 (16-bit images, centred data); and pixels already scaled to 0-1, recognised by a largest value above 0
    and at most 1. No real MNIST picture looks like that: every training image has a pixel of 254 or 255, so a batch
    whose brightest pixel is 1 (or less) has been divided by 255 already, or is a black-and-white 0/1 mask.
    """
    if images.dtype == np.bool_:
        raise ValueError(
            "These images are True/False values, not pixels 0-255: use images.astype('uint8') * 255 to turn a "
            "black-and-white mask into pixels (True becomes 255, white ink)."
        )
    if not (np.issubdtype(images.dtype, np.integer) or np.issubdtype(images.dtype, np.floating)):
        raise ValueError(
            f"Pixels must be numbers 0-255, got an array of dtype {images.dtype}: load the images with mh.load_mnist() "
            "or convert them with np.asarray(images, dtype='uint8')."
        )
    if images.size == 0:
        return
    largest, smallest = images.max(), images.min()
    if np.issubdtype(images.dtype, np.floating) and not (np.isfinite(largest) and np.isfinite(smallest)):
        bad = int(np.flatnonzero(~np.isfinite(images.ravel()))[0])
        raise ValueError(
            f"The images contain NaN or infinity ({images.ravel()[bad].item()} at {_position(images, bad)}): pixels "
            "must be numbers 0-255. Look at how these images were made, or load them again with mh.load_mnist()."
        )
    if smallest < 0:
        at = _position(images, int(images.argmin()))
        raise ValueError(
            f"Pixels must be 0-255, as MNIST's are, but these go down to {smallest:g} (at {at}). Negative values are "
            "not pixels: were the images centred or normalised already? Pass the original 0-255 images "
            "(x_train_images from mh.load_mnist())."
        )
    if largest > PIXEL_MAX:
        at = _position(images, int(images.argmax()))
        sixteen_bit = np.issubdtype(images.dtype, np.integer) and largest <= 65535
        hint = " For 16-bit images (0-65535) use (images // 257).astype('uint8')." if sixteen_bit else ""
        raise ValueError(
            f"Pixels must be 0-255, as MNIST's are, but these go up to {largest:g} (at {at}, dtype {images.dtype})."
            f"{hint} Otherwise rescale them to 0-255 first, or pass the original images from mh.load_mnist()."
        )
    if 0 < largest <= 1:
        raise ValueError(
            f"These pixels look scaled to 0-1 already: the brightest is {largest:g}, where MNIST's 0-255 images have "
            f"254 or 255. Scaling again would divide by 255 once more (brightest {largest / PIXEL_MAX:.4f}). Pass the "
            "original 0-255 images (x_train_images from mh.load_mnist()), or use your scaled array as it is."
        )


def scale_pixels(images: np.ndarray) -> np.ndarray:
    """Map pixels 0-255 to float32 values in [0, 1]: the same numbers as ``images.astype("float32") / 255.0``.

    Raises ValueError for anything else (`_check_pixels`), e.g. images already divided by 255.
    Divides the new float32 copy in place, so 60,000 images take one array of 188 MB, not two.
    """
    images = np.asarray(images)
    _check_pixels(images)
    scaled = images.astype("float32")  # always a new array: the caller's images stay as they are
    scaled /= 255.0
    return scaled


def flatten_images(images: np.ndarray) -> np.ndarray:
    """Turn ``(n, 28, 28)`` images into ``(n, 784)`` rows for a Dense network (rows of 784 stay as they are).

    Raises ValueError for one image without its batch axis, or images that are not 28x28.
    """
    images = np.asarray(images)
    if images.ndim == 2 and images.shape == (28, 28):
        raise ValueError(
            "flatten_images got one 28x28 image, shape (28, 28), and would read it as 28 images of 28 pixels. "
            "Give it a batch: image[np.newaxis] (shape (1, 28, 28)), or x[:1] instead of x[0]."
        )
    if images.ndim < 2 or images[0].size != IMAGE_PIXELS:
        raise ValueError(
            f"flatten_images needs a batch of 28x28 images, shape (n, 28, 28) or (n, 784), got shape {images.shape}."
        )
    return images.reshape(len(images), -1)


def one_hot_labels(labels: np.ndarray) -> np.ndarray:
    """Turn digit labels 0-9 into one-hot rows of 10, with ``keras.utils.to_categorical``.

    Raises ValueError for labels that are already one-hot (shape ``(n, 10)``), not whole numbers, or outside 0-9
    (``to_categorical`` would read -1 as the digit 9, and fail on 10 with a bare IndexError).
    """
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == NUM_CLASSES:
        raise ValueError(
            f"These labels have shape {labels.shape}: one row of {NUM_CLASSES} per image, so they are one-hot "
            "already (or a model's scores), not digits 0-9. Use them as they are, or get the digits back with "
            "labels.argmax(axis=1)."
        )
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(
            f"one_hot_labels needs one digit 0-9 per image, shape (n,), got shape {labels.shape}. "
            "For a single label use np.array([label])."
        )
    if labels.dtype == np.bool_ or not (
        np.issubdtype(labels.dtype, np.integer) or np.issubdtype(labels.dtype, np.floating)
    ):
        raise ValueError(f"Labels must be the digits 0-9, got an array of dtype {labels.dtype}.")
    if labels.size:
        outside = (labels < 0) | (labels > NUM_CLASSES - 1) | (labels != np.round(labels))
        if outside.any():
            first = int(np.flatnonzero(outside)[0])
            raise ValueError(
                f"Labels must be the digits 0-9, but {int(outside.sum()):,} of {len(labels):,} are not: the first is "
                f"{labels[first].item()!r} at position {first}. Are these the labels (y_train_digits from "
                "mh.load_mnist()), in the right order, and not pixels or a model's scores?"
            )
    from mnist_helpers.notebook_setup import import_keras_quietly

    keras = import_keras_quietly()
    return keras.utils.to_categorical(labels.astype("int64"), NUM_CLASSES)


def prepare_for_dense(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale, flatten and one-hot encode, as the original project does before training.

    Raises ValueError when the numbers of images and labels differ, or when either helper refuses its input.
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim >= 1 and labels.ndim >= 1 and len(images) != len(labels):
        raise ValueError(
            f"prepare_for_dense got {len(images):,} images but {len(labels):,} labels: each image needs its own label. "
            "Pass images and labels of the same set with the same selection, e.g. "
            "mh.prepare_for_dense(x_train_images[:1000], y_train_digits[:1000])."
        )
    return flatten_images(scale_pixels(images)), one_hot_labels(labels)
