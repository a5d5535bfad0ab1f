"""Lesson 05's exercises: recall from the confusion matrix, the least sure right answers, TensorFlow's confusion
matrix, and answering only when sure. Each check recomputes the answer from the learner's own model outputs, so it
holds for any trained model (and in quick mode)."""

from __future__ import annotations

from typing import Any

import numpy as np

from mnist_helpers.exercise_checks.answers import as_array, as_number
from mnist_helpers.exercise_feedback import Exercise, WrongAnswerError


def _confusion(value: Any) -> np.ndarray:
    return as_array(value, "confusion", (10, 10)).astype("int64")


def check_recall(lowest_recall_digit: Any, mistaken_for: Any, confusion: Any) -> str:
    table = _confusion(confusion)
    recall = np.diag(table) / np.maximum(table.sum(axis=1), 1)
    precision = np.diag(table) / np.maximum(table.sum(axis=0), 1)
    worst = int(np.argmin(recall))
    digit = as_number(lowest_recall_digit, "lowest_recall_digit")
    if digit == int(np.argmin(precision)) and digit != worst:
        raise WrongAnswerError(f"{digit:g} has the lowest precision (columns); recall divides by the row sums (rows).")
    if digit != worst:
        raise WrongAnswerError(
            f"digit {digit:g} does not have the lowest recall: recall = diagonal / row sum, and its argmin is {worst}."
        )
    row = table[worst].copy()
    row[worst] = -1
    answer = as_number(mistaken_for, "mistaken_for")
    if answer == worst:
        raise WrongAnswerError(f"{worst} is the digit itself (the diagonal): leave the diagonal out of its row.")
    if answer == int(np.argmax(np.where(np.arange(10) == worst, -1, table[:, worst]))):
        if answer != int(np.argmax(row)):
            raise WrongAnswerError(
                f"that is the digit most often read AS a {worst} (its column); the question is what the real {worst}s "
                "are read as (its row)."
            )
    if answer != int(np.argmax(row)):
        raise WrongAnswerError(f"in row {worst}, the largest number off the diagonal is in another column.")
    return f"digit {worst} has the lowest recall ({recall[worst]:.1%}); it is most often read as {int(np.argmax(row))}."


def check_least_sure(least_sure: Any, probabilities: Any, labels: Any) -> str:
    probs = as_array(probabilities, "probabilities", (None, 10))
    truth = as_array(labels, "labels", (len(probs),)).astype("int64")
    chosen = as_array(least_sure, "least_sure", (10,)).astype("int64")
    predicted = probs.argmax(axis=1)
    correct = np.flatnonzero(predicted == truth)
    expected = correct[np.argsort(probs[correct].max(axis=1), kind="stable")[:10]]
    if np.any(predicted[chosen] != truth[chosen]):
        raise WrongAnswerError("some of these answers are wrong: keep only the correct answers (predicted == label).")
    if set(chosen) == set(correct[np.argsort(probs[correct].max(axis=1), kind="stable")[::-1][:10]]):
        raise WrongAnswerError("these are the MOST confident correct answers: sort by top probability, lowest up.")
    if not np.allclose(np.sort(probs[chosen].max(axis=1)), np.sort(probs[expected].max(axis=1))):
        raise WrongAnswerError("these are correct, but not the 10 least sure: sort the right ones by top probability.")
    top = probs[chosen].max(axis=1)
    return f"the 10 least sure right answers, from {top.min():.0%} to {top.max():.0%} sure."


def check_tf_confusion(tf_confusion: Any, confusion: Any) -> str:
    theirs, ours = _confusion(tf_confusion), _confusion(confusion)
    if np.array_equal(theirs, ours):
        return "tf.math.confusion_matrix(labels, predictions) gives exactly our matrix."
    if np.array_equal(theirs, ours.T):
        raise WrongAnswerError("this is our matrix transposed: the true labels come first, then predictions.")
    raise WrongAnswerError("the two matrices differ: count the same test images, true labels first, num_classes=10.")


def check_only_when_sure(answered_share: Any, answered_accuracy: Any, probabilities: Any, labels: Any) -> str:
    probs = as_array(probabilities, "probabilities", (None, 10))
    truth = as_array(labels, "labels", (len(probs),)).astype("int64")
    sure = probs.max(axis=1) >= 0.9
    share, accuracy = as_number(answered_share, "answered_share"), as_number(answered_accuracy, "answered_accuracy")
    if np.isclose(share, 1 - sure.mean(), atol=1e-4) and not np.isclose(share, sure.mean(), atol=1e-4):
        raise WrongAnswerError("that is the share of 'not sure' images: give the share the model answers.")
    if not np.isclose(share, sure.mean(), atol=1e-4):
        raise WrongAnswerError(f"answered_share {share:.4f} is not the share with a top probability of 0.9 or more.")
    expected = np.mean(probs[sure].argmax(axis=1) == truth[sure])
    if np.isclose(accuracy, np.mean(probs.argmax(axis=1) == truth), atol=1e-4) and not np.isclose(accuracy, expected):
        raise WrongAnswerError("that is the accuracy on all images: measure it on the answered ones only.")
    if not np.isclose(accuracy, expected, atol=1e-4):
        raise WrongAnswerError("answered_accuracy should be the share right among the answered images.")
    return f"it answers {share:.1%} of the images and is right on {accuracy:.2%} of those."


EXERCISES = [
    Exercise(
        5, 1, "the digit with the lowest recall, and what it is most often read as",
        check_recall,
        hints=(
            "Recall per digit: the diagonal divided by the row sums (rows are the true digits).",
            "In that digit's row, set the diagonal aside; np.argmax of the rest is its most common wrong answer.",
        ),
        answers=3,
    ),
    Exercise(
        5, 2, "the 10 least confident correct answers",
        check_least_sure,
        hints=(
            "Keep the correct answers first: np.flatnonzero(predicted_digits == y_test_digits).",
            "Sort them by probabilities[correct].max(axis=1), lowest first (np.argsort), and keep 10.",
        ),
        answers=3,
    ),
    Exercise(
        5, 3, "TensorFlow's confusion matrix against ours",
        check_tf_confusion,
        hints=(
            "tf.math.confusion_matrix(labels, predictions, num_classes=10) returns a tensor.",
            "Its .numpy() is an array you can compare with np.array_equal.",
        ),
        answers=2,
    ),
    Exercise(
        5, 4, "answer only when the top probability is at least 0.9",
        check_only_when_sure,
        hints=(
            "sure = probabilities.max(axis=1) >= 0.9 is a mask; sure.mean() is the share answered.",
            "The accuracy on those: np.mean(predicted_digits[sure] == y_test_digits[sure]).",
        ),
        answers=4,
    ),
]
