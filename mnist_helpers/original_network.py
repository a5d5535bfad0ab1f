"""The original network, trained, for lessons that need one but teach something else (evaluation, saving, drawing).

Its Keras code is lessons 02 and 04's, exported to ``mnist_helpers.lessons.original_network``: this module only
reuses the model lesson 04 saved, or trains one with that code when there is none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mnist_helpers.dense_networks import INPUT_SIZE
from mnist_helpers.notebook_setup import import_keras_quietly
from mnist_helpers.saved_models import (
    ORIGINAL_MODEL_FILE,
    ModelsDirError,
    load_model_if_usable,
    models_dir,
    save_model_if_possible,
)

REUSE_CHECK_SAMPLES = 1000


def train_original_model(
    x_train: np.ndarray, y_train: np.ndarray, checkpoint_path: Path | None = None
) -> tuple[Any, Any]:
    """Build, compile and fit the original network with lessons 02 and 04's own code; return ``(model, history)``.

    ``x_train`` is scaled and flattened, ``y_train`` one-hot. The best epoch is checkpointed to ``checkpoint_path``
    when one is given; early stopping puts back the best epoch's weights either way.
    """
    keras = import_keras_quietly()
    from mnist_helpers.lessons import original_network as lesson

    callbacks = lesson.original_callbacks(checkpoint_path or "unused.keras")  # nothing is written before fit
    if checkpoint_path is None:
        callbacks = [callback for callback in callbacks if not isinstance(callback, keras.callbacks.ModelCheckpoint)]
    model = lesson.compile_like_the_original(lesson.build_original_model())
    history = lesson.fit_original_model(model, x_train, y_train, callbacks=callbacks)
    return model, history


def compiled_original_model() -> Any:
    """Lessons 02 and 04's network, compiled as lesson 04 compiles it: what a saved original must match."""
    import_keras_quietly()
    from mnist_helpers.lessons import original_network as lesson

    return lesson.compile_like_the_original(lesson.build_original_model())


def load_original_model_if_usable(path: str | Path, x_train: np.ndarray, y_train: np.ndarray) -> Any | None:
    """Load a saved original network (lesson 04's model or its checkpoint) only if it can stand in for one.

    `load_model_if_usable` with the original's architecture (`compiled_original_model`: the same layers, sizes,
    activations, loss and metrics), finite weights, and at least half of the last 1,000 training digits read
    correctly (the validation part, which training never sees). ``None`` (with one line saying why, the file moved
    aside) otherwise, or if there is no file.
    """
    sample = (x_train[-REUSE_CHECK_SAMPLES:], y_train[-REUSE_CHECK_SAMPLES:])
    return load_model_if_usable(path, input_shape=(INPUT_SIZE,), check=sample, architecture=compiled_original_model)


def load_or_train_original_model(x_train: np.ndarray, y_train: np.ndarray) -> Any:
    """Reuse ``saved_models/original_mlp.keras`` if a lesson saved it, else train and save it.

    So a lesson that needs a trained model stands alone, yet does not retrain when lesson 04 ran.
    A saved file that is damaged, another network or untrained (`load_original_model_if_usable`) is moved
    aside with a message, and the network is trained again. Training writes nothing but the finished model,
    atomically. If it cannot be saved (a full disk, a folder you may not write to, a file you may not read
    under its name), one line says why and what to do, and the trained model is returned all the same, so the
    lesson goes on.
    """
    try:
        path = models_dir() / ORIGINAL_MODEL_FILE
    except ModelsDirError as error:
        print(f"{error} Training the original network now; it stays in memory for this lesson only.")
        return train_original_model(x_train, y_train)[0]
    model = load_original_model_if_usable(path, x_train, y_train)
    if model is not None:
        print(f"Reusing the trained model in {path}")
        return model
    print(f"No usable saved model at {path}: training the original network now (about a minute on a laptop CPU).")
    model, _ = train_original_model(x_train, y_train)
    if path.exists():  # left in place above because it cannot be read, or saved meanwhile by another lesson
        print(f"Not saving over {path}: the trained model stays in memory for this lesson.")
    else:
        save_model_if_possible(model, path)
    return model
