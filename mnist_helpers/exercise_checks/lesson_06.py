"""Lesson 06's exercises: a model saved under your own name, one predict call for five images, training a loaded
model on, and a model rebuilt from config.json and a weights file."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from mnist_helpers.exercise_checks.answers import as_array, as_number
from mnist_helpers.exercise_feedback import Exercise, WrongAnswerError


def check_saved(my_path: Any, size_mb: Any) -> str:
    path = Path(my_path)
    if path.suffix != ".keras":
        raise WrongAnswerError(f"{path.name} does not end in .keras: model.save needs that ending for the whole model.")
    if not path.is_file():
        raise WrongAnswerError(f"there is no file at {path}: did the save cell run?")
    size = as_number(size_mb, "size_mb")
    real = path.stat().st_size / 1e6
    if np.isclose(size, path.stat().st_size):
        raise WrongAnswerError(f"{size:,.0f} is the size in bytes: divide by 1e6 for megabytes.")
    if not np.isclose(size, real, atol=0.05):
        raise WrongAnswerError(f"the file has {real:.2f} MB, not {size:g}: path.stat().st_size / 1e6.")
    return f"{path.name}, {real:.1f} MB."


def check_five(predicted: Any, model: Any, images: Any) -> str:
    answers = np.asarray(predicted)
    if answers.shape == (5, 10):
        raise WrongAnswerError("these are 5 rows of 10 probabilities: np.argmax(..., axis=1) turns them into digits.")
    answers = as_array(answers, "predicted", (5,))
    expected = np.argmax(np.asarray(model(np.asarray(images)[:5], training=False)), axis=1)
    if not np.array_equal(answers, expected):
        raise WrongAnswerError(f"the model reads the first five images as {expected.tolist()}, not {answers.tolist()}.")
    return f"one call, five answers: {expected.tolist()}."


def check_more_training(updates_before: Any, updates_after: Any, images_trained_on: Any) -> str:
    before, after = as_number(updates_before, "updates_before"), as_number(updates_after, "updates_after")
    images = as_number(images_trained_on, "images_trained_on")
    batches = math.ceil(images / 64)
    if after == before:
        raise WrongAnswerError("the counter did not move: fit the loaded model (not a new one) for one epoch.")
    if after - before == images:
        raise WrongAnswerError(f"+{after - before:,.0f} counts images; the counter counts updates, one per batch.")
    if after - before != batches:
        raise WrongAnswerError(
            f"+{after - before:,.0f} updates; one epoch on {images:,.0f} images in batches of 64 makes {batches:,}. "
            "images_trained_on is what fit trained on (with validation_split=0.2, 80 % of the images)."
        )
    return f"+{batches:,} updates: one per batch of 64, and the count went on from {before:,.0f}."


def check_rebuilt(rebuilt: Any, model: Any, images: Any) -> str:
    sample = np.asarray(images)[:100]
    if rebuilt is model:
        raise WrongAnswerError("that is the model itself: rebuild a new one from config.json, then load the weights.")
    try:
        theirs = np.asarray(rebuilt(sample, training=False))
    except Exception as error:
        raise WrongAnswerError(f"the rebuilt model cannot read the test images ({type(error).__name__}).") from None
    ours = np.asarray(model(sample, training=False))
    if theirs.shape != ours.shape:
        raise WrongAnswerError(f"the rebuilt model answers with shape {theirs.shape}, the model with {ours.shape}.")
    if not np.array_equal(theirs, ours):
        agree = np.mean(theirs.argmax(axis=1) == ours.argmax(axis=1))
        raise WrongAnswerError(
            f"its predictions differ (it agrees on {agree:.0%} of 100 images): did the rebuilt model load_weights?"
        )
    return "the rebuilt model predicts exactly like the saved one: the architecture and the weights are all it needs."


EXERCISES = [
    Exercise(
        6, 1, "save the model under a name of your own and give its size in MB",
        check_saved,
        hints=(
            "my_path = mh.models_dir() / 'a_name_of_yours.keras'; model.save(my_path).",
            "my_path.stat().st_size is the size in bytes; divide by 1e6.",
        ),
        answers=2,
    ),
    Exercise(
        6, 2, "the digits of the first five test images from one predict call",
        check_five,
        hints=(
            "x_test[:5] already has the batch shape (5, 784).",
            "predict gives 5 rows of 10 probabilities; np.argmax(..., axis=1) gives the five digits.",
        ),
        answers=3,
    ),
    Exercise(
        6, 3, "one more epoch for a loaded model, and its update counter",
        check_more_training,
        hints=(
            "keras.models.load_model(save_path), then read loaded.optimizer.iterations before and after fit.",
            "fit(x_train, y_train, epochs=1, batch_size=64) trains on every image; int(...numpy()) gives the count.",
        ),
        answers=3,
    ),
    Exercise(
        6, 4, "a model rebuilt from config.json and the weights file",
        check_rebuilt,
        hints=(
            "Read config.json from the .keras zip as in section 6; keras.Sequential.from_config(config['config']).",
            "The rebuilt model has fresh random weights until rebuilt.load_weights(weights_path).",
        ),
        answers=3,
    ),
]
