"""Lesson 09's exercises: the feature maps of a 1 and an 8, a diagonal-edge filter, the CNN without random shifts,
and the parameters of the third convolution and of a global-average-pooling head.

The checks compute what the learner's model does (its first convolution's maps, through Keras' functional API),
what the learner's filter answers to on small test pictures, and what their models' layers and parameter counts
are; nothing depends on a training result."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from mnist_helpers.exercise_checks.answers import as_number, full_mnist
from mnist_helpers.exercise_checks.keras_answers import (
    as_history,
    as_model,
    last_epoch_gap,
    layers_of,
    shapes_in_and_out,
    trained_with,
)
from mnist_helpers.exercise_feedback import Exercise, WrongAnswerError
from mnist_helpers.notebook_setup import import_keras_quietly

THIRD_CONV = 3 * 3 * 48 * 96  # 96 filters of 3 x 3 x 48, no bias (batch normalisation shifts instead)
FLATTEN_HEAD = 3 * 3 * 96 * 10 + 10  # Dense(10) on 864 numbers
AVERAGE_HEAD = 96 * 10 + 10  # Dense(10) on 96 averages


@cache
def lesson_parameters() -> int:
    """The parameters of lesson 09's CNN, counted by Keras on the lesson's own builder."""
    from mnist_helpers.lessons.cnn import build_cnn_model

    return build_cnn_model().count_params()


def scaled_test_images() -> tuple[np.ndarray, np.ndarray]:
    """The test images as lesson 09 feeds them (scaled, 28x28x1), and their digits."""
    _, _, x_test, y_test = full_mnist()
    return (x_test.astype("float32") / 255.0)[..., np.newaxis], y_test


def first_conv_maps(model: Any, images: np.ndarray) -> np.ndarray:
    """The first Conv2D's output (after its relu) for `images`, through a functional sub-model, as lesson 09 does;
    training=False, because a model called directly applies RandomTranslation's shifts (its call's default)."""
    keras = import_keras_quietly()
    first_conv = layers_of(model, "Conv2D")[0]
    extractor = keras.Model(inputs=model.inputs[0], outputs=first_conv.output)
    return keras.ops.convert_to_numpy(extractor(images, training=False))


def as_maps(value: Any, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """`value` as one image's feature maps of `shape` (a batch of one is fine), or what it looks like instead."""
    maps = np.asarray(value, dtype="float32")
    if maps.ndim == 4 and maps.shape[0] == 1:
        maps = maps[0]
    if maps.shape == shape:
        return maps
    size, channels = shape[0], shape[-1]
    if maps.shape in ((28, 28), (28, 28, 1)):
        raise WrongAnswerError(f"{name} is a 28x28 picture: give the {channels} maps the first Conv2D makes of it.")
    if maps.shape == shape[:2]:
        raise WrongAnswerError(f"{name} is one map: give all {channels} ({size}x{size}x{channels}), the whole output.")
    if maps.ndim == 3 and maps.shape[-1] == channels and maps.shape[0] < size:
        raise WrongAnswerError(
            f"{name} is {maps.shape[0]}x{maps.shape[1]}: that is after the pooling; stop at the first Conv2D's output."
        )
    raise WrongAnswerError(f"{name} should have the shape {shape} (the first Conv2D's output), not {maps.shape}.")


def check_feature_maps(model: Any, maps_one: Any, maps_eight: Any) -> str:
    model = as_model(model, "model")
    if not layers_of(model, "Conv2D"):
        raise WrongAnswerError("model has no Conv2D layer: give lesson 09's trained CNN, model.")
    x_test, y_test = scaled_test_images()
    first = {digit: int(np.flatnonzero(y_test == digit)[0]) for digit in (1, 8)}
    looked_at = sorted({first[1], first[8], 1, 8})  # the first 1 and 8, and test images number 1 and 8
    computed = dict(zip(looked_at, first_conv_maps(model, x_test[looked_at]), strict=True))
    shape = computed[first[1]].shape
    answers = {1: as_maps(maps_one, "maps_one", shape), 8: as_maps(maps_eight, "maps_eight", shape)}
    tolerance = 1e-4 * max(1.0, float(np.abs(computed[first[8]]).max()))

    def same(maps: np.ndarray, index: int) -> bool:
        return np.allclose(maps, computed[index], rtol=0, atol=tolerance)

    for digit, other in ((1, 8), (8, 1)):
        name, maps, index = f"maps_{'one' if digit == 1 else 'eight'}", answers[digit], first[digit]
        if same(maps, index):
            continue
        if same(maps, first[other]):
            raise WrongAnswerError(f"{name} holds the maps of the {other}: give the first {digit}'s maps there.")
        if same(maps, digit):
            raise WrongAnswerError(
                f"{name} holds the maps of test image {digit}, a {y_test[digit]}; the first {digit} of the test set is "
                f"image {index}: np.flatnonzero(y_test_digits == {digit})[0]."
            )
        raise WrongAnswerError(
            f"{name} is not what this model's first Conv2D makes of the first {digit} (test image {index}): "
            f"feature_extractor(x_test[{index} : {index + 1}], training=False)[0] (without training=False the "
            "random shift layer moves the digit)."
        )
    change = np.abs(answers[8] - answers[1]).mean(axis=(0, 1))
    return (
        f"the maps of test images {first[1]} (a 1) and {first[8]} (an 8). Map {int(change.argmax())} changes the "
        f"most between them, map {int(change.argmin())} the least: look at both in your pictures."
    )


def filter_responses(kernel: np.ndarray, size: int = 12) -> dict[str, float]:
    """The strongest answer (largest absolute value of its feature map) of a 3x3 filter to small test pictures:
    a diagonal edge from top-left to bottom-right, the other diagonal, a vertical and a horizontal edge, a thin
    diagonal line, and flat ink."""
    rows, columns = np.indices((size, size))
    pictures = {
        "diagonal": columns > rows,  # ink above-right of a line from the top-left to the bottom-right
        "other diagonal": rows + columns < size - 1,  # ink above-left of a line from the top-right to the bottom-left
        "vertical": columns >= size // 2,
        "horizontal": rows >= size // 2,
        "line": columns == rows,
        "flat": np.ones((size, size), dtype=bool),
    }
    answers = {}
    for name, picture in pictures.items():
        patches = np.lib.stride_tricks.sliding_window_view(picture.astype("float64"), (3, 3))
        answers[name] = float(np.abs((patches * kernel).sum(axis=(2, 3))).max())
    return answers


def check_diagonal_filter(diagonal_edge: Any) -> str:
    kernel = np.asarray(diagonal_edge, dtype="float64")
    if kernel.size == 9:
        kernel = kernel.reshape(3, 3)
    else:
        raise WrongAnswerError(f"give a 3x3 filter (9 numbers), like vertical_edge; got the shape {kernel.shape}.")
    scale = float(np.abs(kernel).sum())
    if scale == 0:
        raise WrongAnswerError("your filter is all zeros: it answers 0 everywhere.")
    answers = filter_responses(kernel)
    if answers["flat"] > 1e-6 * scale:
        raise WrongAnswerError(
            f"your numbers add up to {kernel.sum():g}, so a patch of plain ink gives {kernel.sum():g}: the map lights "
            "up inside strokes, not only at edges. Make them add up to 0, like vertical_edge."
        )
    diagonal, margin = answers["diagonal"], 1e-6 * scale
    rival = max(("other diagonal", "vertical", "horizontal"), key=lambda name: answers[name])
    if answers[rival] >= diagonal - margin and rival == "other diagonal":
        raise WrongAnswerError(
            "your filter answers most to edges from top-right to bottom-left (/); the exercise asks for top-left to "
            "bottom-right (\\): mirror it left to right (np.fliplr)."
        )
    if answers[rival] >= diagonal - margin:
        raise WrongAnswerError(
            f"your filter answers to {rival} edges ({answers[rival]:g}) at least as much as to diagonal ones "
            f"({diagonal:g}): fill one side of the diagonal with positive numbers and the other with negative ones."
        )
    straight = max(answers["vertical"], answers["horizontal"])
    if answers["line"] > diagonal + margin:
        raise WrongAnswerError(
            f"your filter answers more to a thin diagonal line ({answers['line']:g}) than to an edge ({diagonal:g}): "
            "it finds lines. For an edge, one side of the diagonal positive, the other negative."
        )
    return (
        f"your filter answers {diagonal:g} to a diagonal edge, {straight:g} at most to a vertical or horizontal one "
        f"and {answers['other diagonal']:g} to the other diagonal. Show slide_filter(digit, diagonal_edge)."
    )


def check_no_shifts(model_no_shifts: Any, history_no_shifts: Any) -> str:
    model = as_model(model_no_shifts, "model_no_shifts")
    if layers_of(model, "RandomTranslation"):
        raise WrongAnswerError("model_no_shifts still has its RandomTranslation layer: remove it.")
    curves = as_history(history_no_shifts, "history_no_shifts", needs=("accuracy", "val_accuracy"))
    trained_with(model, history_no_shifts, "model_no_shifts", "history_no_shifts")
    if shapes_in_and_out(model) != ((28, 28, 1), (10,)):
        raise WrongAnswerError("model_no_shifts should take 28x28x1 images and give 10 probabilities, like the CNN.")
    if model.count_params() != lesson_parameters():
        raise WrongAnswerError(
            f"model_no_shifts has {model.count_params():,} parameters, lesson 09's CNN {lesson_parameters():,} "
            "(the shift layer has none): keep every other layer as it is."
        )
    return f"no shifts: {last_epoch_gap(curves)}. Compare with the lesson's curves and test accuracy."


def check_head(third_conv_parameters: Any, dense_parameters: Any, model_gap: Any) -> str:
    third = as_number(third_conv_parameters, "third_conv_parameters")
    if third == THIRD_CONV + 96:
        raise WrongAnswerError(f"{third:,.0f} counts 96 biases: Conv2D(96, 3, use_bias=False) has none.")
    if third in (3 * 3 * 96, 3 * 3 * 96 + 96):
        raise WrongAnswerError(
            f"{third:,.0f} forgets the input maps: each filter is 3 x 3 x 48, it looks at all 48 maps before it."
        )
    if third == THIRD_CONV + 4 * 96:
        raise WrongAnswerError(f"{third:,.0f} includes the BatchNormalization after it: count the Conv2D alone.")
    if third == 3 * 3 * 24 * 48 + 48:
        raise WrongAnswerError(f"{third:,.0f} is the second Conv2D; the third has 96 filters on 48 maps.")
    if third != THIRD_CONV:
        raise WrongAnswerError(f"{third:,.0f} is not it: k x k x C_in x C_out (+ C_out biases, if it has any).")
    dense = as_number(dense_parameters, "dense_parameters")
    if dense == FLATTEN_HEAD:
        raise WrongAnswerError(
            f"{dense:,.0f} is the Dense layer after Flatten (864 inputs); after GlobalAveragePooling2D it gets one "
            "average per map: 96."
        )
    if dense == AVERAGE_HEAD - 10:
        raise WrongAnswerError(f"{dense:,.0f} has no biases: add one per output, 10.")
    if dense != AVERAGE_HEAD:
        raise WrongAnswerError(f"{dense:,.0f} is not it: inputs x outputs + outputs, with 96 inputs.")
    model = as_model(model_gap, "model_gap")
    if layers_of(model, "Flatten"):
        raise WrongAnswerError("model_gap still has a Flatten layer: replace it with GlobalAveragePooling2D().")
    if not layers_of(model, "GlobalAveragePooling2D"):
        raise WrongAnswerError("model_gap has no GlobalAveragePooling2D layer: put one where Flatten was.")
    if shapes_in_and_out(model) != ((28, 28, 1), (10,)):
        raise WrongAnswerError("model_gap should take 28x28x1 images and give 10 probabilities, like the CNN.")
    expected = lesson_parameters() - FLATTEN_HEAD + AVERAGE_HEAD
    if model.count_params() != expected:
        raise WrongAnswerError(
            f"model_gap has {model.count_params():,} parameters; the CNN with GlobalAveragePooling2D instead of "
            f"Flatten has {expected:,}: change only that layer."
        )
    return (
        f"{THIRD_CONV:,} and {AVERAGE_HEAD:,}: the last Dense layer shrinks from {FLATTEN_HEAD:,} to {AVERAGE_HEAD:,} "
        f"parameters, the network from {lesson_parameters():,} to {expected:,}. Train it and compare the accuracy."
    )


EXERCISES = [
    Exercise(
        9, 1, "the first convolution's feature maps of a 1 and of an 8",
        check_feature_maps,
        hints=(
            "np.flatnonzero(y_test_digits == 1)[0] is the position of the first 1 in the test set.",
            "feature_extractor (section 8) stops at the first convolution: feature_extractor(x_test[i : i + 1], "
            "training=False)[0] is image i's 26x26x24 maps (training=False: no random shift).",
        ),
        answers=3,
    ),
    Exercise(
        9, 2, "a 3x3 filter that finds diagonal edges",
        check_diagonal_filter,
        hints=(
            "vertical_edge has -1 on the left and +1 on the right. For a diagonal edge, put negative numbers on one "
            "side of the top-left-to-bottom-right diagonal and positive ones on the other.",
            "Zeros on the diagonal itself, and numbers that add up to 0, so that plain paper and plain ink give 0.",
        ),
    ),
    Exercise(
        9, 3, "the CNN without random shifts",
        check_no_shifts,
        hints=(
            "Copy build_cnn_model's layers into keras.Sequential([...]) without RandomTranslation, and compile it "
            "the same way.",
            "history_no_shifts = fit_cnn(model_no_shifts, x_train, y_train); then mh.plot_history(history_no_shifts).",
        ),
        answers=2,
    ),
    Exercise(
        9, 4, "the third convolution's parameters, and a head with GlobalAveragePooling2D",
        check_head,
        hints=(
            "A Conv2D has k x k x C_in x C_out weights, plus C_out biases unless use_bias=False. The third one sees "
            "the 48 maps of the second.",
            "GlobalAveragePooling2D turns 3x3x96 into 96 numbers, so Dense(10) after it has 96 x 10 + 10. Check with "
            "model_gap.layers[-1].count_params().",
        ),
        answers=3,
    ),
]
