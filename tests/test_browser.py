"""Lesson 06 in a real browser: JupyterLab runs every cell, the widgets render, a slider moves, Stop works.

Drives Debian's Chromium (/usr/bin/chromium) with Playwright; nothing is downloaded. JupyterLab runs on
127.0.0.1 with a token, on a free port, in a temporary folder with its own settings. Skipped with the reason
when Chromium, Playwright or MNIST_DATA_DIR is missing. A screenshot goes to artifacts/browser/ (ignored).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "06_model_playground.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# JupyterLab settings for a quiet, fully rendered page: no news or update pop-ups, every cell in the DOM.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    # Start the notebook's own kernel without asking (a slow start otherwise brings up "Select Kernel").
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
        "autoStartDefaultKernel": True,
    },
}
SERVER_START_SECONDS = 90
RUN_ALL_MS = 120_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_server(process: subprocess.Popen, url: str, log: Path) -> None:
    """Poll the server's status API until it answers; ``process.wait`` is the bounded pause between tries."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        try:
            process.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            continue
        raise RuntimeError(f"JupyterLab exited with code {process.returncode}:\n{log.read_text()[-3000:]}")
    raise RuntimeError(f"JupyterLab did not answer within {SERVER_START_SECONDS} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def lab_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) for the browser test."
        )
    pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed: pip install -e .[test]")
    if not os.environ.get("MNIST_DATA_DIR"):
        pytest.skip("MNIST_DATA_DIR is not set: lesson 06 needs the MNIST files to run in the browser.")

    base = tmp_path_factory.mktemp("lab")
    root, home = base / "root", base / "home"
    root.mkdir()
    shutil.copy(LESSON, root / LESSON.name)
    for name, values in LAB_SETTINGS.items():
        path = home / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "MNIST_QUICK": "1",
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "MNIST_MODELS_DIR": str(base / "saved_models"),
    }
    log = base / "jupyterlab.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0",
                *(["--allow-root"] if os.geteuid() == 0 else []),  # CI containers run as root
            ],
            cwd=root, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_for_server(process, f"http://127.0.0.1:{port}/api/status?token={token}", log)
        yield f"http://127.0.0.1:{port}/lab/tree/{LESSON.name}?token={token}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _run_all_cells(page) -> None:
    """Run > Run All Cells, again if no cell started within 20 s (a kernel still connecting can drop the first)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    started = """() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
        .some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))"""
    for attempt in range(3):
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            page.wait_for_function(started, timeout=20_000)
            return
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise


def test_lesson_06_runs_in_jupyterlab_and_the_playground_responds(lab_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(lab_url, timeout=60_000)
            notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
            expect(notebook.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_be_visible(
                timeout=60_000
            )

            kernel_dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
            if kernel_dialog.is_visible():  # only if the setting above was not honoured
                kernel_dialog.get_by_role("button", name="Select").click()
            _run_all_cells(page)
            # Done when every code cell shows an execution number ([3]:, not [ ]: or [*]:) and the kernel is idle.
            page.wait_for_function(
                """() => {
                    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
                }""",
                timeout=RUN_ALL_MS,
            )
            expect(notebook.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_be_visible(
                timeout=60_000
            )

            errors = notebook.locator(
                ".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr'], "
                ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']"
            )
            assert errors.count() == 0, "cell outputs show errors or stderr:\n" + "\n---\n".join(
                errors.all_inner_texts()
            )

            widget = notebook.locator(".jupyter-widgets.widget-vbox").first
            expect(widget).to_be_visible(timeout=30_000)
            assert notebook.locator(".widget-slider").count() >= 5
            count = notebook.locator(".parameter-count")
            before = count.inner_text()

            # Move "Units, layer 1" one notch with the keyboard, as a learner would.
            units_slider = notebook.locator(".widget-slider", has_text="Units, layer 1")
            units_slider.locator(".noUi-handle").focus()
            page.keyboard.press("ArrowRight")
            expect(count).not_to_have_text(before, timeout=10_000)
            after = count.inner_text()

            # Stop during training: 30 epochs planned, Stop pressed once the first epoch is drawn.
            epochs_readout = notebook.locator(".widget-slider", has_text="Epochs").locator(".widget-readout")
            epochs_readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type("30")
            page.keyboard.press("Enter")
            notebook.get_by_role("button", name="Train").click()
            status = notebook.locator(".widget-html", has_text="Epoch 1/30")
            expect(status).to_be_visible(timeout=60_000)
            notebook.get_by_role("button", name="Stop").click()
            stopped = notebook.locator(".widget-html", has_text="Stopped after")
            expect(stopped).to_be_visible(timeout=60_000)
            widget.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "06_model_playground.png"))
            assert "of 30 epochs" in stopped.inner_text()
            assert notebook.locator(".playground-runs tbody tr").count() == 3  # two from the lesson, one here
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "06_model_playground_failure.png"))
            raise
        finally:
            browser.close()
    assert before != after, f"the parameter count did not change: {before!r}"
