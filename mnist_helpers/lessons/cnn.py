"""The code these lessons teach, as they write it:

- notebooks/09_convolutional_network.ipynb

Do not edit: change the lesson's cell, then run  python .ci/export_lessons.py
"""

import keras

import mnist_helpers as mh


def build_cnn_model():
    """This lesson's CNN, compiled: random shifts, three convolutions (24, 48, 96 filters), two poolings, one Dense."""
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            # Random shifts of up to 10 % of the image (2.8 pixels), during training only.
            keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant"),
            # Block 1: 24 filters of 3x3, with relu -> 24 feature maps of 26x26, pooled to 13x13.
            keras.layers.Conv2D(24, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            # Block 2: 48 filters of 3x3x24, with relu -> 48 feature maps of 11x11, pooled to 5x5.
            keras.layers.Conv2D(48, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            # Block 3: 96 filters of 3x3x48 -> 96 feature maps of 3x3, batch normalisation, relu.
            keras.layers.Conv2D(96, 3, use_bias=False),
            keras.layers.BatchNormalization(momentum=0.9),
            keras.layers.Activation("relu"),
            # 3 x 3 x 96 = 864 numbers -> 10 probabilities.
            keras.layers.Flatten(),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(10, activation="softmax"),
        ],
        name="cnn",
    )
    return mh.compile_like_the_original(model)  # lesson 04's compile: Adam, cross-entropy, accuracy


EPOCHS = mh.pick(full=13, quick=1)  # quick mode (MNIST_QUICK=1, used by the tests) trains 1 epoch on less data
BATCH_SIZE = 128
PEAK_LEARNING_RATE = 0.003


def fit_cnn(model, x_train, y_train, epochs=EPOCHS, callbacks=None):
    """Train as lesson 08 does, with this lesson's epochs and peak learning rate, on make_datasets' batches.
    By default lesson 08's schedule and best-epoch rule; pass other callbacks to try other ideas."""
    if callbacks is None:
        callbacks = mh.schedule_and_best_epoch_callbacks(epochs, PEAK_LEARNING_RATE)  # lesson 08's
    train_ds, val_ds = mh.make_datasets(x_train, y_train, batch_size=BATCH_SIZE, validation_fraction=0.2)
    return model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=epochs,
        shuffle=False,  # train_ds reshuffles the images every epoch itself
        callbacks=callbacks,
        verbose=2,
    )
