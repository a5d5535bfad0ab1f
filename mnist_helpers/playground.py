"""The model playground: sliders for a Dense network, a Train and a Stop button, live curves, a runs table.

    playground = ModelPlayground(x_train, y_train, x_test, y_test)   # arrays from mh.prepare_for_dense
    playground          # as a cell's last value: shows the widget
    playground.configure(hidden_layers=2, units=[32, 16], epochs=3)  # the same, from code
    result = playground.train()                                       # what Train does; returns the RunResult
    playground.train(show=True)   # also shows the run's progress and the table in this cell's output

Training runs on the kernel's main thread (in the Train click handler, or in the cell that calls ``train``), and
every widget update is sent from there: Google Colab never shows updates sent from a background thread
(googlecolab/colabtools#3373). ``train(show=True)`` in a cell is what ``tqdm.notebook`` does (widgets shown in
the running cell, updated from it), the way known to work in Colab.

While a run trains, the kernel is busy and the settings controls are locked (disabled), so a learner sees that a
run keeps the settings it started with. After every 50 batches (``steps_per_execution``) the run handles the
widget messages that have arrived (``widget_events.WidgetEventPump``, with the busy/idle status a widget front end
waits for): that is how Stop reaches it. A kernel interrupt (the notebook's stop button, Runtime > Interrupt
execution in Colab) anywhere in a run is a Stop too. Each run reseeds Keras first, so two runs differ because of
their settings, not by luck; only the newest runs keep their trained models.

The parts: ``playground_runs`` (settings, checks, training one run), ``playground_display`` (table and status
lines), ``plots.plot_history`` (the curves), ``dense_networks`` (the Keras network and its parameter count); this
module holds only the widgets.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets

from mnist_helpers.dense_networks import architecture_text, count_dense_parameters
from mnist_helpers.notebook_setup import import_keras_quietly
from mnist_helpers.playground_display import (
    COLAB_READY_TEXT,
    READY_TEXT,
    epoch_text,
    failed_text,
    finished_text,
    nothing_to_stop_text,
    refused_text,
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
    interrupts_as_requests,
    release_memory,
    train_run,
)
from mnist_helpers.plots import figure_to_png, plot_history
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
        self.stop_button = widgets.Button(
            description="Stop", button_style="danger", icon="stop", tooltip="Stop the run that is training"
        )
        self.status = widgets.HTML(COLAB_READY_TEXT if "google.colab" in sys.modules else READY_TEXT)
        self.status.add_class("playground-status")
        self.curves = widgets.Image(value=_curves_png({}, self.epochs.value, None), format="png")
        self.curves.layout.width = "640px"
        self.table = widgets.HTML(runs_table_html(self.runs))
        # What a run locks while it trains: it keeps the settings it started with.
        self.settings_controls = (
            self.hidden_layers, *self.units, self.activation, self.dropout, self.learning_rate, self.epochs,
            self.batch_size,
        )  # fmt: skip

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

    def train(self, callbacks: Sequence[Any] = (), show: bool = False) -> RunResult:
        """Train a run with the current settings, as the Train button does, and return its `RunResult`.

        Runs in the calling (main) thread; the widgets update after every epoch, and the settings controls are
        locked until the run ends. Stop, or a kernel interrupt at any moment, ends it early: it is still tested
        (unless the interrupt came during the test) and gets its row. ``show=True`` also shows the run's status,
        curves and the runs table in the output of the cell that calls it (the way that works in Colab too).
        ``callbacks``: extra Keras callbacks.

        Raises ``ValueError`` if the data are no longer fit to train on (changed in place since the playground was
        made), ``RuntimeError`` if a run is already training or the run failed; the status line says why.
        """
        if self._training:
            raise RuntimeError("A run is already training: press Stop or wait for it to finish.")
        try:
            self.data.check_again()
        except ValueError as error:
            self.status.value = refused_text(error)
            raise
        self._training = True
        self._stop_requested = False
        self.error = None
        with interrupts_as_requests(self._request_stop), self._locked(), self._shown_in_cell(show):
            return self._train(self.settings(), callbacks)

    def _train(self, settings: PlaygroundSettings, callbacks: Sequence[Any]) -> RunResult:
        previous = self.runs[-1].history if self.runs else None
        try:
            with WidgetEventPump() as pump:
                self.status.value = training_text(
                    architecture_text(self.data.input_size, settings.hidden_units, self.data.num_classes),
                    pump.problem,
                )
                self.curves.value = _curves_png({}, settings.epochs, previous)
                keras = import_keras_quietly()
                keras.utils.set_random_seed(self.seed)  # same start for every run: differences come from settings
                self.model = self.build_model(settings)

                def show_epoch(epoch: int, history: dict[str, list[float]]) -> None:
                    self.curves.value = _curves_png(history, settings.epochs, previous)
                    self.status.value = epoch_text(epoch, settings.epochs, history, self._stop_requested)

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
        except Exception as error:
            self.error = error
            self.status.value = failed_text(error)
            raise RuntimeError(f"The run failed: {error}") from error
        self._add_run(result)
        self.status.value = finished_text(result)
        return result

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Train disabled and the settings controls locked while a run trains; all free again at its end."""
        controls = (self.train_button, *self.settings_controls)
        for control in controls:
            control.disabled = True
        try:
            yield
        finally:
            self._training = False
            for control in controls:
                control.disabled = False

    @contextmanager
    def _shown_in_cell(self, show: bool) -> Iterator[None]:
        """With ``show``: a copy of the status, the curves and the table in the running cell's output, following
        the playground's own while the run trains and keeping the run's last state afterwards."""
        if not show:
            yield
            return
        from IPython.display import display

        curves = widgets.Image(format="png", layout=widgets.Layout(width=self.curves.layout.width))
        copies = [(self.status, widgets.HTML()), (self.curves, curves), (self.table, widgets.HTML())]
        links = [widgets.dlink((source, "value"), (copy, "value")) for source, copy in copies]
        display(widgets.VBox([copy for _, copy in copies]))
        try:
            yield
        finally:
            for link in links:
                link.unlink()

    def stop(self) -> None:
        """Ask the run to stop (what the Stop button and a kernel interrupt do); it still reports its result.

        Keras checks after every call of the compiled training step (50 batches: lesson 07's ``steps_per_execution``).
        With no run training, the status line says there is nothing to stop.
        """
        if not self._training:
            self.status.value = nothing_to_stop_text(self.runs[-1] if self.runs else None)
            return
        self._request_stop()
        self.status.value = "Stopping ..."

    def _request_stop(self) -> None:
        """Flags only (it also runs as the interrupt signal's handler): the run shows "stopping" itself."""
        if not self._training:
            return
        self._stop_requested = True
        if self.model is not None:
            self.model.stop_training = True  # Keras checks this after every call (50 batches) and every epoch

    def _add_run(self, result: RunResult) -> None:
        """Add the row; keep the trained models of the newest ``KEPT_MODELS`` runs only (each holds its weights and
        its optimizer's state) and give back what the others held."""
        self.runs.append(result)
        dropped = [run for run in self.runs[:-KEPT_MODELS] if run.model is not None]
        for run in dropped:
            run.model = None
        self.table.value = runs_table_html(self.runs)
        if dropped:
            release_memory()

    def _on_train_clicked(self, button: Any) -> None:
        if self._training:
            return  # a click that arrived while training (the button was disabled): it changes nothing
        try:
            self.train()
        except (RuntimeError, ValueError):
            pass  # the status line already says what went wrong; a handler's exception would only reach a log

    def _on_stop_clicked(self, button: Any) -> None:
        self.stop()


def _curves_png(history: dict[str, list[float]], epochs: int, previous: dict[str, list[float]] | None) -> bytes:
    """The run's curves so far, in a frame as wide as its planned epochs, with the previous run's validation."""
    return figure_to_png(plot_history(history, previous=previous, epochs=epochs, figsize=(8, 3)))
