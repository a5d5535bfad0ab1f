"""benchmarks/run_lessons.py: finding the lessons and reading their test figures from executed notebooks."""

from __future__ import annotations

from pathlib import Path

import pytest
from scripts import load_script

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def runner():
    return load_script(ROOT / "benchmarks" / "run_lessons.py")


def _stdout(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


def _notebook(*cells):
    return {"cells": [{"cell_type": "code", "source": "", "outputs": list(outputs)} for outputs in cells]}


def test_the_last_test_lines_win_across_cells(runner):
    notebook = _notebook(
        [_stdout("Test accuracy: 0.9000\nTest loss: 0.3000\n")],
        [{"output_type": "execute_result", "data": {"text/plain": "Test accuracy: 0.1"}}],
        [_stdout(["Epoch 1/2\n", "Test accuracy: 0.9812\n", "Test loss: 0.0671\n"])],
    )
    assert runner.parse_test_metrics(notebook) == (0.9812, 0.0671)


def test_only_stdout_lines_that_start_with_the_exact_words_count(runner):
    notebook = _notebook(
        [_stdout("Test accuracy: 0.9700\nTest loss: 0.0900\n")],
        [
            _stdout("Checkpoint test accuracy: 0.5000\n  Test loss: 0.5\n"),
            {"output_type": "stream", "name": "stderr", "text": "Test accuracy: 0.1000\n"},
        ],
    )
    assert runner.parse_test_metrics(notebook) == (0.97, 0.09)


def test_a_notebook_without_test_lines_gives_blanks(runner):
    notebook = _notebook([_stdout("Training accuracy: 0.99\n")])
    notebook["cells"].append({"cell_type": "markdown", "source": "Test accuracy: 0.5"})
    assert runner.parse_test_metrics(notebook) == (None, None)
    table = runner.markdown_table([runner.LessonResult("01_data.ipynb", True, 3.2, None, None)])
    assert table.splitlines()[-1] == "| 01_data.ipynb | 3 |  |  | ok |"


def test_find_notebooks_keeps_numbered_lessons_in_order(runner, tmp_path):
    for name in ["10_late.ipynb", "02_model.ipynb", "01_data.ipynb", "scratch.ipynb", "3_bad.ipynb"]:
        (tmp_path / name).write_text("{}")
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "02_model_solutions.ipynb").write_text("{}")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "01_data-checkpoint.ipynb").write_text("{}")

    names = [str(p.relative_to(tmp_path)) for p in runner.find_notebooks(tmp_path)]
    assert names == ["01_data.ipynb", "02_model.ipynb", "10_late.ipynb"]
    with_solutions = runner.find_notebooks(tmp_path, include_solutions=True, only=["2"])
    assert [str(p.relative_to(tmp_path)) for p in with_solutions] == [
        "02_model.ipynb",
        "solutions/02_model_solutions.ipynb",
    ]
