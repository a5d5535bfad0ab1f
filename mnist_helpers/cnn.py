"""Lesson 08's convolutional network (CNN) and how it is trained (`CNN_TRAINING`).

Lesson 08 writes the network out cell by cell and checks it against `build_cnn_model`;
``benchmarks/results_table.py`` trains this same model with this same recipe. `fit_cnn` trains any CNN with
the recipe (an exercise's variant) and `train_cnn_model` builds and trains the lesson's CNN, for lessons that
need one trained. Input: ``mh.scale_pixels(x)[..., None]`` (28x28x1 images in 0-1), one-hot labels.
Compiled with ``steps_per_execution=50`` and fed ``fast_training.make_datasets`` pipelines, like lesson 07's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mnist_helpers.better_dense_network import SHIFT_FRACTION
from mnist_helpers.data import NUM_CLASSES
from mnist_helpers.fast_training import STEPS_PER_EXECUTION, make_datasets
from mnist_helpers.notebook_setup import import_keras_quietly
from mnist_helpers.training_recipes import compile_classifier, cosine_recipe

CNN_INPUT_SHAPE = (28, 28, 1)

#: Filters of the CNN's three convolutions. The middle one does most of the arithmetic: 48 filters of
#: 3x3x24 at 11x11 positions.
CNN_FILTERS = (24, 48, 96)


def build_cnn_model() -> Any:
    """A compact CNN: three convolutions (24, 48, 96 filters), two poolings, one Dense; compiled.

    Small random shifts (lesson 07's) act while training only. Input: 28x28x1 images in 0-1.
    No random rotations: they made each epoch 5-15 % longer on a 2-core CPU and the network no more accurate
    (benchmarks/README.md, "Lesson 08's CNN").
    Batch normalisation only after the third convolution, whose maps are small (3x3x96 numbers per image):
    Keras computes it in separate passes over every number rather than as one fused operation, and after the
    first two convolutions (26x26x24 and 11x11x48 numbers) it took about 40 % of each epoch on a CPU, without
    making the network more accurate (benchmarks/README.md, "Lesson 08's CNN"). Its momentum is 0.9 (Keras'
    default is 0.99) so its running averages catch up within a few dozen steps. ``jit_compile`` is left off: the
    random shift layer cannot be XLA-compiled, and on a CPU TensorFlow's own convolutions ran faster than XLA's.
    """
    keras = import_keras_quietly()
    layers = keras.layers
    first, second, third = CNN_FILTERS
    model = keras.Sequential(
        [
            keras.Input(shape=CNN_INPUT_SHAPE),
            layers.RandomTranslation(SHIFT_FRACTION, SHIFT_FRACTION, fill_mode="constant"),
            layers.Conv2D(first, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(second, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(third, 3, use_bias=False),  # batch normalisation adds its own shift
            layers.BatchNormalization(momentum=0.9),
            layers.Activation("relu"),
            layers.Flatten(),
            layers.Dropout(0.3),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="cnn",
    )
    # 50 batches per call from Python (lesson 08, "Train")
    return compile_classifier(model, steps_per_execution=STEPS_PER_EXECUTION)


#: 13 epochs (1 in quick mode: enough to check that everything runs), batch 128, the last 20 % validating,
#: cosine decay from 0.003.
CNN_TRAINING = cosine_recipe(epochs=13, quick_epochs=1, peak_learning_rate=0.003)


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
    recipe = CNN_TRAINING
    if epochs is None:
        epochs = recipe.epochs_now()
    if int(epochs) != epochs or epochs < 1:
        raise ValueError(f"The CNN needs epochs >= 1 (a whole number), got {epochs!r}.")
    train_ds, val_ds = make_datasets(
        x_train, y_train, batch_size=recipe.batch_size, validation_fraction=recipe.validation_split
    )
    return model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=int(epochs),
        shuffle=False,  # train_ds reshuffles every epoch itself
        callbacks=recipe.make_callbacks(int(epochs)),
        verbose=verbose,
    )


def train_cnn_model(
    x_train: np.ndarray, y_train: np.ndarray, epochs: int | None = None, verbose: int = 2
) -> tuple[Any, Any]:
    """Build lesson 08's CNN and train it with lesson 08's recipe; return ``(model, history)``.

    For lessons and solutions that need a trained CNN but teach something else (lesson 08 writes its
    Keras out). ``x_train``: images scaled to 0-1, shape ``(n, 28, 28, 1)``; ``y_train``: one-hot labels,
    shape ``(n, 10)``. ``epochs=None`` means the recipe's epochs (``CNN_TRAINING``), ``CNN_TRAINING.quick_epochs``
    in quick mode. The last 20 % of the examples validate; the epoch with the best validation accuracy is kept.
    """
    model = build_cnn_model()
    history = fit_cnn(model, x_train, y_train, epochs=epochs, verbose=verbose)
    return model, history
