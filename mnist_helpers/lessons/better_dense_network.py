"""The code these lessons teach, as they write it:

- notebooks/08_better_dense_network.ipynb

Do not edit: change the lesson's cell, then run  python .ci/export_lessons.py
"""

import math

import keras

import mnist_helpers as mh


def build_better_dense_model():
    """The original's Dense 512 -> Dense 256 -> Dense 10, plus random shifts, batch normalisation and dropout."""
    model = keras.Sequential(
        [
            keras.Input(shape=(784,)),
            # New: random shifts (training only). Reshape to an image, shift it, flatten it again.
            keras.layers.Reshape((28, 28, 1)),
            keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant"),
            keras.layers.Flatten(),
            # The original's Dense 512, now with batch normalisation (new) and dropout (new).
            keras.layers.Dense(512, use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("relu"),
            keras.layers.Dropout(0.25),
            # The original's Dense 256, the same way.
            keras.layers.Dense(256, use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("relu"),
            keras.layers.Dropout(0.25),
            # The original's output layer: 10 probabilities, one per digit.
            keras.layers.Dense(10, activation="softmax"),
        ],
        name="better_dense",
    )
    return mh.compile_like_the_original(model)  # lesson 04's compile: Adam, cross-entropy, accuracy


EPOCHS = mh.pick(full=15, quick=2)  # quick mode (MNIST_QUICK=1, used by the tests) trains 2 epochs on less data
BATCH_SIZE = 128
PEAK_LEARNING_RATE = 0.002


def cosine_schedule(epochs, peak_learning_rate):
    """The function LearningRateScheduler calls: peak_learning_rate at the first epoch, 2 % of it at the last."""

    def learning_rate_for_epoch(epoch, current_learning_rate=None):
        progress = epoch / max(epochs - 1, 1)  # 0 at the first epoch, 1 at the last
        return peak_learning_rate * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * progress)))

    return learning_rate_for_epoch


def schedule_and_best_epoch_callbacks(epochs, peak_learning_rate):
    """The cosine schedule, and EarlyStopping that never stops early but restores the best val_accuracy epoch."""
    return [
        keras.callbacks.LearningRateScheduler(cosine_schedule(epochs, peak_learning_rate)),
        keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=epochs, restore_best_weights=True),
    ]


def fit_better_dense_model(model, x_train, y_train, epochs=EPOCHS, callbacks=None):
    """Train as this lesson does: batches of 128, the last 20 % validating; by default the schedule and the best
    val_accuracy epoch kept (pass other callbacks to try other ideas)."""
    if callbacks is None:
        callbacks = schedule_and_best_epoch_callbacks(epochs, PEAK_LEARNING_RATE)
    return model.fit(
        x_train,
        y_train,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        validation_split=0.2,
        callbacks=callbacks,
        verbose=2,
    )
