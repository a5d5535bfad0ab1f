""".ci/run_lessons.py (`make full-run`): finding the lessons and reading their test figures from executed notebooks."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from scripts import load_script

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def runner():
    return load_script(ROOT / ".ci" / "run_lessons.py")


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


def test_a_run_writes_results_and_stamped_copies_and_fails_on_a_raising_notebook(runner, tmp_path, monkeypatch, capfd):
    import nbformat.v4 as v4

    monkeypatch.setenv("MNIST_QUICK", "0")  # main sets both for the kernels; monkeypatch restores them afterwards
    monkeypatch.setenv("MNIST_MODELS_DIR", str(tmp_path / "elsewhere"))
    notebooks, build = tmp_path / "notebooks", tmp_path / "build"
    notebooks.mkdir()
    for name, source in [("01_fine", "print('Test accuracy: 0.5')"), ("02_broken", "1 / 0"), ("03_left", "")]:
        notebook = v4.new_notebook(cells=[v4.new_code_cell(source)])
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        (notebooks / f"{name}.ipynb").write_text(v4.writes(notebook))
    (build / "saved_models").mkdir(parents=True)
    (build / "saved_models" / "stale.keras").write_text("from an earlier run")

    code = runner.main(["--quick", "--only", "01", "02", "--notebooks", str(notebooks), "--build", str(build),
                        "--timeout", "120"])  # fmt: skip

    assert code == 1, "a notebook that raised must fail the run"
    report = json.loads((build / "results.json").read_text())
    assert report["mode"] == "quick" and report["machine"]["cpu_cores"] >= 1
    results = {result["notebook"]: result for result in report["results"]}
    assert list(results) == ["01_fine.ipynb", "02_broken.ipynb"], "--only 01 02 runs just those, in order"
    assert results["01_fine.ipynb"]["ok"] and results["01_fine.ipynb"]["test_accuracy"] == 0.5
    assert not results["02_broken.ipynb"]["ok"] and "ZeroDivisionError" in results["02_broken.ipynb"]["error"]
    stamp = json.loads((build / "executed" / "01_fine.ipynb").read_text())["metadata"]["mnist_lessons_run"]
    assert stamp["mode"] == "quick" and stamp["ok"] is True
    assert stamp["source_sha256"] == hashlib.sha256((notebooks / "01_fine.ipynb").read_bytes()).hexdigest()
    assert not (build / "saved_models" / "stale.keras").exists(), "a run must not reuse an earlier run's models"
    assert os.environ["MNIST_MODELS_DIR"] == str(build / "saved_models")
    assert "without encryption" not in capfd.readouterr().err, "the kernels talk over local sockets, quietly"


def test_each_notebook_s_kernel_is_shut_down_when_its_run_ends(runner, tmp_path):
    import nbformat.v4 as v4

    pid_file = tmp_path / "kernel.pid"
    source = f"import os; open({str(pid_file)!r}, 'w').write(str(os.getpid()))"
    notebook = v4.new_notebook(cells=[v4.new_code_cell(source)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "01_pid.ipynb"
    path.write_text(v4.writes(notebook))

    result = runner.execute_notebook(path, tmp_path / "executed" / path.name, timeout=120)

    assert result.ok, result.error
    with pytest.raises(ProcessLookupError):  # no such process: the kernel ended with its notebook
        os.kill(int(pid_file.read_text()), 0)
