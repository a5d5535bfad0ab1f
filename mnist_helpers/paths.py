"""Where lessons keep saved models and checkpoints: one folder that git ignores."""

from __future__ import annotations

import os
from pathlib import Path

from mnist_helpers.modes import is_quick_mode

MODELS_DIR_VARIABLE = "MNIST_MODELS_DIR"


def models_dir() -> Path:
    """Return (and create) the folder for ``.keras`` files.

    ``$MNIST_MODELS_DIR`` if set, else ``./saved_models``. Quick mode uses a ``quick``
    subfolder, so a model trained for two epochs by the tests is never reused by a
    learner in full mode.
    """
    folder = Path(os.environ.get(MODELS_DIR_VARIABLE) or Path.cwd() / "saved_models")
    if is_quick_mode():
        folder = folder / "quick"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
