"""The playground in a real Jupyter kernel: a Stop click sent while a run trains reaches it, slider changes sent
meanwhile get the busy/idle status a widget front end waits for, and a cell sent meanwhile waits and runs after
the run, with the run's updates still addressed to the cell that trains.

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
print(playground.status.model_id, playground.train_button.model_id, playground.stop_button.model_id,
      playground.units[0].model_id)
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


def _move_slider(client, comm_id: str, index: int) -> str:
    """The message a front end sends when a SelectionSlider is moved to ``index``; returns its id."""
    update = {"comm_id": comm_id, "data": {"method": "update", "state": {"index": index}, "buffer_paths": []}}
    message = client.session.msg("comm_msg", update)
    client.shell_channel.send(message)
    return message["header"]["msg_id"]


def _read_status(client, status_id: str, updates: list, until, seen: list | None = None) -> None:
    """Append (status text, id of the request it belongs to) to ``updates`` until ``until(msg)`` is true; every
    IOPub message read goes to ``seen`` too."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        assert time.monotonic() < deadline, f"waited {TIMEOUT} s; status so far: {updates[-3:]}"
        try:
            msg = client.get_iopub_msg(timeout=5)
        except Empty:
            continue
        if seen is not None:
            seen.append(msg)
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


def _states(seen: list, parent_id: str) -> list[str]:
    return [
        msg["content"]["execution_state"]
        for msg in seen
        if msg["msg_type"] == "status" and msg["parent_header"].get("msg_id") == parent_id
    ]


def test_stop_and_interrupt_reach_a_run_in_a_busy_kernel_and_a_waiting_cell_runs_after(kernel) -> None:
    status_id, train_button_id, stop_id, units_id = _run(kernel, SETUP).split()

    # 1. A run started from a cell; three moves of a slider, a cell sent meanwhile; Stop clicked.
    train_id = kernel.execute("result = playground.train()")
    updates: list[tuple[str, str]] = []
    seen: list[dict] = []
    _read_status(kernel, status_id, updates, lambda msg: updates and updates[-1][0].startswith("Epoch 1/30"), seen)
    moves = [_move_slider(kernel, units_id, index) for index in (5, 6, 7)]  # 32, 64, 128 units
    waiting_id = kernel.execute("stopped_before_this_cell_ran = playground.runs[-1].stopped")
    _click(kernel, stop_id)
    replies = {}
    while len(replies) < 2:
        reply = kernel.get_shell_msg(timeout=TIMEOUT)
        replies[reply["parent_header"]["msg_id"]] = reply["content"]["status"]
    assert list(replies) == [train_id, waiting_id], "the waiting cell must run after the training cell"
    assert set(replies.values()) == {"ok"}, replies
    _read_status(kernel, status_id, updates, _is_idle_after(waiting_id), seen)
    out = _run(kernel, "print(result.stopped, result.epochs_run, stopped_before_this_cell_ran, playground.error)")
    stopped, epochs_run, seen_by_waiting_cell, error = out.split()
    assert stopped == "True" and int(epochs_run) < 30 and seen_by_waiting_cell == "True" and error == "None"
    assert updates[-1][0].startswith("Stopped after"), updates[-3:]
    # Every update of the run, also those sent after the Stop click was handled, belongs to the training cell
    # (the click's own "Stopping ..." belongs to the click).
    assert {parent for text, parent in updates if not text.startswith("Stopping")} == {train_id}
    # Each slider move was handled during the run, as between cells: busy, then idle (what the front end waits for
    # before it sends the slider's next change), and the training cell busy again after it.
    order = [(msg["parent_header"].get("msg_id"), msg["content"]["execution_state"]) for msg in seen
             if msg["msg_type"] == "status"]  # fmt: skip
    for move in moves:
        assert _states(seen, move) == ["busy", "idle"], _states(seen, move)
        assert order.index((move, "idle")) < order.index((train_id, "idle")), "handled while the run trained"
        assert order[order.index((move, "idle")) + 1] == (train_id, "busy"), "the training cell is busy again"
    out = _run(kernel, "print(playground.units[0].value, playground.hidden_units, result.architecture)")
    assert out.split()[0] == "128" and "784 → 16 → 10" in out, out

    # 2. Train clicked (no cell runs), then the kernel interrupted, as Colab's Runtime > Interrupt execution does.
    _click(kernel, train_button_id)
    clicked: list[tuple[str, str]] = []
    _read_status(kernel, status_id, clicked, lambda msg: clicked and clicked[-1][0].startswith("Epoch 1/30"))
    kernel.manager.interrupt_kernel()
    _read_status(kernel, status_id, clicked, lambda msg: clicked and clicked[-1][0].startswith("Stopped after"))
    out = _run(
        kernel,
        "print(len(playground.runs), playground.runs[-1].stopped, playground.train_button.disabled, "
        "playground.runs[-1].architecture)",
    )
    assert out.split()[:3] == ["2", "True", "False"] and "784 → 128 → 10" in out, out
