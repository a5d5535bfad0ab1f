"""The same training data, fed faster on a CPU: a tf.data pipeline that cuts exactly like ``validation_split``.

Lessons 08 and 09 train with it (lesson 08's optional section explains it)::

    train_ds, val_ds = make_datasets(x_train, y_train, batch_size=128, validation_fraction=0.2)
    model.fit(train_ds, validation_data=val_ds, epochs=15, shuffle=False, callbacks=[...])

``shuffle=False`` because ``train_ds`` reshuffles itself every epoch (seeded, so a rerun repeats); Keras warns that
it cannot shuffle a dataset otherwise. The last ``validation_fraction`` of the examples validates, before any
shuffling, as with ``validation_split``. ``benchmarks/README.md`` ("Training speed") has what it gains.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mnist_helpers.notebook_setup import import_keras_quietly

#: Batches prepared ahead of the one being trained on. A fixed, small number instead of ``tf.data.AUTOTUNE``: the
#: autotuner retunes the pipeline from a background thread, whose wake-ups slowed whole epochs on a small CPU
#: (measured in benchmarks/training_speed.py).
PREFETCH_BATCHES = 2

#: Validation only predicts, so it can use big batches (fewer, larger steps); the metrics do not depend on it.
VALIDATION_BATCH_SIZE = 1024

DEFAULT_SEED = 42


def validation_split_index(num_samples: int, validation_fraction: float) -> int:
    """Where ``model.fit(validation_split=...)`` cuts: examples before this index train, the rest validate.

    Keras computes ``floor(num_samples * (1 - validation_split))``; so does this, so both hold out the same examples.
    """
    if not 0.0 < validation_fraction < 1.0:
        raise ValueError(
            f"validation_fraction must be between 0 and 1 (exclusive), got {validation_fraction}; "
            "0.2 holds out the last 20 % of the examples, like validation_split=0.2."
        )
    split_at = int(math.floor(num_samples * (1.0 - validation_fraction)))
    if split_at == 0 or split_at == num_samples:
        raise ValueError(
            f"{num_samples} examples are too few to hold out validation_fraction={validation_fraction}: "
            "one of the two parts would be empty. Use more examples or another fraction."
        )
    return split_at


def make_datasets(
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int = 64,
    validation_fraction: float = 0.2,
    seed: int = DEFAULT_SEED,
    validation_batch_size: int = VALIDATION_BATCH_SIZE,
) -> tuple[Any, Any]:
    """Return ``(train_ds, val_ds)``, two ``tf.data.Dataset`` of ``(images, labels)`` batches.

    Mirrors ``model.fit(x, y, batch_size=..., validation_split=validation_fraction, shuffle=True)``:
    ``val_ds`` holds the last ``validation_fraction`` of the examples, in order, in batches of
    ``validation_batch_size``; ``train_ds`` holds the rest, reshuffled every epoch from ``seed``, in batches of
    ``batch_size`` (the last batch may be smaller, as in Keras). ``x`` and ``y`` are NumPy arrays of equal length,
    prepared as the model expects (e.g. ``mh.prepare_for_dense``). Both prefetch ``PREFETCH_BATCHES`` batches
    with tf.data's autotuner off.
    """
    x = np.asarray(x)
    y = np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"make_datasets needs as many labels as examples, got {len(x)} examples and {len(y)} labels.")
    for name, value in (("batch_size", batch_size), ("validation_batch_size", validation_batch_size)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive whole number, got {value!r}.")
    split_at = validation_split_index(len(x), validation_fraction)

    import_keras_quietly()  # imports TensorFlow without its start-up logs
    import tensorflow as tf

    x_train, y_train = tf.constant(x[:split_at]), tf.constant(y[:split_at])
    train_ds = (
        # Shuffle the example numbers 0..split_at-1, not the images: same order, far less copying. A buffer as
        # large as the data gives a full shuffle, like fit's shuffle=True, with a new order each epoch.
        tf.data.Dataset.range(split_at)
        .shuffle(split_at, seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size)
        .map(lambda indices: (tf.gather(x_train, indices), tf.gather(y_train, indices)))
        # Prepare the next batches on another thread while the model trains on this one.
        .prefetch(PREFETCH_BATCHES)
    )
    val_ds = tf.data.Dataset.from_tensor_slices((x[split_at:], y[split_at:])).batch(validation_batch_size)
    options = tf.data.Options()
    options.autotune.enabled = False  # run the pipelines as written, with no tuning thread beside the training
    return train_ds.with_options(options), val_ds.with_options(options)
