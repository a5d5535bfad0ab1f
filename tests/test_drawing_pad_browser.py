"""The drawing pad in a real browser: JupyterLab 4 + Chromium, mouse strokes, Predict, Clear.

The headless tests (test_drawing_pad.py) cover everything after the PNG arrives; this one checks the
JavaScript half: that anywidget loads our canvas in JupyterLab, that mouse strokes draw, and that the
picture reaches Python. Skipped where Chromium or Playwright is missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from lab_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    running_jupyterlab,
    skip_without_browser,
    wait_until_kernel_is_idle,
)

PAD_CELL = """import numpy as np
from mnist_helpers.drawing_pad import DrawingPad


class FakeModel:  # says 7, and keeps what it was given
    inputs = [type("Input", (), {"shape": (None, 784)})()]

    def predict(self, batch, verbose=0):
        self.batch = batch
        probabilities = np.full((1, 10), 0.02)
        probabilities[0, 7] = 0.82
        return probabilities


model = FakeModel()
pad = DrawingPad(model)
pad"""
CHECK_CELL = "print('INK', round(float(model.batch.sum())), 'ROWS', np.flatnonzero(model.batch.reshape(28, 28).any(1)))"


@pytest.fixture
def lab_url(tmp_path: Path) -> Iterator[str]:
    skip_without_browser()
    cells = [PAD_CELL, CHECK_CELL]
    notebook = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": c} for c in cells
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    root = tmp_path / "root"
    root.mkdir()
    (root / "pad.ipynb").write_text(json.dumps(notebook))
    with running_jupyterlab(root, tmp_path / "home") as url_for:
        yield url_for("pad.ipynb")


def test_drawing_with_the_mouse_and_predict_in_jupyterlab(lab_url):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(lab_url)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            wait_until_kernel_is_idle(page)
            page.click(".jp-Cell:nth-child(1) .jp-InputArea-editor")
            page.keyboard.press("Shift+Enter")
            canvas = page.wait_for_selector(".jp-OutputArea canvas", timeout=60_000)
            box = canvas.bounding_box()
            left, top = box["x"], box["y"]
            page.mouse.move(left + 80, top + 60)  # a 7: the bar, then the stem, in one stroke
            page.mouse.down()
            for step in range(20):
                page.mouse.move(left + 80 + step * 6, top + 60)
            for step in range(30):
                page.mouse.move(left + 200 - step * 3, top + 60 + step * 6)
            page.mouse.up()
            page.get_by_role("button", name="Predict").click()
            page.wait_for_selector("text=The model reads your drawing as", timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "09_drawing_pad.png"))
            page.click(".jp-Cell:nth-child(2) .jp-InputArea-editor")
            page.keyboard.press("Shift+Enter")
            page.wait_for_selector("text=INK", timeout=30_000)
            output = page.inner_text(".jp-Cell:nth-child(2) .jp-OutputArea")
            ink = int(output.split("INK")[1].split()[0])
            assert 30 < ink < 200, f"a 7 drawn with the mouse should be a few dozen ink pixels at 28x28: {output}"
            rows = output.split("ROWS")[1].strip(" []\n").split()
            assert len(rows) == 20, f"the drawn 7 is taller than wide, so it should span the 20-pixel box: {output}"
            page.get_by_role("button", name="Clear").click()
            page.wait_for_selector("text=Draw a digit in the box", timeout=10_000)
            pixels = canvas.evaluate("c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)")
            assert max(pixels[3::4]) == 0, "Clear should wipe the canvas in the browser too"
        finally:
            browser.close()
