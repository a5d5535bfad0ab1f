"""The playground's runs without widgets: the settings one run trains with, the checks on data and settings,
training one run (honouring Stop and a kernel interrupt, noticing divergence), what the run reached, and freeing
what a dropped run held.

Pure logic, testable without a browser: ``playground.py`` puts widgets on top of it.
"""

from __future__ import annotations

import contextlib
import gc
import math
import numbers
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mnist_helpers.dense_networks import architecture_text
from mnist_helpers.notebook_setup import import_keras_quietly

MAX_HIDDEN_LAYERS = 4
UNIT_CHOICES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
ACTIVATIONS = (
    ("relu", "relu"),
    ("tanh", "tanh"),
    ("sigmoid", "sigmoid"),
    ("elu", "elu"),
    ("linear (none)", "linear"),
)
BATCH_SIZES = (16, 32, 64, 128, 256, 512)
MAX_DROPOUT = 0.9
LEARNING_RATE_RANGE = (1e-4, 1.0)
MAX_EPOCHS = 30
VALIDATION_SPLIT = 0.2
KEPT_MODELS = 3  # trained models kept in memory (the newest runs); every run keeps its row, curves and scores


@dataclass(frozen=True)
class PlaygroundSettings:
    """One snapshot of the controls: what a run trains with, even if a slider moves while it trains."""

    hidden_units: tuple[int, ...]
    activation: str
    dropout_rate: float
    learning_rate: float
    epochs: int
    batch_size: int


@dataclass(frozen=True, eq=False)  # arrays: compared by identity, never element by element
class PlaygroundData:
    """Checked training and test arrays: flattened pixels in 0-1 and one-hot labels (``mh.prepare_for_dense``)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @classmethod
    def checked(cls, x_train: Any, y_train: Any, x_test: Any, y_test: Any) -> PlaygroundData:
        """Refuse, with the fix, arrays the playground would misread: wrong shapes, empty sets, NaN/inf, unscaled
        pixels, labels that are not one-hot. The arrays are kept, not copied."""
        x_train, y_train = _checked_pair("x_train", "y_train", x_train, y_train)
        x_test, y_test = _checked_pair("x_test", "y_test", x_test, y_test)
        if x_test.shape[1] != x_train.shape[1] or y_test.shape[1] != y_train.shape[1]:
            raise ValueError(
                f"x_test/y_test have shapes {x_test.shape}/{y_test.shape} but x_train/y_train have "
                f"{x_train.shape}/{y_train.shape}: prepare both sets the same way (mh.prepare_for_dense)."
            )
        if len(x_train) < 5:
            raise ValueError(f"x_train has {len(x_train)} examples; at least 5 are needed to hold out 20 %.")
        return cls(x_train, y_train, x_test, y_test)

    def check_again(self) -> None:
        """The same checks on the arrays as they are now: a notebook may have changed them in place since
        (``x_train *= 255``, ``x_train[0] = np.nan``). Raises ``ValueError`` saying what and how to fix it."""
        PlaygroundData.checked(self.x_train, self.y_train, self.x_test, self.y_test)

    @property
    def input_size(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def num_classes(self) -> int:
        """The model's number of outputs: one per label column."""
        return int(self.y_train.shape[1])


@dataclass
class RunResult:
    """What one run used and reached. ``val_accuracy`` is the last epoch's; NaN (no score) when it diverged.

    ``model`` is the trained model, kept for the newest runs only (``KEPT_MODELS``); older runs keep ``None``.
    """

    number: int
    architecture: str
    activation: str
    dropout_rate: float
    learning_rate: float
    batch_size: int
    epochs_planned: int
    epochs_run: int
    parameters: int
    seconds: float
    val_accuracy: float
    test_accuracy: float
    test_loss: float
    stopped: bool = False
    diverged: bool = False
    history: dict[str, list[float]] = field(default_factory=dict, repr=False)
    model: Any = field(default=None, repr=False, compare=False)

    @property
    def epochs_text(self) -> str:
        """``"5"``; ``"2 of 10 (stopped)"`` after Stop; ``"1 of 5 (diverged)"`` when the loss became NaN or inf."""
        if self.diverged:
            return f"{self.epochs_run} of {self.epochs_planned} (diverged)"
        if self.stopped or self.epochs_run != self.epochs_planned:
            return f"{self.epochs_run} of {self.epochs_planned} (stopped)"
        return str(self.epochs_run)


def check_settings(
    current_layers: int,
    hidden_layers: Any = None,
    units: Any = None,
    activation: Any = None,
    dropout: Any = None,
    learning_rate: Any = None,
    epochs: Any = None,
    batch_size: Any = None,
) -> int | None:
    """Check ``configure``'s arguments (``None`` = unchanged); return the number of hidden layers to set, if any.

    Raises ``ValueError`` naming the argument, what was given and how to write it instead.
    """
    if units is not None and (isinstance(units, (str, bytes)) or not isinstance(units, Sequence)):
        raise ValueError(
            f"units={units!r} must be a list with one size per hidden layer, e.g. units=[{units}] for one layer "
            "or units=[32, 16] for two."
        )
    layers = hidden_layers if hidden_layers is not None else (len(units) if units is not None else None)
    _check_whole_number("hidden_layers", layers, range(1, MAX_HIDDEN_LAYERS + 1))
    if units is not None:
        if len(units) != (layers if layers is not None else current_layers):
            raise ValueError(
                f"units={list(units)} gives {len(units)} layer sizes for {layers} hidden layers: "
                "give one size per hidden layer, e.g. configure(hidden_layers=2, units=[32, 16])."
            )
        for value in units:
            _check_whole_number("each entry of units", value, UNIT_CHOICES)
    if activation is not None and activation not in [value for _, value in ACTIVATIONS]:
        shown = ", ".join(repr(value) for _, value in ACTIVATIONS)
        raise ValueError(f"activation={activation!r} is not possible; choose one of: {shown}.")
    _check_number("dropout", dropout, 0.0, MAX_DROPOUT)
    _check_number("learning_rate", learning_rate, *LEARNING_RATE_RANGE)
    _check_whole_number("epochs", epochs, range(1, MAX_EPOCHS + 1))
    _check_whole_number("batch_size", batch_size, BATCH_SIZES)
    return layers


def train_run(
    model: Any,
    settings: PlaygroundSettings,
    data: PlaygroundData,
    number: int,
    *,
    stop_requested: Callable[[], bool] = lambda: False,
    after_batch: Callable[[], None] = lambda: None,
    after_epoch: Callable[[int, dict[str, list[float]]], None] = lambda epoch, history: None,
    callbacks: Sequence[Any] = (),
) -> RunResult:
    """Train ``model`` (compiled, untrained) as ``settings`` say and test it once; return the `RunResult`.

    ``model.fit`` runs in the calling thread. After every call of the compiled training step (one batch, or
    ``steps_per_execution`` batches) it calls ``after_batch()`` (the playground handles waiting widget clicks
    there) and stops once ``stop_requested()`` is true; after every epoch it calls
    ``after_epoch(epoch, history_so_far)``. A ``KeyboardInterrupt`` raised in ``fit`` ends the run as stopped,
    after the epochs completed so far; one raised in the test leaves the run without a test score. A run whose
    loss became NaN or inf, or whose weights hold NaN or inf at the end, has diverged and is not tested: its
    weights are no longer numbers.
    """
    keras = import_keras_quietly()
    watcher = _run_watcher(keras, stop_requested, after_batch, after_epoch)
    started = time.perf_counter()
    interrupted = False
    try:
        model.fit(
            data.x_train,
            data.y_train,
            epochs=settings.epochs,
            batch_size=settings.batch_size,
            validation_split=VALIDATION_SPLIT,
            callbacks=[watcher, *callbacks],
            verbose=0,
        )
    except KeyboardInterrupt:
        interrupted = True
    seconds = time.perf_counter() - started
    stopped = interrupted or stop_requested()  # a Stop that comes during the test does not make the run a stopped one
    history = watcher.history
    diverged = (
        watcher.diverged
        or not all(math.isfinite(value) for value in history.get("val_loss", []))
        or not weights_are_finite(model)
    )
    test_loss = test_accuracy = val_accuracy = math.nan
    if not diverged:
        val_accuracy = history["val_accuracy"][-1] if history.get("val_accuracy") else math.nan
        try:
            test_loss, test_accuracy = (float(v) for v in model.evaluate(data.x_test, data.y_test, verbose=0))
        except KeyboardInterrupt:
            pass  # no test score: the status line and the table say so
    return RunResult(
        number=number,
        architecture=architecture_text(data.input_size, settings.hidden_units, data.num_classes),
        activation=settings.activation,
        dropout_rate=settings.dropout_rate,
        learning_rate=settings.learning_rate,
        batch_size=settings.batch_size,
        epochs_planned=settings.epochs,
        epochs_run=len(history.get("loss", [])),
        parameters=int(model.count_params()),
        seconds=seconds,
        val_accuracy=val_accuracy,
        test_accuracy=test_accuracy,
        test_loss=test_loss,
        stopped=stopped,
        diverged=diverged,
        history=history,
        model=model,
    )


def weights_are_finite(model: Any) -> bool:
    """Whether every weight of ``model`` is a number (no NaN, no inf)."""
    return all(bool(np.isfinite(weights).all()) for weights in model.get_weights())


@contextlib.contextmanager
def interrupts_as_requests(on_interrupt: Callable[[], None]) -> Iterator[None]:
    """While the block runs, a kernel interrupt (SIGINT) calls ``on_interrupt()`` instead of raising
    ``KeyboardInterrupt`` wherever the main thread happens to be.

    A run can then be interrupted anywhere (building the model, an epoch, drawing the curves, the test, the table)
    and still end as Stop ends it: with its row and its final status. Jupyter's interrupt button and Colab's
    Runtime > Interrupt execution send SIGINT. Outside the main thread (where Python cannot install a handler) the
    block runs without it, and an interrupt raises ``KeyboardInterrupt`` as usual.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: on_interrupt())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def release_memory() -> None:
    """Give back what the dropped runs' models held; models still referenced keep working.

    TensorFlow keeps every traced training step alive: tracing registers a gradient function for the optimizer's
    all-reduce under a new name ("CustomGradient-N") in a registry that is never emptied, and that function holds the
    traced graph and, through it, the model's variables and Adam's two slots: about three times the model's weights,
    per run (benchmarks/README.md, "The playground's memory"). The registrations are only used while a step is being
    traced, so after a run they are removed and Python's reference cycles collected. This relies on TensorFlow's
    internals; without them a warning says that memory will grow with every run.
    """
    _forget_traced_gradients()
    gc.collect()


def _forget_traced_gradients() -> None:
    """Remove TensorFlow's registrations of custom gradients made while tracing (see `release_memory`)."""
    try:
        from tensorflow.python.framework import ops

        registry = ops.gradient_registry._registry
    except (ImportError, AttributeError) as missing:
        if not _warned_about_memory:
            _warned_about_memory.append(True)
            warnings.warn(
                f"This TensorFlow version hides what the playground frees after a run ({missing}), so memory grows "
                "with every run (tens of MB for a big network): restart the kernel after many runs.",
                RuntimeWarning,
                stacklevel=3,
            )
        return
    for name in [name for name in registry if isinstance(name, str) and name.startswith("CustomGradient-")]:
        del registry[name]


_warned_about_memory: list[bool] = []


def _run_watcher(
    keras: Any,
    stop_requested: Callable[[], bool],
    after_batch: Callable[[], None],
    after_epoch: Callable[[int, dict[str, list[float]]], None],
) -> Any:
    """A Keras callback: records each epoch's logs, stops on request or on a non-finite loss (divergence).

    Built inside a function so that importing this module does not import Keras.
    """

    class RunWatcher(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.history: dict[str, list[float]] = {}
            self.diverged = False

        def on_train_begin(self, logs: dict | None = None) -> None:
            if stop_requested():  # Stop pressed before fit started
                self.model.stop_training = True

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            loss = (logs or {}).get("loss")
            if loss is not None and not math.isfinite(float(loss)):
                self.diverged = True
                self.model.stop_training = True
                return
            after_batch()
            if stop_requested():
                self.model.stop_training = True

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            for key, value in (logs or {}).items():
                self.history.setdefault(key, []).append(float(value))
            if not math.isfinite(self.history.get("val_loss", [0.0])[-1]):
                self.diverged = True
                self.model.stop_training = True
            after_epoch(epoch, self.history)

    return RunWatcher()


def _checked_pair(x_name: str, y_name: str, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 2 or y.ndim != 2:
        raise ValueError(
            f"{x_name} must be flattened images (n, 784) and {y_name} one-hot labels (n, 10); got shapes "
            f"{x.shape} and {y.shape}. Prepare them with mh.prepare_for_dense(images, labels)."
        )
    if x.shape[1] != 784 or y.shape[1] != 10:
        raise ValueError(
            f"{x_name} must hold 784 pixels per image and {y_name} 10 one-hot columns (the digits 0-9); got shapes "
            f"{x.shape} and {y.shape}. Prepare them with mh.prepare_for_dense(images, labels)."
        )
    if len(x) != len(y):
        raise ValueError(f"{x_name} has {len(x)} examples but {y_name} has {len(y)} labels; they must match.")
    if len(x) == 0:
        raise ValueError(
            f"{x_name} and {y_name} are empty (0 examples): the playground needs examples to train and test on. "
            "Load and prepare the data again (mh.load_mnist, then mh.prepare_for_dense)."
        )
    for name, array in ((x_name, x), (y_name, y)):
        if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
            raise ValueError(f"{name} holds {array.dtype} values; it must hold real numbers.")
        bad = np.size(array) - np.count_nonzero(np.isfinite(array))
        if bad:
            raise ValueError(
                f"{name} holds {bad:,} values that are NaN or infinite: training on them gives a NaN loss. "
                "Load and prepare the data again (mh.load_mnist, then mh.prepare_for_dense)."
            )
    if x.size and (x.min() < 0 or x.max() > 1):
        hint = " They look like unscaled 0-255 pixels: divide by 255." if x.max() > 1 else ""
        raise ValueError(
            f"{x_name} holds values from {x.min():g} to {x.max():g}, but the playground expects pixels scaled "
            f"to 0-1 (mh.prepare_for_dense does it).{hint}"
        )
    if y.size and (y.min() < 0 or y.max() > 1):
        raise ValueError(
            f"{y_name} holds values from {y.min():g} to {y.max():g}, but one-hot labels are 0 or 1: "
            "use mh.prepare_for_dense(images, labels) (or mh.one_hot_labels)."
        )
    not_one_hot = np.flatnonzero(((y != 0) & (y != 1)).any(axis=1) | (y.sum(axis=1) != 1))
    if len(not_one_hot):
        row = int(not_one_hot[0])
        more = f" ({len(not_one_hot):,} rows are not)" if len(not_one_hot) > 1 else ""
        raise ValueError(
            f"{y_name} row {row} is not a one-hot label (exactly one 1, the rest 0): "
            f"[{', '.join(f'{value:g}' for value in y[row])}]{more}. "
            "Use mh.prepare_for_dense(images, labels) (or mh.one_hot_labels)."
        )
    return x, y


def _check_whole_number(name: str, value: Any, allowed: Sequence[int]) -> None:
    if value is None:
        return
    shown = f"{allowed[0]} to {allowed[-1]}" if isinstance(allowed, range) else ", ".join(map(str, allowed))
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}={value!r} is not a whole number; write it without quotes, one of: {shown}.")
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not possible; choose one of: {shown}.")


def _check_number(name: str, value: Any, low: float, high: float) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        example = _as_number(value)
        raise ValueError(
            f"{name}={value!r} is not a number; write it without quotes, e.g. {name}="
            f"{example if example is not None else low:g} (from {low:g} to {high:g})."
        )
    if not low <= value <= high:
        raise ValueError(f"{name}={value!r} is outside the slider's range {low:g} to {high:g}.")


def _as_number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
