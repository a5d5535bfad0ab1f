"""Dense networks without Keras: count a stack's parameters by hand and describe it in one line.

The layer size explorer (lesson 02) and the model playground (lesson 07) show these live as sliders move, before
any Keras model exists::

    count_dense_parameters(784, [512, 256])  # 535818, the original network's
    architecture_text(784, [512, 256])       # "784 → 512 → 256 → 10"

The Keras networks themselves are the lessons' own code (``mnist_helpers.lessons``). No widgets here; importing this
module does not import TensorFlow.
"""

from __future__ import annotations

from collections.abc import Sequence

from mnist_helpers.data import NUM_CLASSES

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
