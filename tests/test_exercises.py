"""The exercise machinery every lesson shares: one line of feedback that never raises, hints in order, solutions from
the solutions notebooks, and every lesson's exercises present in its notebook."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from notebook_list import LESSONS

import mnist_helpers as mh
from mnist_helpers.exercise_feedback import Exercise, WrongAnswerError

ROOT = Path(__file__).resolve().parent.parent


def wrong_unless_42(answer):
    if answer == 41:
        raise WrongAnswerError("41 is one short: count the last one too.")
    if answer != 42:
        raise WrongAnswerError(f"{answer} is not it.")
    return "42 it is."


EXAMPLE = Exercise(1, 9, "find 42", wrong_unless_42, hints=("It is even.", "It is 6 x 7."))


def test_the_untouched_starter_says_not_yet(capsys):
    assert EXAMPLE.passes(...) is False
    assert capsys.readouterr().out.startswith("Not yet: replace the ...")


def test_check_prints_the_same_line_and_returns_nothing(capsys):
    assert EXAMPLE.check(41) is None
    assert capsys.readouterr().out == "Not quite: 41 is one short: count the last one too.\n"


def test_a_wrong_answer_gets_its_own_message_and_a_right_one_passes(capsys):
    assert EXAMPLE.passes(41) is False
    assert capsys.readouterr().out == "Not quite: 41 is one short: count the last one too.\n"
    assert EXAMPLE.passes(42) is True
    assert capsys.readouterr().out == "Right: 42 it is.\n"


def test_an_answer_the_check_cannot_handle_is_reported_not_raised(capsys):
    assert EXAMPLE.passes(object()) is False  # != works, but a check that does arithmetic would raise
    exercise = Exercise(1, 9, "x", lambda answer: str(answer + 1))
    assert exercise.passes("text") is False
    out = capsys.readouterr().out
    assert "could not be checked (TypeError" in out and "ex[9].hint()" in out


def test_the_number_of_values_is_checked(capsys):
    assert EXAMPLE.passes(41, 42) is False
    assert "takes one value for exercise 01.9, got 2" in capsys.readouterr().out


def test_hints_come_one_at_a_time_and_say_how_many_there_are(capsys):
    EXAMPLE.hint()
    EXAMPLE.hint(2)
    EXAMPLE.hint(5)
    first, second, last = capsys.readouterr().out.splitlines()
    assert first == "Hint 1 of 2: It is even. (ex[9].hint(2) for more)"
    assert second == last == "Hint 2 of 2: It is 6 x 7."


def test_an_open_ended_exercise_says_what_to_look_for(capsys):
    open_ended = Exercise(1, 9, "look", look_for="the curves cross", why_open="it asks what you see")
    assert open_ended.passes("anything") is False
    out = capsys.readouterr().out
    assert "no single right answer (it asks what you see). What to look for: the curves cross" in out


def test_solutions_come_from_the_solutions_notebooks(capsys):
    from mnist_helpers.lessons.solutions import SOLUTIONS

    mh.exercises(1)[1].solution()
    out = capsys.readouterr().out
    assert out.startswith("A solution to exercise 01.1 (from the solutions notebook):")
    assert SOLUTIONS["01.1"] in out


def test_asking_for_a_lesson_or_exercise_that_does_not_exist_says_which_do():
    with pytest.raises(ValueError, match="no exercises for lesson 42"):
        mh.exercises(42)
    with pytest.raises(KeyError, match=r"exercises \[1, 2, 3, 4\], not 7"):
        mh.exercises(1)[7]


def exercises_with_checks() -> list[tuple[int, int]]:
    found = []
    for path in LESSONS:
        lesson = int(path.name[:2])
        try:
            found += [(lesson, exercise.number) for exercise in mh.exercises(lesson)]
        except ValueError:
            continue
    return found


@pytest.mark.parametrize(("lesson", "number"), exercises_with_checks(), ids=lambda v: str(v))
def test_every_exercise_has_hints_and_a_solution_and_its_cells_in_the_lesson(lesson, number):
    from mnist_helpers.lessons.solutions import SOLUTIONS

    exercise = mh.exercises(lesson)[number]
    assert exercise.hints, f"exercise {exercise.key} needs at least one hint"
    assert exercise.key in SOLUTIONS, f"no cell in the solutions notebook is marked '#| solution: {exercise.key}'"
    assert (exercise.check_answer is None) == (exercise.look_for is not None), "a check, or what to look for"
    path = next(p for p in LESSONS if p.name.startswith(f"{lesson:02d}_"))
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    checked = any(re.search(rf"ex\[{number}\]\.check\(", source) for source in code)
    assert checked, f"{path.name} has no ex[{number}].check(...) cell"
