"""Where lessons keep saved models, what the files are called, and how they are saved and reused safely.

One folder that git ignores (`models_dir`); the file names lessons share (constants below, so a lesson
that saves and one that loads can never disagree); a save that never leaves half a file
(`save_model_atomically`); and a load that refuses a damaged or wrong model (`load_model_if_usable`).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mnist_helpers.data import NUM_CLASSES
from mnist_helpers.notebook_setup import import_keras_quietly
from mnist_helpers.quick_mode import is_quick_mode

MODELS_DIR_VARIABLE = "MNIST_MODELS_DIR"
MODELS_FOLDER_NAME = "saved_models"

#: Lesson 04's trained original network, reused by lessons 05, 06 and 10.
ORIGINAL_MODEL_FILE = "original_mlp.keras"
#: Lesson 04's ModelCheckpoint file (the best epoch so far), read again in lesson 06.
ORIGINAL_CHECKPOINT_FILE = "original_mlp_checkpoint.keras"
#: Lesson 09's trained CNN, reused by lesson 10.
CNN_MODEL_FILE = "cnn.keras"


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


def save_model_atomically(model: Any, path: str | os.PathLike[str]) -> Path:
    """Save ``model`` as a ``.keras`` file at ``path`` without ever leaving a partial file under that name.

    Keras writes the zip archive in place, so a reader (another notebook) can see half a file and an
    interrupted save leaves one behind. Here Keras writes a hidden temporary file in the same folder,
    which is flushed to disk and then renamed onto ``path`` in one step (``os.replace``): readers see
    the old file or the new one, never a mix. On any failure the temporary file is removed.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"A model file must end in .keras, got {str(path)!r}: rename it, e.g. {path.stem}.keras")
    temporary = path.with_name(f".{path.stem}.{os.getpid()}-{secrets.token_hex(4)}.partial.keras")
    try:
        model.save(temporary)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def _aside_name(path: Path) -> Path:
    """A free name next to ``path`` that says the file was set aside, e.g. ``x.unusable-20261126-131500.keras``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.stem}.unusable-{stamp}{path.suffix}")
    counter = 1
    while candidate.exists():
        counter += 1
        candidate = path.with_name(f"{path.stem}.unusable-{stamp}-{counter}{path.suffix}")
    return candidate


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split()) or "no message"
    return f"{type(error).__name__}: {text[:160]}{'...' if len(text) > 160 else ''}"


def _why_unusable(
    model: Any, input_shape: tuple[int, ...], check: tuple[np.ndarray, np.ndarray] | None, min_accuracy: float
) -> str | None:
    """Why a loaded model cannot be reused, or ``None`` if it can."""
    try:
        found_input = tuple(model.input_shape)
        found_output = tuple(model.output_shape)
    except (AttributeError, ValueError, TypeError) as error:
        return f"it has no single input and output that can be checked ({_short(error)})"
    if found_input[1:] != input_shape:
        return f"it expects inputs of shape {found_input[1:]}, not {input_shape} (a different network)"
    if found_output[1:] != (NUM_CLASSES,):
        return f"it gives outputs of shape {found_output[1:]}, not ({NUM_CLASSES},) one score per digit"
    if check is None:
        return None
    x, y = check
    digits = np.asarray(y)
    if digits.ndim == 2:
        digits = digits.argmax(axis=1)
    try:
        scores = np.asarray(model.predict(x, verbose=0))
    except Exception as error:  # a model that loads but cannot predict is as unusable as one that does not load
        return f"it could not predict on a sample ({_short(error)})"
    accuracy = float(np.mean(scores.argmax(axis=1) == digits))
    if not np.all(np.isfinite(scores)):
        return f"its predictions contain NaN or infinity (accuracy {accuracy:.1%} on {len(digits)} digits)"
    if accuracy < min_accuracy:
        return f"it reads only {accuracy:.1%} of {len(digits)} sample digits correctly (needs {min_accuracy:.0%})"
    return None


def load_model_if_usable(
    path: str | os.PathLike[str],
    input_shape: Sequence[int],
    check: tuple[np.ndarray, np.ndarray] | None = None,
    min_accuracy: float = 0.5,
) -> Any | None:
    """Load a ``.keras`` file a lesson reuses, or return ``None`` so the lesson trains a new model.

    ``None`` if the file is missing. If it is damaged, not a Keras model, expects inputs other than
    ``input_shape`` (without the batch axis), does not give 10 outputs, or (with ``check=(x, digits)``)
    reads fewer than ``min_accuracy`` of that sample correctly: print one line saying which file and
    why, move the file aside (same folder, ``.unusable-<time>`` in its name) and return ``None``.
    """
    path = Path(path)
    if not path.exists():
        return None
    keras = import_keras_quietly()
    expected = tuple(int(size) for size in input_shape)
    try:
        model = keras.models.load_model(path)
    except Exception as error:  # Keras raises many types for a bad file: OSError, BadZipFile, KeyError, ValueError...
        model, why = None, f"it is damaged or not a Keras model file ({_short(error)})"
    else:
        why = _why_unusable(model, expected, check, min_accuracy)
    if why is None:
        return model
    aside = _aside_name(path)
    try:
        os.replace(path, aside)
        moved = f"moved it to {aside.name}"
    except OSError as error:
        moved = f"could not move it aside ({_short(error)}): delete it yourself"
    print(f"Not reusing the saved model {path}: {why}; {moved}.")
    return None
