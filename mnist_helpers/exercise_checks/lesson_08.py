"""Lesson 08's exercises: the network without random shifts, dropout 0.5, ReduceLROnPlateau instead of the cosine
schedule, and the first block's parameters counted by hand.

The model checks look at what the learner built (its layers, parameter count, Dropout rates, all public Keras) and at
the History that fit returned for it; the schedule check replays ReduceLROnPlateau's rule on the run's own val_loss.
Nothing depends on a training result, so they hold in quick mode and in full mode alike."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from mnist_helpers.exercise_checks.answers import as_number
from mnist_helpers.exercise_checks.keras_answers import (
    as_history,
    as_model,
    dropout_rates,
    last_epoch_gap,
    layers_of,
    planned_epochs,
    shapes_in_and_out,
    trained_with,
)
from mnist_helpers.exercise_feedback import Exercise, WrongAnswerError

DENSE_512 = 784 * 512  # Dense(512, use_bias=False): one weight per pixel and neuron, no bias
BATCH_NORM_512 = 4 * 512  # gamma and beta (trained), moving mean and variance (not trained), per neuron


@cache
def lesson_parameters() -> int:
    """The parameters of lesson 08's network, counted by Keras on the lesson's own builder."""
    from mnist_helpers.lessons.better_dense_network import build_better_dense_model

    return build_better_dense_model().count_params()


def check_variant(model: Any, history: Any, model_name: str, history_name: str) -> dict[str, list[float]]:
    """What both model exercises need: lesson 08's network (784 in, 10 out, its parameters), trained, with curves."""
    as_model(model, model_name)
    curves = as_history(history, history_name, needs=("accuracy", "val_accuracy"))
    trained_with(model, history, model_name, history_name)
    if shapes_in_and_out(model) != ((784,), (10,)):
        raise WrongAnswerError(f"{model_name} should take 784 pixels and give 10 probabilities, like lesson 08's.")
    count = model.count_params()
    if count != lesson_parameters():
        raise WrongAnswerError(
            f"{model_name} has {count:,} parameters, lesson 08's network {lesson_parameters():,} (shifts and dropout "
            "have none): keep its Dense, BatchNormalization and Activation layers as they are."
        )
    return curves


def check_no_shifts(model_no_shifts: Any, history_no_shifts: Any) -> str:
    model = as_model(model_no_shifts, "model_no_shifts")
    if layers_of(model, "RandomTranslation"):
        raise WrongAnswerError("model_no_shifts still has its RandomTranslation layer: remove it (with the Reshape "
                               "and Flatten around it).")  # fmt: skip
    curves = check_variant(model, history_no_shifts, "model_no_shifts", "history_no_shifts")
    if dropout_rates(model) != [0.25, 0.25]:
        raise WrongAnswerError(
            f"its Dropout rates are {dropout_rates(model)}: change only the shifts, keep both Dropout(0.25)."
        )
    leftovers = layers_of(model, "Reshape") + layers_of(model, "Flatten")
    note = " (the Reshape and Flatten you kept now do nothing: drop them too)" if leftovers else ""
    return (
        f"no shifts{note}: {last_epoch_gap(curves)}. Compare with lesson 08's curves: without the shifts, does "
        "training accuracy come closer to validation accuracy?"
    )


def check_heavy_dropout(model_dropout: Any, history_dropout: Any) -> str:
    model = as_model(model_dropout, "model_dropout")
    rates = dropout_rates(model)
    if not rates:
        raise WrongAnswerError("model_dropout has no Dropout layers: keep lesson 08's two, with rate 0.5.")
    if len(rates) != 2:
        raise WrongAnswerError(f"model_dropout has {len(rates)} Dropout layers; lesson 08's network has 2.")
    if rates == [0.25, 0.25]:
        raise WrongAnswerError("both Dropout layers still have lesson 08's rate 0.25: set them to 0.5.")
    if rates != [0.5, 0.5]:
        raise WrongAnswerError(f"the Dropout rates are {rates}: set both to 0.5.")
    if not layers_of(model, "RandomTranslation"):
        raise WrongAnswerError("model_dropout has no RandomTranslation: keep the shifts, change only the dropout.")
    curves = check_variant(model, history_dropout, "model_dropout", "history_dropout")
    gap = curves["val_accuracy"][-1] - curves["accuracy"][-1]
    return (
        f"dropout 0.5: {last_epoch_gap(curves)} (a gap of {gap:+.4f}). Compare with lesson 08's curves (dropout "
        "0.25), and the test accuracies."
    )


def plateau_rates(val_loss: list[float], first_rate: float, patience: int = 2, factor: float = 0.5) -> list[float]:
    """The learning rate of each epoch under ReduceLROnPlateau(monitor="val_loss", factor, patience) with Keras'
    defaults (min_delta=1e-4, cooldown=0): after `patience` epochs without a new best (by more than min_delta), the
    next epoch's rate is multiplied by `factor`."""
    rates, rate, best, wait = [], first_rate, np.inf, 0
    for loss in val_loss:
        rates.append(rate)
        if loss < best - 1e-4:
            best, wait = loss, 0
            continue
        wait += 1
        if wait >= patience:
            rate, wait = rate * factor, 0
    return rates


def check_plateau(history_plateau: Any) -> str:
    curves = as_history(history_plateau, "history_plateau")
    if "learning_rate" not in curves:
        raise WrongAnswerError(
            "history_plateau has no learning_rate: Keras records it when ReduceLROnPlateau is in callbacks=[...] "
            "(fit_better_dense_model(model, x_train, y_train, callbacks=[...]))."
        )
    rates, val_loss = np.array(curves["learning_rate"]), curves["val_loss"]
    if np.allclose(rates, plateau_rates(val_loss, rates[0]), rtol=1e-4):
        halved = [epoch for epoch in range(2, len(rates) + 1) if rates[epoch - 1] < rates[epoch - 2] * 0.75]
        when = f"halved from epoch(s) {halved}" if halved else "never halved: val_loss kept improving"
        return f"the learning rate started at {rates[0]:.6f} and was {when}, exactly as ReduceLROnPlateau decides."
    from mnist_helpers.lessons.better_dense_network import cosine_schedule

    epochs = planned_epochs(history_plateau) or len(rates)
    cosine = cosine_schedule(epochs, rates[0])
    if np.allclose(rates, [cosine(epoch) for epoch in range(len(rates))], rtol=1e-4):
        raise WrongAnswerError(
            "these are lesson 08's cosine learning rates: leave out schedule_and_best_epoch_callbacks' "
            "LearningRateScheduler and pass ReduceLROnPlateau in callbacks=[...] instead."
        )
    changes = [(epoch, rates[epoch - 1] / rates[epoch - 2]) for epoch in range(2, len(rates) + 1)]
    odd = [(epoch, ratio) for epoch, ratio in changes if not np.isclose(ratio, 1, rtol=1e-4)]
    if odd and not all(np.isclose(ratio, 0.5, rtol=1e-4) for _, ratio in odd):
        epoch, ratio = next((e, r) for e, r in odd if not np.isclose(r, 0.5, rtol=1e-4))
        raise WrongAnswerError(
            f"at epoch {epoch} the learning rate was multiplied by {ratio:.3g}; factor=0.5 halves it."
        )
    for patience in (1, 3, 4, 5):
        if np.allclose(rates, plateau_rates(val_loss, rates[0], patience=patience), rtol=1e-4):
            raise WrongAnswerError(
                f"the learning rate follows patience={patience}: ReduceLROnPlateau(monitor='val_loss', factor=0.5, "
                "patience=2) waits 2 epochs without a better val_loss."
            )
    if np.allclose(rates, plateau_rates(curves["loss"], rates[0]), rtol=1e-4):
        raise WrongAnswerError("the learning rate follows the training loss: use monitor='val_loss'.")
    raise WrongAnswerError(
        "the learning rates do not follow ReduceLROnPlateau(monitor='val_loss', factor=0.5, patience=2) on this "
        "run's val_loss: print history_plateau.history['learning_rate'] next to ['val_loss']."
    )


def check_block(trained: Any, not_trained: Any) -> str:
    weights_trained = as_number(trained, "trained")
    expected_trained, expected_not = DENSE_512 + BATCH_NORM_512 // 2, BATCH_NORM_512 // 2
    if weights_trained == DENSE_512 + 512 + BATCH_NORM_512 // 2:
        raise WrongAnswerError(f"{weights_trained:,.0f} counts 512 biases: Dense(512, use_bias=False) has none.")
    if weights_trained == DENSE_512 + BATCH_NORM_512:
        raise WrongAnswerError(
            f"{weights_trained:,.0f} counts all 4 x 512 BatchNormalization numbers as trained: the moving mean and "
            "variance are not trained by the optimizer."
        )
    if weights_trained == DENSE_512:
        raise WrongAnswerError(
            f"{weights_trained:,.0f} is only the Dense layer: BatchNormalization's scale and shift (gamma and beta, "
            "512 each) are trained too."
        )
    if weights_trained == lesson_parameters():
        raise WrongAnswerError(f"{weights_trained:,.0f} is the whole network: count only the first block.")
    if weights_trained != expected_trained:
        raise WrongAnswerError(
            f"{weights_trained:,.0f} is not it: 784 x 512 weights in the Dense layer, plus the trained numbers of "
            "BatchNormalization."
        )
    frozen = as_number(not_trained, "not_trained")
    if frozen == BATCH_NORM_512:
        raise WrongAnswerError(
            f"{frozen:,.0f} is all of BatchNormalization: gamma and beta are trained; only the moving mean and "
            "variance (512 each) are not."
        )
    if frozen == 0:
        raise WrongAnswerError("BatchNormalization keeps 2 numbers per neuron that the optimizer does not train.")
    if frozen != expected_not:
        raise WrongAnswerError(f"{frozen:,.0f} is not it: look at model.non_trainable_weights and their shapes.")
    return (
        f"{expected_trained:,} trained (784 x 512 weights, 512 gammas, 512 betas) and {expected_not:,} not (512 "
        "moving means and 512 moving variances, averaged during training, used when predicting)."
    )


EXERCISES = [
    Exercise(
        8, 1, "the network without random shifts",
        check_no_shifts,
        hints=(
            "Copy build_better_dense_model's layers into keras.Sequential([...]) without Reshape, "
            "RandomTranslation and Flatten, and compile it the same way.",
            "history_no_shifts = fit_better_dense_model(model_no_shifts, x_train, y_train); then "
            "mh.plot_history(history_no_shifts) and model_no_shifts.evaluate(x_test, y_test, verbose=0).",
        ),
        answers=2,
    ),
    Exercise(
        8, 2, "dropout 0.5 in both Dropout layers",
        check_heavy_dropout,
        hints=(
            "Copy build_better_dense_model's layers and compile call, with keras.layers.Dropout(0.5) twice.",
            "Train with fit_better_dense_model; the gap is history.history['val_accuracy'][-1] - "
            "history.history['accuracy'][-1].",
        ),
        answers=2,
    ),
    Exercise(
        8, 3, "ReduceLROnPlateau instead of the cosine schedule",
        check_plateau,
        hints=(
            "fit_better_dense_model(model, x_train, y_train, callbacks=[...]) trains with the callbacks you give it "
            "instead of the schedule.",
            "callbacks=[keras.callbacks.ReduceLROnPlateau(monitor='val_loss', factor=0.5, patience=2)] on a new "
            "build_better_dense_model(); then print history_plateau.history['learning_rate'].",
        ),
    ),
    Exercise(
        8, 4, "the first block's parameters: trained and not trained",
        check_block,
        hints=(
            "Dense(512, use_bias=False) has 784 x 512 weights and no bias. BatchNormalization keeps 4 numbers per "
            "neuron: gamma, beta, moving mean, moving variance.",
            "The optimizer trains gamma and beta; the moving mean and variance are averages it never trains "
            "(model.non_trainable_weights lists them).",
        ),
        answers=2,
    ),
]
