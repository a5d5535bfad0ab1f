"""Lesson 04's exercises: early stopping with patience 2, the restored epoch's validation accuracy, the last epoch's
weights without restore_best_weights, and the spread of the test accuracy over three seeds.

The checks read what the learner's own run says (its History, its model's validation loss), never a hard-coded
accuracy, so they hold in quick mode and in full mode alike."""

from __future__ import annotations

from typing import Any

import numpy as np

from mnist_helpers.exercise_checks.answers import as_number, full_mnist
from mnist_helpers.exercise_checks.keras_answers import as_history, as_model, planned_epochs, trained_with
from mnist_helpers.exercise_feedback import Exercise, WrongAnswerError
from mnist_helpers.preprocess import prepare_for_dense
from mnist_helpers.quick_mode import QUICK_TRAIN_SAMPLES, is_quick_mode

#: How close a model's validation loss must come to an epoch's val_loss to be that epoch's (lesson 04's self-check).
SAME_LOSS = 1e-3


def check_patience(history_p2: Any, epochs_run: Any, restored_epoch: Any) -> str:
    curves = as_history(history_p2, "history_p2")
    val_loss = curves["val_loss"]
    ran, best, planned = len(val_loss), int(np.argmin(val_loss)) + 1, planned_epochs(history_p2)
    ran_to_the_end = planned is not None and ran == planned
    if ran != best + 2 and not (ran_to_the_end and ran <= best + 2):
        if ran > best + 2:
            raise WrongAnswerError(
                f"training ran {ran - best} epochs past the best val_loss (epoch {best}); with patience=2 it stops 2 "
                "epochs after it. Did you pass EarlyStopping(monitor='val_loss', patience=2) in callbacks=[...]?"
            )
        raise WrongAnswerError(
            f"training stopped {ran - best} epoch(s) after the best val_loss (epoch {best}): that is less patience "
            "than 2. Use EarlyStopping(monitor='val_loss', patience=2)."
        )
    run = as_number(epochs_run, "epochs_run")
    if run != ran:
        raise WrongAnswerError(
            f"history_p2 holds {ran} epochs, not {run:g}: epochs_run = len(history_p2.history['loss'])."
        )
    restored = as_number(restored_epoch, "restored_epoch")
    if restored == best - 1:
        raise WrongAnswerError(
            f"{restored:g} is np.argmin's position, counted from 0; fit counts epochs from 1: add 1 (epoch {best})."
        )
    if restored == ran and ran != best:
        raise WrongAnswerError(
            f"epoch {ran} is the last one; restore_best_weights=True puts back the epoch with the lowest val_loss."
        )
    if restored != best:
        raise WrongAnswerError(f"epoch {restored:g} does not have the lowest val_loss: look at np.argmin + 1.")
    why = "it reached the last epoch" if ran == planned and ran != best + 2 else "2 epochs after the best val_loss"
    return f"{ran} epochs ran ({why}), and epoch {best}, the lowest val_loss, was restored."


def check_restored_accuracy(history: Any, restored_val_accuracy: Any) -> str:
    curves = as_history(history, "history", needs=("val_loss", "val_accuracy", "accuracy"))
    value = as_number(restored_val_accuracy, "restored_val_accuracy")
    best = int(np.argmin(curves["val_loss"]))
    expected = curves["val_accuracy"][best]
    if np.isclose(value, expected, rtol=0, atol=5e-5):
        return (
            f"{value:.4f}, the validation accuracy of epoch {best + 1}. Compare it with the test accuracy of section "
            "9: close, but not the same (lesson 05 explains why)."
        )
    if np.isclose(value, 100 * expected, rtol=0, atol=5e-3):
        raise WrongAnswerError(f"{value:.2f} is a percentage; give a fraction of 1 ({expected:.4f}).")
    if np.isclose(value, curves["accuracy"][best], rtol=0, atol=5e-5):
        raise WrongAnswerError(
            f"{value:.4f} is epoch {best + 1}'s *training* accuracy; read history.history['val_accuracy']."
        )
    if np.isclose(value, curves["val_accuracy"][-1], rtol=0, atol=5e-5):
        raise WrongAnswerError(
            f"{value:.4f} is the last epoch's; the restored epoch is {best + 1}, the one with the lowest val_loss."
        )
    if np.isclose(value, max(curves["val_accuracy"]), rtol=0, atol=5e-5):
        raise WrongAnswerError(
            f"{value:.4f} is the highest val_accuracy, but early stopping watched val_loss: take val_accuracy at "
            f"the epoch with the lowest val_loss (epoch {best + 1})."
        )
    raise WrongAnswerError(
        f"{value:.4f} is not the val_accuracy of epoch {best + 1}, the one with the lowest val_loss: "
        "history.history['val_accuracy'][int(np.argmin(history.history['val_loss']))]."
    )


def validation_split_of_the_lesson() -> tuple[np.ndarray, np.ndarray]:
    """The images and one-hot labels that fit's validation_split=0.2 held out in lesson 04 (quick mode or not)."""
    x_train, y_train, _, _ = full_mnist()
    used = QUICK_TRAIN_SAMPLES if is_quick_mode() else len(x_train)
    split_at = int(np.floor(used * (1 - 0.2)))
    return prepare_for_dense(x_train[split_at:used], y_train[split_at:used])


def validation_loss(model: Any) -> float:
    """The model's loss on lesson 04's validation images, measured as fit measures val_loss: by ``evaluate`` with
    the loss it was compiled with. A cross-entropy computed again from predicted probabilities clips them at 1e-7,
    so for a network sure of some wrong answers it comes out lower than fit's."""
    x_val, y_val = validation_split_of_the_lesson()
    return float(model.evaluate(x_val, y_val, batch_size=1000, verbose=0, return_dict=True)["loss"])


def check_last_weights(model_last: Any, history_last: Any) -> str:
    model = as_model(model_last, "model_last")
    curves = as_history(history_last, "history_last")
    trained_with(model, history_last, "model_last", "history_last")
    if model.outputs[0].shape[-1] != 10 or model.inputs[0].shape[-1] != 784:
        raise WrongAnswerError("model_last should be lesson 04's network: 784 inputs, 10 outputs.")
    val_loss = curves["val_loss"]
    now = validation_loss(model)
    best, last = int(np.argmin(val_loss)) + 1, len(val_loss)
    if abs(now - val_loss[-1]) < SAME_LOSS:
        if best == last:
            return (
                f"model_last holds epoch {last}'s weights (val_loss {now:.4f}); here the last epoch was also the "
                "best, so restoring would have changed nothing. Train longer to see them differ."
            )
        return (
            f"model_last holds the last epoch's weights (epoch {last}, val_loss {now:.4f}), not the best epoch "
            f"{best}'s ({val_loss[best - 1]:.4f}): without restore_best_weights you keep the last, more overfitted "
            "ones."
        )
    if abs(now - val_loss[best - 1]) < SAME_LOSS:
        raise WrongAnswerError(
            f"model_last holds the best epoch's weights (epoch {best}, val_loss {now:.4f}): pass "
            "restore_best_weights=False to EarlyStopping."
        )
    raise WrongAnswerError(
        f"model_last's validation loss, {now:.4f}, matches no epoch of history_last (last: {val_loss[-1]:.4f}): "
        "give the model that this fit trained, on the lesson's x_train and y_train."
    )


def check_seeds(accuracies: Any, mean_accuracy: Any, spread: Any) -> str:
    values = np.asarray(accuracies, dtype="float64")
    if values.ndim == 2 and values.shape[1] == 2:
        raise WrongAnswerError(
            "each entry holds 2 numbers: model.evaluate returns [loss, accuracy]; keep the accuracy (the second)."
        )
    if values.size != 3:
        raise WrongAnswerError(f"give the 3 test accuracies, one per seed; got {values.size} values.")
    values = values.ravel()
    if np.any(values > 1):
        raise WrongAnswerError("the accuracies look like percentages: give fractions of 1, like 0.977.")
    if np.any(values < 0.5):
        raise WrongAnswerError(
            f"an accuracy of {values.min():.4f} is too low for a trained network: is it the test loss? "
            "model.evaluate returns [loss, accuracy]."
        )
    if np.ptp(values) == 0:
        raise WrongAnswerError(
            "all three accuracies are the same: call keras.utils.set_random_seed(seed) with a different seed before "
            "building each model, and train each one."
        )
    mean = as_number(mean_accuracy, "mean_accuracy")
    if not np.isclose(mean, values.mean(), rtol=0, atol=5e-5):
        raise WrongAnswerError(f"mean_accuracy {mean:.4f} is not the mean of your accuracies: np.mean(accuracies).")
    width = as_number(spread, "spread")
    lowest_to_highest = float(np.ptp(values))
    if np.isclose(width, values.std(), rtol=0, atol=5e-6) or np.isclose(width, values.std(ddof=1), rtol=0, atol=5e-6):
        raise WrongAnswerError(
            f"{width:.4f} is the standard deviation; the spread asked for is highest minus lowest, "
            "max(accuracies) - min(accuracies)."
        )
    if np.isclose(width, 100 * lowest_to_highest, rtol=0, atol=5e-4):
        raise WrongAnswerError(
            f"spread {width:.2f} is in percentage points: give it as a fraction ({lowest_to_highest:.4f})."
        )
    if not np.isclose(width, lowest_to_highest, rtol=0, atol=5e-5):
        raise WrongAnswerError(f"spread {width:.4f} is not highest minus lowest: max(accuracies) - min(accuracies).")
    return (
        f"mean {mean:.2%}, from {values.min():.2%} to {values.max():.2%}: the seed alone moves the test accuracy by "
        f"{lowest_to_highest:.2%}."
    )


EXERCISES = [
    Exercise(
        4, 1, "train with patience=2: how many epochs run, and which epoch is restored",
        check_patience,
        hints=(
            "Build and compile a new network as in sections 3 and 4, with EarlyStopping(monitor='val_loss', "
            "patience=2, restore_best_weights=True), and train it with fit_original_model.",
            "epochs_run = len(history_p2.history['loss']); the restored epoch has the lowest val_loss, counted from "
            "1: int(np.argmin(history_p2.history['val_loss'])) + 1.",
        ),
        answers=3,
    ),
    Exercise(
        4, 2, "the validation accuracy of the restored epoch",
        check_restored_accuracy,
        hints=(
            "history.history['val_accuracy'] holds one number per epoch; early stopping restored the epoch with the "
            "lowest val_loss.",
            "best = int(np.argmin(history.history['val_loss'])) is that epoch's position (from 0); take "
            "history.history['val_accuracy'][best].",
        ),
        answers=2,
    ),
    Exercise(
        4, 3, "train with restore_best_weights=False: which weights do you keep",
        check_last_weights,
        hints=(
            "As in exercise 1, but EarlyStopping(monitor='val_loss', patience=5, restore_best_weights=False).",
            "Compare model_last.evaluate(x_test, y_test, verbose=0) with the restored model's test loss and "
            "accuracy (section 9).",
        ),
        answers=2,
    ),
    Exercise(
        4, 4, "the test accuracy over three seeds: mean and spread",
        check_seeds,
        hints=(
            "Loop over three seeds: keras.utils.set_random_seed(seed), then build, compile and train a new network "
            "as in section 6.",
            "model.evaluate(x_test, y_test, verbose=0) returns [loss, accuracy]: append the accuracy. Then "
            "np.mean(accuracies) and max(accuracies) - min(accuracies).",
        ),
        answers=3,
    ),
]
