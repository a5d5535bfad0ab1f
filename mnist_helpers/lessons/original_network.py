"""The code these lessons teach, as they write it:

- notebooks/02_model_architecture.ipynb
- notebooks/04_training_the_original.ipynb

Do not edit: change the lesson's cell, then run  python .ci/export_lessons.py
"""

import keras

import mnist_helpers as mh


def build_original_model():
    """The original project's network: 784 pixels -> Dense 512 (relu) -> Dense 256 (relu) -> Dense 10 (softmax)."""
    return keras.Sequential(
        [
            keras.Input(shape=(784,)),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ],
        name="original_mlp",
    )


def compile_like_the_original(model):
    """Compile a digit classifier as the original does: Adam, categorical cross-entropy and accuracy (plus one setting
    for speed). Lessons 08 and 09 compile their networks with it too."""
    model.compile(
        optimizer="adam",
        loss="categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=50,  # not in the original: only speed, 50 batches per call (see above)
    )
    return model


def original_callbacks(checkpoint_path):
    """The original's two callbacks: EarlyStopping on val_loss (keeping the best epoch), and ModelCheckpoint."""
    early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
    checkpoint = keras.callbacks.ModelCheckpoint(checkpoint_path, monitor="val_loss", save_best_only=True)
    return [early_stopping, checkpoint]


EPOCHS = mh.pick(full=20, quick=2)  # quick mode (MNIST_QUICK=1, used by the tests) trains 2 epochs on less data


def fit_original_model(model, x_train, y_train, callbacks, epochs=EPOCHS):
    """Train as the original does: up to `epochs` epochs, batches of 64, the last 20 % of the data validating."""
    return model.fit(
        x_train,
        y_train,
        epochs=epochs,
        batch_size=64,
        validation_split=0.2,
        callbacks=callbacks,
        verbose=2,
    )
