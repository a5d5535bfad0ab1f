"""Lesson 07's exercise checks, on playground runs made up for the test (the checks read what a run says it used and
reached): the untouched starter, the solution, and typical wrong answers with their messages."""

from __future__ import annotations

import pytest

import mnist_helpers as mh
from mnist_helpers.dense_networks import architecture_text, count_dense_parameters
from mnist_helpers.playground_runs import RunResult


def said(capsys) -> str:
    return capsys.readouterr().out


def run(units, learning_rate=0.001, dropout=0.0, val_accuracy=0.9, test_accuracy=0.9, accuracy=0.95, epochs=2, **kw):
    return RunResult(
        number=1,
        architecture=architecture_text(784, units),
        activation="relu",
        dropout_rate=dropout,
        learning_rate=learning_rate,
        batch_size=64,
        epochs_planned=epochs,
        epochs_run=epochs,
        parameters=count_dense_parameters(784, units),
        seconds=1.0,
        val_accuracy=val_accuracy,
        test_accuracy=test_accuracy,
        test_loss=0.3,
        history={"accuracy": [0.8, accuracy], "val_accuracy": [0.85, val_accuracy]},
        **kw,
    )


@pytest.fixture
def ex():
    return mh.exercises(7)


def test_1_tiny(ex, capsys):
    assert not ex[1].passes(..., ...) and said(capsys).startswith("Not yet")
    assert ex[1].passes(784 * 8 + 8 + 8 * 10 + 10, run([8]))
    assert not ex[1].passes(784 * 8 + 8 * 10, run([8]))
    assert "leaves out the biases" in said(capsys)
    assert not ex[1].passes(6_370, run([8, 256]))
    assert "784 → 8 → 256 → 10" in said(capsys)
    assert not ex[1].passes(6_370, 6_370)
    assert "should be a run" in said(capsys)


def test_2_learning_rates(ex, capsys):
    normal, too_big = run([128], 0.001, test_accuracy=0.95), run([128], 1.0, test_accuracy=0.11)
    assert not ex[2].passes(..., ...) and said(capsys).startswith("Not yet")
    assert ex[2].passes(normal, too_big)
    assert ex[2].passes(normal, run([128], 1.0, diverged=True)), "a diverged run is the expected failure too"
    assert not ex[2].passes(too_big, normal)
    assert "swapped" in said(capsys)
    assert not ex[2].passes(normal, run([64], 1.0))
    assert "one hidden layer of 128 units" in said(capsys)


def test_3_dropout_gap(ex, capsys):
    without = run([256], accuracy=0.99, val_accuracy=0.95)
    with_dropout = run([256], dropout=0.5, accuracy=0.93, val_accuracy=0.95)
    assert not ex[3].passes(..., ..., ..., ...) and said(capsys).startswith("Not yet")
    assert ex[3].passes(without, with_dropout, 0.99 - 0.95, 0.93 - 0.95)
    assert not ex[3].passes(without, with_dropout, 0.95 - 0.99, 0.93 - 0.95)
    assert "wrong sign" in said(capsys)
    assert not ex[3].passes(without, run([256], dropout=0.5, epochs=5), 0.04, -0.02)
    assert "same number of epochs" in said(capsys)
    assert not ex[3].passes(without, without, 0.04, 0.04)
    assert "should use 0.5" in said(capsys)


def test_4_smallest(ex, capsys):
    target = mh.pick(full=0.95, quick=0.80)
    runs = [run([8], val_accuracy=target - 0.1), run([16], val_accuracy=target - 0.01), run([32], val_accuracy=target)]
    assert not ex[4].passes(..., runs) and said(capsys).startswith("Not yet")
    assert ex[4].passes(32, runs)
    assert not ex[4].passes(16, runs)
    assert "below the target" in said(capsys)
    assert not ex[4].passes(64, runs + [run([64], val_accuracy=target + 0.02)])
    assert "32 units reached the target too" in said(capsys)
    assert not ex[4].passes(32, runs[2:])
    assert "train 16 units too" in said(capsys)
