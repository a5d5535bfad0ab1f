"""The model playground, driven headlessly: set controls, click Train/Stop, read the model, label and table."""

from __future__ import annotations

import re
import threading
from html.parser import HTMLParser

import numpy as np
import pytest

from mnist_helpers.layer_size_explorer import count_dense_parameters
from mnist_helpers.playground import ModelPlayground
from mnist_helpers.playground_model import architecture_text, build_playground_model
from mnist_helpers.run_table import RunResult, runs_table_html


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


def test_parameter_count_formula_matches_keras():
    for units in ([512, 256], [8], [32, 16, 8, 4]):
        model = build_playground_model(units, dropout_rate=0.5)
        assert count_dense_parameters(784, units, 10) == model.count_params()
    assert architecture_text(784, [32, 16]) == "784 → 32 → 16 → 10"


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


def test_train_button_trains_what_the_controls_say(playground):
    playground.hidden_layers.value = 2
    playground.units[0].value = 32
    playground.units[1].value = 16
    playground.activation.value = "tanh"
    playground.dropout.value = 0.25
    playground.epochs.value = 1
    playground.train_button.click()
    result = playground.wait()

    model = playground.model
    dense = [layer for layer in model.layers if layer.__class__.__name__ == "Dense"]
    assert [layer.units for layer in dense] == [32, 16, 10]
    assert [layer.get_config()["activation"] for layer in dense] == ["tanh", "tanh", "softmax"]
    assert [layer.rate for layer in model.layers if layer.__class__.__name__ == "Dropout"] == [0.25, 0.25]
    assert _label_count(playground) == model.count_params() == result.parameters
    assert result.epochs_run == 1 and not result.stopped
    assert 0.0 <= result.test_accuracy <= 1.0 and 0.0 <= result.val_accuracy <= 1.0
    assert bytes(playground.curves.value).startswith(b"\x89PNG")
    assert not playground.train_button.disabled and playground.stop_button.disabled
    assert "Finished" in playground.status.value


def test_runs_table_has_one_row_per_run(playground):
    playground.configure(units=[32, 16], epochs=1)
    playground.train(wait=True)
    playground.configure(units=[8], epochs=1, learning_rate=0.01)
    playground.train(wait=True)

    rows = _table_rows(playground.table.value)
    assert [row[:2] for row in rows] == [["1", "784 → 32 → 16 → 10"], ["2", "784 → 8 → 10"]]
    assert [run.parameters for run in playground.runs] == [int(row[7].replace(",", "")) for row in rows]
    assert rows[1][4] == "0.01"


def test_stop_ends_the_run_early_and_the_result_says_so(playground):
    keras = pytest.importorskip("keras")
    playground.configure(units=[16], epochs=20, batch_size=16)
    clicked = []

    def click_stop_after_first_epoch(epoch, logs):
        if epoch == 0:
            clicked.append(threading.current_thread().name)
            playground.stop_button.click()

    result = playground.train(
        wait=True, callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=click_stop_after_first_epoch)]
    )
    assert clicked == ["playground-training"], "training must run outside the caller's thread"
    assert result.stopped and result.epochs_run == 1 < result.epochs_planned
    assert "1 of 20 (stopped)" in playground.table.value
    assert "Stopped after 1 of 20 epochs" in playground.status.value


def test_train_button_returns_while_training_and_stop_from_another_thread_works(playground):
    """The click handler must not block: Stop is clicked by the test's thread while fit runs in the background."""
    keras = pytest.importorskip("keras")
    playground.configure(units=[16], epochs=30, batch_size=16)
    first_epoch_done = threading.Event()
    playground_callbacks = [keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: first_epoch_done.set())]
    playground.train(wait=False, callbacks=playground_callbacks)  # what the Train button does
    assert playground.is_training and playground.train_button.disabled
    assert first_epoch_done.wait(timeout=60), "no epoch finished within 60 s"
    with pytest.raises(RuntimeError, match="already training"):
        playground.train()
    playground.stop_button.click()
    result = playground.wait(timeout=60)
    assert result.stopped and result.epochs_run < 30
    assert len(playground.runs) == 1, "the refused second run must not add a row"


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


def test_bad_arrays_are_explained():
    x, y, x_test, y_test = _tiny_data()
    with pytest.raises(ValueError, match="prepare_for_dense"):
        ModelPlayground(x.reshape(-1, 28, 28), y, x_test, y_test)
    with pytest.raises(ValueError, match="must match"):
        ModelPlayground(x, y[:10], x_test, y_test)


def test_runs_table_without_runs_says_how_to_start():
    assert "press <b>Train</b>" in runs_table_html([])
    run = RunResult(1, "784 → 8 → 10", "relu", 0.0, 1e-3, 64, 5, 5, 6370, 1.0, 0.9, 0.91, 0.3)
    assert len(_table_rows(runs_table_html([run, run]))) == 2
