"""How long each lesson takes a beginner: reading at a beginner's pace plus running every cell, from a full run.

    make full-run                                  # writes build/results.json: each lesson's seconds in full mode
    .venv/bin/python benchmarks/lesson_times.py    # prints the table for benchmarks/README.md's "Lesson times"

Reading: the lesson's prose (its markdown cells, code blocks and link addresses left out) at READING_WORDS_PER_MINUTE,
and its code (non-empty lines of its code cells) at CODE_LINES_PER_MINUTE: a beginner reads each line and looks at
what it printed. Running: the seconds ``make full-run`` measured for the lesson. The total is rounded up to the
next 5 minutes; that is the "about N minutes" each lesson's opening says (tests/test_lesson_prose.py checks that
they agree with the table).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READING_WORDS_PER_MINUTE = 100
CODE_LINES_PER_MINUTE = 8


def prose_words(notebook: dict) -> int:
    """Words of the markdown cells, without code blocks and link addresses (as tests/test_lesson_prose.py counts)."""
    text = "\n".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown")
    text = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return len(re.findall(r"[A-Za-z0-9][\w'.,%-]*", text))


def code_lines(notebook: dict) -> int:
    return sum(
        1 for cell in notebook["cells"] if cell["cell_type"] == "code" for line in cell["source"] if line.strip()
    )


def minutes(words: int, lines: int, run_seconds: float) -> int:
    """Reading plus running, rounded up to the next 5 minutes."""
    total = words / READING_WORDS_PER_MINUTE + lines / CODE_LINES_PER_MINUTE + run_seconds / 60
    return 5 * math.ceil(total / 5)


def table(lessons: list[Path], seconds: dict[str, float]) -> str:
    lines = [
        "| lesson | prose words | code lines | run (s) | minutes |",
        "|---|--:|--:|--:|--:|",
    ]
    for path in lessons:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        words, code = prose_words(notebook), code_lines(notebook)
        run = seconds[path.name]
        lines.append(f"| `{path.name}` | {words:,} | {code} | {run:.0f} | {minutes(words, code, run)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=ROOT / "build" / "results.json", help="make full-run's output")
    args = parser.parse_args(argv)
    if not args.results.is_file():
        sys.exit(f"{args.results} is missing: run `make full-run` first (it measures each lesson's seconds).")
    report = json.loads(args.results.read_text(encoding="utf-8"))
    if report.get("mode") != "full":
        sys.exit(f"{args.results} is a {report.get('mode')!r} run: lesson times need a full-mode run (make full-run).")
    seconds = {result["notebook"]: result["seconds"] for result in report["results"]}
    lessons = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    missing = [path.name for path in lessons if path.name not in seconds]
    if missing:
        sys.exit(f"{args.results} has no run of {', '.join(missing)}: run `make full-run` for every lesson.")
    print(table(lessons, seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
