"""The original project's network and training, for lessons that need a trained model.

Lessons 02 and 03 write this Keras code out cell by cell; later lessons (evaluation,
save and load, drawing a digit) are about something else, so they call it from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mnist_helpers.modes import pick
from mnist_helpers.paths import models_dir
from mnist_helpers.quiet import import_keras_quietly

ORIGINAL_MODEL_FILE = "original_mlp.keras"


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
    """
    keras = import_keras_quietly()
    path = models_dir() / ORIGINAL_MODEL_FILE
    if path.exists():
        print(f"Reusing the trained model in {path}")
        return keras.models.load_model(path)
    print(f"No saved model at {path}: training the original network now (about a minute on a laptop CPU).")
    model, _ = train_original_model(x_train, y_train, models_dir() / "original_mlp_checkpoint.keras")
    model.save(path)
    return model
