"""Lesson 10's exercises: one digit drawn at three sizes, the digit left uncentred, thinner and thicker strokes, and
the model's most common confusions on drawings. Each check reads the learner's drawings with the learner's own
model, so it holds for the CNN, the Dense network and quick mode alike."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import ndimage

from mnist_helpers.digit_image import draw_digit_on_canvas, preprocessing_steps, to_mnist_format
from mnist_helpers.exercise_checks.answers import as_array, as_number
from mnist_helpers.exercise_feedback import Exercise, WrongAnswerError

SIZES = (60, 140, 250)  # exercise 1's drawing sizes, in pixels
STROKE_FILTER = (9, 9)  # exercise 3's erosion and dilation
RUBBED_OUT = 64  # exercise 3: an eroded drawing whose strongest ink is below this (of 255) was rubbed out


def _read(model: Any, images: np.ndarray) -> np.ndarray:
    """The digits ``model`` reads in 28x28 pictures (0-1), each reshaped to the model's input."""
    batch = np.asarray(images, dtype="float32").reshape((len(images), *model.inputs[0].shape[1:]))
    return np.argmax(np.asarray(model.predict(batch, verbose=0)), axis=1)


def _drawings(value: Any, name: str) -> list[np.ndarray]:
    """A list of drawings as the pad makes them: 280x280 RGBA, the ink in the alpha channel."""
    drawings = [np.asarray(drawing) for drawing in value]
    for index, drawing in enumerate(drawings):
        if drawing.shape != (280, 280, 4):
            raise WrongAnswerError(
                f"{name}[{index}] has shape {drawing.shape}; a drawing is a 280x280 RGBA canvas (280, 280, 4), "
                "as mh.draw_digit_on_canvas makes it."
            )
    return drawings


def _ink_side(drawing: np.ndarray) -> int:
    """The longer side of the drawing's ink, in pixels."""
    rows = np.flatnonzero(drawing[..., 3].any(axis=1))
    columns = np.flatnonzero(drawing[..., 3].any(axis=0))
    return int(max(rows[-1] - rows[0], columns[-1] - columns[0]) + 1) if rows.size else 0


def check_three_sizes(drawings_of_one: Any, readings: Any, model: Any, x_test_images: Any) -> str:
    drawings = _drawings(drawings_of_one, "drawings_of_one")
    if len(drawings) != len(SIZES):
        raise WrongAnswerError(f"drawings_of_one holds {len(drawings)} drawings: make one for each size {SIZES}.")
    digit = np.asarray(x_test_images)[1]
    reference = to_mnist_format(draw_digit_on_canvas(digit, 140, 70, 70))
    digit_side = _ink_side(np.dstack([np.zeros((28, 28, 3)), np.where(digit > 127, 255, 0)]))
    for index, drawing in enumerate(drawings):
        if not drawing[..., 3].any():
            raise WrongAnswerError(f"drawings_of_one[{index}] is empty: draw the digit with mh.draw_digit_on_canvas.")
        similarity = np.corrcoef(to_mnist_format(drawing).ravel(), reference.ravel())[0, 1]
        if similarity < 0.8:
            raise WrongAnswerError(f"drawings_of_one[{index}] does not show x_test_images[1]: draw that digit.")
    # A drawing of size s blows the 28x28 picture up to s x s, so its ink spans s * digit_side / 28 pixels.
    sizes = sorted(round(_ink_side(drawing) * 28 / digit_side) for drawing in drawings)
    if any(abs(size - wanted) > 0.1 * wanted for size, wanted in zip(sizes, SIZES, strict=True)):
        raise WrongAnswerError(f"the drawings have sizes of about {sizes} pixels; make them {SIZES} (size_px).")
    expected = [int(digit) for digit in _read(model, np.stack([to_mnist_format(d) for d in drawings]))]
    answered = np.asarray(readings)
    if answered.shape == (len(SIZES), 10):
        raise WrongAnswerError("these are probabilities: give the digit each drawing is read as (prediction.digit).")
    answered = as_array(answered, "readings", (len(SIZES),))
    if [int(value) for value in answered] != expected:
        raise WrongAnswerError(
            f"the model reads the three drawings as {expected}, not {answered.tolist()}: ask it with "
            "mh.predict_digit(model, drawing), which preprocesses first, in the order of drawings_of_one."
        )
    if len(set(expected)) == 1:
        return f"all three sizes are read as {expected[0]}: after preprocessing, size hardly matters."
    return f"read as {expected}: preprocessing evens out most of the size, but not all of it for this model."


def _top_left_expected(drawing: np.ndarray) -> np.ndarray:
    scaled = preprocessing_steps(drawing).scaled
    field = np.zeros((28, 28), dtype="float32")
    field[: scaled.shape[0], : scaled.shape[1]] = scaled
    return field


def check_not_centred(top_left: Any, not_centred_accuracy: Any, model: Any, drawings: Any, labels: Any) -> str:
    if not callable(top_left):
        raise WrongAnswerError("top_left should be a function: def top_left(drawing): ... return the 28x28 field.")
    pictures = _drawings(drawings, "drawings")
    truth = as_array(labels, "labels", (len(pictures),)).astype("int64")
    first = np.asarray(top_left(pictures[0]), dtype="float32")
    if first.shape != (28, 28):
        raise WrongAnswerError(f"top_left(drawing) returned shape {first.shape}: the model needs a 28x28 field.")
    if np.allclose(first, to_mnist_format(pictures[0])):
        raise WrongAnswerError("top_left gives the centred picture: put the 20x20 picture at field[:h, :w] instead.")
    expected_first = _top_left_expected(pictures[0])
    if not np.allclose(first, expected_first, atol=1e-5):
        raise WrongAnswerError(
            "top_left(drawing) should be a 28x28 field of zeros with the scaled picture (preprocessing_steps(drawing)"
            ".scaled, cropped and fitted into 20x20) in its top-left corner, field[:h, :w]."
        )
    accuracy = as_number(not_centred_accuracy, "not_centred_accuracy")
    fields = np.stack([_top_left_expected(drawing) for drawing in pictures])
    expected = float(np.mean(_read(model, fields) == truth))
    centred = float(np.mean(_read(model, np.stack([to_mnist_format(d) for d in pictures])) == truth))
    if np.isclose(accuracy, centred) and not np.isclose(accuracy, expected):
        raise WrongAnswerError(f"{accuracy:.1%} is the accuracy WITH centring: measure it on top_left(d) of each one.")
    if np.isclose(accuracy, 100 * expected, atol=0.05):
        raise WrongAnswerError(f"{accuracy:g} is a percentage: give the share, from 0 to 1 ({expected:.3f}).")
    if not np.isclose(accuracy, expected, atol=1e-6):
        raise WrongAnswerError(
            f"not_centred_accuracy is {accuracy:.1%}; the model reads {expected:.1%} of the drawings right when each "
            "goes in as top_left(drawing), without preprocess."
        )
    return f"{expected:.1%} without centring, against {centred:.1%} centred: the position matters to the model."


def _stroke_accuracies(model: Any, drawings: list[np.ndarray], truth: np.ndarray) -> dict[str, dict[str, float]]:
    """Accuracy with thinner and thicker strokes: as asked (a rubbed-out drawing kept unchanged), and two ways of
    getting it wrong (rubbed-out drawings left out of the count, or counted as mistakes)."""
    results = {}
    for name, change in (("thinner", ndimage.grey_erosion), ("thicker", ndimage.grey_dilation)):
        pictures, rubbed_out = [], []
        for drawing in drawings:
            alpha = change(drawing[..., 3], size=STROKE_FILTER)
            rubbed_out.append(bool(alpha.max() < RUBBED_OUT))
            changed = drawing.copy()
            changed[..., 3] = drawing[..., 3] if rubbed_out[-1] else alpha
            pictures.append(to_mnist_format(changed))
        right = _read(model, np.stack(pictures)) == truth
        kept = ~np.asarray(rubbed_out)
        results[name] = {
            "asked": float(right.mean()),
            "left out": float(right[kept].mean()) if kept.any() else float("nan"),
            "counted wrong": float((right & kept).mean()),
        }
    return results


def check_strokes(thinner_accuracy: Any, thicker_accuracy: Any, model: Any, drawings: Any, labels: Any) -> str:
    pictures = _drawings(drawings, "drawings")
    truth = as_array(labels, "labels", (len(pictures),)).astype("int64")
    thinner, thicker = as_number(thinner_accuracy, "thinner_accuracy"), as_number(thicker_accuracy, "thicker_accuracy")
    results = _stroke_accuracies(model, pictures, truth)
    right = results["thinner"]["asked"], results["thicker"]["asked"]
    if np.allclose((thicker, thinner), right) and not np.allclose((thinner, thicker), right):
        raise WrongAnswerError("the two are swapped: grey_erosion makes strokes thinner, grey_dilation thicker.")
    for name, value in (("thinner", thinner), ("thicker", thicker)):
        expected = results[name]
        if np.isclose(value, expected["asked"], atol=1e-6):
            continue
        if np.isclose(value, expected["left out"]) or np.isclose(value, expected["counted wrong"]):
            raise WrongAnswerError(
                f"{name}_accuracy: when the erosion rubs a drawing out, keep that drawing as it was (and count it)."
            )
        change = "grey_erosion" if name == "thinner" else "grey_dilation"
        raise WrongAnswerError(
            f"{name}_accuracy is {value:.1%}, not {expected['asked']:.1%}: apply ndimage.{change}(drawing[..., 3], "
            f"size={STROKE_FILTER}) to each drawing's alpha channel, then mh.to_mnist_format, then the model."
        )
    return f"thinner strokes {right[0]:.1%}, thicker {right[1]:.1%} of the drawings read right."


def check_confusions(confusions: Any, model: Any, preprocessed: Any, labels: Any) -> str:
    pictures = as_array(preprocessed, "preprocessed", (None, 28, 28))
    truth = as_array(labels, "labels", (len(pictures),)).astype("int64")
    predicted = _read(model, pictures)
    expected = Counter((int(t), int(p)) for t, p in zip(truth, predicted, strict=True) if t != p)
    try:
        answered = Counter({(int(t), int(p)): int(n) for (t, p), n in dict(confusions).items()})
    except (TypeError, ValueError):
        raise WrongAnswerError(
            "confusions should count the mistakes by (true, predicted) pair, e.g. Counter({(4, 9): 3, ...})."
        ) from None
    if any(t == p for t, p in answered):
        raise WrongAnswerError("confusions includes right answers (true == predicted): count only the mistakes.")
    swapped = Counter({(p, t): n for (t, p), n in answered.items()})
    if swapped == expected and answered != expected:
        raise WrongAnswerError("the pairs are the wrong way round: (true label, predicted digit).")
    if answered != expected:
        raise WrongAnswerError(
            f"the model makes {sum(expected.values())} mistakes on these drawings, in {len(expected)} different "
            f"pairs; confusions counts {sum(answered.values())} in {len(answered)}. Predict all of `preprocessed` "
            "and count (label, prediction) where they differ."
        )
    if not expected:
        return "no mistakes on these drawings at all: nothing to confuse."
    top, count = expected.most_common(1)[0]
    return f"{sum(expected.values())} mistakes; the most common is a {top[0]} read as {top[1]} ({count} times)."


def _exercise(number: int, task: str, check: Callable[..., str], hints: tuple[str, ...], answers: int) -> Exercise:
    return Exercise(10, number, task, check, hints=hints, answers=answers)


EXERCISES = [
    _exercise(
        1, "x_test_images[1] drawn at three sizes, and what the model reads",
        check_three_sizes,
        (
            "mh.draw_digit_on_canvas(x_test_images[1], side, top, left) makes one drawing; side is its size.",
            "readings = [mh.predict_digit(model, d).digit for d in drawings_of_one]",
        ),
        answers=4,
    ),
    _exercise(
        2, "the digit put in the top-left corner instead of centred",
        check_not_centred,
        (
            "mh.preprocessing_steps(drawing).scaled is the picture after step 2: cropped and fitted into 20x20.",
            "field = np.zeros((28, 28), 'float32'); field[:h, :w] = scaled. For the accuracy, use section 5's "
            "accuracy(model, np.stack([top_left(d) for d in drawings])).",
        ),
        answers=5,
    ),
    _exercise(
        3, "thinner and thicker strokes",
        check_strokes,
        (
            "ndimage.grey_erosion(drawing[..., 3], size=(9, 9)) is the thinner ink; put it back into a copy of the "
            "drawing with changed[..., 3] = ...",
            "If the eroded alpha's largest value is below 64, the erosion rubbed the drawing out: keep the drawing "
            "as it was. Then mh.to_mnist_format each one and use section 5's accuracy(model, ...).",
        ),
        answers=5,
    ),
    _exercise(
        4, "the most common (true, predicted) pairs among the mistakes",
        check_confusions,
        (
            "predicted = np.argmax(model.predict(...), axis=1) on section 5's `preprocessed`, reshaped as accuracy() "
            "does; the mistakes are where predicted != labels.",
            "collections.Counter((int(t), int(p)) for t, p in zip(labels, predicted) if t != p) counts the pairs; "
            ".most_common(5) lists the top five.",
        ),
        answers=4,
    ),
]
