"""Lesson 07 in a real browser: JupyterLab runs every cell, the widgets render, a slider moves, Stop works.

Drives Debian's Chromium (/usr/bin/chromium) with Playwright; nothing is downloaded. JupyterLab runs on
127.0.0.1 with a token, on a free port, in a temporary folder with its own settings. Skipped with the reason
when Chromium, Playwright or MNIST_DATA_DIR is missing. A screenshot goes to artifacts/browser/ (ignored).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from lab_browser import (
    ARTIFACTS,
    chromium_page,
    running_jupyterlab,
    skip_without_browser,
    wait_until_kernel_is_idle,
)

from mnist_helpers.playground_display import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "07_model_playground.ipynb"
RUN_ALL_MS = 240_000  # the whole lesson in quick mode; generous, as the 2 CI cores may be busy


@pytest.fixture(scope="module")
def lab_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    skip_without_browser()
    if not os.environ.get("MNIST_DATA_DIR"):
        pytest.skip("MNIST_DATA_DIR is not set: lesson 07 needs the MNIST files to run in the browser.")
    base = tmp_path_factory.mktemp("lab")
    root = base / "root"
    root.mkdir()
    shutil.copy(LESSON, root / LESSON.name)
    env = {"MNIST_QUICK": "1", "MNIST_MODELS_DIR": str(base / "saved_models")}
    with running_jupyterlab(root, base / "home", env) as url_for:
        yield url_for(LESSON.name)


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
    from playwright.sync_api import expect

    with chromium_page(height=1000) as page:
        try:
            page.goto(lab_url, timeout=60_000)
            notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
            wait_until_kernel_is_idle(page)
            _run_all_cells(page)
            # Done when every code cell shows an execution number ([3]:, not [ ]: or [*]:) and the kernel is idle.
            page.wait_for_function(
                """() => {
                    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
                }""",
                timeout=RUN_ALL_MS,
            )
            wait_until_kernel_is_idle(page)

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

            # Stop during training: 30 epochs planned, Stop pressed once an epoch has been drawn. Batch size 16
            # makes each quick-mode epoch hundreds of steps, so the run is still going when Stop arrives. The status
            # shows each "Epoch k/30" only until the next epoch ends, so any k is accepted.
            epochs_readout = notebook.locator(".widget-slider", has_text="Epochs").locator(".widget-readout")
            epochs_readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type("30")
            page.keyboard.press("Enter")
            expect(epochs_readout).to_have_text("30")
            notebook.locator(".widget-dropdown", has_text="Batch size").locator("select").select_option("16")
            notebook.get_by_role("button", name="Train").click()
            status = notebook.locator(".widget-html", has_text=re.compile(r"Epoch \d+/30"))
            expect(status).to_be_visible(timeout=60_000)
            notebook.get_by_role("button", name="Stop").click()
            stopped = notebook.locator(".widget-html", has_text="Stopped after")
            expect(stopped).to_be_visible(timeout=60_000)
            widget.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "07_model_playground.png"))
            assert "of 30 epochs" in stopped.inner_text()
            rows = widget.locator(".playground-runs tbody tr")  # the playground's table, not a cell's copy of it
            assert rows.last.locator("td").nth(COLUMNS.index("Batch")).inner_text() == "16"
            assert rows.count() == 4  # three from the lesson, one here
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "07_model_playground_failure.png"))
            raise
    assert before != after, f"the parameter count did not change: {before!r}"
