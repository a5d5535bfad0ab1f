"""Lesson 08's exercise checks: the untouched starter, the solution, and typical wrong answers with their messages.

Models are built (never trained) and their Histories written by the test, with the learning rates a plateau rule or
a cosine schedule would give, worked out by hand."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import mnist_helpers as mh


@pytest.fixture
def ex():
    return mh.exercises(8)


def said(capsys) -> str:
    return capsys.readouterr().out


def history(model=None, epochs: int = 15, **curves) -> keras.callbacks.History:
    """A History as fit returns it: its curves, the epochs fit was asked for, and the model it trained."""
    made = keras.callbacks.History()
    made.set_params({"epochs": epochs, "steps": 1, "verbose": 0})
    made.set_model(model)
    made.history = {name: list(values) for name, values in curves.items()}
    return made


def trained(model) -> keras.callbacks.History:
    return history(model, loss=[0.3, 0.1], val_loss=[0.1, 0.06], accuracy=[0.9, 0.97], val_accuracy=[0.96, 0.98])


def dense_network(shifts: bool = True, rates=(0.25, 0.25), bias: bool = False, reshape_only: bool = False):
    """Lesson 08's network, with the changes an exercise asks for (or a learner makes)."""
    layers = [keras.Input(shape=(784,))]
    if shifts or reshape_only:
        layers.append(keras.layers.Reshape((28, 28, 1)))
        if shifts:
            layers.append(keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant"))
        layers.append(keras.layers.Flatten())
    for units, rate in zip((512, 256), rates, strict=True):
        layers += [
            keras.layers.Dense(units, use_bias=bias),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("relu"),
            keras.layers.Dropout(rate),
        ]
    layers.append(keras.layers.Dense(10, activation="softmax"))
    return keras.Sequential(layers)


def test_1_no_shifts(ex, capsys):
    model = dense_network(shifts=False)
    assert not ex[1].passes(..., ...) and said(capsys).startswith("Not yet")
    assert ex[1].passes(model, trained(model))
    assert "validation accuracy 0.9800 is above training accuracy 0.9700" in said(capsys)
    kept_reshape = dense_network(shifts=False, reshape_only=True)
    assert ex[1].passes(kept_reshape, trained(kept_reshape)), "a Reshape and Flatten left in change nothing"
    assert "now do nothing" in said(capsys)
    lesson = mh.build_better_dense_model()
    assert not ex[1].passes(lesson, trained(lesson))
    assert "still has its RandomTranslation" in said(capsys)
    with_bias = dense_network(shifts=False, bias=True)
    assert not ex[1].passes(with_bias, trained(with_bias))
    assert "538,890 parameters, lesson 08's network 538,122" in said(capsys)
    assert not ex[1].passes(model, trained(dense_network(shifts=False)))
    assert "does not come from training model_no_shifts" in said(capsys)
    assert not ex[1].passes(model, history(model, loss=[0.3], val_loss=[0.2]))
    assert "has no accuracy, val_accuracy" in said(capsys)
    assert not ex[1].passes(model, model)
    assert "should be what model.fit(...) returned" in said(capsys)


def test_2_heavy_dropout(ex, capsys):
    model = dense_network(rates=(0.5, 0.5))
    assert not ex[2].passes(..., ...) and said(capsys).startswith("Not yet")
    assert ex[2].passes(model, trained(model))
    assert "a gap of +0.0100" in said(capsys)
    lesson = mh.build_better_dense_model()
    assert not ex[2].passes(lesson, trained(lesson))
    assert "still have lesson 08's rate 0.25" in said(capsys)
    one = dense_network(rates=(0.5, 0.25))
    assert not ex[2].passes(one, trained(one))
    assert "rates are [0.5, 0.25]" in said(capsys)
    no_shifts = dense_network(shifts=False, rates=(0.5, 0.5))
    assert not ex[2].passes(no_shifts, trained(no_shifts))
    assert "keep the shifts" in said(capsys)


VAL_LOSS = [0.10, 0.08, 0.085, 0.083, 0.082, 0.07]  # epochs 3 and 4 no better than 0.08: halve from epoch 5


def test_3_plateau(ex, capsys):
    def run(rates, val_loss=VAL_LOSS):
        return history(loss=[0.2] * len(val_loss), val_loss=val_loss, learning_rate=rates)

    assert not ex[3].passes(...) and said(capsys).startswith("Not yet")
    assert ex[3].passes(run([0.002] * 4 + [0.001] * 2))
    assert "halved from epoch(s) [5]" in said(capsys)
    float32_rates = [float(np.float32(rate)) for rate in [0.001] * 4 + [0.0005] * 2]  # as Keras records them
    assert ex[3].passes(run(float32_rates)), "any starting rate, recorded in float32"
    assert ex[3].passes(run([0.002] * 3, val_loss=[0.1, 0.09, 0.08])), "never halved while val_loss improves"
    assert "never halved" in said(capsys)
    cosine = mh.cosine_schedule(15, 0.002)
    assert not ex[3].passes(run([cosine(epoch) for epoch in range(6)]))
    assert "lesson 08's cosine learning rates" in said(capsys)
    assert not ex[3].passes(run([0.002] * 4 + [0.0004] * 2))
    assert "multiplied by 0.2" in said(capsys)
    assert not ex[3].passes(run([0.002, 0.002, 0.002, 0.001, 0.0005, 0.00025]))
    assert "follows patience=1" in said(capsys)
    assert not ex[3].passes(history(loss=[0.2] * 6, val_loss=VAL_LOSS))
    assert "has no learning_rate" in said(capsys)


def test_4_block(ex, capsys):
    assert not ex[4].passes(..., ...) and said(capsys).startswith("Not yet")
    assert ex[4].passes(784 * 512 + 2 * 512, 2 * 512)
    assert not ex[4].passes(784 * 512 + 512 + 2 * 512, 2 * 512)
    assert "counts 512 biases" in said(capsys)
    assert not ex[4].passes(784 * 512 + 4 * 512, 0)
    assert "moving mean and variance are not trained" in said(capsys)
    assert not ex[4].passes(784 * 512, 4 * 512)
    assert "gamma and beta" in said(capsys)
    assert not ex[4].passes(784 * 512 + 2 * 512, 4 * 512)
    assert "is all of BatchNormalization" in said(capsys)
    assert not ex[4].passes(mh.build_better_dense_model().count_params(), 2 * 512)
    assert "the whole network" in said(capsys)
