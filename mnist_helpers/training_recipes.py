"""How a network is trained, as one frozen value: epochs (and quick mode's), batch size, validation and callbacks.

    recipe = BETTER_DENSE_TRAINING
    model.fit(x, y, epochs=recipe.epochs, batch_size=recipe.batch_size,
              validation_split=recipe.validation_split, callbacks=recipe.make_callbacks(recipe.epochs), verbose=2)

``make_callbacks(epochs)`` returns fresh callbacks each call (callbacks keep state, so never share one list
between two fits). The original's recipe is in ``original_network``, lesson 07's in ``better_dense_network``,
lesson 08's in ``cnn``. What they share is here: the cosine schedule, the "keep the best val_accuracy" callbacks,
lessons 07 and 08's ``cosine_recipe`` and ``compile_classifier`` (Adam, categorical cross-entropy, accuracy).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from mnist_helpers.notebook_setup import import_keras_quietly
from mnist_helpers.quick_mode import pick


@dataclass(frozen=True)
class TrainingRecipe:
    """The settings of one ``model.fit``: ``epochs`` (``quick_epochs`` in quick mode), ``batch_size``,
    ``validation_split`` (the last fraction of the training data validates) and ``make_callbacks(epochs)``."""

    epochs: int
    quick_epochs: int
    batch_size: int
    validation_split: float
    make_callbacks: Callable[[int], list[Any]]

    def epochs_now(self) -> int:
        """``epochs``, or ``quick_epochs`` in quick mode (``MNIST_QUICK=1``)."""
        return pick(full=self.epochs, quick=self.quick_epochs)


def cosine_recipe(epochs: int, quick_epochs: int, peak_learning_rate: float) -> TrainingRecipe:
    """Lessons 07 and 08's kind of recipe: batches of 128, the last 20 % validating, cosine decay from
    ``peak_learning_rate`` over the epochs, and the epoch with the best val_accuracy kept."""
    return TrainingRecipe(
        epochs=epochs,
        quick_epochs=quick_epochs,
        batch_size=128,
        validation_split=0.2,
        make_callbacks=partial(cosine_and_best_epoch_callbacks, peak_learning_rate=peak_learning_rate),
    )


def compile_classifier(model: Any, optimizer: Any = "adam", **options: Any) -> Any:
    """Compile ``model`` as every network of the course is: ``optimizer`` (Adam), categorical cross-entropy on one-hot
    labels, accuracy as the metric; ``options`` (``steps_per_execution``, ``jit_compile``) go to ``model.compile`` too.

    Returns the model. Lessons write their own ``model.compile(...)`` out; the builders here share this one.
    """
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"], **options)
    return model


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


def cosine_and_best_epoch_callbacks(epochs: int, peak_learning_rate: float) -> list[Any]:
    """Cosine learning-rate decay from ``peak_learning_rate`` over ``epochs``; keep the best val_accuracy epoch."""
    keras = import_keras_quietly()
    return [
        keras.callbacks.LearningRateScheduler(cosine_schedule(epochs, peak_learning_rate)),
        # The schedule decides when training ends; this only keeps the epoch with the best validation accuracy.
        keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=epochs, restore_best_weights=True),
    ]
