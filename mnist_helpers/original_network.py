"""The original network, trained, for lessons that need one but teach something else (evaluation, saving, drawing).

Its Keras code is lessons 02 and 04's, exported to ``mnist_helpers.lessons.original_network``: this module only
reuses the model lesson 04 saved, or trains one with that code when there is none.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from mnist_helpers.dense_networks import INPUT_SIZE
from mnist_helpers.notebook_setup import import_keras_quietly
from mnist_helpers.saved_models import (
    ORIGINAL_CHECKPOINT_FILE,
    ORIGINAL_MODEL_FILE,
    load_model_if_usable,
    models_dir,
    save_model_atomically,
)

REUSE_CHECK_SAMPLES = 1000


def train_original_model(x_train: np.ndarray, y_train: np.ndarray, checkpoint_path: Path) -> tuple[Any, Any]:
    """Build, compile and fit the original network with lessons 02 and 04's own code; return ``(model, history)``.

    ``x_train`` is scaled and flattened, ``y_train`` one-hot; the best epoch is checkpointed to ``checkpoint_path``.
    """
    import_keras_quietly()
    from mnist_helpers.lessons import original_network as lesson

    model = lesson.compile_original_model(lesson.build_original_model())
    history = lesson.fit_original_model(model, x_train, y_train, callbacks=lesson.original_callbacks(checkpoint_path))
    return model, history


def load_or_train_original_model(x_train: np.ndarray, y_train: np.ndarray) -> Any:
    """Reuse ``saved_models/original_mlp.keras`` if a lesson saved it, else train and save it.

    So a lesson that needs a trained model stands alone, yet does not retrain when lesson 04 ran.
    A saved file that is damaged, of another architecture or untrained (checked on the last
    1,000 training digits) is moved aside with a message, and the network is trained again.
    Training checkpoints to a temporary folder of its own (removed afterwards): `ModelCheckpoint`
    writes in place, so two notebooks training at once must never share a checkpoint file.
    """
    path = models_dir() / ORIGINAL_MODEL_FILE
    sample = (x_train[-REUSE_CHECK_SAMPLES:], y_train[-REUSE_CHECK_SAMPLES:])
    model = load_model_if_usable(path, input_shape=(INPUT_SIZE,), check=sample)
    if model is not None:
        print(f"Reusing the trained model in {path}")
        return model
    print(f"No usable saved model at {path}: training the original network now (about a minute on a laptop CPU).")
    with tempfile.TemporaryDirectory(prefix=".training-", dir=path.parent) as folder:
        model, _ = train_original_model(x_train, y_train, Path(folder) / ORIGINAL_CHECKPOINT_FILE)
    save_model_atomically(model, path)
    return model
