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


class ModelsDirError(OSError):
    """The folder for saved models cannot be created or is not a folder; the message says which setting to change."""


def models_dir() -> Path:
    """Return (and create) the folder for ``.keras`` files.

    ``$MNIST_MODELS_DIR`` if set (``~`` expanded, surrounding spaces ignored); else ``saved_models/``
    at the top of the checkout, so a lesson and its solutions notebook (in ``notebooks/solutions/``)
    share one folder; outside a checkout, ``./saved_models``. Quick mode uses a ``quick`` subfolder,
    so a model trained for two epochs by the tests is never reused by a learner in full mode.
    """
    from_environment = os.environ.get(MODELS_DIR_VARIABLE, "").strip()
    if from_environment:
        folder = Path(from_environment).expanduser()
        setting = f"{MODELS_DIR_VARIABLE}={os.environ[MODELS_DIR_VARIABLE]!r}"
        fix = f"Set {MODELS_DIR_VARIABLE} to a folder you can write to, or unset it to use {MODELS_FOLDER_NAME}/."
    else:
        folder = (project_root() or Path.cwd()) / MODELS_FOLDER_NAME
        setting = f"the default folder ({MODELS_DIR_VARIABLE} is not set)"
        fix = f"Set {MODELS_DIR_VARIABLE} to a folder you can write to."
    if is_quick_mode():
        folder = folder / "quick"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        if isinstance(error, FileExistsError):
            reason = "it exists and is not a folder"
        elif isinstance(error, NotADirectoryError):
            reason = "part of that path is a file, not a folder"
        else:
            reason = error.strerror or str(error)
        raise ModelsDirError(f"Cannot use {folder} for saved models, from {setting}: {reason}. {fix}") from error
    return folder
