"""The lessons' notebooks, listed once for every test: each lesson in notebooks/ and each solution below it.

Every ``.ipynb`` counts, whatever its name, so a misnamed notebook is still checked (test_project_files checks the
names). The scripts in .ci/ keep their own short lists: they run where tests/ is not theirs to import (a learner's
fork, a clean clone in .ci/colab.sh), and .ci/run_lessons.py only picks ``NN_*`` files.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def notebooks_in(root: Path) -> list[Path]:
    """Every notebook under ``root``/notebooks, sorted, without JupyterLab's ``.ipynb_checkpoints`` copies."""
    return sorted(p for p in (root / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


NOTEBOOKS = notebooks_in(ROOT)
LESSONS = [path for path in NOTEBOOKS if path.parent == ROOT / "notebooks"]
