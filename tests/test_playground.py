"""The model playground, driven headlessly: set controls, click Train/Stop, read the model, label and table.

Training runs in the caller's (main) thread; clicks that arrive during a run are simulated from Keras callbacks.
"""

from __future__ import annotations

import math
import os
import re
import signal
import threading
from html.parser import HTMLParser

import numpy as np
import pytest

import mnist_helpers.playground as playground_module
from mnist_helpers import widget_events
from mnist_helpers.dense_networks import count_dense_parameters
from mnist_helpers.playground import ModelPlayground
from mnist_helpers.playground_display import runs_table_html
from mnist_helpers.playground_runs import KEPT_MODELS, RunResult


def _tiny_data(train: int = 200, test: int = 50):
    """Random 784-pixel "images" with one-hot labels: enough to train, small enough to take a second."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, train + test)
    x = rng.random((train + test, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[labels]
    return x[:train], y[:train], x[train:], y[train:]


@pytest.fixture
def playground():
    return ModelPlayground(*_tiny_data())


class _TableRows(HTMLParser):
    """Collects the text of each <td> per <tbody> row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_body = self._in_cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self._in_cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        if tag == "td":
            self._in_cell = False

    def handle_data(self, data):
        if self._in_cell:
            self.rows[-1][-1] += data


def _table_rows(markup: str) -> list[list[str]]:
    parser = _TableRows()
    parser.feed(markup)
    return parser.rows


def _label_count(playground: ModelPlayground) -> int:
    match = re.search(r"class='parameter-count'>([\d,]+)<", playground.parameter_label.value)
    assert match, playground.parameter_label.value
    return int(match.group(1).replace(",", ""))


def test_only_the_chosen_number_of_unit_sliders_is_shown(playground):
    playground.hidden_layers.value = 3
    assert [s.layout.display for s in playground.units] == ["", "", "", "none"]
    playground.hidden_layers.value = 1
    assert [s.layout.display for s in playground.units] == ["", "none", "none", "none"]
    assert playground.hidden_units == (512,)


def test_parameter_label_updates_on_every_change(playground):
    before = _label_count(playground)
    assert before == count_dense_parameters(784, [512, 256], 10)
    playground.units[1].value = 8
    assert _label_count(playground) == count_dense_parameters(784, [512, 8], 10)
    playground.hidden_layers.value = 3
    assert _label_count(playground) == count_dense_parameters(784, [512, 8, 128], 10)
    assert "784 → 512 → 8 → 128 → 10" in playground.parameter_label.value


def _assert_free(playground: ModelPlayground) -> None:
    """After a run: not training, Train and every settings control enabled again, Stop usable."""
    assert not playground.is_training
    assert not playground.train_button.disabled and not playground.stop_button.disabled
    assert not any(control.disabled for control in playground.settings_controls)


def _on_epoch_end(action):
    """A Keras callback calling ``action(epoch)`` after every epoch: a click while the run trains."""
    keras = pytest.importorskip("keras")
    return keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: action(epoch))


def test_train_button_trains_what_the_controls_say(playground):
    playground.hidden_layers.value = 2
    playground.units[0].value = 32
    playground.units[1].value = 16
    playground.activation.value = "tanh"
    playground.dropout.value = 0.25
    playground.epochs.value = 1
    playground.train_button.click()
    result = playground.runs[-1]

    model = playground.model
    dense = [layer for layer in model.layers if layer.__class__.__name__ == "Dense"]
    assert [layer.units for layer in dense] == [32, 16, 10]
    assert [layer.get_config()["activation"] for layer in dense] == ["tanh", "tanh", "softmax"]
    assert [layer.rate for layer in model.layers if layer.__class__.__name__ == "Dropout"] == [0.25, 0.25]
    assert _label_count(playground) == model.count_params() == result.parameters
    assert result.epochs_run == 1 and not result.stopped and not result.diverged
    assert 0.0 <= result.test_accuracy <= 1.0 and 0.0 <= result.val_accuracy <= 1.0
    assert bytes(playground.curves.value).startswith(b"\x89PNG")
    _assert_free(playground)
    assert "Finished" in playground.status.value


def test_runs_table_has_one_row_per_run(playground):
    playground.configure(units=[32, 16], epochs=1)
    playground.train()
    playground.configure(units=[8], epochs=1, learning_rate=0.01)
    playground.train()

    rows = _table_rows(playground.table.value)
    assert [row[:2] for row in rows] == [["1", "784 → 32 → 16 → 10"], ["2", "784 → 8 → 10"]]
    assert [run.parameters for run in playground.runs] == [int(row[7].replace(",", "")) for row in rows]
    assert rows[1][4] == "0.01"


def test_training_runs_in_the_main_thread_and_stop_ends_it_early(playground):
    """Colab shows no widget update sent from another thread, so the run (and its updates) stay in this one."""
    playground.configure(units=[16], epochs=20, batch_size=16)
    threads = []

    def click_stop(epoch):
        threads.append(threading.current_thread())
        if epoch == 0:
            playground.stop_button.click()

    result = playground.train(callbacks=[_on_epoch_end(click_stop)])
    assert threads == [threading.main_thread()], "training must run in the caller's (main) thread"
    assert result.stopped and result.epochs_run == 1 < result.epochs_planned
    assert "1 of 20 (stopped)" in playground.table.value
    assert "Stopped after 1 of 20 epochs" in playground.status.value
    _assert_free(playground)


def test_a_kernel_interrupt_stops_the_run_like_the_stop_button(playground):
    """Colab's reliable stop is Runtime > Interrupt execution: a KeyboardInterrupt in the main thread."""

    def interrupt(epoch):
        if epoch == 1:
            raise KeyboardInterrupt

    playground.configure(units=[16], epochs=10)
    result = playground.train(callbacks=[_on_epoch_end(interrupt)])
    assert result.stopped and not result.diverged
    assert 1 <= result.epochs_run <= 2 and math.isfinite(result.test_accuracy)
    assert "Stopped after" in playground.status.value and "of 10 epochs" in playground.status.value
    assert len(_table_rows(playground.table.value)) == 1
    _assert_free(playground)


def test_a_refused_second_click_changes_nothing_of_the_running_run(playground):
    """A second Train click during a run is refused and is not recorded as the run's failure."""
    playground.configure(units=[16], epochs=2)
    refused = []

    def click_train_again(epoch):
        if epoch == 0:
            playground.train_button.click()  # what a second click delivered during training does
            with pytest.raises(RuntimeError, match="already training"):
                playground.train()
            refused.append(playground.status.value)

    result = playground.train(callbacks=[_on_epoch_end(click_train_again)])
    assert refused and refused[0].startswith("Epoch 1/2"), "the refused click must not change the status"
    assert playground.error is None and not result.stopped and result.epochs_run == 2
    assert len(playground.runs) == 1 and "Finished" in playground.status.value


def test_a_failed_run_says_so_and_frees_the_buttons(playground, monkeypatch):
    keras = pytest.importorskip("keras")

    def broken_evaluate(*args, **kwargs):
        raise OSError("disk on fire")

    monkeypatch.setattr(keras.Model, "evaluate", broken_evaluate)
    playground.configure(units=[8], epochs=1)
    with pytest.raises(RuntimeError, match="disk on fire"):
        playground.train()
    assert "Training failed" in playground.status.value and isinstance(playground.error, OSError)
    assert playground.runs == []
    _assert_free(playground)
    monkeypatch.undo()
    assert playground.train().number == 1  # the next run works and the failure is forgotten
    assert playground.error is None


def _poison_weights(on_epoch: int):
    """A Keras callback that puts a NaN into the output layer's biases at the end of epoch ``on_epoch``."""
    keras = pytest.importorskip("keras")

    class Poison(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == on_epoch:
                bias = self.model.layers[-1].bias
                values = np.array(bias.numpy())
                values[0] = np.nan
                bias.assign(values)

    return Poison()


@pytest.mark.parametrize(("poisoned_epoch", "epochs_run"), [(0, 2), (2, 3)])
def test_a_run_whose_loss_or_weights_become_nan_is_diverged_without_accuracy(playground, poisoned_epoch, epochs_run):
    """NaN in the weights after epoch 1 gives a NaN loss in epoch 2; NaN put in after the last epoch leaves every
    logged loss a number, but the weights are no longer numbers: both runs are diverged, with no accuracy."""
    playground.configure(units=[8], epochs=3)
    result = playground.train(callbacks=[_poison_weights(poisoned_epoch)])
    assert result.diverged and result.epochs_run == epochs_run
    assert math.isnan(result.val_accuracy) and math.isnan(result.test_accuracy)
    assert f"Diverged after {epochs_run} of 3 epochs" in playground.status.value and "%" not in playground.status.value
    row = _table_rows(playground.table.value)[0]
    assert row[6] == f"{epochs_run} of 3 (diverged)" and row[9:] == ["n/a", "n/a"]


def _break(arrays, broken: str) -> None:
    """Spoil the arrays (x, y, x_test, y_test) in place, as a notebook cell could after making the playground."""
    x, y, x_test, y_test = arrays
    if broken == "nan pixel":
        x[3, 100] = np.nan
    elif broken == "inf pixel":
        x_test[3, 100] = np.inf
    elif broken == "nan label":
        y[5, 2] = np.nan
    elif broken == "unscaled pixels":
        x *= 255
    elif broken == "two ones in a label":
        y[4] = 0
        y[4, [3, 5]] = 1
    elif broken == "no one in a label":
        y_test[2] = 0


BROKEN = [
    ("nan pixel", "NaN or infinite"),
    ("inf pixel", "NaN or infinite"),
    ("nan label", "NaN or infinite"),
    ("unscaled pixels", "unscaled 0-255"),
    ("two ones in a label", r"y_train row 4 is not a one-hot label .*: \[0, 0, 0, 1, 0, 1, 0, 0, 0, 0\]"),
    ("no one in a label", "y_test row 2 is not a one-hot label"),
]


@pytest.mark.parametrize(("broken", "message"), BROKEN)
def test_data_a_run_would_misread_is_refused_with_the_fix(broken, message):
    """NaN/inf inputs give a NaN loss, 0-255 pixels and labels that are not one-hot are misread silently."""
    arrays = [array.copy() for array in _tiny_data()]
    _break(arrays, broken)
    with pytest.raises(ValueError, match=message) as error:
        ModelPlayground(*arrays)
    assert "prepare_for_dense" in str(error.value) or "divide by 255" in str(error.value)


@pytest.mark.parametrize(("broken", "message"), BROKEN)
def test_data_spoiled_after_the_playground_was_made_is_refused_at_train_time(broken, message):
    """The arrays are the notebook's own: a cell may change them after the playground checked them. Train checks
    them again, refuses with the fix on the status line, trains nothing and leaves the controls free."""
    arrays = [array.copy() for array in _tiny_data()]
    playground = ModelPlayground(*arrays)
    playground.configure(units=[8], epochs=1)
    _break(arrays, broken)
    with pytest.raises(ValueError, match=message):
        playground.train()
    assert "Cannot train" in playground.status.value and playground.runs == [] and playground.model is None
    _assert_free(playground)
    playground.train_button.click()  # the button says the same, and raises nothing
    assert "Cannot train" in playground.status.value and playground.runs == []


def test_an_empty_set_is_refused_at_train_time():
    x, y, x_test, y_test = _tiny_data()
    with pytest.raises(ValueError, match="x_test and y_test are empty"):
        ModelPlayground(x, y, x_test[:0], y_test[:0])


def test_only_the_newest_models_are_kept_and_every_row_stays(playground):
    """Only the newest models stay in memory, and they still work after the others were freed; every run keeps its
    row and curves."""
    playground.configure(units=[4], epochs=1)
    for _ in range(KEPT_MODELS + 2):
        playground.train()
    assert len(_table_rows(playground.table.value)) == len(playground.runs) == KEPT_MODELS + 2
    assert [run.model is not None for run in playground.runs] == [False, False] + [True] * KEPT_MODELS
    assert playground.runs[-1].model is playground.model
    assert all(run.history["loss"] for run in playground.runs)
    x_test, y_test = playground.data.x_test, playground.data.y_test
    for run in playground.runs[-KEPT_MODELS:]:
        loss, accuracy = run.model.evaluate(x_test, y_test, verbose=0)
        assert math.isclose(accuracy, run.test_accuracy, abs_tol=1e-6)


def test_a_dropped_runs_traced_training_steps_are_freed(playground):
    """TensorFlow keeps every traced step alive through its registry of custom gradients, and with it the model's
    variables; after each run the playground frees those of the runs it dropped, so memory stays bounded."""
    from tensorflow.python.eager.polymorphic_function import atomic_function
    from tensorflow.python.framework import ops

    playground.configure(units=[4], epochs=1)
    live_functions = []
    for _ in range(KEPT_MODELS + 3):
        playground.train()
        live_functions.append(len(atomic_function.RUNTIME_FUNCTION_REFS))
    assert not [name for name in ops.gradient_registry.list() if str(name).startswith("CustomGradient-")]
    # Once KEPT_MODELS runs are kept, each new run's traced functions replace a dropped run's: no growth.
    assert live_functions[-1] == live_functions[-2] == live_functions[-3], live_functions


def test_the_parameter_count_label_and_model_agree():
    """The label, the architecture text and the model lesson 07's builder makes agree on every layer."""
    x, y, x_test, y_test = _tiny_data()
    playground = ModelPlayground(x, y, x_test, y_test)
    playground.configure(units=[8])
    model = playground.build_model()
    assert model.output_shape == (None, 10)
    assert playground.parameter_count == model.count_params() == _label_count(playground) == 784 * 8 + 8 + 8 * 10 + 10
    assert "784 → 8 → 10" in playground.parameter_label.value


def test_data_that_is_not_mnist_shaped_is_refused_with_the_fix():
    x, y, x_test, y_test = _tiny_data()
    with pytest.raises(ValueError, match="10 one-hot columns"):
        ModelPlayground(x, y[:, :3], x_test, y_test[:, :3])


def test_invalid_settings_are_refused_and_change_nothing(playground):
    before = playground.settings()
    with pytest.raises(ValueError, match="one size per hidden layer"):
        playground.configure(hidden_layers=3, units=[32, 16])
    with pytest.raises(ValueError, match="choose one of"):
        playground.configure(units=[30])
    with pytest.raises(ValueError, match="hidden_layers=5"):
        playground.configure(hidden_layers=5)
    with pytest.raises(ValueError, match="dropout=1.0"):
        playground.configure(dropout=1.0)
    with pytest.raises(ValueError, match="activation='softmax'"):
        playground.configure(activation="softmax")
    assert playground.settings() == before
    assert playground.hidden_layers.max == 4 and playground.dropout.max < 1.0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"units": 32}, r"units=32 must be a list .* units=\[32\]"),
        ({"learning_rate": "0.01"}, r"learning_rate=.0.01. is not a number; .* e.g. learning_rate=0.01 "),
        ({"epochs": "3"}, r"epochs='3' is not a whole number"),
        ({"hidden_layers": True}, r"hidden_layers=True is not a whole number"),
        ({"dropout": None, "batch_size": 64.0}, r"batch_size=64.0 is not a whole number"),
    ],
)
def test_wrong_types_in_configure_name_the_argument_and_the_fix(playground, arguments, message):
    """configure(units=32) and learning_rate="0.01" are refused naming the argument and how to write it."""
    before = playground.settings()
    with pytest.raises(ValueError, match=message):
        playground.configure(**arguments)
    assert playground.settings() == before


def test_bad_arrays_are_explained():
    x, y, x_test, y_test = _tiny_data()
    with pytest.raises(ValueError, match="prepare_for_dense"):
        ModelPlayground(x.reshape(-1, 28, 28), y, x_test, y_test)
    with pytest.raises(ValueError, match="must match"):
        ModelPlayground(x, y[:10], x_test, y_test)


def _run(number, val_accuracy, test_accuracy, diverged=False):
    return RunResult(number, "784 → 8 → 10", "relu", 0.0, 1e-3, 64, 5, 5, 6370, 1.0, val_accuracy, test_accuracy, 0.3,
                     diverged=diverged)  # fmt: skip


def test_runs_table_bolds_the_best_validation_accuracy_not_the_best_test_accuracy():
    """The lesson says to choose by validation accuracy, so the table points at that run."""
    rows = runs_table_html([_run(1, 0.90, 0.95), _run(2, 0.93, 0.91), _run(3, math.nan, math.nan, diverged=True)])
    bold = [row.split("</td>")[0] for row in rows.split("<tr>")[2:]]
    assert ["<b>" in cell for cell in bold] == [False, True, False]


def test_runs_table_without_runs_says_how_to_start():
    assert "press <b>Train</b>" in runs_table_html([])
    assert len(_table_rows(runs_table_html([_run(1, 0.9, 0.91), _run(2, 0.9, 0.91)]))) == 2


def test_the_settings_are_locked_while_a_run_trains_and_free_after(playground):
    """A run keeps the settings it started with; the learner sees that, as every settings control is disabled."""
    playground.configure(units=[16], epochs=2)
    seen = []

    def look(epoch):
        seen.append(
            (playground.is_training, playground.train_button.disabled, playground.stop_button.disabled,
             [control.disabled for control in playground.settings_controls])
        )  # fmt: skip

    playground.train(callbacks=[_on_epoch_end(look)])
    assert seen and all(entry == (True, True, False, [True] * 10) for entry in seen), seen
    _assert_free(playground)


def test_stop_without_a_run_says_there_is_nothing_to_stop(playground):
    playground.stop_button.click()
    assert "nothing to stop" in playground.status.value and "press <b>Train</b>" in playground.status.value
    playground.configure(units=[8], epochs=1)
    result = playground.train()
    playground.stop_button.click()  # e.g. a Stop click that reached the kernel after the run had ended
    assert "nothing to stop" in playground.status.value
    assert f"run {result.number} in the table" in playground.status.value, "the last run's result stays in view"
    assert playground.runs == [result] and not result.stopped


def _interrupt_now() -> None:
    """What the notebook's interrupt button does: SIGINT to this process (delivered at once, in the main thread)."""
    os.kill(os.getpid(), signal.SIGINT)


def _interrupting(function, when=lambda *args, **kwargs: True):
    """``function``, but the first call for which ``when(...)`` holds first interrupts this process."""
    done = []

    def wrapper(*args, **kwargs):
        if not done and when(*args, **kwargs):
            done.append(1)
            _interrupt_now()
        return function(*args, **kwargs)

    return wrapper


@pytest.mark.parametrize(
    "moment",
    ["building the model", "an epoch", "drawing the curves", "the test", "the runs table", "the final status"],
)
def test_an_interrupt_anywhere_in_a_run_ends_it_like_stop(playground, monkeypatch, moment):
    """A kernel interrupt at any moment of a run ends it as Stop does: a row, a final status, the controls free."""
    keras = pytest.importorskip("keras")
    callbacks = []
    if moment == "building the model":
        monkeypatch.setattr(playground, "build_model", _interrupting(playground.build_model))
    elif moment == "an epoch":
        callbacks = [keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: _interrupt_now())]
    elif moment == "drawing the curves":
        monkeypatch.setattr(
            playground_module, "_curves_png", _interrupting(playground_module._curves_png, lambda history, *a: history)
        )
    elif moment == "the test":
        monkeypatch.setattr(keras.Model, "evaluate", _interrupting(keras.Model.evaluate))
    elif moment == "the runs table":
        monkeypatch.setattr(playground_module, "runs_table_html", _interrupting(playground_module.runs_table_html))
    else:
        monkeypatch.setattr(playground_module, "finished_text", _interrupting(playground_module.finished_text))
    during_training = moment in ("building the model", "an epoch", "drawing the curves")
    playground.configure(units=[16], epochs=30 if during_training else 2, batch_size=16)
    result = playground.train(callbacks=callbacks)

    assert playground.runs == [result] and len(_table_rows(playground.table.value)) == 1
    assert playground.status.value.startswith(("Stopped after", "Finished")), playground.status.value
    if during_training:
        assert result.stopped and result.epochs_run < 30 and "of 30 epochs" in playground.status.value
    assert math.isfinite(result.test_accuracy)
    _assert_free(playground)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, "the usual interrupt handler is back"


def test_show_puts_the_runs_progress_curves_and_table_in_the_cells_output(playground, monkeypatch):
    """train(show=True) shows copies of the status, curves and table that follow the run, then keep its end."""
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objects, **kwargs: shown.extend(objects))
    playground.configure(units=[8], epochs=2)
    first = playground.train(show=True)
    (view,) = shown
    status, curves, table = view.children
    assert status.value == playground.status.value and "Finished" in status.value
    assert bytes(curves.value) == bytes(playground.curves.value) and table.value == playground.table.value
    playground.configure(units=[4])
    playground.train()
    assert f"run {first.number} in the table" in status.value, "the first run's view keeps the first run's end"
    assert len(_table_rows(table.value)) == 1 and len(_table_rows(playground.table.value)) == 2


class _UnknownKernel:
    """A kernel object without the ipykernel internals the widget event pump needs."""

    session = shell_handlers = None


def test_a_kernel_without_the_needed_internals_is_said_loudly_and_an_interrupt_still_stops(playground, monkeypatch):
    """Where the pump cannot attach, the status says while the run trains that Stop cannot reach it and how to
    stop it instead; a RuntimeWarning says why; the interrupt then ends the run as Stop would."""
    monkeypatch.setattr(widget_events, "_current_kernel", lambda: _UnknownKernel())
    statuses = []

    def interrupt_after_epoch_1(epoch):
        if epoch == 0:
            statuses.append(playground.status.value)
            _interrupt_now()

    playground.configure(units=[16], epochs=30, batch_size=16)
    keras = pytest.importorskip("keras")
    look = keras.callbacks.LambdaCallback(on_train_begin=lambda logs: statuses.append(playground.status.value))
    with pytest.warns(RuntimeWarning, match="lacks .*_publish_status.* cannot reach"):
        result = playground.train(callbacks=[look, _on_epoch_end(interrupt_after_epoch_1)])
    assert "The Stop button cannot reach this run" in statuses[0] and "Interrupt execution" in statuses[0]
    assert result.stopped and result.epochs_run < 30 and "Stopped after" in playground.status.value
    _assert_free(playground)


def test_in_colab_the_playground_says_to_train_from_the_cell_below(monkeypatch):
    """Colab is told apart by its google.colab module; there the status line points at the cell way of training."""
    import sys
    import types

    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    assert "playground.train(show=True)" in ModelPlayground(*_tiny_data()).status.value
    monkeypatch.delitem(sys.modules, "google.colab")
    assert "show=True" not in ModelPlayground(*_tiny_data()).status.value
