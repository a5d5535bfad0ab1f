"""Lesson 02's exercises: counting a Dense network's parameters, where they sit, an equal budget, a stable softmax."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mnist_helpers.dense_networks import count_dense_parameters
from mnist_helpers.exercise_checks.answers import as_number
from mnist_helpers.exercise_feedback import Exercise, WrongAnswerError

ORIGINAL_LAYERS = (784 * 512 + 512, 512 * 256 + 256, 256 * 10 + 10)


def check_count(count: Any) -> str:
    value = as_number(count, "count")
    if value == 784 * 128 + 128 * 10:
        raise WrongAnswerError(f"{value:,.0f} counts only the weights: every unit also has one bias (+ units).")
    if value == 784 * 128 + 128:
        raise WrongAnswerError(f"{value:,.0f} is only the hidden layer: add the output layer's 128 x 10 + 10.")
    if value != count_dense_parameters(784, [128], 10):
        raise WrongAnswerError(f"{value:,.0f} is not it: add inputs x units + units for each of the two Dense layers.")
    return f"{value:,.0f} parameters: 784 x 128 + 128 in the hidden layer, 128 x 10 + 10 in the output layer."


def check_shares(shares: Any) -> str:
    values = np.asarray(shares, dtype="float64").ravel()
    if values.shape != (3,):
        raise WrongAnswerError(f"give three shares, one per Dense layer of the original; got {values.size} values.")
    expected = np.array(ORIGINAL_LAYERS) / sum(ORIGINAL_LAYERS)
    if np.allclose(values, ORIGINAL_LAYERS):
        raise WrongAnswerError("those are the layers' parameter counts: divide each by the total, 535,818.")
    if np.allclose(values, 100 * expected, atol=0.05):
        raise WrongAnswerError("those are percentages: give the shares as fractions of 1 (divide by 100).")
    if not np.isclose(values.sum(), 1, atol=1e-3):
        raise WrongAnswerError(f"your shares add up to {values.sum():.3f}: the three layers make the whole network.")
    if not np.allclose(values, expected, atol=1e-3):
        raise WrongAnswerError("the shares add up but are not the layers': count each layer as inputs x units + units.")
    return "about 75 %, 24.5 % and 0.5 %: the first layer multiplies the two largest numbers, 784 x 512."


def check_width(n: Any) -> str:
    units = as_number(n, "n")
    if units != int(units) or units < 1:
        raise WrongAnswerError(f"n = {units:g} is not a number of units: round it to a whole number.")
    original = sum(ORIGINAL_LAYERS)
    count = count_dense_parameters(784, [int(units)], 10)
    if abs(count - original) >= 795:
        direction = "more" if count > original else "fewer"
        raise WrongAnswerError(
            f"784 -> {units:.0f} -> 10 has {count:,} parameters, {abs(count - original):,} {direction} than the "
            f"original's {original:,}. Each hidden unit brings 784 + 1 + 10 = 795: solve 795 n + 10 = {original:,}."
        )
    return f"784 -> {units:.0f} -> 10 has {count:,} parameters, within one unit's 795 of the original's {original:,}."


def check_softmax(softmax: Any) -> str:
    if not isinstance(softmax, Callable):
        raise WrongAnswerError("give your softmax as a function, e.g. def stable_softmax(scores): ...")
    big = np.array([1000.0, 1001.0, 1002.0])
    with np.errstate(over="ignore", invalid="ignore"):
        result = np.asarray(softmax(big), dtype="float64")
    if result.shape != (3,):
        raise WrongAnswerError(f"stable_softmax([1000, 1001, 1002]) should give 3 probabilities, not {result.shape}.")
    if not np.all(np.isfinite(result)):
        raise WrongAnswerError(
            "stable_softmax([1000, 1001, 1002]) gives nan or inf: exp(1000) overflows. Subtract the largest score."
        )
    if not np.isclose(result.sum(), 1):
        raise WrongAnswerError(f"the probabilities add up to {result.sum():.4g}, not 1: divide by the sum of the exps.")
    scores = np.random.default_rng(0).normal(size=10)
    right = [np.exp(s - s.max()) / np.exp(s - s.max()).sum() for s in (scores, big)]
    if not np.allclose(softmax(scores), right[0]) or not np.allclose(result, right[1]):
        raise WrongAnswerError("the probabilities are not softmax's: exp(score - largest) / sum of those exps.")
    return "it gives softmax's probabilities, and large scores no longer overflow."


EXERCISES = [
    Exercise(
        2, 1, "the parameters of 784 -> 128 -> 10, counted by hand",
        check_count,
        hints=(
            "Each Dense layer has inputs x units weights and one bias per unit.",
            "Two Dense layers: 784 into 128, then 128 into 10.",
        ),
    ),
    Exercise(
        2, 2, "the share of the original's parameters in each of its three layers",
        check_shares,
        hints=(
            "Count each layer as inputs x units + units: 784 -> 512, 512 -> 256, 256 -> 10.",
            "Divide each count by the total, 535,818; give three fractions, e.g. [0.75, 0.245, 0.005].",
        ),
    ),
    Exercise(
        2, 3, "one hidden layer of n units with about the original's number of parameters",
        check_width,
        hints=(
            "784 -> n -> 10 has (784 n + n) + (10 n + 10) = 795 n + 10 parameters.",
            "Solve 795 n + 10 = 535,818 and round n to a whole number.",
        ),
    ),
    Exercise(
        2, 4, "a softmax that survives large scores",
        check_softmax,
        hints=(
            "Adding the same number to every score leaves softmax's probabilities unchanged.",
            "So subtract the largest score first: then every exp() is at most 1 and cannot overflow.",
        ),
    ),
]
