"""A widget for lesson 02: change the hidden layer sizes, watch the parameter count and model summary.

`LayerSizeExplorer` puts two sliders (and an optional third hidden layer) next to the hand count
(``dense_networks.count_dense_parameters``, which the lesson also uses to check its own arithmetic) and the
real ``model.summary()`` of the Keras model those sizes give (lesson 07's ``build_dense_model``; the defaults and
the comparison come from lesson 02's ``build_original_model``).
Only widget types that exist in both ipywidgets 7 (Colab) and 8 are used.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets

from mnist_helpers.dense_networks import INPUT_SIZE, count_dense_parameters, dense_layer_shapes
from mnist_helpers.notebook_setup import import_keras_quietly

BYTES_PER_PARAMETER = 4  # float32


def summary_text(model: Any) -> str:
    """Return what ``model.summary()`` prints, as a string (captured with ``print_fn``)."""
    lines: list[str] = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return "\n".join(lines)


class LayerSizeExplorer:
    """Sliders for the hidden layer sizes; the parameter count and Keras summary follow them.

    Show it with ``display(explorer.widget)`` (or make ``explorer.widget`` a cell's last value).
    ``first_slider``, ``second_slider``, ``third_slider`` and ``third_layer_checkbox`` are the controls;
    ``count_html`` shows the hand count per layer, ``summary_html`` the Keras summary. Setting a
    control's ``.value`` updates both, so the class is testable without a browser.
    """

    def __init__(self, first: int | None = None, second: int | None = None, max_units: int = 1024) -> None:
        """``first`` and ``second``: the starting sizes, by default the original network's (512 and 256)."""
        import_keras_quietly()
        from mnist_helpers.lessons.original_network import build_original_model

        original = build_original_model()
        self.original_parameters = original.count_params()
        original_first, original_second = (layer.units for layer in original.layers[:-1])
        first = original_first if first is None else first
        second = original_second if second is None else second
        slider_options = {"min": 8, "max": max_units, "step": 8, "continuous_update": False}
        style = {"description_width": "150px"}
        layout = widgets.Layout(width="520px")
        self.first_slider = widgets.IntSlider(
            value=first, description="hidden layer 1 units", style=style, layout=layout, **slider_options
        )
        self.second_slider = widgets.IntSlider(
            value=second, description="hidden layer 2 units", style=style, layout=layout, **slider_options
        )
        self.third_layer_checkbox = widgets.Checkbox(value=False, description="add a third hidden layer")
        self.third_slider = widgets.IntSlider(
            value=128, description="hidden layer 3 units", style=style, layout=layout, disabled=True, **slider_options
        )
        self.count_html = widgets.HTML()
        self.summary_html = widgets.HTML()
        self.model: Any = None
        for control in (self.first_slider, self.second_slider, self.third_slider, self.third_layer_checkbox):
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [
                self.first_slider,
                self.second_slider,
                widgets.HBox([self.third_layer_checkbox]),
                self.third_slider,
                self.count_html,
                self.summary_html,
            ]
        )
        self.update()

    @property
    def hidden_sizes(self) -> list[int]:
        """The hidden layer sizes the controls show now."""
        sizes = [self.first_slider.value, self.second_slider.value]
        if self.third_layer_checkbox.value:
            sizes.append(self.third_slider.value)
        return sizes

    @property
    def parameter_count(self) -> int:
        """The formula's count for the current sizes."""
        return count_dense_parameters(INPUT_SIZE, self.hidden_sizes)

    def update(self) -> None:
        """Rebuild the Keras model for the current sizes and refresh the count and the summary."""
        self.third_slider.disabled = not self.third_layer_checkbox.value
        from mnist_helpers.lessons.dense_network import build_dense_model

        sizes = self.hidden_sizes
        self.model = build_dense_model(sizes)
        self.count_html.value = self._count_table(sizes)
        self.summary_html.value = (
            '<pre style="font-size: 12px; line-height: 1.0;">' + html.escape(summary_text(self.model)) + "</pre>"
        )

    def _on_change(self, change: dict[str, Any]) -> None:
        self.update()

    def _count_table(self, sizes: Sequence[int]) -> str:
        names = [f"hidden layer {number}" for number in range(1, len(sizes) + 1)] + ["output layer"]
        rows = [
            f"<tr><td>{name}</td><td>{inputs:,} &times; {units:,} + {units:,}</td>"
            f"<td style='text-align: right'>{inputs * units + units:,}</td></tr>"
            for name, (inputs, units) in zip(names, dense_layer_shapes(INPUT_SIZE, sizes), strict=True)
        ]
        total = count_dense_parameters(INPUT_SIZE, sizes)
        original = self.original_parameters
        megabytes = total * BYTES_PER_PARAMETER / 2**20  # as Keras's summary counts MB
        return (
            "<table style='border-spacing: 12px 2px'>"
            + "<tr><th>layer</th><th>weights + biases</th><th>parameters</th></tr>"
            + "".join(rows)
            + f"<tr><td><b>total</b></td><td></td><td style='text-align: right'><b>{total:,}</b></td></tr></table>"
            + f"<p>Total parameters: <b>{total:,}</b> ({megabytes:.2f} MB as float32), "
            + f"{total / original:.2f} &times; the original network's {original:,}.</p>"
        )
