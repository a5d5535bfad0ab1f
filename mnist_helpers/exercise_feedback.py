"""Exercises that check themselves: a check with one line of feedback, hints one at a time, the solution on request.

Each lesson's exercises are defined once, in ``mnist_helpers/exercise_checks/lesson_NN.py``: what to check (public
behaviour only: shapes, counts, values, what a model predicts), the hints and, for open-ended exercises, what to
look for. The solutions notebooks are the one source of the solutions: their cells marked ``#| solution: NN.K`` are
copied into ``mnist_helpers/lessons/solutions.py`` by ``.ci/export_lessons.py``, and ``solution()`` prints them.
A lesson uses them like this::

    ex = mh.exercises(4)      # lesson 04's exercises
    ex[2].check(answer)       # one line: right, not yet, or what exactly is wrong
    ex[2].hint()              # the first hint; ex[2].hint(2) the second
    ex[2].solution()          # the solution's code, shown, not run
    assert ex[2].passes(answer)  # the same check, returning True or False (the solutions notebooks use it)

Everything prints plain text, so it reads the same in JupyterLab, Notebook, VS Code, Colab and on the site.
"""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

RIGHT = "Right:"
NOT_YET = "Not yet:"
WRONG = "Not quite:"


class WrongAnswerError(Exception):
    """Raised by a check when the answer is not right; its message says what is wrong and what to look at."""


@dataclass(frozen=True)
class Exercise:
    """One exercise: how to check an answer, its hints, and what to look for if it has no single right answer."""

    lesson: int
    number: int
    task: str
    check_answer: Callable[..., str] | None = None  # returns what was right; raises WrongAnswerError with what was not
    hints: Sequence[str] = ()
    look_for: str | None = None  # open-ended exercises: what to look for instead of a check
    why_open: str | None = None  # and why they cannot be checked
    answers: int = 1  # how many values check() takes

    @property
    def key(self) -> str:
        return f"{self.lesson:02d}.{self.number}"

    def check(self, *answer: Any) -> None:
        """Print one line: right, not yet (the starter is untouched), or what is wrong."""
        self.passes(*answer)

    def passes(self, *answer: Any) -> bool:
        """``check``, and return True when the answer is right (for the solutions notebooks and the tests)."""
        if self.check_answer is None:
            self._say(f"Exercise {self.key} has no single right answer ({self.why_open}). What to look for: "
                      f"{self.look_for}")  # fmt: skip
            return False
        if len(answer) != self.answers:
            names = "one value" if self.answers == 1 else f"{self.answers} values"
            self._say(f"{NOT_YET} check() takes {names} for exercise {self.key}, got {len(answer)}.")
            return False
        if any(value is Ellipsis for value in answer):
            self._say(f"{NOT_YET} replace the ... in the exercise's cell with your code, run it, then run this check.")
            return False
        try:
            praise = self.check_answer(*answer)
        except WrongAnswerError as wrong:
            self._say(f"{WRONG} {wrong}")
            return False
        except Exception as error:  # a learner's answer of an unexpected kind: say so, never raise at them
            where = traceback.extract_tb(error.__traceback__)[-1]
            self._say(
                f"{WRONG} your answer could not be checked ({type(error).__name__}: {error}, at line {where.lineno} "
                f"of the check). Look at what the exercise asks for, or ask for a hint: ex[{self.number}].hint()."
            )
            return False
        self._say(f"{RIGHT} {praise}")
        return True

    def hint(self, number: int = 1) -> None:
        """Print hint ``number`` (1 is the gentlest) and how many there are."""
        if not self.hints:
            self._say(f"Exercise {self.key} has no hints; ex[{self.number}].solution() shows a solution.")
            return
        number = min(max(int(number), 1), len(self.hints))
        more = f" (ex[{self.number}].hint({number + 1}) for more)" if number < len(self.hints) else ""
        self._say(f"Hint {number} of {len(self.hints)}: {self.hints[number - 1]}{more}")

    def solution(self) -> None:
        """Print the solution's code, from the solutions notebook: read it, then write your own."""
        from mnist_helpers.lessons.solutions import SOLUTIONS

        code = SOLUTIONS.get(self.key)
        if code is None:
            self._say(f"Exercise {self.key} has no solution cell yet; see the solutions notebook.")
            return
        self._say(f"A solution to exercise {self.key} (from the solutions notebook):\n\n{code}")

    def _say(self, text: str) -> None:
        print(text)


class LessonExercises:
    """A lesson's exercises, by number: ``ex[2].check(answer)``."""

    def __init__(self, lesson: int, exercises: Sequence[Exercise]) -> None:
        self.lesson = lesson
        self._by_number = {exercise.number: exercise for exercise in exercises}

    def __getitem__(self, number: int) -> Exercise:
        if number not in self._by_number:
            raise KeyError(f"Lesson {self.lesson:02d} has exercises {sorted(self._by_number)}, not {number!r}.")
        return self._by_number[number]

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self._by_number.values())

    def __len__(self) -> int:
        return len(self._by_number)

    def __repr__(self) -> str:
        lines = [f"Lesson {self.lesson:02d}'s exercises:"]
        for exercise in self:
            kind = "check, hints, solution" if exercise.check_answer else "what to look for, hints, solution"
            lines.append(f"  ex[{exercise.number}]: {exercise.task} ({kind})")
        return "\n".join(lines)


def exercises(lesson: int) -> LessonExercises:
    """Lesson ``lesson``'s exercises (``mh.exercises(4)``), defined in ``mnist_helpers/exercise_checks``."""
    try:
        module = importlib.import_module(f"mnist_helpers.exercise_checks.lesson_{int(lesson):02d}")
    except ModuleNotFoundError:
        raise ValueError(f"There are no exercises for lesson {lesson!r}; the lessons are numbered 1 to 10.") from None
    return LessonExercises(int(lesson), module.EXERCISES)
