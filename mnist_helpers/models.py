"""The original project's network and training, for lessons that need a trained model.

Lessons 02 and 03 write this Keras code out cell by cell; later lessons (evaluation,
save and load, drawing a digit) are about something else, so they call it from here.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mnist_helpers.modes import pick
from mnist_helpers.paths import models_dir
from mnist_helpers.quiet import import_keras_quietly

ORIGINAL_MODEL_FILE = "original_mlp.keras"
HELPER_CHECKPOINT_FILE = "original_mlp_helper_checkpoint.keras"
DIGIT_CLASSES = 10
REUSE_CHECK_SAMPLES = 1000


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
    if found_output[1:] != (DIGIT_CLASSES,):
        return f"it gives outputs of shape {found_output[1:]}, not ({DIGIT_CLASSES},) one score per digit"
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


def build_original_model(**compile_options: Any) -> Any:
    """Dense 512 relu -> Dense 256 relu -> Dense 10 softmax on 784 inputs, compiled as the original.

    ``compile_options`` go to ``model.compile`` as well, e.g. ``fast_training.FAST_COMPILE_OPTIONS``.
    """
    keras = import_keras_quietly()
    model = keras.Sequential(
        [
            keras.Input(shape=(784,)),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ],
        name="original_mlp",
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"], **compile_options)
    return model


def train_original_model(x_train: np.ndarray, y_train: np.ndarray, checkpoint_path: Path) -> tuple[Any, Any]:
    """Fit as the original does: 20 epochs (2 in quick mode), batch 64, validation_split 0.2,
    EarlyStopping(val_loss, patience 5, restore best) and ModelCheckpoint(best only).

    ``x_train`` is scaled and flattened, ``y_train`` one-hot. Returns ``(model, history)``.
    """
    keras = import_keras_quietly()
    model = build_original_model()
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(str(checkpoint_path), monitor="val_loss", save_best_only=True),
    ]
    history = model.fit(
        x_train,
        y_train,
        epochs=pick(full=20, quick=2),
        batch_size=64,
        validation_split=0.2,
        callbacks=callbacks,
        verbose=2,
    )
    return model, history


def load_or_train_original_model(x_train: np.ndarray, y_train: np.ndarray) -> Any:
    """Reuse ``saved_models/original_mlp.keras`` if a lesson saved it, else train and save it.

    So a lesson that needs a trained model stands alone, yet does not retrain when lesson 03 ran.
    A saved file that is damaged, of another architecture or untrained (checked on the last
    1,000 training digits) is moved aside with a message, and the network is trained again.
    """
    path = models_dir() / ORIGINAL_MODEL_FILE
    sample = (x_train[-REUSE_CHECK_SAMPLES:], y_train[-REUSE_CHECK_SAMPLES:])
    model = load_model_if_usable(path, input_shape=(784,), check=sample)
    if model is not None:
        print(f"Reusing the trained model in {path}")
        return model
    print(f"No usable saved model at {path}: training the original network now (about a minute on a laptop CPU).")
    model, _ = train_original_model(x_train, y_train, models_dir() / HELPER_CHECKPOINT_FILE)
    save_model_atomically(model, path)
    return model
