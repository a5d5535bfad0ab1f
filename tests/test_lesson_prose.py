"""What a beginner reads: no measurement typed into a lesson that a later run or commit can make stale, a length one
sitting can hold, and an honest time that matches benchmarks/README.md (the one home of every measurement)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from notebook_list import LESSONS, NOTEBOOKS
from scripts import load_script

ROOT = Path(__file__).resolve().parent.parent
LESSON_TIMES = load_script(ROOT / "benchmarks" / "lesson_times.py")
MAX_PROSE_WORDS = 3000
TIME_LINE = re.compile(r"\*\*Time:\*\* about (\d+) minutes")
TIMES_LINK = "../benchmarks/README.md#lesson-times"

#: Things that date a sentence or tie it to one machine or version: they belong in benchmarks/README.md.
STALE = {
    "a date": r"\b20\d\d-\d\d-\d\d\b",
    "a month and year": r"\b(January|February|March|April|May|June|July|August|September|October|November|December)"
    r" 20\d\d\b",
    "a time zone": r"\bUTC\b",
    "a machine": r"\b\d+-core\b|\btest machine\b",
    "a benchmark command": r"benchmarks/\w+\.py",
    "a library version": r"\b(Keras|TensorFlow|Python|NumPy) \d+\.\d+",
}


def markdown(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown"]


def prose_words(path: Path) -> int:
    """Words a learner reads in the markdown cells (code blocks and links' addresses left out)."""
    return LESSON_TIMES.prose_words(json.loads(path.read_text(encoding="utf-8")))


def lesson_times() -> dict[str, int]:
    """benchmarks/README.md's lesson-times table: lesson file -> the minutes its Time line must say."""
    text = (ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8")
    section = text.split("## Lesson times", 1)[1].split("\n## ", 1)[0]
    return {match[0]: int(match[1]) for match in re.findall(r"^\| `(\d\d_\w+\.ipynb)` \|.*\| (\d+) \|$", section, re.M)}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
@pytest.mark.parametrize("what", STALE)
def test_prose_states_no_dated_measurement(path, what):
    for text in markdown(path):
        found = re.search(STALE[what], text)
        context = found and text[max(0, found.start() - 80) : found.end() + 40]
        assert not found, (
            f"{path.name} names {what} ({found.group(0)!r}) in: {context!r}. "
            "Print the figure from the lesson's own run, or say 'about' and link to benchmarks/README.md."
        )


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_a_lesson_is_at_most_3000_words_of_prose(path):
    assert prose_words(path) <= MAX_PROSE_WORDS, f"{path.name}: {prose_words(path):,} words of prose"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_a_lesson_says_its_measured_time_with_the_link(path):
    opening = markdown(path)[0]
    found = TIME_LINE.search(opening)
    assert found, f"{path.name}: the opening needs '**Time:** about N minutes' (benchmarks/README.md#lesson-times)"
    assert TIMES_LINK in opening, f"{path.name}: link the Time line to {TIMES_LINK}"
    times = lesson_times()
    assert path.name in times, f"benchmarks/README.md's lesson-times table has no row for {path.name}"
    assert int(found.group(1)) == times[path.name], (
        f"{path.name} says about {found.group(1)} minutes, benchmarks/README.md says {times[path.name]}"
    )


def test_prose_word_count_skips_code_and_addresses(tmp_path):
    source = "Two words [a link](https://x.y/z) ```\ncode here\n```"
    notebook = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": source}]}
    path = tmp_path / "01_x.ipynb"
    path.write_text(json.dumps(notebook))
    assert prose_words(path) == 4  # Two, words, a, link


def test_lesson_times_add_reading_and_running_and_round_up_to_five_minutes():
    assert LESSON_TIMES.minutes(words=1000, lines=40, run_seconds=60) == 20  # 10 + 5 + 1 = 16 -> 20
    assert LESSON_TIMES.minutes(words=2000, lines=0, run_seconds=0) == 20  # exactly 20 stays 20


def test_lesson_times_refuse_a_quick_run(tmp_path):
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"mode": "quick", "results": []}))
    with pytest.raises(SystemExit, match="full-mode run"):
        LESSON_TIMES.main(["--results", str(results)])


def github_anchor(heading: str) -> str:
    """The anchor GitHub and MkDocs give a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_into_benchmarks_readme_finds_its_section():
    """Lessons and the README say "about" and link to the measurement: the link must land on it."""
    text = (ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8")
    anchors = {github_anchor(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}
    sources = {path.name: "\n".join(markdown(path)) for path in NOTEBOOKS}
    sources["README.md"] = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, source in sources.items():
        for anchor in re.findall(r"benchmarks/README\.md#([\w-]+)", source):
            assert anchor in anchors, f"{name} links to benchmarks/README.md#{anchor}, which has no such section"
