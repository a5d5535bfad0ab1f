"""Lesson 01's exercises: counting digits, picking images with a mask, averaging, and a validation split that fails."""

from __future__ import annotations

from typing import Any

import numpy as np

from mnist_helpers.exercise_checks.answers import as_array, as_number, full_mnist
from mnist_helpers.exercise_feedback import Exercise, WrongAnswerError


def check_counts(sevens_in_test: Any, rarest_digit: Any, rarest_share: Any) -> str:
    _, y_train, _, y_test = full_mnist()
    train_counts, test_counts = np.bincount(y_train, minlength=10), np.bincount(y_test, minlength=10)
    sevens = as_number(sevens_in_test, "sevens_in_test")
    if sevens == train_counts[7]:
        raise WrongAnswerError(f"{sevens:,.0f} is how many 7s the training set has; count them in y_test instead.")
    if sevens != test_counts[7]:
        raise WrongAnswerError(f"the test set does not have {sevens:,.0f} sevens: count y_test == 7 (np.bincount).")
    rarest = int(train_counts.argmin())
    digit = as_number(rarest_digit, "rarest_digit")
    if digit == train_counts[rarest]:
        raise WrongAnswerError(f"{digit:,.0f} is how many images the rarest digit has; give the digit itself (0-9).")
    if digit != rarest:
        raise WrongAnswerError(
            f"digit {digit:g} has {train_counts[int(digit)] if 0 <= digit <= 9 and digit == int(digit) else 'no'} "
            "training images; another digit has fewer. np.argmin of the counts gives the rarest digit."
        )
    share = as_number(rarest_share, "rarest_share")
    expected = train_counts[rarest] / len(y_train)
    if np.isclose(share, 100 * expected, atol=0.05):
        raise WrongAnswerError(f"rarest_share {share:.2f} is a percentage; give a fraction of 1 ({share / 100:.4f}).")
    if not np.isclose(share, expected, atol=5e-4):
        raise WrongAnswerError(
            f"rarest_share {share:.4f} is not the rarest digit's share: divide its count by all "
            f"{len(y_train):,} training images."
        )
    return f"{sevens:,.0f} sevens in the test set; the rarest training digit is {rarest}, {expected:.1%} of the set."


def check_first_threes(first_threes: Any) -> str:
    x_train, y_train, _, _ = full_mnist()
    images = as_array(first_threes, "first_threes", (None, 28, 28))
    if len(images) != 20:
        raise WrongAnswerError(f"first_threes holds {len(images)} images; the exercise asks for the first 20 ([:20]).")
    threes = x_train[y_train == 3]
    if np.array_equal(images, x_train[:20]):
        raise WrongAnswerError("these are the first 20 training images, of every digit: keep only the 3s first.")
    if not np.array_equal(images, threes[:20]):
        raise WrongAnswerError("these are not the first 20 images of a 3: take x_train[y_train == 3], then [:20].")
    return "the first 20 threes. Show them with mh.plot_digit_grid(first_threes)."


def check_averages(class_means: Any, always_zero: Any) -> str:
    x_train, y_train, _, _ = full_mnist()
    means = as_array(class_means, "class_means", (10, None, None) if np.ndim(class_means) == 3 else (10, 784))
    means = means.reshape(10, 784).astype("float64")
    expected = np.stack([x_train[y_train == digit].mean(axis=0) for digit in range(10)]).reshape(10, 784) / 255
    if np.allclose(means, 255 * expected, atol=1e-2):
        raise WrongAnswerError("your averages go up to 255: average the scaled images (pixels from 0 to 1).")
    if np.allclose(means, means[0], atol=1e-6):
        raise WrongAnswerError("all ten averages are the same: average the images of each digit separately.")
    if not np.allclose(means, expected, atol=1e-4):
        worst = int(np.abs(means - expected).max(axis=1).argmax())
        raise WrongAnswerError(f"the average of digit {worst} is off: average x_train_scaled[y_train == {worst}].")
    zero = as_number(always_zero, "always_zero")
    never_inked = int(np.sum(x_train.max(axis=0) == 0))
    if zero == int(np.sum(x_train.min(axis=0) == 0)):
        raise WrongAnswerError(
            f"{zero:.0f} positions are 0 in *some* image; count those that are 0 in *every* image (whose maximum is 0)."
        )
    if zero != never_inked:
        raise WrongAnswerError(f"{zero:g} is not it: a position is 0 in every image when its largest value is 0.")
    return f"the ten average digits, and {never_inked} pixel positions that no training image inks."


def check_sorted_split(held_out: Any, x_shuffled: Any, y_shuffled: Any) -> str:
    x_train, y_train, _, _ = full_mnist()
    split_at = int(np.floor(len(y_train) * 0.8))
    expected = {int(digit) for digit in np.unique(np.sort(y_train)[split_at:])}
    try:
        values = held_out if isinstance(held_out, set | frozenset | dict) else np.ravel(held_out)
        digits = {int(digit) for digit in values}
    except (TypeError, ValueError):
        raise WrongAnswerError("held_out should be the digits in the last 20 %, e.g. {0, 1} or [0, 1].") from None
    if digits != expected:
        missing = ", ".join(map(str, sorted(expected - digits))) or "none"
        extra = ", ".join(map(str, sorted(digits - expected))) or "none"
        raise WrongAnswerError(
            f"the last 20 % of the sorted labels hold the digits {sorted(expected)}; you have none of {missing} "
            f"and extra {extra}. The 9s and 8s do not fill all 12,000 places: look at y_sorted[split_at:]."
        )
    images = as_array(x_shuffled, "x_shuffled", (len(x_train), 28, 28))
    labels = as_array(y_shuffled, "y_shuffled", (len(y_train),))
    if np.array_equal(np.sort(labels[split_at:]), np.sort(y_train)[split_at:]):
        raise WrongAnswerError("the last 20 % still holds only the highest digits: shuffle before the split.")
    label_of = {image.tobytes(): int(label) for image, label in zip(x_train, y_train, strict=True)}
    broken = sum(label_of.get(image.tobytes(), -1) != int(label) for image, label in zip(images, labels, strict=True))
    if broken:
        raise WrongAnswerError(
            f"{broken:,} images no longer have their own label: shuffle images and labels with ONE permutation "
            "(x[permutation], y[permutation])."
        )
    return f"sorted, the last 20 % holds only {sorted(expected)}; shuffled together, every digit is back in it."


EXERCISES = [
    Exercise(
        1, 1, "count the 7s in the test set; find the rarest training digit and its share",
        check_counts,
        hints=(
            "np.bincount(labels, minlength=10) counts how often each digit appears.",
            "The position of the smallest count is the digit itself: int(np.argmin(counts)). Its share is its count "
            "divided by len(y_train).",
        ),
        answers=3,
    ),
    Exercise(
        1, 2, "the first 20 training images of the digit 3",
        check_first_threes,
        hints=(
            "y_train == 3 is a mask, True where the label is 3; x_train[mask] keeps only those images.",
            "Take the first 20 of them with [:20].",
        ),
    ),
    Exercise(
        1, 3, "the average digit of each class, and the pixel positions never inked",
        check_averages,
        hints=(
            "For each digit d, x_train_scaled[y_train == d].mean(axis=0) is one 28x28 average; np.stack the ten.",
            "A position is 0 in every image exactly when its largest value is 0: x_train.max(axis=0) == 0, then count.",
        ),
        answers=2,
    ),
    Exercise(
        1, 4, "what validation_split holds out of sorted data, and a shuffle that fixes it",
        check_sorted_split,
        hints=(
            "order = np.argsort(y_train, kind='stable'); x_train[order] and y_train[order] are the sorted arrays.",
            "validation_split=0.2 holds out the last 20 %: from index int(np.floor(len(y) * 0.8)).",
            "One permutation for both: p = np.random.default_rng(0).permutation(len(y)); then x[p] and y[p].",
        ),
        answers=3,
    ),
]
