"""The "going further" networks (lessons 07 and 08) and how to train them, in one place.

Lesson 07 writes the better dense network out cell by cell, lesson 08 the small
convolutional network; both check their written-out model against the builders here,
and ``benchmarks/results_table.py`` trains these same models with these same settings.
So a script and a lesson always train the same way.

Training settings are plain dicts::

    settings = BETTER_DENSE_TRAINING
    model = build_better_dense_model()
    model.fit(x, y, epochs=settings["epochs"], batch_size=settings["batch_size"],
              validation_split=settings["validation_split"],
              callbacks=settings["make_callbacks"](settings["epochs"]), verbose=2)

The better dense network is compiled with ``steps_per_execution=50`` and lesson 07 feeds it
``fast_training.make_datasets`` pipelines (the same batches, about a third less time per fit, measured
in benchmarks/results_table.py); it also trains on NumPy arrays as above. ``jit_compile`` is left off:
XLA cannot compile the random-shift layer. Lesson 08's CNN is compiled and fed the same way; ``fit_cnn``
trains any CNN with its recipe and ``train_cnn_model`` builds and trains the lesson's CNN, for lessons
that need one trained.

``make_callbacks(epochs)`` returns fresh callbacks each call (callbacks keep state, so
never share one list between two fits); the learning-rate schedule needs ``epochs``.

Inputs: the dense network takes what ``mh.prepare_for_dense`` gives (784 pixels in 0-1,
one-hot labels), the CNN takes ``mh.scale_pixels(x)[..., None]`` (28x28x1 images in 0-1,
one-hot labels).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from mnist_helpers.fast_training import STEPS_PER_EXECUTION, make_datasets
from mnist_helpers.modes import pick
from mnist_helpers.quiet import import_keras_quietly

DENSE_INPUT_SHAPE = (784,)
CNN_INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10
CNN_MODEL_FILE = "cnn.keras"

#: Random shifts of up to this fraction of the image (0.1 x 28 = up to 2.8 pixels) during training only.
SHIFT_FRACTION = 0.1
#: Random rotations of up to this fraction of a full turn (0.03 x 360 = about 11 degrees), CNN only.
ROTATION_FRACTION = 0.03


def cosine_schedule(epochs: int, peak_learning_rate: float, floor: float = 0.02) -> Callable[[int, float], float]:
    """Return ``schedule(epoch, lr)`` for `keras.callbacks.LearningRateScheduler`: cosine decay per epoch.

    Epoch 0 uses ``peak_learning_rate``; the rate then glides down along half a cosine
    to ``floor * peak`` in the last epoch, so the final epochs take small, careful steps.
    """
    if epochs < 1:
        raise ValueError(f"cosine_schedule needs epochs >= 1, got {epochs}.")

    def schedule(epoch: int, lr: float = 0.0) -> float:
        progress = epoch / max(epochs - 1, 1)
        return peak_learning_rate * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))

    return schedule


def _callbacks(epochs: int, peak_learning_rate: float) -> list[Any]:
    keras = import_keras_quietly()
    return [
        keras.callbacks.LearningRateScheduler(cosine_schedule(epochs, peak_learning_rate)),
        # The schedule decides when training ends; this only keeps the epoch with the best validation accuracy.
        keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=epochs, restore_best_weights=True),
    ]


def build_better_dense_model() -> Any:
    """The original's Dense 512 -> 256 -> 10, plus shifts, batch normalisation and dropout; compiled.

    Input: 784 pixels in 0-1. RandomTranslation only acts during training (fit); predict,
    evaluate and a saved model see the digits unchanged.
    """
    keras = import_keras_quietly()
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input(shape=DENSE_INPUT_SHAPE),
            layers.Reshape((28, 28, 1)),
            layers.RandomTranslation(SHIFT_FRACTION, SHIFT_FRACTION, fill_mode="constant"),
            layers.Flatten(),
            layers.Dense(512, use_bias=False),
            layers.BatchNormalization(),
            layers.Activation("relu"),
            layers.Dropout(0.25),
            layers.Dense(256, use_bias=False),
            layers.BatchNormalization(),
            layers.Activation("relu"),
            layers.Dropout(0.25),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="better_dense",
    )
    model.compile(
        optimizer="adam",
        loss="categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=STEPS_PER_EXECUTION,  # 50 batches per call from Python (lesson 07, "Train")
    )
    return model


def make_better_dense_callbacks(epochs: int) -> list[Any]:
    """Cosine learning-rate decay from 0.002, and keep the epoch with the best val_accuracy."""
    return _callbacks(epochs, peak_learning_rate=0.002)


BETTER_DENSE_TRAINING: dict[str, Any] = {
    "epochs": 15,
    "batch_size": 128,
    "validation_split": 0.2,
    "make_callbacks": make_better_dense_callbacks,
}


#: Filters of the CNN's three convolutions. The middle one does most of the arithmetic: 48 filters of
#: 3x3x24 at 11x11 positions.
CNN_FILTERS = (24, 48, 96)


def build_cnn_model() -> Any:
    """A compact CNN: three convolutions (24, 48, 96 filters), two poolings, one Dense; compiled.

    Small shifts and rotations act while training only. Input: 28x28x1 images in 0-1. Batch normalisation
    uses momentum 0.9 (Keras' default is 0.99) so its running averages catch up within a few dozen steps:
    the first epoch's validation accuracy is then meaningful, and a one-epoch quick-mode run predicts sensibly.
    A third convolution instead of a ``Dense(128)`` on 1,600 numbers: about a quarter of lesson 08's earlier
    parameters and a third less arithmetic per image (``benchmarks/results_table.py`` trains both).
    ``jit_compile`` is left off: the random layers cannot be XLA-compiled, and on a CPU TensorFlow's own
    convolutions ran faster than XLA's (measured in this project, 2026-11-26).
    """
    keras = import_keras_quietly()
    layers = keras.layers
    first, second, third = CNN_FILTERS
    model = keras.Sequential(
        [
            keras.Input(shape=CNN_INPUT_SHAPE),
            layers.RandomTranslation(SHIFT_FRACTION, SHIFT_FRACTION, fill_mode="constant"),
            layers.RandomRotation(ROTATION_FRACTION, fill_mode="constant"),
            layers.Conv2D(first, 3, use_bias=False),
            layers.BatchNormalization(momentum=0.9),
            layers.Activation("relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(second, 3, use_bias=False),
            layers.BatchNormalization(momentum=0.9),
            layers.Activation("relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(third, 3, use_bias=False),
            layers.BatchNormalization(momentum=0.9),
            layers.Activation("relu"),
            layers.Flatten(),
            layers.Dropout(0.3),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="cnn",
    )
    model.compile(
        optimizer="adam",
        loss="categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=STEPS_PER_EXECUTION,  # 50 batches per call from Python (lesson 08, "Train")
    )
    return model


def make_cnn_callbacks(epochs: int) -> list[Any]:
    """Cosine learning-rate decay from 0.003, and keep the epoch with the best val_accuracy."""
    return _callbacks(epochs, peak_learning_rate=0.003)


CNN_TRAINING: dict[str, Any] = {
    "epochs": 10,
    "batch_size": 128,
    "validation_split": 0.2,
    "make_callbacks": make_cnn_callbacks,
}


#: Epochs of the CNN recipe in quick mode (``MNIST_QUICK=1``): one, enough to check that everything runs.
CNN_QUICK_EPOCHS = 1


def fit_cnn(model: Any, x_train: np.ndarray, y_train: np.ndarray, epochs: int | None = None, verbose: int = 2) -> Any:
    """Train a compiled CNN with lesson 08's recipe (``CNN_TRAINING``); return the History.

    For a variant of the lesson's network (an exercise's): the same batches (``fast_training.make_datasets``:
    the last 20 % validate, the rest reshuffled each epoch), learning-rate schedule and best-epoch restore
    as in the lesson. Inputs as for ``train_cnn_model``.
    """
    x_train = np.asarray(x_train)
    y_train = np.asarray(y_train)
    if x_train.ndim != 4 or tuple(x_train.shape[1:]) != CNN_INPUT_SHAPE:
        raise ValueError(
            f"The CNN needs images of shape (n, 28, 28, 1), got {x_train.shape}; "
            "use mh.scale_pixels(images)[..., np.newaxis]."
        )
    if y_train.ndim != 2 or y_train.shape != (len(x_train), NUM_CLASSES):
        raise ValueError(
            f"The CNN needs one-hot labels of shape ({len(x_train)}, {NUM_CLASSES}), got {y_train.shape}; "
            "use mh.one_hot_labels(digits)."
        )
    settings = CNN_TRAINING
    if epochs is None:
        epochs = pick(full=settings["epochs"], quick=CNN_QUICK_EPOCHS)
    if int(epochs) != epochs or epochs < 1:
        raise ValueError(f"The CNN needs epochs >= 1 (a whole number), got {epochs!r}.")
    train_ds, val_ds = make_datasets(
        x_train, y_train, batch_size=settings["batch_size"], validation_fraction=settings["validation_split"]
    )
    return model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=int(epochs),
        shuffle=False,  # train_ds reshuffles every epoch itself
        callbacks=settings["make_callbacks"](int(epochs)),
        verbose=verbose,
    )


def train_cnn_model(
    x_train: np.ndarray, y_train: np.ndarray, epochs: int | None = None, verbose: int = 2
) -> tuple[Any, Any]:
    """Build lesson 08's CNN and train it with lesson 08's recipe; return ``(model, history)``.

    For lessons and solutions that need a trained CNN but teach something else (lesson 08 writes its
    Keras out). ``x_train``: images scaled to 0-1, shape ``(n, 28, 28, 1)``; ``y_train``: one-hot labels,
    shape ``(n, 10)``. ``epochs=None`` means the recipe's epochs (``CNN_TRAINING``), ``CNN_QUICK_EPOCHS``
    in quick mode. The last 20 % of the examples validate; the epoch with the best validation accuracy is kept.
    """
    model = build_cnn_model()
    history = fit_cnn(model, x_train, y_train, epochs=epochs, verbose=verbose)
    return model, history
