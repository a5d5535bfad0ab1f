"""Strip outputs, execution counts and stray metadata from the lesson notebooks.

Run before committing:  python .ci/tidy_notebooks.py   (tests/test_project_files.py fails on an untidy notebook)
With --check it only reports and exits 1 if a notebook would change.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
KEPT_CELL_METADATA = {"tags"}


def tidy(notebook: dict) -> dict:
    """Return the notebook with no outputs, no execution counts and only the metadata we keep."""
    notebook = json.loads(json.dumps(notebook))
    notebook["metadata"] = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    for cell in notebook["cells"]:
        cell["metadata"] = {k: v for k, v in cell.get("metadata", {}).items() if k in KEPT_CELL_METADATA}
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        if not cell.get("attachments"):
            cell.pop("attachments", None)
    return notebook


def dumps(notebook: dict) -> str:
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(check: bool) -> int:
    untidy = []
    for path in sorted(NOTEBOOKS.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        tidied = dumps(tidy(json.loads(text)))
        if tidied != text:
            untidy.append(path)
            if not check:
                path.write_text(tidied, encoding="utf-8")
    for path in untidy:
        print(("untidy: " if check else "tidied: ") + str(path.relative_to(NOTEBOOKS.parent)))
    return 1 if check and untidy else 0


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv[1:]))
