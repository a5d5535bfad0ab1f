"""The model playground: sliders for a Dense network, a Train and a Stop button, live curves, a runs table.

    playground = ModelPlayground(x_train, y_train, x_test, y_test)   # arrays from mh.prepare_for_dense
    playground          # as a cell's last value: shows the widget
    playground.configure(hidden_layers=2, units=[32, 16], epochs=3)  # the same, from code
    result = playground.train()                                       # what Train does; returns the RunResult

Training runs in the Train click handler, on the kernel's main thread, and every widget update (curves and
status after each epoch, the table row, the buttons) is sent from there: Google Colab never shows updates
sent from a background thread (googlecolab/colabtools#3373). The kernel is busy while a run trains (cells
you run meanwhile wait for it), so after every 50 batches (``steps_per_execution``) the run handles the widget
clicks that have arrived (``widget_events.WidgetEventPump``): that is how Stop reaches it. A kernel interrupt
(the stop button of the notebook, Runtime > Interrupt execution in Colab) stops a run as well. Each run reseeds
Keras first, so two runs differ because of their settings, not by luck.

The parts: ``playground_runs`` (settings, checks, training one run), ``playground_display`` (table, curves,
status lines), ``dense_networks`` (the Keras network and its parameter count); this module holds only the widgets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets

from mnist_helpers.dense_networks import architecture_text, count_dense_parameters
from mnist_helpers.notebook_setup import import_keras_quietly
from mnist_helpers.playground_display import (
    READY_TEXT,
    curves_figure,
    epoch_text,
    failed_text,
    finished_text,
    runs_table_html,
    training_text,
)
from mnist_helpers.playground_runs import (
    ACTIVATIONS,
    BATCH_SIZES,
    KEPT_MODELS,
    LEARNING_RATE_RANGE,
    MAX_DROPOUT,
    MAX_EPOCHS,
    MAX_HIDDEN_LAYERS,
    UNIT_CHOICES,
    PlaygroundData,
    PlaygroundSettings,
    RunResult,
    check_settings,
    train_run,
)
from mnist_helpers.plots import figure_to_png
from mnist_helpers.quick_mode import pick
from mnist_helpers.widget_events import WidgetEventPump

DEFAULT_UNITS = (512, 256, 128, 64)  # the original's 512 and 256 first
_DESCRIPTION = {"description_width": "120px"}


class ModelPlayground:
    """Build, train and compare Dense networks on prepared MNIST arrays with widgets (ipywidgets 7 and 8).

    ``x_train``/``x_test`` are flattened images in 0-1 (n, 784); ``y_train``/``y_test`` one-hot (n, 10), as
    ``mh.prepare_for_dense`` returns them. Training holds out the last 20 % of ``x_train`` for validation, like
    the original (``validation_split=0.2``); the test set is only used once per run, after training.
    """

    def __init__(self, x_train: Any, y_train: Any, x_test: Any, y_test: Any, seed: int = 42) -> None:
        self.data = PlaygroundData.checked(x_train, y_train, x_test, y_test)
        self.seed = seed
        self.runs: list[RunResult] = []
        self.model: Any = None  # the model of the current or last run
        self.error: BaseException | None = None  # what ended the last run, if it failed
        self._training = False
        self._stop_requested = False
        self._build_widgets()
        self._update_layer_sliders()
        self._update_parameter_count()

    # ----- widgets -------------------------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.hidden_layers = widgets.IntSlider(
            value=2, min=1, max=MAX_HIDDEN_LAYERS, description="Hidden layers", style=_DESCRIPTION
        )
        self.units = [
            widgets.SelectionSlider(
                options=UNIT_CHOICES, value=DEFAULT_UNITS[i], description=f"Units, layer {i + 1}", style=_DESCRIPTION
            )
            for i in range(MAX_HIDDEN_LAYERS)
        ]
        self.activation = widgets.Dropdown(
            options=ACTIVATIONS, value="relu", description="Activation", style=_DESCRIPTION
        )
        self.dropout = widgets.FloatSlider(
            value=0.0, min=0.0, max=MAX_DROPOUT, step=0.05, description="Dropout rate", style=_DESCRIPTION
        )
        low, high = (round(math.log10(rate)) for rate in LEARNING_RATE_RANGE)
        self.learning_rate = widgets.FloatLogSlider(
            value=0.001, base=10, min=low, max=high, step=0.5, readout_format=".2g",
            description="Learning rate", style=_DESCRIPTION,
        )  # fmt: skip
        self.epochs = widgets.IntSlider(
            value=pick(full=5, quick=2), min=1, max=MAX_EPOCHS, description="Epochs", style=_DESCRIPTION
        )
        self.batch_size = widgets.Dropdown(options=BATCH_SIZES, value=64, description="Batch size", style=_DESCRIPTION)
        self.parameter_label = widgets.HTML()
        self.train_button = widgets.Button(description="Train", button_style="success", icon="play")
        self.stop_button = widgets.Button(description="Stop", button_style="danger", icon="stop", disabled=True)
        self.status = widgets.HTML(READY_TEXT)
        self.curves = widgets.Image(value=figure_to_png(curves_figure({}, 1, None)), format="png")
        self.curves.layout.width = "640px"
        self.table = widgets.HTML(runs_table_html(self.runs))

        self.hidden_layers.observe(self._on_layers_changed, names="value")
        for control in (*self.units, self.hidden_layers):
            control.observe(self._on_architecture_changed, names="value")
        self.train_button.on_click(self._on_train_clicked)
        self.stop_button.on_click(self._on_stop_clicked)

        controls = widgets.VBox(
            [
                self.hidden_layers,
                *self.units,
                self.activation,
                self.dropout,
                self.learning_rate,
                self.epochs,
                self.batch_size,
                self.parameter_label,
                widgets.HBox([self.train_button, self.stop_button]),
            ]
        )
        self.widget = widgets.VBox([widgets.HBox([controls, widgets.VBox([self.curves, self.status])]), self.table])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def _on_layers_changed(self, change: dict[str, Any]) -> None:
        self._update_layer_sliders()

    def _on_architecture_changed(self, change: dict[str, Any]) -> None:
        self._update_parameter_count()

    def _update_layer_sliders(self) -> None:
        """Show one Units slider per hidden layer; hide the others (they keep their values for later)."""
        for index, slider in enumerate(self.units):
            slider.layout.display = "" if index < self.hidden_layers.value else "none"

    def _update_parameter_count(self) -> None:
        self.parameter_label.value = (
            f"<b>{architecture_text(self.data.input_size, self.hidden_units, self.data.num_classes)}</b>: "
            f"<span class='parameter-count'>{self.parameter_count:,}</span> weights and biases to learn"
        )

    # ----- settings ------------------------------------------------------------------------------------------
    @property
    def hidden_units(self) -> tuple[int, ...]:
        """The units of the hidden layers in use, first to last."""
        return tuple(int(slider.value) for slider in self.units[: self.hidden_layers.value])

    @property
    def parameter_count(self) -> int:
        """Weights and biases of the network the controls describe (what ``model.count_params()`` will say)."""
        return count_dense_parameters(self.data.input_size, self.hidden_units, self.data.num_classes)

    def settings(self) -> PlaygroundSettings:
        """The current controls as one frozen snapshot."""
        return PlaygroundSettings(
            hidden_units=self.hidden_units,
            activation=self.activation.value,
            dropout_rate=round(float(self.dropout.value), 4),
            learning_rate=float(self.learning_rate.value),
            epochs=int(self.epochs.value),
            batch_size=int(self.batch_size.value),
        )

    def configure(
        self,
        hidden_layers: int | None = None,
        units: Sequence[int] | None = None,
        activation: str | None = None,
        dropout: float | None = None,
        learning_rate: float | None = None,
        epochs: int | None = None,
        batch_size: int | None = None,
    ) -> PlaygroundSettings:
        """Set controls from code (the widgets move too); only the arguments given change.

        ``units`` lists the hidden layers' units; without ``hidden_layers`` its length sets the number of layers.
        Everything is checked first, so a bad value changes nothing and says what is allowed.
        """
        layers = check_settings(
            self.hidden_layers.value, hidden_layers, units, activation, dropout, learning_rate, epochs, batch_size
        )
        if layers is not None:
            self.hidden_layers.value = layers
        for slider, value in zip(self.units, units or (), strict=False):
            slider.value = int(value)
        for control, value in (
            (self.activation, activation),
            (self.dropout, dropout),
            (self.learning_rate, learning_rate),
            (self.epochs, epochs),
            (self.batch_size, batch_size),
        ):
            if value is not None:
                control.value = value
        return self.settings()

    # ----- training ------------------------------------------------------------------------------------------
    @property
    def is_training(self) -> bool:
        return self._training

    def build_model(self, settings: PlaygroundSettings | None = None) -> Any:
        """The compiled Keras model the current controls (or ``settings``) describe; untrained.

        Built by lesson 07's own ``build_dense_model`` (the cell the lesson exports), so the widget runs no other Keras.
        """
        settings = settings or self.settings()
        import_keras_quietly()
        from mnist_helpers.lessons.dense_network import build_dense_model

        return build_dense_model(
            list(settings.hidden_units),
            activation=settings.activation,
            dropout_rate=settings.dropout_rate,
            learning_rate=settings.learning_rate,
        )

    def train(self, callbacks: Sequence[Any] = ()) -> RunResult:
        """Train a run with the current settings, as the Train button does, and return its `RunResult`.

        Runs in the calling (main) thread; the widgets update after every epoch. Stop, or a kernel interrupt,
        ends it early (it is still tested and gets its row). Raises ``RuntimeError`` if a run is already
        training or the run failed (the status line says why). ``callbacks``: extra Keras callbacks.
        """
        if self._training:
            raise RuntimeError("A run is already training: press Stop or wait for it to finish.")
        self._training = True
        self._stop_requested = False
        self.error = None
        settings = self.settings()
        previous = self.runs[-1].history if self.runs else None
        try:
            self.train_button.disabled = True
            self.stop_button.disabled = False
            self.status.value = training_text(
                architecture_text(self.data.input_size, settings.hidden_units, self.data.num_classes)
            )
            keras = import_keras_quietly()
            keras.utils.set_random_seed(self.seed)  # same start for every run: differences come from the settings
            self.model = self.build_model(settings)

            def show_epoch(epoch: int, history: dict[str, list[float]]) -> None:
                self.curves.value = figure_to_png(curves_figure(history, settings.epochs, previous))
                self.status.value = epoch_text(epoch, settings.epochs, history, self._stop_requested)

            with WidgetEventPump() as pump:
                result = train_run(
                    self.model,
                    settings,
                    self.data,
                    number=len(self.runs) + 1,
                    stop_requested=lambda: self._stop_requested,
                    after_batch=pump.handle_now,
                    after_epoch=show_epoch,
                    callbacks=callbacks,
                )
            self._add_run(result)
            self.status.value = finished_text(result)
            return result
        except Exception as error:
            self.error = error
            self.status.value = failed_text(error)
            raise RuntimeError(f"The run failed: {error}") from error
        finally:
            self._training = False
            self.train_button.disabled = False
            self.stop_button.disabled = True

    def stop(self) -> None:
        """Ask the run to stop (what the Stop button does); it still reports its result.

        Keras checks after every call of the compiled training step (50 batches: lesson 07's ``steps_per_execution``).
        """
        if not self._training:
            return
        self._stop_requested = True
        if self.model is not None:
            self.model.stop_training = True  # Keras checks this after every call (50 batches) and every epoch
        self.status.value = "Stopping ..."

    def _add_run(self, result: RunResult) -> None:
        """Add the row; keep the trained models of the newest ``KEPT_MODELS`` runs only (they hold memory)."""
        self.runs.append(result)
        for run in self.runs[:-KEPT_MODELS]:
            run.model = None
        self.table.value = runs_table_html(self.runs)

    def _on_train_clicked(self, button: Any) -> None:
        if self._training:
            return  # a click that arrived while training (the button was disabled): it changes nothing
        try:
            self.train()
        except RuntimeError:
            pass  # the status line already says what went wrong; a handler's exception would only reach a log

    def _on_stop_clicked(self, button: Any) -> None:
        self.stop()
