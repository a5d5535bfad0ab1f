"""The network the model playground builds: a stack of Dense layers, written out in plain Keras.

Lesson 06 writes the same function out cell by cell and checks it against this one,
so the widget never hides the Keras it teaches. The playground's live parameter count uses
``layer_size_explorer.count_dense_parameters`` (lesson 02's hand count), without building a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mnist_helpers.quiet import import_keras_quietly

NUM_CLASSES = 10


def architecture_text(input_size: int, hidden_units: Sequence[int], num_classes: int = NUM_CLASSES) -> str:
    """``"784 → 32 → 16 → 10"``: the layer sizes from input to output."""
    return " → ".join(str(size) for size in (input_size, *hidden_units, num_classes))


def build_playground_model(
    hidden_units: Sequence[int],
    activation: str = "relu",
    dropout_rate: float = 0.0,
    learning_rate: float = 0.001,
    input_size: int = 784,
    num_classes: int = NUM_CLASSES,
) -> Any:
    """Dense layers of ``hidden_units`` (each followed by Dropout when ``dropout_rate`` > 0), then a softmax layer
    of ``num_classes`` units (10 digits).

    Compiled like the original (categorical cross-entropy, accuracy) with Adam at ``learning_rate``.
    """
    if not hidden_units:
        raise ValueError("build_playground_model needs at least one hidden layer, e.g. hidden_units=[128].")
    if not 0.0 <= dropout_rate < 1.0:
        raise ValueError(f"dropout_rate must be at least 0 and below 1, got {dropout_rate}; 0.5 drops half the units.")
    keras = import_keras_quietly()
    model = keras.Sequential(name="playground_mlp")
    model.add(keras.Input(shape=(input_size,)))
    for units in hidden_units:
        model.add(keras.layers.Dense(units, activation=activation))
        if dropout_rate > 0:
            model.add(keras.layers.Dropout(dropout_rate))
    model.add(keras.layers.Dense(num_classes, activation="softmax"))
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
