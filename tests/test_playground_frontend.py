"""What a front end that ignores background threads sees of the playground (the Colab rule).

Google Colab never shows a widget update sent from a background thread (googlecolab/colabtools#3373). Here
every widget's comm is replaced by one that keeps the messages sent from the main thread as the front end's
state and drops the others, as Colab does. After clicks, a Stop, a failed run and a diverged run, what the
"front end" holds must match Python: status text, table, buttons, the last curves image.
"""

from __future__ import annotations

import threading
from typing import Any

import comm
import numpy as np
import pytest
from comm.base_comm import BaseComm

import mnist_helpers.playground as playground_module
from mnist_helpers.playground import ModelPlayground


class FrontEnd:
    """The widget models a browser would hold, built only from messages sent in the main thread."""

    def __init__(self) -> None:
        self.models: dict[str, dict[str, Any]] = {}
        self.dropped: list[str] = []

    def receive(self, comm_id: str, msg_type: str, data: dict | None, buffers: list | None) -> None:
        if threading.current_thread() is not threading.main_thread():
            self.dropped.append(msg_type)
            return
        data = data or {}
        if msg_type == "comm_open":
            self.models[comm_id] = {}
        if msg_type in ("comm_open", "comm_msg") and "state" in data:
            state = dict(data["state"])
            for path, buffer in zip(data.get("buffer_paths", []), buffers or [], strict=True):
                assert len(path) == 1, path  # the playground's widgets have only top-level binary values
                state[path[0]] = bytes(buffer)
            self.models[comm_id].update(state)

    def state(self, widget: Any) -> dict[str, Any]:
        return self.models[widget.model_id]


@pytest.fixture
def front_end(monkeypatch: pytest.MonkeyPatch) -> FrontEnd:
    seen = FrontEnd()

    class RecordingComm(BaseComm):
        def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
            seen.receive(self.comm_id, msg_type, data, buffers)

    monkeypatch.setattr(comm, "create_comm", lambda *args, **kwargs: RecordingComm(*args, **kwargs))
    return seen


def _tiny_data(train: int = 200, test: int = 50):
    rng = np.random.default_rng(0)
    x = rng.random((train + test, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, train + test)]
    return x[:train], y[:train], x[train:], y[train:]


def _assert_front_end_matches_python(front_end: FrontEnd, playground: ModelPlayground) -> None:
    assert front_end.state(playground.status)["value"] == playground.status.value
    assert front_end.state(playground.table)["value"] == playground.table.value
    assert front_end.state(playground.train_button)["disabled"] is False
    assert front_end.state(playground.stop_button)["disabled"] is False
    assert [front_end.state(control)["disabled"] for control in playground.settings_controls] == [False] * 10
    assert front_end.state(playground.curves)["value"] == bytes(playground.curves.value)


def _click(button: Any) -> None:
    """What the browser sends when a button is clicked, as the kernel hands it to the widget."""
    button._handle_msg({"content": {"data": {"method": "custom", "content": {"event": "click"}}}, "buffers": []})


def test_every_update_of_clicks_stop_and_failure_reaches_a_front_end_that_drops_background_threads(
    front_end: FrontEnd, monkeypatch: pytest.MonkeyPatch
) -> None:
    keras = pytest.importorskip("keras")
    playground = ModelPlayground(*_tiny_data(train=1500))  # 75 batches of 16 per epoch: two calls of 50 and 25

    # 1. Train clicked, three epochs.
    playground.configure(units=[16], epochs=3)
    _click(playground.train_button)
    assert "Finished" in playground.status.value and len(playground.runs) == 1
    _assert_front_end_matches_python(front_end, playground)
    first_curves = bytes(playground.curves.value)

    # 2. Train clicked, Stop clicked in the middle of the second epoch. The click reaches the run through the pump
    #    that handles waiting widget messages after each call of the training step (steps_per_execution batches, as
    #    lesson 07's builder compiles it), as the kernel delivers it in JupyterLab.
    steps_per_execution = int(playground.build_model().steps_per_execution)
    batches_per_epoch = int(np.ceil(len(playground.data.x_train) * 0.8 / 16))
    calls_per_epoch = int(np.ceil(batches_per_epoch / steps_per_execution))
    assert calls_per_epoch >= 2, "the data should make more than one call per epoch, so that Stop lands mid-epoch"
    calls_done = []

    def deliver_stop_click_in_epoch_2(pump: Any) -> None:
        calls_done.append(1)
        if len(calls_done) == calls_per_epoch + 1:
            _click(playground.stop_button)

    monkeypatch.setattr(playground_module.WidgetEventPump, "handle_now", deliver_stop_click_in_epoch_2)
    playground.configure(epochs=20, batch_size=16)
    _click(playground.train_button)
    assert "Stopped after 2 of 20 epochs" in playground.status.value
    assert "2 of 20 (stopped)" in playground.table.value
    _assert_front_end_matches_python(front_end, playground)
    assert front_end.state(playground.curves)["value"] != first_curves

    # 3. Train clicked, the run fails (the test set cannot be evaluated).
    def broken_evaluate(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(keras.Model, "evaluate", broken_evaluate)
    playground.configure(epochs=1, batch_size=64)
    _click(playground.train_button)
    assert "Training failed" in playground.status.value and len(playground.runs) == 2
    _assert_front_end_matches_python(front_end, playground)
    assert front_end.dropped == [], "no widget message may be sent from a background thread"
