"""The lessons are the one source of the code they teach: .ci/export_lessons.py copies each cell marked
``#| export: module`` into mnist_helpers/lessons/, and everything else uses those modules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from notebook_list import LESSONS, NOTEBOOKS
from scripts import load_script

import mnist_helpers as mh

ROOT = Path(__file__).resolve().parent.parent
EXPORTER = ROOT / ".ci" / "export_lessons.py"


@pytest.fixture(scope="module")
def exporter():
    return load_script(EXPORTER)


def write_lesson(folder: Path, name: str, *cells: str) -> Path:
    folder.mkdir(exist_ok=True)
    notebook = {
        "cells": [{"cell_type": "code", "metadata": {}, "source": cell, "outputs": [], "execution_count": None}
                  for cell in cells],  # fmt: skip
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = folder / name
    path.write_text(json.dumps(notebook))
    return path


def test_the_generated_modules_are_what_the_lessons_say_now():
    """Fails when a marked cell changed and nobody ran the exporter (or someone edited a generated file)."""
    done = subprocess.run([sys.executable, str(EXPORTER), "--check"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_exported_function_is_reachable_as_mh_name():
    from mnist_helpers.lessons import EXPORTED

    assert EXPORTED, "the lessons export their networks and training"
    for name, module in EXPORTED.items():
        assert getattr(mh, name).__module__ == f"mnist_helpers.lessons.{module}"
    with pytest.raises(AttributeError, match="no attribute 'build_nothing'"):
        mh.build_nothing  # noqa: B018


def test_the_export_marker_is_used_only_by_lessons():
    solutions = [path for path in NOTEBOOKS if path not in LESSONS]
    for path in solutions:
        assert "#| export" not in path.read_text(encoding="utf-8"), f"{path.name}: solutions export nothing"


def test_a_marked_cell_becomes_a_module_with_the_imports_it_needs(exporter, tmp_path):
    notebooks = tmp_path / "notebooks"
    write_lesson(
        notebooks,
        "01_first.ipynb",
        "%matplotlib inline\nimport math\n\nimport numpy as np\nfrom pathlib import Path, PurePath",
        "#| export: shapes\nSIDE = 3\n\n\ndef area(side=SIDE):\n    return np.float32(side) ** 2 + math.pi * 0",
        "print(area())",
    )
    twice = "#| export: shapes\ndef twice():\n    return mh.pick(full=2, quick=2)"
    write_lesson(notebooks, "02_second.ipynb", "import mnist_helpers as mh", twice)
    files = exporter.generated_files(notebooks)
    assert set(files) == {"shapes.py", "__init__.py"}
    text = files["shapes.py"]
    assert "import math\n\nimport numpy as np\n\nimport mnist_helpers as mh\n" in text
    assert "Path" not in text and "print(area())" not in text and "#| export" not in text
    assert text.index("def area") < text.index("def twice"), "cells are written in lesson order"
    assert "notebooks/01_first.ipynb" in text and "notebooks/02_second.ipynb" in text
    namespace: dict = {}
    exec(compile(text, "shapes.py", "exec"), namespace)
    assert namespace["area"]() == 9 and namespace["twice"]() == 2
    assert '"area": "shapes"' in files["__init__.py"] and "SIDE" not in files["__init__.py"]


def test_an_exported_cell_that_runs_code_is_refused_with_the_line(exporter, tmp_path):
    notebooks = tmp_path / "notebooks"
    write_lesson(notebooks, "01_x.ipynb", "#| export: things\ndef f():\n    return 1\n\n\nmodel = f()\nprint(model)")
    with pytest.raises(SystemExit, match="runs code at line 6"):
        exporter.generated_files(notebooks)


def test_a_misspelled_marker_is_refused(exporter, tmp_path):
    notebooks = tmp_path / "notebooks"
    write_lesson(notebooks, "01_x.ipynb", "#| export cnn\ndef f():\n    return 1")
    with pytest.raises(SystemExit, match="export: module_name"):
        exporter.generated_files(notebooks)


def test_one_function_name_exported_to_two_modules_is_refused(exporter, tmp_path):
    notebooks = tmp_path / "notebooks"
    one, two = "#| export: one\ndef f():\n    return 1", "#| export: two\ndef f():\n    return 2"
    write_lesson(notebooks, "01_x.ipynb", one, two)
    with pytest.raises(SystemExit, match="f is exported to one and two"):
        exporter.generated_files(notebooks)


def test_the_check_reports_a_stale_module_and_writing_fixes_it(exporter, tmp_path, monkeypatch, capsys):
    notebooks = tmp_path / "notebooks"
    write_lesson(notebooks, "01_x.ipynb", "#| export: things\ndef f():\n    return 1")
    target = tmp_path / "lessons"
    monkeypatch.setattr(exporter, "NOTEBOOKS", notebooks)
    monkeypatch.setattr(exporter, "TARGET", target)
    assert exporter.main(check=True) == 1 and not target.exists()
    assert "stale: mnist_helpers/lessons/things.py" in capsys.readouterr().out
    assert exporter.main(check=False) == 0
    assert exporter.main(check=True) == 0
    (target / "old.py").write_text("x = 1\n")  # a module no lesson exports any more
    assert exporter.main(check=True) == 1
    exporter.main(check=False)
    assert not (target / "old.py").exists()


def test_solution_cells_become_the_solutions_module_in_order(exporter, tmp_path):
    notebooks = tmp_path / "notebooks"
    write_lesson(notebooks, "01_x.ipynb", "x = 1")
    solutions = notebooks / "solutions"
    cells = ("#| solution: 01.2\nfirst = 1", "print(first)", "#| solution: 01.2\nsecond = 2")
    write_lesson(solutions, "01_x_solutions.ipynb", *cells)
    files = exporter.generated_files(notebooks)
    namespace: dict = {}
    exec(compile(files["solutions.py"], "solutions.py", "exec"), namespace)
    assert namespace["SOLUTIONS"] == {"01.2": "first = 1\n\nsecond = 2"}


@pytest.mark.parametrize(
    ("marker", "message"), [("#| solution: 02.1", "another lesson's exercise"), ("#| solution 01.1", "solution: 04.2")]
)
def test_a_wrong_solution_marker_is_refused(exporter, tmp_path, marker, message):
    notebooks = tmp_path / "notebooks"
    write_lesson(notebooks, "01_x.ipynb", "x = 1")
    write_lesson(notebooks / "solutions", "01_x_solutions.ipynb", f"{marker}\nx = 1")
    with pytest.raises(SystemExit, match=message):
        exporter.generated_files(notebooks)
