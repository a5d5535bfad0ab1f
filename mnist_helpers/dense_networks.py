"""Dense networks, the one pure home: build one from a list of hidden sizes, count its parameters, describe it.

The original (lessons 02-05), the layer size explorer (lesson 02) and the model playground (lesson 06) are all
"784 pixels, some hidden Dense layers, 10 softmax outputs"; they all build, count and describe it here::

    network = DenseNetwork(hidden_units=(512, 256))
    network.text()             # "784 → 512 → 256 → 10"
    network.parameter_count()  # 535818, counted by hand, without Keras
    model = network.build()    # an uncompiled keras.Sequential

No widgets here; importing this module does not import TensorFlow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mnist_helpers.data import NUM_CLASSES
from mnist_helpers.notebook_setup import import_keras_quietly

#: 28 x 28 pixels, flattened (``mh.prepare_for_dense``).
INPUT_SIZE = 784


def dense_layer_shapes(
    input_size: int, hidden_sizes: Sequence[int], num_classes: int = NUM_CLASSES
) -> list[tuple[int, int]]:
    """Return ``(inputs, units)`` for each Dense layer: the hidden layers, then the output layer.

    Raises ValueError (naming the bad value) unless every size is a positive whole number.
    """
    sizes = {"input_size": input_size, "num_classes": num_classes}
    sizes.update({f"hidden_sizes[{i}]": size for i, size in enumerate(hidden_sizes)})
    for name, size in sizes.items():
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ValueError(f"{name} must be a positive whole number of units, got {size!r}.")
    units = [input_size, *hidden_sizes, num_classes]
    return list(zip(units[:-1], units[1:], strict=True))


def count_dense_parameters(input_size: int, hidden_sizes: Sequence[int], num_classes: int = NUM_CLASSES) -> int:
    """Number of weights and biases in a stack of Dense layers: sum of ``inputs * units + units``.

    ``count_dense_parameters(784, [512, 256], 10)`` is the original network's 535,818.
    """
    return sum(inputs * units + units for inputs, units in dense_layer_shapes(input_size, hidden_sizes, num_classes))


def architecture_text(input_size: int, hidden_units: Sequence[int], num_classes: int = NUM_CLASSES) -> str:
    """``"784 → 32 → 16 → 10"``: the layer sizes from input to output."""
    return " → ".join(str(size) for size in (input_size, *hidden_units, num_classes))


def build_dense_network(
    hidden_units: Sequence[int],
    activation: str = "relu",
    dropout_rate: float = 0.0,
    input_size: int = INPUT_SIZE,
    num_classes: int = NUM_CLASSES,
    name: str = "dense_network",
) -> Any:
    """An uncompiled ``keras.Sequential``: ``input_size`` inputs, a Dense layer per entry of ``hidden_units``
    (each followed by Dropout when ``dropout_rate`` > 0), then a softmax layer of ``num_classes`` units.

    Layers get fixed names (hidden_1, dropout_1, hidden_2, ..., output), so a summary reads the same on every
    rebuild. Raises ValueError for no hidden layer, a size that is not a positive whole number, or a bad rate.
    """
    if not hidden_units:
        raise ValueError("A dense network needs at least one hidden layer, e.g. hidden_units=[128].")
    dense_layer_shapes(input_size, hidden_units, num_classes)  # validates the sizes before Keras sees them
    if not 0.0 <= dropout_rate < 1.0:
        raise ValueError(f"dropout_rate must be at least 0 and below 1, got {dropout_rate}; 0.5 drops half the units.")
    keras = import_keras_quietly()
    layers: list[Any] = [keras.Input(shape=(input_size,))]
    for number, units in enumerate(hidden_units, start=1):
        layers.append(keras.layers.Dense(units, activation=activation, name=f"hidden_{number}"))
        if dropout_rate > 0:
            layers.append(keras.layers.Dropout(dropout_rate, name=f"dropout_{number}"))
    layers.append(keras.layers.Dense(num_classes, activation="softmax", name="output"))
    return keras.Sequential(layers, name=name)


@dataclass(frozen=True)
class DenseNetwork:
    """One dense configuration: hidden layer sizes, their activation and dropout (784 inputs, 10 outputs)."""

    hidden_units: tuple[int, ...]
    activation: str = "relu"
    dropout_rate: float = 0.0

    def build(self, name: str = "dense_network") -> Any:
        """The uncompiled Keras model (`build_dense_network`)."""
        return build_dense_network(self.hidden_units, self.activation, self.dropout_rate, name=name)

    def parameter_count(self) -> int:
        """Weights and biases, counted by hand (what ``model.count_params()`` says; Dropout adds none)."""
        return count_dense_parameters(INPUT_SIZE, self.hidden_units)

    def text(self) -> str:
        """``"784 → 512 → 256 → 10"``."""
        return architecture_text(INPUT_SIZE, self.hidden_units)
