"""The model playground: sliders for a Dense network, a Train and a Stop button, live curves, a runs table.

    playground = ModelPlayground(x_train, y_train, x_test, y_test)   # arrays from mh.prepare_for_dense
    playground          # as a cell's last value: shows the widget
    playground.configure(hidden_layers=2, units=[32, 16], epochs=3)  # the same, from code
    result = playground.train(wait=True)                              # train now and return the RunResult

Why a background thread: a click handler that ran ``model.fit`` itself would keep the
kernel busy, so the Stop click (another message to the kernel) would only arrive after
training ended. The Train button therefore starts ``fit`` in a thread and returns at once;
Stop sets ``model.stop_training``, which Keras checks after every batch. ``train(wait=True)``
starts the same thread and waits for it, for lessons and tests that need the result.
Each run reseeds Keras first, so two runs differ because of their settings, not by luck.
"""

from __future__ import annotations

import html
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from mnist_helpers.layer_size_explorer import count_dense_parameters
from mnist_helpers.modes import pick
from mnist_helpers.playground_model import architecture_text, build_playground_model
from mnist_helpers.plots import figure_to_png
from mnist_helpers.quiet import import_keras_quietly
from mnist_helpers.run_table import RunResult, runs_table_html

MAX_HIDDEN_LAYERS = 4
UNIT_CHOICES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
DEFAULT_UNITS = (512, 256, 128, 64)  # the original's 512 and 256 first
ACTIVATIONS = (
    ("relu", "relu"),
    ("tanh", "tanh"),
    ("sigmoid", "sigmoid"),
    ("elu", "elu"),
    ("linear (none)", "linear"),
)
BATCH_SIZES = (16, 32, 64, 128, 256, 512)
MAX_DROPOUT = 0.9
MAX_EPOCHS = 30
VALIDATION_SPLIT = 0.2
_DESCRIPTION = {"description_width": "120px"}


@dataclass(frozen=True)
class PlaygroundSettings:
    """One snapshot of the controls: what a run trains with, even if a slider moves while it trains."""

    hidden_units: tuple[int, ...]
    activation: str
    dropout_rate: float
    learning_rate: float
    epochs: int
    batch_size: int


class ModelPlayground:
    """Build, train and compare Dense networks on prepared MNIST arrays with widgets (ipywidgets 7 and 8).

    ``x_train``/``x_test`` are flattened images in 0-1 (n, 784); ``y_train``/``y_test`` one-hot (n, 10), as
    ``mh.prepare_for_dense`` returns them. Training holds out the last 20 % of ``x_train`` for validation, like
    the original (``validation_split=0.2``); the test set is only used once per run, after training.
    """

    def __init__(
        self,
        x_train: np.ndarray,
        y_train: np.ndarray,
        x_test: np.ndarray,
        y_test: np.ndarray,
        seed: int = 42,
    ) -> None:
        self.x_train, self.y_train = _checked_pair("x_train", "y_train", x_train, y_train)
        self.x_test, self.y_test = _checked_pair("x_test", "y_test", x_test, y_test)
        if self.x_test.shape[1] != self.x_train.shape[1] or self.y_test.shape[1] != self.y_train.shape[1]:
            raise ValueError(
                f"x_test/y_test have shapes {self.x_test.shape}/{self.y_test.shape} but x_train/y_train have "
                f"{self.x_train.shape}/{self.y_train.shape}: prepare both sets the same way (mh.prepare_for_dense)."
            )
        if len(self.x_train) < 5:
            raise ValueError(f"x_train has {len(self.x_train)} examples; at least 5 are needed to hold out 20 %.")
        self.input_size = int(self.x_train.shape[1])
        self.seed = seed
        self.runs: list[RunResult] = []
        self.model: Any = None
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None
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
        self.learning_rate = widgets.FloatLogSlider(
            value=0.001, base=10, min=-4, max=0, step=0.5, readout_format=".2g",
            description="Learning rate", style=_DESCRIPTION,
        )  # fmt: skip
        self.epochs = widgets.IntSlider(
            value=pick(full=5, quick=2), min=1, max=MAX_EPOCHS, description="Epochs", style=_DESCRIPTION
        )
        self.batch_size = widgets.Dropdown(options=BATCH_SIZES, value=64, description="Batch size", style=_DESCRIPTION)
        self.parameter_label = widgets.HTML()
        self.train_button = widgets.Button(description="Train", button_style="success", icon="play")
        self.stop_button = widgets.Button(description="Stop", button_style="danger", icon="stop", disabled=True)
        self.status = widgets.HTML("Choose settings, then press <b>Train</b>.")
        self.curves = widgets.Image(value=figure_to_png(_curves_figure({}, 1, None)), format="png")
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
        units = self.hidden_units
        self.parameter_label.value = (
            f"<b>{architecture_text(self.input_size, units, self.y_train.shape[1])}</b>: "
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
        return count_dense_parameters(self.input_size, self.hidden_units, self.y_train.shape[1])

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
        layers = hidden_layers if hidden_layers is not None else (len(units) if units is not None else None)
        _check_choice("hidden_layers", layers, range(1, MAX_HIDDEN_LAYERS + 1))
        if units is not None:
            if len(units) != (layers if layers is not None else self.hidden_layers.value):
                raise ValueError(
                    f"units={list(units)} gives {len(units)} layer sizes for {layers} hidden layers: "
                    "give one size per hidden layer, e.g. configure(hidden_layers=2, units=[32, 16])."
                )
            for value in units:
                _check_choice("each entry of units", value, UNIT_CHOICES)
        _check_choice("activation", activation, [value for _, value in ACTIVATIONS])
        _check_range("dropout", dropout, 0.0, MAX_DROPOUT)
        _check_range("learning_rate", learning_rate, 1e-4, 1.0)
        _check_choice("epochs", epochs, range(1, MAX_EPOCHS + 1))
        _check_choice("batch_size", batch_size, BATCH_SIZES)

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
        return self._thread is not None and self._thread.is_alive()

    def build_model(self, settings: PlaygroundSettings | None = None) -> Any:
        """The compiled Keras model the current controls (or ``settings``) describe; untrained."""
        settings = settings or self.settings()
        return build_playground_model(
            settings.hidden_units,
            activation=settings.activation,
            dropout_rate=settings.dropout_rate,
            learning_rate=settings.learning_rate,
            input_size=self.input_size,
        )

    def train(self, wait: bool = False, callbacks: Sequence[Any] = ()) -> RunResult | None:
        """Start a run with the current settings in a background thread (what the Train button does).

        ``wait=True`` waits for it and returns its `RunResult` (or raises what went wrong). ``callbacks`` are
        extra Keras callbacks for this run only.
        """
        if self.is_training:
            raise RuntimeError("A run is already training: press Stop or wait for it to finish (playground.wait()).")
        settings = self.settings()
        keras = import_keras_quietly()
        keras.utils.set_random_seed(self.seed)  # same start for every run: differences come from the settings
        model = self.build_model(settings)
        self.model = model
        self.error = None
        self._stop_requested = False
        self.train_button.disabled = True
        self.stop_button.disabled = False
        self.status.value = f"Training {architecture_text(self.input_size, settings.hidden_units)} ..."
        live = _live_curves_callback(self, settings, self.runs[-1].history if self.runs else None)
        self._thread = threading.Thread(
            target=self._run, args=(model, settings, [live, *callbacks]), name="playground-training", daemon=True
        )
        self._thread.start()
        return self.wait() if wait else None

    def wait(self, timeout: float | None = None) -> RunResult | None:
        """Wait until the current run ends; return its `RunResult`, or raise the error that ended it."""
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise TimeoutError(f"The run is still training after {timeout} s.")
        if self.error is not None:
            raise RuntimeError(f"The last run failed: {self.error}") from self.error
        return self.runs[-1] if self.runs else None

    def stop(self) -> None:
        """Ask the run to stop after the current batch (what the Stop button does); it still reports its result."""
        if not self.is_training:
            return
        self._stop_requested = True
        if self.model is not None:
            self.model.stop_training = True  # Keras checks this after every batch
        self.status.value = "Stopping after this batch ..."

    def _on_train_clicked(self, button: Any) -> None:
        try:
            self.train(wait=False)
        except Exception as error:  # a click handler's exception would vanish into the browser's log
            self.error = error
            self.status.value = f"<span style='color:#b00'>Could not start: {html.escape(str(error))}</span>"

    def _on_stop_clicked(self, button: Any) -> None:
        self.stop()

    def _run(self, model: Any, settings: PlaygroundSettings, callbacks: list[Any]) -> None:
        try:
            keras = import_keras_quietly()
            started = time.perf_counter()
            history = model.fit(
                self.x_train,
                self.y_train,
                epochs=settings.epochs,
                batch_size=settings.batch_size,
                validation_split=VALIDATION_SPLIT,
                callbacks=[*callbacks, keras.callbacks.TerminateOnNaN()],
                verbose=0,
            ).history
            seconds = time.perf_counter() - started
            test_loss, test_accuracy = model.evaluate(self.x_test, self.y_test, verbose=0)
            epochs_run = len(history.get("loss", []))
            result = RunResult(
                number=len(self.runs) + 1,
                architecture=architecture_text(self.input_size, settings.hidden_units, self.y_train.shape[1]),
                activation=settings.activation,
                dropout_rate=settings.dropout_rate,
                learning_rate=settings.learning_rate,
                batch_size=settings.batch_size,
                epochs_planned=settings.epochs,
                epochs_run=epochs_run,
                parameters=int(model.count_params()),
                seconds=seconds,
                val_accuracy=float(history["val_accuracy"][-1]) if history.get("val_accuracy") else math.nan,
                test_accuracy=float(test_accuracy),
                test_loss=float(test_loss),
                stopped=self._stop_requested,
                history={key: [float(v) for v in values] for key, values in history.items()},
                model=model,
            )
            self.runs.append(result)
            self.table.value = runs_table_html(self.runs)
            self.status.value = _finished_text(result)
        except Exception as error:
            self.error = error
            self.status.value = f"<span style='color:#b00'>Training failed: {html.escape(repr(error))}</span>"
        finally:
            self.train_button.disabled = False
            self.stop_button.disabled = True


def _live_curves_callback(playground: ModelPlayground, settings: PlaygroundSettings, previous: dict | None) -> Any:
    """A Keras callback that redraws the curves after every epoch and honours the Stop button after every batch.

    Defined inside a function so that importing this module does not import Keras.
    """
    keras = import_keras_quietly()

    class LiveCurves(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.history: dict[str, list[float]] = {}

        def _honour_stop(self) -> None:
            if playground._stop_requested:
                self.model.stop_training = True

        def on_train_begin(self, logs: dict | None = None) -> None:
            self._honour_stop()  # Stop pressed before fit reset stop_training

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            self._honour_stop()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            for key, value in (logs or {}).items():
                self.history.setdefault(key, []).append(float(value))
            playground.curves.value = figure_to_png(_curves_figure(self.history, settings.epochs, previous))
            val = (logs or {}).get("val_accuracy", math.nan)
            playground.status.value = f"Epoch {epoch + 1}/{settings.epochs}: validation accuracy {val:.2%}" + (
                " (stopping)" if playground._stop_requested else ""
            )

    return LiveCurves()


def _finished_text(result: RunResult) -> str:
    how = f"Stopped after {result.epochs_run} of {result.epochs_planned} epochs" if result.stopped else "Finished"
    return (
        f"{how} in {result.seconds:.1f} s: validation accuracy {result.val_accuracy:.2%}, "
        f"<b>test accuracy {result.test_accuracy:.2%}</b> (run {result.number} in the table below)."
    )


def _curves_figure(history: dict[str, list[float]], epochs: int, previous: dict | None) -> Figure:
    """Accuracy and loss per epoch, in a frame as wide as the planned epochs; the previous run's validation in grey."""
    figure = Figure(figsize=(8, 3), layout="constrained")
    for axis, metric in zip(figure.subplots(1, 2), ("accuracy", "loss"), strict=True):
        if previous and previous.get(f"val_{metric}"):
            values = previous[f"val_{metric}"]
            axis.plot(range(1, len(values) + 1), values, "--", color="0.7", label="previous run (validation)")
        for key, style, label in ((metric, "o-", "training"), (f"val_{metric}", "s-", "validation")):
            values = history.get(key, [])
            if values:
                axis.plot(range(1, len(values) + 1), values, style, label=label)
        axis.set_xlim(0.5, max(epochs, len(history.get(metric, [])), 1) + 0.5)
        axis.xaxis.get_major_locator().set_params(integer=True)
        axis.set_title(metric.capitalize() + " per epoch")
        axis.set_xlabel("epoch")
        axis.grid(alpha=0.3)
        if axis.get_legend_handles_labels()[0]:
            axis.legend(fontsize=8)
        else:
            axis.text(0.5, 0.5, "press Train", ha="center", va="center", transform=axis.transAxes, color="0.5")
    return figure


def _checked_pair(x_name: str, y_name: str, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 2 or y.ndim != 2:
        raise ValueError(
            f"{x_name} must be flattened images (n, 784) and {y_name} one-hot labels (n, 10); got shapes "
            f"{x.shape} and {y.shape}. Prepare them with mh.prepare_for_dense(images, labels)."
        )
    if len(x) != len(y):
        raise ValueError(f"{x_name} has {len(x)} examples but {y_name} has {len(y)} labels; they must match.")
    return x, y


def _check_choice(name: str, value: Any, allowed: Sequence[Any]) -> None:
    if value is not None and value not in allowed:
        shown = f"{allowed[0]} to {allowed[-1]}" if isinstance(allowed, range) else ", ".join(map(str, allowed))
        raise ValueError(f"{name}={value!r} is not possible; choose one of: {shown}.")


def _check_range(name: str, value: float | None, low: float, high: float) -> None:
    if value is not None and not low <= value <= high:
        raise ValueError(f"{name}={value!r} is outside the slider's range {low:g} to {high:g}.")
