"""Quick mode: the one place lessons ask how much data and how many epochs to use.

Learners get full mode by default. ``MNIST_QUICK=1`` (set by the test command)
shrinks data and epochs so the whole series runs in minutes.
"""

from __future__ import annotations

import os
import warnings
from typing import TypeVar

import numpy as np

QUICK_VARIABLE = "MNIST_QUICK"
QUICK_TRAIN_SAMPLES = 6000
QUICK_TEST_SAMPLES = 2000

QUICK_VALUES = ("1", "true", "yes", "on")
FULL_VALUES = ("0", "false", "no", "off", "")

T = TypeVar("T")

_warned_values: set[str] = set()


def is_quick_mode() -> bool:
    """True when ``MNIST_QUICK`` is 1, true, yes or on; False when it is 0, false, no, off, empty or unset.

    Any other value (``2``, ``y``, ``1.0``...) means full mode too, with a warning (once per value)
    that lists the accepted values, so a typo is not silently taken as full mode.
    """
    value = os.environ.get(QUICK_VARIABLE, "").strip().lower()
    if value in QUICK_VALUES:
        return True
    if value not in FULL_VALUES and value not in _warned_values:
        _warned_values.add(value)
        warnings.warn(
            f"{QUICK_VARIABLE}={os.environ.get(QUICK_VARIABLE)!r} is not a value this course knows, so lessons run "
            f"in full mode. Use {', '.join(QUICK_VALUES)} for quick mode (less data, fewer epochs) or "
            f"{', '.join(v for v in FULL_VALUES if v)} (or leave it empty) for full mode.",
            UserWarning,
            stacklevel=2,
        )
    return False


def pick(full: T, quick: T) -> T:
    """Return ``full`` normally and ``quick`` in quick mode, e.g. ``EPOCHS = pick(full=20, quick=2)``."""
    return quick if is_quick_mode() else full


def shrink_in_quick_mode(
    x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, quick: bool | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """In quick mode keep the first 6,000 training and 2,000 test examples; otherwise return all.

    ``quick=None`` asks `is_quick_mode`; ``True``/``False`` decide without looking at ``MNIST_QUICK``.
    `data.load_mnist` applies it, so lessons never call it themselves.
    """
    if not (is_quick_mode() if quick is None else quick):
        return x_train, y_train, x_test, y_test
    return (
        x_train[:QUICK_TRAIN_SAMPLES],
        y_train[:QUICK_TRAIN_SAMPLES],
        x_test[:QUICK_TEST_SAMPLES],
        y_test[:QUICK_TEST_SAMPLES],
    )
