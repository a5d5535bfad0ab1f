"""What several lessons' checks share: turning a learner's answer into a number or an array, with a clear complaint."""

from __future__ import annotations

import numbers
from functools import cache
from typing import Any

import numpy as np

from mnist_helpers.exercise_feedback import WrongAnswerError


def as_number(value: Any, name: str) -> float:
    """``value`` as a float, or WrongAnswerError saying that ``name`` should be a single number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real | np.number) or np.ndim(value) != 0:
        raise WrongAnswerError(f"{name} should be a single number, got {type(value).__name__} {value!r:.60}.")
    return float(value)


def as_array(value: Any, name: str, shape: tuple[int | None, ...]) -> np.ndarray:
    """``value`` as a NumPy array of ``shape`` (None: any size), or WrongAnswerError naming the shape it has."""
    array = np.asarray(value)
    sizes_differ = array.ndim == len(shape) and any(
        want is not None and got != want for got, want in zip(array.shape, shape, strict=True)
    )
    if array.ndim != len(shape) or sizes_differ:
        wanted = "(" + ", ".join("any" if size is None else str(size) for size in shape) + ")"
        raise WrongAnswerError(f"{name} should have the shape {wanted}, but it has {array.shape}.")
    return array


@cache
def full_mnist() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All 70,000 MNIST images and labels (quick mode or not), loaded once for the checks that need them."""
    from mnist_helpers.data import load_mnist

    (x_train, y_train), (x_test, y_test) = load_mnist(quick=False)
    return x_train, y_train, x_test, y_test
