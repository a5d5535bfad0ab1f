"""Lesson 04's exercise checks: the untouched starter, the solution, and typical wrong answers with their messages.

The answers are built directly (a History whose curves the test writes, a one-layer model whose validation loss the
test measures with Keras' own evaluate), so no test trains a network."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import mnist_helpers as mh


@pytest.fixture
def ex():
    return mh.exercises(4)


def said(capsys) -> str:
    return capsys.readouterr().out


def history(epochs: int = 20, model=None, **curves) -> keras.callbacks.History:
    """A History as fit returns it: its curves, the epochs fit was asked for, and the model it trained."""
    made = keras.callbacks.History()
    made.set_params({"epochs": epochs, "steps": 1, "verbose": 0})
    made.set_model(model)
    made.history = {name: list(values) for name, values in curves.items()}
    return made


def curves_of(val_loss: list[float]) -> dict[str, list[float]]:
    return {"loss": [0.5 - 0.01 * i for i in range(len(val_loss))], "val_loss": val_loss}


def test_1_patience(ex, capsys):
    stopped = history(**curves_of([0.30, 0.25, 0.22, 0.23, 0.24]))  # best: epoch 3, stopped 2 epochs later
    assert not ex[1].passes(..., ..., ...) and said(capsys).startswith("Not yet")
    assert ex[1].passes(stopped, 5, 3)
    assert "2 epochs after the best val_loss" in said(capsys)
    assert ex[1].passes(history(epochs=5, **curves_of([0.30, 0.25, 0.22, 0.21, 0.215])), 5, 4), "ran to the end"
    patient = history(**curves_of([0.30, 0.25, 0.22, 0.23, 0.24, 0.25, 0.26, 0.27]))  # patience=5: 5 epochs after
    assert not ex[1].passes(patient, 8, 3)
    assert "5 epochs past the best val_loss" in said(capsys)
    assert not ex[1].passes(stopped, 5, 2)
    assert "counted from 0" in said(capsys)
    assert not ex[1].passes(stopped, 5, 5)
    assert "is the last one" in said(capsys)
    assert not ex[1].passes(stopped, 4, 3)
    assert "holds 5 epochs, not 4" in said(capsys)
    assert not ex[1].passes(stopped.history, 5, 3)
    assert "is a dict" in said(capsys)


def test_2_restored_accuracy(ex, capsys):
    run = history(
        loss=[0.3, 0.2, 0.15, 0.1],
        val_loss=[0.30, 0.20, 0.25, 0.27],  # restored: epoch 2
        accuracy=[0.90, 0.96, 0.97, 0.99],
        val_accuracy=[0.95, 0.97, 0.98, 0.975],  # the highest is epoch 3's, the last epoch 4's
    )
    assert not ex[2].passes(run, ...) and said(capsys).startswith("Not yet")
    assert ex[2].passes(run, 0.97)
    assert "validation accuracy of epoch 2" in said(capsys)
    assert not ex[2].passes(run, 0.975)
    assert "last epoch's" in said(capsys)
    assert not ex[2].passes(run, 0.98)
    assert "highest val_accuracy" in said(capsys)
    assert not ex[2].passes(run, 0.96)
    assert "*training* accuracy" in said(capsys)
    assert not ex[2].passes(run, 97.0)
    assert "is a percentage" in said(capsys)


@pytest.fixture(scope="module")
def linear_model():
    """A softmax regression with fixed weights: a network that holds some weights, to be told which epoch's."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy")
    return model


@pytest.mark.parametrize("quick", ["0", "1"], ids=["full mode", "quick mode"])
def test_3_last_weights(ex, capsys, real_mnist_dir, monkeypatch, linear_model, quick):
    monkeypatch.setenv("MNIST_QUICK", quick)
    (x_train, y_train), _ = mh.load_mnist(real_mnist_dir)
    x_train, y_train = mh.prepare_for_dense(x_train, y_train)
    split_at = int(len(x_train) * 0.8)  # what validation_split=0.2 held out
    now = linear_model.evaluate(x_train[split_at:], y_train[split_at:], verbose=0)
    said(capsys)

    def run(*val_loss, model=linear_model):
        return history(model=model, **curves_of(list(val_loss)))

    assert not ex[3].passes(..., ...) and said(capsys).startswith("Not yet")
    assert ex[3].passes(linear_model, run(now + 0.2, now - 0.1, now + 0.05, now))
    assert "holds the last epoch's weights (epoch 4" in said(capsys)
    assert ex[3].passes(linear_model, run(now + 0.2, now))
    assert "also the best" in said(capsys)
    assert not ex[3].passes(linear_model, run(now + 0.2, now, now + 0.05, now + 0.1))
    assert "restore_best_weights=False" in said(capsys)
    assert not ex[3].passes(linear_model, run(now + 0.2, now + 0.3, now + 0.4))
    assert "matches no epoch" in said(capsys)
    assert not ex[3].passes(linear_model, run(now + 0.2, now, model=keras.Sequential()))
    assert "does not come from training model_last" in said(capsys)


def test_3_a_sure_network_s_last_weights_are_told_by_the_loss_fit_measures(ex, capsys, real_mnist_dir, monkeypatch):
    """A trained network is sure of some wrong answers (a probability far below 1e-7 for the right digit): fit's
    val_loss counts those in full, a loss computed from clipped probabilities does not, and the two differ."""
    monkeypatch.setenv("MNIST_QUICK", "1")
    (x_train, y_train), _ = mh.load_mnist(real_mnist_dir)
    x_train, y_train = mh.prepare_for_dense(x_train, y_train)
    split_at = int(len(x_train) * 0.8)
    keras.utils.set_random_seed(0)
    sure = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10, activation="softmax")])
    sure.compile(loss="categorical_crossentropy")
    sure.fit(x_train[:split_at], y_train[:split_at], epochs=1, batch_size=256, verbose=0)
    sure.set_weights([20 * weights for weights in sure.get_weights()])  # the same answers, far surer of them
    now = sure.evaluate(x_train[split_at:], y_train[split_at:], verbose=0)
    said(capsys)
    assert ex[3].passes(sure, history(model=sure, **curves_of([now - 0.5, now - 0.6, now])))
    assert "holds the last epoch's weights (epoch 3" in said(capsys)


def test_4_seeds(ex, capsys):
    accuracies = [0.976, 0.978, 0.981]
    mean, spread = float(np.mean(accuracies)), max(accuracies) - min(accuracies)
    assert not ex[4].passes(..., ..., ...) and said(capsys).startswith("Not yet")
    assert ex[4].passes(accuracies, mean, spread)
    assert not ex[4].passes([[0.08, 0.976], [0.07, 0.978], [0.07, 0.981]], mean, spread)
    assert "[loss, accuracy]" in said(capsys)
    assert not ex[4].passes([0.978] * 3, 0.978, 0.0)
    assert "all three accuracies are the same" in said(capsys)
    assert not ex[4].passes(accuracies, mean, float(np.std(accuracies)))
    assert "standard deviation" in said(capsys)
    assert not ex[4].passes([97.6, 97.8, 98.1], 97.83, 0.5)
    assert "percentages" in said(capsys)
    assert not ex[4].passes([0.08, 0.07, 0.09], 0.08, 0.02)
    assert "test loss" in said(capsys)
    assert not ex[4].passes(accuracies, mean, 100 * spread)
    assert "percentage points" in said(capsys)
    assert not ex[4].passes(accuracies[:2], mean, spread)
    assert "give the 3 test accuracies" in said(capsys)
