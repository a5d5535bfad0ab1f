"""Lesson 03's exercises: which learning rates diverge, the tape's gradient, a step too long, and five SGD steps."""

from __future__ import annotations

from typing import Any

import numpy as np

from mnist_helpers.exercise_checks.answers import as_number
from mnist_helpers.exercise_feedback import Exercise, WrongAnswerError


def toy_data() -> tuple[np.ndarray, np.ndarray]:
    """Lesson 03's 200 pairs (y about 3 x), made exactly as the lesson makes them."""
    rng = np.random.default_rng(0)
    x_toy = rng.uniform(0.5, 1.5, size=200)
    return x_toy, 3.0 * x_toy + rng.normal(0.0, 0.3, size=200)


def check_diverging(diverging: Any) -> str:
    try:
        rates = {float(rate) for rate in (diverging if isinstance(diverging, set | frozenset) else np.ravel(diverging))}
    except (TypeError, ValueError):
        raise WrongAnswerError("diverging should be the learning rates that diverge, e.g. {0.5} or [0.5].") from None
    x_toy, _ = toy_data()
    limit = 1 / np.mean(x_toy**2)
    expected = {rate for rate in (0.1, 0.5, 1.0) if rate > limit}
    wrong = sorted(rates - expected)
    missed = sorted(expected - rates)
    if wrong:
        raise WrongAnswerError(
            f"{', '.join(map(str, wrong))} stays below the limit {limit:.2f} that lesson 03 printed: each step still "
            "lands closer to the bottom. Look at w after 10 steps."
        )
    if missed:
        raise WrongAnswerError(f"{', '.join(map(str, missed))} is above the limit {limit:.2f}: its steps overshoot.")
    return f"only {sorted(expected)} is above {limit:.2f}, where every step lands further from the bottom than before."


def check_gradient(gradient_at_5: Any) -> str:
    x_toy, y_toy = toy_data()
    value = as_number(gradient_at_5, "gradient_at_5")
    expected = float(np.mean(2 * x_toy * (5.0 * x_toy - y_toy)))
    at_one = float(np.mean(2 * x_toy * (1.0 * x_toy - y_toy)))
    if np.isclose(value, at_one, rtol=1e-3):
        raise WrongAnswerError(f"{value:.4f} is the gradient at w = 1: make the variable tf.Variable(5.0).")
    if np.isclose(value, -expected, rtol=1e-3):
        raise WrongAnswerError(f"{value:.4f} has the wrong sign: at w = 5 the loss grows with w (slope > 0).")
    if not np.isclose(value, expected, rtol=1e-3):
        raise WrongAnswerError(f"{value:.4f} is not the slope of the toy loss at w = 5: compare toy_gradient(5.0).")
    return f"{value:.4f}, positive: at w = 5 the loss grows with w, so gradient descent makes w smaller."


def check_long_step(loss_before: Any, loss_after: Any) -> str:
    before, after = as_number(loss_before, "loss_before"), as_number(loss_after, "loss_after")
    if not np.isfinite(after):
        return "the loss became inf or nan: a step that long throws the weights far past any valley."
    if after < before:
        raise WrongAnswerError(
            f"the loss fell ({before:.3f} -> {after:.3f}): did the step use learning_rate=10 on the same batch?"
        )
    if np.isclose(before, after):
        raise WrongAnswerError("the loss did not change: did the step assign the new weights (weights.assign(...))?")
    return f"the loss rose from {before:.3f} to {after:.3f}: the step lands far beyond the valley it aimed for."


def check_losses(losses: Any) -> str:
    values = np.asarray(losses, dtype="float64").ravel()
    if values.size == 6:
        values = values[1:]  # the loss before the first step, given too
    if values.size != 5:
        raise WrongAnswerError(f"give the 5 losses, one after each step, as a list; got {values.size} values.")
    if not np.all(np.isfinite(values)):
        raise WrongAnswerError("a loss is nan or inf: use learning rate 0.1, as in lesson 03.")
    if np.allclose(values, values[0]):
        raise WrongAnswerError("all five losses are the same: does each step assign the new weights?")
    if values[-1] >= values[0]:
        raise WrongAnswerError(
            "the loss did not fall over the five steps: check the step's sign (weights - 0.1 * gradient) and that "
            "each step uses a new batch."
        )
    return f"the loss on the other images fell from {values[0]:.4f} to {values[-1]:.4f} in five steps."


EXERCISES = [
    Exercise(
        3, 1, "which of the learning rates 0.1, 0.5 and 1.0 diverge on the toy loss",
        check_diverging,
        hints=(
            "Run gradient_descent(0.0, rate) for each rate and look at w after 10 steps: the bottom is near 3.",
            "Lesson 03 printed the limit 1 / mean(x**2): above it every step overshoots further.",
        ),
    ),
    Exercise(
        3, 2, "the tape's gradient of the toy loss at w = 5",
        check_gradient,
        hints=(
            "Copy lesson 03's GradientTape cell and start from w = tf.Variable(5.0).",
            "tape.gradient(loss, w) is a tensor; float(...) turns it into a number.",
        ),
    ),
    Exercise(
        3, 3, "one step with learning rate 10 on the real network",
        check_long_step,
        hints=(
            "Rebuild the network, take the gradient on the same batch, and step with 10 instead of 0.1.",
            "Measure batch_loss() before and after the step: loss_before, loss_after.",
        ),
        answers=2,
    ),
    Exercise(
        3, 4, "five steps of SGD on new batches, the loss on 1,000 other images after each",
        check_losses,
        hints=(
            "Step k uses x_train[64 * k : 64 * (k + 1)] and the same labels.",
            "After each step, measure the loss on a fixed set of other images, e.g. x_train[-1000:], and append it.",
        ),
    ),
]
