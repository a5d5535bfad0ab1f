"""Where lessons keep saved models and checkpoints: one folder that git ignores."""

from __future__ import annotations

import os
from pathlib import Path

from mnist_helpers.modes import is_quick_mode

MODELS_DIR_VARIABLE = "MNIST_MODELS_DIR"
MODELS_FOLDER_NAME = "saved_models"


def project_root(start: Path | None = None) -> Path | None:
    """Return the checkout that holds ``start`` (the folder with ``pyproject.toml`` and ``mnist_helpers/``).

    ``None`` outside a checkout, for example in Colab's ``/content``.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "mnist_helpers").is_dir():
            return folder
    return None


def models_dir() -> Path:
    """Return (and create) the folder for ``.keras`` files.

    ``$MNIST_MODELS_DIR`` if set; else ``saved_models/`` at the top of the checkout, so a
    lesson and its solutions notebook (in ``notebooks/solutions/``) share one folder; outside
    a checkout, ``./saved_models``. Quick mode uses a ``quick`` subfolder, so a model trained
    for two epochs by the tests is never reused by a learner in full mode.
    """
    from_environment = os.environ.get(MODELS_DIR_VARIABLE)
    if from_environment:
        folder = Path(from_environment)
    else:
        folder = (project_root() or Path.cwd()) / MODELS_FOLDER_NAME
    if is_quick_mode():
        folder = folder / "quick"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
