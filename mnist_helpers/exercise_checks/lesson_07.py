"""Lesson 07's exercises, answered with the playground's runs (``playground.train()`` returns one): a tiny network's
parameters, a learning rate too large, dropout's gap between training and validation, and the smallest layer that
is good enough. The checks read what each run says it used and reached."""

from __future__ import annotations

import math
from typing import Any

from mnist_helpers.dense_networks import count_dense_parameters
from mnist_helpers.exercise_checks.answers import as_number
from mnist_helpers.exercise_feedback import Exercise, WrongAnswerError
from mnist_helpers.quick_mode import pick


def _run(value: Any, name: str) -> Any:
    needed = ("architecture", "learning_rate", "dropout_rate", "history", "parameters", "val_accuracy")
    if not all(hasattr(value, attribute) for attribute in needed):
        raise WrongAnswerError(f"{name} should be a run: what playground.train() returns (or playground.runs[-1]).")
    return value


def _hidden_units(run: Any) -> list[int]:
    """``"784 → 8 → 10"`` -> ``[8]``."""
    return [int(size) for size in run.architecture.split(" → ")[1:-1]]


def check_tiny(parameters_by_hand: Any, run: Any) -> str:
    run = _run(run, "run")
    if _hidden_units(run) != [8]:
        raise WrongAnswerError(
            f"this run's network is {run.architecture}: set hidden_layers=1 and units=[8] (one layer of 8 units)."
        )
    count = as_number(parameters_by_hand, "parameters_by_hand")
    expected = count_dense_parameters(784, [8], 10)
    if count == 784 * 8 + 8 * 10:
        raise WrongAnswerError(f"{count:,.0f} leaves out the biases: + 8 in the hidden layer, + 10 in the output.")
    if count == 784 * 8 + 8:
        raise WrongAnswerError(f"{count:,.0f} is the hidden layer only: add the output layer, 8 x 10 + 10.")
    if count != expected:
        raise WrongAnswerError(f"{count:,.0f} is not it: inputs x units + units for each layer, 784 -> 8 -> 10.")
    return f"{expected:,} parameters, the run's own count too: {run.parameters:,}."


def check_learning_rates(run_normal: Any, run_too_big: Any) -> str:
    normal, too_big = _run(run_normal, "run_normal"), _run(run_too_big, "run_too_big")
    for name, run in (("run_normal", normal), ("run_too_big", too_big)):
        if _hidden_units(run) != [128]:
            raise WrongAnswerError(f"{name} trained {run.architecture}: both runs need one hidden layer of 128 units.")
    if math.isclose(normal.learning_rate, 1.0) and math.isclose(too_big.learning_rate, 0.001):
        raise WrongAnswerError("the two runs are swapped: run_normal is the one with 0.001.")
    if not math.isclose(normal.learning_rate, 0.001) or not math.isclose(too_big.learning_rate, 1.0):
        raise WrongAnswerError(
            f"the runs used learning rates {normal.learning_rate:g} and {too_big.learning_rate:g}: "
            "the exercise compares 0.001 with 1.0."
        )
    if too_big.diverged:
        return "with 1.0 the loss became NaN or infinite: the steps are so big that training diverged."
    return (
        f"{normal.test_accuracy:.1%} with 0.001 against {too_big.test_accuracy:.1%} with 1.0: each step jumps far "
        "past any good value."
    )


def check_dropout_gap(run_without: Any, run_with: Any, gap_without: Any, gap_with: Any) -> str:
    without, with_dropout = _run(run_without, "run_without"), _run(run_with, "run_with")
    for name, run, rate in (("run_without", without, 0.0), ("run_with", with_dropout, 0.5)):
        if _hidden_units(run) != [256]:
            raise WrongAnswerError(f"{name} trained {run.architecture}: one hidden layer of 256 units, please.")
        if not math.isclose(run.dropout_rate, rate):
            raise WrongAnswerError(f"{name} used dropout {run.dropout_rate:g}; it should use {rate:g}.")
    if without.epochs_run != with_dropout.epochs_run:
        raise WrongAnswerError("compare runs of the same number of epochs: their gaps change with the epochs.")
    for name, run, answer in (("gap_without", without, gap_without), ("gap_with", with_dropout, gap_with)):
        value = as_number(answer, name)
        expected = run.history["accuracy"][-1] - run.history["val_accuracy"][-1]
        if math.isclose(value, -expected, abs_tol=1e-6) and not math.isclose(expected, 0, abs_tol=1e-6):
            raise WrongAnswerError(f"{name} has the wrong sign: last training accuracy minus last validation accuracy.")
        if not math.isclose(value, expected, abs_tol=1e-6):
            raise WrongAnswerError(
                f"{name} is not the run's gap: run.history['accuracy'][-1] - run.history['val_accuracy'][-1]."
            )
    more = "smaller" if gap_with < gap_without else "not smaller in this run (try more epochs)"
    return f"gap {gap_without:+.3f} without dropout, {gap_with:+.3f} with it: {more}."


def check_smallest(smallest_units: Any, runs: Any) -> str:
    target = pick(full=0.95, quick=0.80)
    units = as_number(smallest_units, "smallest_units")
    try:
        tried = [_run(run, "each run") for run in runs]
    except TypeError:
        raise WrongAnswerError("runs should be the list of runs you trained, e.g. playground.runs.") from None
    single = {}
    for run in tried:
        sizes = _hidden_units(run)
        if len(sizes) == 1 and not run.diverged:
            single[sizes[0]] = max(single.get(sizes[0], 0.0), run.val_accuracy)
    good = sorted(size for size, accuracy in single.items() if accuracy >= target)
    if not good:
        raise WrongAnswerError(f"none of these single-layer runs reached {target:.0%} validation accuracy: try bigger.")
    if units not in single:
        raise WrongAnswerError(f"there is no single-layer run of {units:g} units among these runs: train it first.")
    if single[units] < target:
        raise WrongAnswerError(f"{units:g} units reached {single[units]:.1%}, below the target of {target:.0%}.")
    half = units / 2
    if units != good[0]:
        raise WrongAnswerError(f"{good[0]} units reached the target too, and is smaller than {units:g}.")
    if half >= 8 and half not in single:
        raise WrongAnswerError(f"train {half:g} units too: only then do you know that {units:g} is the smallest.")
    return f"{units:g} units reached {single[units]:.1%} on the validation data; {half:g} did not."


EXERCISES = [
    Exercise(
        7, 1, "one hidden layer of 8 units: its parameters, by hand",
        check_tiny,
        hints=(
            "playground.configure(hidden_layers=1, units=[8]), then run = playground.train().",
            "By hand: 784 x 8 + 8 for the hidden layer, 8 x 10 + 10 for the output layer.",
        ),
        answers=2,
    ),
    Exercise(
        7, 2, "one hidden layer of 128 units with learning rate 0.001 and with 1.0",
        check_learning_rates,
        hints=(
            "configure(hidden_layers=1, units=[128], learning_rate=0.001), train; then learning_rate=1.0, train.",
            "run.test_accuracy (or run.diverged) says how each did.",
        ),
        answers=2,
    ),
    Exercise(
        7, 3, "dropout 0 and 0.5 on one layer of 256 units: the gap between training and validation",
        check_dropout_gap,
        hints=(
            "Two runs with the same epochs: configure(hidden_layers=1, units=[256], dropout=0.0), then dropout=0.5.",
            "A run's gap: run.history['accuracy'][-1] - run.history['val_accuracy'][-1].",
        ),
        answers=4,
    ),
    Exercise(
        7, 4, "the smallest single hidden layer that reaches the target validation accuracy",
        check_smallest,
        hints=(
            "Loop over 8, 16, 32, ... units with hidden_layers=1, train each, and stop at the first that reaches it.",
            "The target is 95 % (80 % in quick mode), on the validation data: run.val_accuracy.",
        ),
        answers=2,
    ),
]
