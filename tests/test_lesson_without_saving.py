"""Lesson 05 on a full disk: its model cannot be saved, it says so in one line, and every later cell still runs.

Executes the real notebook on a fresh kernel (quick mode, an empty models folder, so the lesson trains), with
Keras' ``Model.save`` made to fail as a full disk does: a partial write, then ``OSError(ENOSPC)``.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

import mnist_helpers as mh

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "05_evaluation.ipynb"

FULL_DISK = """\
import errno
import keras


def save_on_a_full_disk(self, filepath, *args, **kwargs):
    with open(filepath, "wb") as partial:
        partial.write(b"PK half a zip")
    raise OSError(errno.ENOSPC, "No space left on device")


keras.Model.save = save_on_a_full_disk
"""


def stdout_of(cell: dict) -> str:
    return "".join(output.get("text", "") for output in cell.get("outputs", []) if output.get("name") == "stdout")


def test_the_evaluation_lesson_goes_on_with_a_note_when_the_disk_is_full(tmp_path, monkeypatch, real_mnist_dir):
    monkeypatch.setenv("MNIST_QUICK", "1")
    monkeypatch.setenv("MNIST_MODELS_DIR", str(tmp_path / "models"))
    helpers = Path(mh.__file__).resolve().parent.parent  # the kernel imports the helpers this test imports
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(helpers), os.environ.get("PYTHONPATH", "")]))
    notebook = nbformat.read(LESSON, as_version=4)
    setup = next(number for number, cell in enumerate(notebook.cells) if cell.cell_type == "code")
    notebook.cells.insert(setup + 1, nbformat.v4.new_code_cell(FULL_DISK))
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True)
    client.execute(cwd=str(LESSON.parent))

    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    errors = [
        (number, output.get("ename"), output.get("evalue"))
        for number, cell in enumerate(code)
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors == [], errors
    [loading] = [cell for cell in code if "load_or_train_original_model" in cell.source]
    said = stdout_of(loading)
    model_file = tmp_path / "models" / "quick" / "original_mlp.keras"
    [note] = [line for line in said.splitlines() if line.startswith("Could not save")]
    assert note.startswith(f"Could not save {model_file}: the disk of {model_file.parent} is full (")
    assert "MNIST_MODELS_DIR" in note and "this lesson goes on with it" in note
    assert any(stdout_of(cell).startswith("Test accuracy: ") for cell in code), "the lesson evaluated its model"
    assert os.listdir(model_file.parent) == [], "no partial or temporary file left behind"
