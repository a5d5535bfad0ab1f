"""The playground's controls never disagree with Python, in a real browser, on both widget front ends.

A teacher's sequence: Epochs 30, Batch 16, Train; while it trains, three right-arrow presses on "Units, layer 1";
Stop; after the run, one more press. Then the slider's readout, the parameter count (drawn by Python) and the
architecture the next run trains must agree. A second slider that a run does not lock (any other widget of the
notebook) is moved three times during the run: Python must see every move while the run trains.

Front ends: JupyterLab 4 with ipywidgets 8 (this environment), and the classic Notebook 6.5.7 with ipywidgets 7.7.1,
ipykernel 6.17.1 and TensorFlow as Colab has them (``.venv-colab``, built by ``make .venv-colab/.installed``; the
test runs when ``MNIST_COLAB_VENV`` names that folder, as ``.ci/run`` does, and is skipped otherwise). Drives Debian's
Chromium with Playwright; random data, so no MNIST is needed. Screenshots go to artifacts/browser/.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from lab_browser import (
    ARTIFACTS,
    chromium_page,
    running_classic_notebook,
    running_jupyterlab,
    skip_without_browser,
    wait_until_kernel_is_idle,
)

from mnist_helpers.dense_networks import count_dense_parameters
from mnist_helpers.playground_display import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "playground_controls.ipynb"
SETUP_CELL = """import ipywidgets as widgets
import numpy as np
from mnist_helpers.playground import ModelPlayground

rng = np.random.default_rng(0)
x = rng.random((3050, 784), dtype=np.float32)
y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 3050)]
playground = ModelPlayground(x[:3000], y[:3000], x[3000:], y[3000:])
playground.configure(hidden_layers=2, units=[16, 256], epochs=2, batch_size=64)
playground"""
FREE_SLIDER_CELL = """free = widgets.IntSlider(description="Free slider", max=10)
seen_by_python = widgets.HTML("python:0", layout=widgets.Layout(width="200px"))
free.observe(lambda change: setattr(seen_by_python, "value", f"python:{change['new']}"), "value")
widgets.HBox([free, seen_by_python])"""
START_MS = 180_000  # starting the kernel and importing TensorFlow, on 2 busy cores


def _write_notebook(root: Path) -> None:
    cells = [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}
        for source in (SETUP_CELL, FREE_SLIDER_CELL)
    ]
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = {"cells": cells, "metadata": {"kernelspec": kernelspec}, "nbformat": 4, "nbformat_minor": 5}
    (root / NOTEBOOK).write_text(json.dumps(notebook))


def _server_env(tmp_path: Path) -> dict[str, str]:
    """The kernel imports this checkout's mnist_helpers; quick mode, as in the tests."""
    return {"PYTHONPATH": str(ROOT), "MNIST_QUICK": "1", "MNIST_MODELS_DIR": str(tmp_path / "saved_models")}


def _slider(page, description: str):
    return page.locator(".widget-slider", has_text=description).first


def _press_right(page, description: str, times: int = 1) -> None:
    """Focus the slider's handle (jQuery UI in ipywidgets 7, noUiSlider in 8) and press the right arrow."""
    _slider(page, description).locator(".ui-slider-handle, .noUi-handle").first.focus()
    for _ in range(times):
        page.keyboard.press("ArrowRight")


def _readout(page, description: str) -> str:
    return _slider(page, description).locator(".widget-readout").inner_text().strip()


def _teachers_sequence(page, name: str) -> None:
    """The sequence and the checks, once the playground and the free slider are shown."""
    from playwright.sync_api import expect

    status = page.locator(".playground-status")
    count = page.locator(".parameter-count").first
    free_echo = page.locator(".widget-html", has_text="python:")
    expect(count).to_have_text(f"{count_dense_parameters(784, [16, 256], 10):,}", timeout=30_000)

    # Epochs 30 (typed into the slider's readout), Batch 16, Train.
    epochs_readout = _slider(page, "Epochs").locator(".widget-readout")
    epochs_readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("30")
    page.keyboard.press("Enter")
    expect(epochs_readout).to_have_text("30")
    page.locator(".widget-dropdown", has_text="Batch size").locator("select").select_option("16")
    page.get_by_role("button", name="Train").click()
    expect(status).to_have_text(re.compile(r"Epoch \d+/30"), timeout=60_000)

    # During the run: three presses on "Units, layer 1" (locked by the run), three on the free slider.
    _press_right(page, "Units, layer 1", 3)
    _press_right(page, "Free slider", 3)
    expect(free_echo).to_have_text("python:3", timeout=30_000)  # each move reached Python while the run trained
    assert re.search(r"Epoch \d+/30", status.inner_text()), "the run should still be training"
    page.get_by_role("button", name="Stop").click()
    expect(status).to_have_text(re.compile("Stopped after"), timeout=60_000)

    # After the run: one more press, then a short run with what the controls say.
    _press_right(page, "Units, layer 1")
    _press_right(page, "Free slider")
    expect(free_echo).to_have_text("python:4", timeout=30_000)
    units = int(_readout(page, "Units, layer 1"))
    expect(count).to_have_text(f"{count_dense_parameters(784, [units, 256], 10):,}", timeout=30_000)
    epochs_readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Train").click()
    rows = page.locator(".playground-runs tbody tr")
    expect(rows).to_have_count(2, timeout=60_000)
    expect(status).to_have_text(re.compile("Finished"), timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / f"playground_controls_{name}.png"))

    first, second = (rows.nth(i).locator("td").nth(COLUMNS.index("Architecture")).inner_text() for i in (0, 1))
    assert first == "784 → 16 → 256 → 10", "the first run trains the settings it started with"
    assert units == 32, f"the slider reads {units}: the presses during the run must not move a locked slider"
    assert second == f"784 → {units} → 256 → 10", f"the slider reads {units} but the next run trained {second}"
    assert _readout(page, "Free slider") == "4"


def test_jupyterlab_4_controls_agree_with_python_after_moves_during_and_after_a_run(
    tmp_path: Path,
) -> None:
    skip_without_browser()
    root = tmp_path / "root"
    root.mkdir()
    _write_notebook(root)
    with running_jupyterlab(root, tmp_path / "home", _server_env(tmp_path)) as url_for:
        with chromium_page(height=1100) as page:
            try:
                page.goto(url_for(NOTEBOOK), timeout=60_000)
                wait_until_kernel_is_idle(page, timeout_ms=START_MS)
                page.locator(".jp-Notebook").first.click()
                page.get_by_role("menuitem", name="Run", exact=True).click()
                page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
                page.locator(".widget-slider", has_text="Free slider").wait_for(timeout=START_MS)
                _teachers_sequence(page, "jupyterlab4")
            except Exception:
                page.screenshot(path=str(ARTIFACTS / "playground_controls_jupyterlab4_failure.png"))
                raise


def _colab_python() -> Path:
    venv = os.environ.get("MNIST_COLAB_VENV")
    if not venv:
        pytest.skip("MNIST_COLAB_VENV is not set: build .venv-colab (make .venv-colab/.installed) and name it there.")
    python = Path(venv).resolve() / "bin" / "python"
    if not (Path(venv) / ".installed").exists() or not python.exists():
        pytest.fail(f"MNIST_COLAB_VENV={venv} is not a built environment: run make .venv-colab/.installed")
    return python


def test_notebook_6_with_ipywidgets_7_controls_agree_with_python_after_moves_during_and_after_a_run(
    tmp_path: Path,
) -> None:
    python = _colab_python()
    skip_without_browser()
    root = tmp_path / "root"
    root.mkdir()
    _write_notebook(root)
    with running_classic_notebook(python, root, tmp_path / "home", _server_env(tmp_path)) as url_for:
        with chromium_page(height=1100) as page:
            try:
                # The widget manager first asks the kernel for its widgets on the "jupyter.widget.control" comm,
                # which ipywidgets 7 kernels do not have; after 4 s it warns and asks for each widget instead, and
                # replaces the views of widgets it finds then. So the cells run once it has warned.
                with page.expect_console_message(
                    lambda message: "jupyter.widget.control" in message.text, timeout=START_MS
                ):
                    page.goto(url_for(NOTEBOOK), timeout=60_000)
                page.evaluate("() => Jupyter.notebook.execute_all_cells()")
                page.locator(".widget-slider", has_text="Free slider").wait_for(timeout=START_MS)
                _teachers_sequence(page, "notebook6")
            except Exception:
                page.screenshot(path=str(ARTIFACTS / "playground_controls_notebook6_failure.png"))
                raise
