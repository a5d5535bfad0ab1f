"""The playground in a real Jupyter kernel: a Stop click sent while a run trains reaches it, and a cell sent
meanwhile waits and runs after the run, with the run's updates still addressed to the cell that trains.

A client talks to an ipykernel as JupyterLab does (jupyter_client); no browser. ``test_browser.py`` clicks
the same Stop button in JupyterLab itself.
"""

from __future__ import annotations

import time
from queue import Empty

import pytest

SETUP = """
import numpy as np
from mnist_helpers.playground import ModelPlayground
rng = np.random.default_rng(0)
x = rng.random((2050, 784), dtype=np.float32)
y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 2050)]
playground = ModelPlayground(x[:2000], y[:2000], x[2000:], y[2000:])
playground.configure(units=[16], epochs=30, batch_size=16)
print(playground.status.model_id, playground.train_button.model_id, playground.stop_button.model_id)
"""
TIMEOUT = 240


@pytest.fixture
def kernel():
    manager_module = pytest.importorskip("jupyter_client.manager")
    manager, client = manager_module.start_new_kernel(kernel_name="python3", startup_timeout=120)
    client.manager = manager  # for interrupt_kernel()
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def _run(client, code: str) -> str:
    """Execute ``code`` and return what it printed; fail with the traceback if it raised."""
    printed = []
    reply = client.execute_interactive(
        code,
        timeout=TIMEOUT,
        output_hook=lambda msg: printed.append(msg["content"].get("text", "")) if msg["msg_type"] == "stream" else 0,
    )
    assert reply["content"]["status"] == "ok", reply["content"]
    return "".join(printed)


def _click(client, comm_id: str) -> None:
    """The message JupyterLab sends when a button is clicked."""
    click = {"comm_id": comm_id, "data": {"method": "custom", "content": {"event": "click"}}}
    client.shell_channel.send(client.session.msg("comm_msg", click))


def _read_status(client, status_id: str, updates: list, until) -> None:
    """Append (status text, id of the request it belongs to) to ``updates`` until ``until(msg)`` is true."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        assert time.monotonic() < deadline, f"waited {TIMEOUT} s; status so far: {updates[-3:]}"
        try:
            msg = client.get_iopub_msg(timeout=5)
        except Empty:
            continue
        content = msg["content"]
        if msg["msg_type"] == "comm_msg" and content["comm_id"] == status_id and "value" in content["data"]["state"]:
            updates.append((content["data"]["state"]["value"], msg["parent_header"].get("msg_id")))
        if until(msg):
            return


def _is_idle_after(msg_id: str):
    return lambda msg: (
        msg["msg_type"] == "status"
        and (msg["content"]["execution_state"] == "idle" and msg["parent_header"].get("msg_id") == msg_id)
    )


def test_stop_and_interrupt_reach_a_run_in_a_busy_kernel_and_a_waiting_cell_runs_after(kernel) -> None:
    status_id, train_button_id, stop_id = _run(kernel, SETUP).split()

    # 1. A run started from a cell; a cell sent meanwhile; Stop clicked.
    train_id = kernel.execute("result = playground.train()")
    updates: list[tuple[str, str]] = []
    _read_status(kernel, status_id, updates, lambda msg: updates and updates[-1][0].startswith("Epoch 1/30"))
    waiting_id = kernel.execute("stopped_before_this_cell_ran = playground.runs[-1].stopped")
    _click(kernel, stop_id)
    replies = {}
    while len(replies) < 2:
        reply = kernel.get_shell_msg(timeout=TIMEOUT)
        replies[reply["parent_header"]["msg_id"]] = reply["content"]["status"]
    assert list(replies) == [train_id, waiting_id], "the waiting cell must run after the training cell"
    assert set(replies.values()) == {"ok"}, replies
    _read_status(kernel, status_id, updates, _is_idle_after(waiting_id))
    out = _run(kernel, "print(result.stopped, result.epochs_run, stopped_before_this_cell_ran, playground.error)")
    stopped, epochs_run, seen_by_waiting_cell, error = out.split()
    assert stopped == "True" and int(epochs_run) < 30 and seen_by_waiting_cell == "True" and error == "None"
    assert updates[-1][0].startswith("Stopped after"), updates[-3:]
    # Every update of the run, also those sent after the Stop click was handled, belongs to the training cell
    # (the click's own "Stopping ..." belongs to the click).
    assert {parent for text, parent in updates if not text.startswith("Stopping")} == {train_id}

    # 2. Train clicked (no cell runs), then the kernel interrupted, as Colab's Runtime > Interrupt execution does.
    _click(kernel, train_button_id)
    clicked: list[tuple[str, str]] = []
    _read_status(kernel, status_id, clicked, lambda msg: clicked and clicked[-1][0].startswith("Epoch 1/30"))
    kernel.manager.interrupt_kernel()
    _read_status(kernel, status_id, clicked, lambda msg: clicked and clicked[-1][0].startswith("Stopped after"))
    out = _run(kernel, "print(len(playground.runs), playground.runs[-1].stopped, playground.train_button.disabled)")
    assert out.split() == ["2", "True", "False"]
