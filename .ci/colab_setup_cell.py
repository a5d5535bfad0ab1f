"""Run a notebook's Setup cell in a kernel the way Colab runs it, print what the learner sees, fail on anything red.

    python .ci/colab_setup_cell.py NOTEBOOK CLONE

Run with the interpreter of the Colab environment (.venv-colab): the kernel is that interpreter, so it has Colab's
ipykernel, IPython, TensorFlow and Keras. Two runs, each in a fresh kernel given a stand-in ``google.colab`` module
so that the cell takes its Colab branch:

1. the install works: the cell's repository is pointed at CLONE (a git clone of this checkout; this machine cannot
   reach GitHub) and pip really installs from it (.ci/colab.sh uninstalls mnist-helpers first, so the cell must
   install it into the running kernel and import it, as on a fresh runtime). The learner must see one line, then
   ``setup_notebook``'s lines, and nothing on stderr (Colab shows stderr as red text) and no error;
2. the install fails: the repository is a folder that does not exist. The learner must see the cell's error, with
   pip's own words and what to check, and nothing else.

Exits 1, saying what went wrong, if either run differs.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from jupyter_client.manager import start_new_kernel

COLAB_STAND_IN = "import sys, types; sys.modules['google.colab'] = types.ModuleType('google.colab')"
REPOSITORY_LINE = re.compile(r'^(\s*repository = )"[^"]*"$', re.MULTILINE)
TIMEOUT_S = 600


def run_in_kernel(code: str) -> list[tuple[str, str]]:
    """Execute ``code`` after the Colab stand-in in a fresh kernel; return its outputs as (kind, text)."""
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        client.execute_interactive(COLAB_STAND_IN, silent=True, timeout=TIMEOUT_S)
        outputs: list[tuple[str, str]] = []

        def keep(message: dict) -> None:
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                outputs.append((content["name"], content["text"]))
            elif kind == "error":
                outputs.append(("error", f"{content['ename']}: {content['evalue']}"))
            elif kind in ("display_data", "execute_result"):
                outputs.append((kind, content["data"].get("text/plain", "")))

        client.execute_interactive(code, output_hook=keep, timeout=TIMEOUT_S)
        return outputs
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def show(title: str, outputs: list[tuple[str, str]]) -> None:
    print(f"--- {title}: what the learner sees")
    for kind, text in outputs:
        for line in text.rstrip("\n").splitlines():
            print(f"  [{kind}] {line}")


def main(argv: list[str]) -> int:
    notebook, clone = Path(argv[0]), Path(argv[1]).resolve()
    setup = "".join(json.loads(notebook.read_text(encoding="utf-8"))["cells"][1]["source"])
    if len(REPOSITORY_LINE.findall(setup)) != 1:
        print(f'{notebook}: the Setup cell (cell 1) has no single `repository = "..."` line', file=sys.stderr)
        return 1
    problems = []

    works = run_in_kernel(REPOSITORY_LINE.sub(lambda m: f'{m.group(1)}"file://{clone}"', setup))
    show("install works", works)
    text = "".join(t for kind, t in works if kind == "stdout")
    if [kind for kind, _ in works if kind != "stdout"]:
        problems.append("the working install showed something besides plain output (stderr, an error, a display)")
    if not text.startswith("Lesson helpers installed.\nKeras "):
        problems.append("the working install should print 'Lesson helpers installed.' and then setup_notebook's line")

    fails = run_in_kernel(REPOSITORY_LINE.sub(lambda m: f'{m.group(1)}"file://{clone}-missing"', setup))
    show("install fails", fails)
    errors = [t for kind, t in fails if kind == "error"]
    if [kind for kind, _ in fails] != ["error"] or not errors[0].startswith("RuntimeError: Could not install"):
        problems.append("the failing install should show only the cell's RuntimeError")
    elif "pip said:" not in errors[0] or "Check that" not in errors[0]:
        problems.append("the failing install's error should quote pip and say what to check")

    for problem in problems:
        print(f"colab: Setup cell: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
