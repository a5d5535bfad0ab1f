"""The code these lessons teach, as they write it:

- notebooks/07_model_playground.ipynb

Do not edit: change the lesson's cell, then run  python .ci/export_lessons.py
"""

import keras


def build_dense_model(hidden_units, activation="relu", dropout_rate=0.0, learning_rate=0.001):
    """A compiled Dense network: 784 pixels, one Dense layer per entry of hidden_units (each followed by Dropout
    when dropout_rate > 0), then 10 softmax outputs; Adam with the given learning rate."""
    model = keras.Sequential(name="dense_network")
    model.add(keras.Input(shape=(784,)))
    for units in hidden_units:
        model.add(keras.layers.Dense(units, activation=activation))
        if dropout_rate > 0:
            model.add(keras.layers.Dropout(dropout_rate))
    model.add(keras.layers.Dense(10, activation="softmax"))
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=50,  # only speed, as in lesson 04
    )
    return model
