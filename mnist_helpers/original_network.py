"""The original project's network and training, for lessons that need a trained model.

The network is a named configuration of `dense_networks` (784 → 512 → 256 → 10, relu) and its training a
`TrainingRecipe`. Lessons 02 and 03 write this Keras code out cell by cell; later lessons (evaluation,
save and load, drawing a digit) are about something else, so they call it from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mnist_helpers.dense_networks import INPUT_SIZE, DenseNetwork
from mnist_helpers.notebook_setup import import_keras_quietly
from mnist_helpers.saved_models import (
    ORIGINAL_MODEL_FILE,
    ModelsDirError,
    load_model_if_usable,
    models_dir,
    save_model_if_possible,
)
from mnist_helpers.training_recipes import TrainingRecipe, compile_classifier

#: Dense 512 relu -> Dense 256 relu -> Dense 10 softmax on 784 inputs.
ORIGINAL_NETWORK = DenseNetwork(hidden_units=(512, 256), activation="relu")

REUSE_CHECK_SAMPLES = 1000


def make_original_callbacks(epochs: int, checkpoint_path: str | Path | None = None) -> list[Any]:
    """EarlyStopping(val_loss, patience 5, restore best), and ModelCheckpoint(best only) when given a path."""
    keras = import_keras_quietly()
    callbacks = [keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)]
    if checkpoint_path is not None:
        callbacks.append(keras.callbacks.ModelCheckpoint(str(checkpoint_path), monitor="val_loss", save_best_only=True))
    return callbacks


#: 20 epochs (2 in quick mode), batch 64, the last 20 % validating, early stopping on val_loss.
ORIGINAL_TRAINING = TrainingRecipe(
    epochs=20, quick_epochs=2, batch_size=64, validation_split=0.2, make_callbacks=make_original_callbacks
)


def build_original_model(**compile_options: Any) -> Any:
    """Dense 512 relu -> Dense 256 relu -> Dense 10 softmax on 784 inputs, compiled as the original.

    ``compile_options`` go to ``model.compile`` as well, e.g. ``fast_training.FAST_COMPILE_OPTIONS``.
    """
    model = ORIGINAL_NETWORK.build(name="original_mlp")
    return compile_classifier(model, **compile_options)


def train_original_model(
    x_train: np.ndarray, y_train: np.ndarray, checkpoint_path: Path | None = None
) -> tuple[Any, Any]:
    """Fit with `ORIGINAL_TRAINING`, checkpointing the best epoch to ``checkpoint_path`` when one is given.

    ``x_train`` is scaled and flattened, ``y_train`` one-hot. Returns ``(model, history)``. Early stopping puts
    back the best epoch's weights either way, so the checkpoint only matters if training is interrupted.
    """
    recipe = ORIGINAL_TRAINING
    model = build_original_model()
    history = model.fit(
        x_train,
        y_train,
        epochs=recipe.epochs_now(),
        batch_size=recipe.batch_size,
        validation_split=recipe.validation_split,
        callbacks=make_original_callbacks(recipe.epochs_now(), checkpoint_path),
        verbose=2,
    )
    return model, history


def load_original_model_if_usable(path: str | Path, x_train: np.ndarray, y_train: np.ndarray) -> Any | None:
    """Load a saved original network (lesson 03's model or its checkpoint) only if it can stand in for one.

    `load_model_if_usable` with the original's architecture (`build_original_model`: the same layers, sizes,
    activations, loss and metrics), finite weights, and at least half of the last 1,000 training digits read
    correctly (the validation part, which training never sees). ``None`` (with one line saying why, the file moved
    aside) otherwise, or if there is no file.
    """
    sample = (x_train[-REUSE_CHECK_SAMPLES:], y_train[-REUSE_CHECK_SAMPLES:])
    return load_model_if_usable(path, input_shape=(INPUT_SIZE,), check=sample, architecture=build_original_model)


def load_or_train_original_model(x_train: np.ndarray, y_train: np.ndarray) -> Any:
    """Reuse ``saved_models/original_mlp.keras`` if a lesson saved it, else train and save it.

    So a lesson that needs a trained model stands alone, yet does not retrain when lesson 03 ran.
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
