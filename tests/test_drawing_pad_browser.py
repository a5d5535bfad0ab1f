"""The drawing pad in a real browser: JupyterLab 4 + Chromium, mouse strokes, Predict, Clear, Upload photo.

The headless tests (test_drawing_pad.py) cover everything after the picture arrives; these check the
JavaScript half: that anywidget loads our canvas in JupyterLab, that mouse strokes draw, that a big photo
is shrunk in the browser (upright by its EXIF orientation) and reaches Python, twice in a row. Skipped
where Chromium or Playwright is missing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from lab_browser import (
    ARTIFACTS,
    chromium_page,
    running_jupyterlab,
    skip_without_browser,
    wait_until_kernel_is_idle,
)
from PIL import Image

PAD_CELL = """import numpy as np
from mnist_helpers.drawing_pad import DrawingPad


class FakeModel:  # says 7, and keeps what it was given
    inputs = [type("Input", (), {"shape": (None, 784)})()]

    calls = 0

    def predict(self, batch, verbose=0):
        self.batch = batch
        self.calls += 1
        probabilities = np.full((1, 10), 0.02)
        probabilities[0, 7] = 0.82
        return probabilities


model = FakeModel()
pad = DrawingPad(model)
pad"""
CHECK_CELL = "print('INK', round(float(model.batch.sum())), 'ROWS', np.flatnonzero(model.batch.reshape(28, 28).any(1)))"
PHOTO_CHECK_CELL = """from mnist_helpers.digit_reading import image_from_data_url

photo = pad.upload.photo
decoded = image_from_data_url(photo["data_url"], "photo", ("png", "jpeg"))
sent = np.atleast_3d(decoded)[..., 0].astype(float)  # red: alpha is 255
corner = sent.shape[0] // 8
print("CALLS", model.calls, "SERIAL", photo["serial"], "UPRIGHT", photo["width"], photo["height"],
      "SENT", sent.shape[1], sent.shape[0], len(photo["data_url"]), photo["data_url"][:15],
      "MARK", round(sent[:corner, -corner:].mean()), round(sent[:corner, :corner].mean()))"""
JPEG_CELL = "pad.upload.max_png_chars = 1_000  # now even a small PNG is too big: the browser sends JPEG\nprint('JPEG')"


def _notebook(cells: list[str]) -> str:
    return json.dumps(
        {
            "cells": [
                {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": c}
                for c in cells
            ],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], str]]:
    """One JupyterLab for this file's tests, serving pad.ipynb (drawing) and photo.ipynb (uploads)."""
    skip_without_browser()
    tmp_path = tmp_path_factory.mktemp("drawing_pad_lab")
    root = tmp_path / "root"
    root.mkdir()
    (root / "pad.ipynb").write_text(_notebook([PAD_CELL, CHECK_CELL]))
    (root / "photo.ipynb").write_text(_notebook([PAD_CELL, PHOTO_CHECK_CELL, JPEG_CELL]))
    with running_jupyterlab(root, tmp_path / "home") as url_for:
        # Each notebook in a workspace of its own, so a page shows that notebook alone (not the other one too).
        yield lambda name: url_for(name).replace("/lab/tree/", f"/lab/workspaces/{Path(name).stem}/tree/")


@pytest.fixture
def lab_url(lab: Callable[[str], str]) -> str:
    return lab("pad.ipynb")


def _open_and_run_first_cell(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    wait_until_kernel_is_idle(page)
    page.click(".jp-Cell:nth-child(1) .jp-InputArea-editor")
    page.keyboard.press("Shift+Enter")


def _run_cell_and_read(page, index: int, marker: str) -> str:
    """Run the notebook's cell ``index`` (1-based) and return its output once ``marker`` appears in it."""
    output = page.locator(f".jp-Cell:nth-child({index}) .jp-OutputArea")
    page.click(f".jp-Cell:nth-child({index}) .jp-InputArea-editor")
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(
        "([selector, marker]) => (document.querySelector(selector)?.innerText || '').includes(marker)",
        arg=[f".jp-Cell:nth-child({index}) .jp-OutputArea", marker],
        timeout=30_000,
    )
    return output.inner_text()


def _big_phone_photo(path: Path) -> None:
    """A 2400x1800 JPEG stored sideways with EXIF orientation 6 (as phones store portrait photos), over 1 MB.

    Upright (rotated 90 degrees clockwise) it is 1800x2400: a thick dark 7 on noisy grey paper, and a dark
    square that is stored in the top-left corner, which lands in the top-right corner when shown upright.
    """
    rng = np.random.default_rng(0)
    upright = np.clip(rng.normal(215, 12, (2400, 1800)), 0, 255)  # the noise makes the file big, like a photo
    upright[700:860, 450:1350] = 30  # the bar of the 7
    for row in range(860, 1900):  # its stem, slanting to the left
        column = 1350 - (row - 860) * 0.55
        upright[row, int(column) - 80 : int(column) + 80] = 30
    upright[:600, -450:] = 0  # the mark: top-right when upright (a quarter of each side)
    stored = np.rot90(upright, k=1)  # stored sideways; orientation 6 means "rotate 90 degrees clockwise to show"
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    Image.fromarray(stored.astype(np.uint8)).convert("RGB").save(path, format="JPEG", quality=95, exif=exif)


def test_drawing_with_the_mouse_and_predict_in_jupyterlab(lab_url):
    with chromium_page() as page:
        _open_and_run_first_cell(page, lab_url)
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
        # The cell's source says INK too: wait for the word in its output, not in the editor.
        page.wait_for_selector(".jp-Cell:nth-child(2) .jp-OutputArea >> text=INK", timeout=30_000)
        output = page.inner_text(".jp-Cell:nth-child(2) .jp-OutputArea")
        ink = int(output.split("INK")[1].split()[0])
        assert 30 < ink < 200, f"a 7 drawn with the mouse should be a few dozen ink pixels at 28x28: {output}"
        rows = output.split("ROWS")[1].strip(" []\n").split()
        assert len(rows) == 20, f"the drawn 7 is taller than wide, so it should span the 20-pixel box: {output}"
        page.get_by_role("button", name="Clear").click()
        page.wait_for_selector("text=Draw a digit in the box", timeout=10_000)
        pixels = canvas.evaluate("c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)")
        assert max(pixels[3::4]) == 0, "Clear should wipe the canvas in the browser too"


def test_a_big_photo_uploaded_twice_reaches_the_model_both_times(lab, tmp_path):
    photo = tmp_path / "big_photo.jpg"
    _big_phone_photo(photo)
    assert photo.stat().st_size > 1_000_000, "the photo must be above the 1 MB where Colab's FileUpload fails"
    with chromium_page() as page:
        _open_and_run_first_cell(page, lab("photo.ipynb"))
        button = page.get_by_role("button", name="Upload photo")
        button.wait_for(timeout=60_000)
        for attempt in (1, 2):  # the same file twice in a row, with Clear in between
            with page.expect_file_chooser() as chooser:
                button.click()
            chooser.value.set_files(str(photo))
            page.wait_for_selector("text=The model reads big_photo.jpg", timeout=60_000)
            assert "shrunk to 384x512 in your browser" in page.inner_text(".jp-Cell:nth-child(1) .jp-OutputArea")
            chosen = page.eval_on_selector(".jp-OutputArea input[type=file]", "input => input.value")
            assert chosen == "", "the file input must forget the file, or choosing it again fires no event"
            output = _run_cell_and_read(page, 2, "MARK")
            words = output.split()
            assert words[words.index("CALLS") + 1] == str(attempt), f"upload {attempt} did not reach the model"
            assert words[words.index("SERIAL") + 1] == str(attempt)
            upright = words[words.index("UPRIGHT") + 1 : words.index("UPRIGHT") + 3]
            assert upright == ["1800", "2400"], f"the browser should apply EXIF orientation 6: {output}"
            sent = words[words.index("SENT") + 1 : words.index("SENT") + 5]
            assert sent[:2] == ["384", "512"], f"shrunk to 512 on the longer side, aspect kept: {output}"
            assert int(sent[2]) < 400_000, f"what travels to Python stays far below 1 MB: {output}"
            mark_top_right, top_left = (int(w) for w in words[words.index("MARK") + 1 : words.index("MARK") + 3])
            assert mark_top_right < 60 < top_left, f"the dark mark must be top-right, as shown upright: {output}"
            kind = "data:image/png;" if attempt == 1 else "data:image/jpeg"
            assert words[words.index("SENT") + 4] == kind, f"upload {attempt} should travel as {kind}: {output}"
            if attempt == 1:
                page.screenshot(path=str(ARTIFACTS / "09_photo_upload.png"))
                page.get_by_role("button", name="Clear").click()
                page.wait_for_selector("text=Draw a digit in the box", timeout=10_000)
                _run_cell_and_read(page, 3, "JPEG")  # the second upload takes the JPEG branch
