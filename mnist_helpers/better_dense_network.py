"""Lesson 07's better dense network and how it is trained (`BETTER_DENSE_TRAINING`).

Lesson 07 writes the network out cell by cell and checks it against `build_better_dense_model`;
``benchmarks/results_table.py`` trains this same model with this same recipe, so a script and the lesson
always train the same way. Input: what ``mh.prepare_for_dense`` gives (784 pixels in 0-1, one-hot labels).

It is compiled with ``steps_per_execution=50``; lesson 07 feeds it ``fast_training.make_datasets`` pipelines
(the same batches, less time per fit, measured in benchmarks/results_table.py); it also trains on NumPy
arrays. ``jit_compile`` is left off: XLA cannot compile the random-shift layer.
"""

from __future__ import annotations

from typing import Any

from mnist_helpers.data import NUM_CLASSES
from mnist_helpers.dense_networks import INPUT_SIZE
from mnist_helpers.fast_training import STEPS_PER_EXECUTION
from mnist_helpers.notebook_setup import import_keras_quietly
from mnist_helpers.training_recipes import compile_classifier, cosine_recipe

DENSE_INPUT_SHAPE = (INPUT_SIZE,)

#: Random shifts of up to this fraction of the image (0.1 x 28 = up to 2.8 pixels) during training only.
SHIFT_FRACTION = 0.1


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
    # 50 batches per call from Python (lesson 07, "Train")
    return compile_classifier(model, steps_per_execution=STEPS_PER_EXECUTION)


#: 15 epochs (2 in quick mode), batch 128, the last 20 % validating, cosine decay from 0.002.
BETTER_DENSE_TRAINING = cosine_recipe(epochs=15, quick_epochs=2, peak_learning_rate=0.002)
