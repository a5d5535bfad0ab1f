"""The results table summarises runs and formats them correctly (no training here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scripts import load_script

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "results_table.py"


@pytest.fixture(scope="module")
def results_table():
    return load_script(SCRIPT)


def run(seed, accuracy, epoch_seconds, parameters=669_706):
    return {
        "seed": seed,
        "parameters": parameters,
        "epoch_seconds": epoch_seconds,
        "fit_seconds": sum(epoch_seconds) + 1.0,  # callbacks between epochs add a little
        "test_accuracy": accuracy,
    }


def test_summary_leaves_out_the_first_epoch_and_gives_mean_and_range(results_table):
    runs = [
        run(0, 0.976, [9.0, 2.0, 2.2, 2.4]),  # median of epochs 2+ = 2.2
        run(1, 0.982, [8.0, 3.0, 3.0, 3.0, 3.0, 3.0]),  # 3.0
        run(2, 0.977, [7.0, 1.0, 1.5]),  # 1.25
    ]
    row = results_table.summarise("original", runs)
    assert row["seconds_per_epoch"] == pytest.approx(2.2)
    assert row["first_epoch_seconds"] == pytest.approx(8.0)
    assert row["fit_seconds"] == pytest.approx(16.6)  # the median whole fit: 16.6, 24.0, 10.5
    assert row["epochs_trained"] == [4, 6, 3]
    assert row["test_accuracy_mean"] == pytest.approx(0.9783333)
    assert (row["test_accuracy_min"], row["test_accuracy_max"]) == (0.976, 0.982)
    assert row["parameters"] == 669_706 and row["seeds"] == [0, 1, 2]


def test_summary_of_one_epoch_runs_uses_that_epoch(results_table):
    row = results_table.summarise("cnn", [run(0, 0.9, [5.0])])
    assert row["seconds_per_epoch"] == 5.0


def test_summary_refuses_no_runs(results_table):
    with pytest.raises(ValueError, match="No runs"):
        results_table.summarise("cnn", [])


def test_markdown_table_has_one_row_per_model_and_notes_the_machine(results_table):
    rows = [
        results_table.summarise("original", [run(0, 0.9761, [9, 4.4, 4.4]), run(1, 0.9823, [9, 4.6, 4.6, 4.6])]),
        results_table.summarise("cnn", [run(0, 0.9934, [60, 50, 50], parameters=225_034)]),
    ]
    table = results_table.format_table(rows, machine="test machine, 2 CPU cores")
    lines = table.splitlines()
    header, rule, original, cnn = lines[:4]
    assert header.count("|") == rule.count("|") == original.count("|") == cnn.count("|") == 9
    assert original == (
        "| Original MLP, trained as the original (NumPy arrays) | 669,706 | 4.5 | 3-4 | 21 | 97.92 % | 97.61-98.23 % "
        "| 2 |"
    )
    assert cnn == f"| {results_table.DESCRIPTIONS['cnn']} | 225,034 | 50.0 | 3 | 161 | 99.34 % | 99.34-99.34 % | 1 |"
    assert "test machine, 2 CPU cores" in table
    assert "10,000 test images" in table
    assert "2,000 test images" in results_table.format_table(rows, machine="m", test_images=2000)


def test_cnn_bn_and_cnn_old_are_built_and_trained_with_their_own_recipes(results_table):
    """cnn-old (225,706 parameters, 12 epochs) and cnn-bn (61,378, 10 epochs) are trained next to lesson 08's CNN."""
    assert set(results_table.CNN_MODELS) == {"cnn", "cnn-bn", "cnn-old"} <= set(results_table.MODELS)
    with_bn = results_table.build_cnn_bn()
    assert with_bn.count_params() == 61_378 and with_bn.compiled and int(with_bn.steps_per_execution) > 1
    layer_kinds = [type(layer).__name__ for layer in with_bn.layers]
    assert layer_kinds.count("BatchNormalization") == layer_kinds.count("Conv2D") == 3
    assert results_table.CNN_BN_TRAINING.epochs == 10 and results_table.CNN_BN_TRAINING.batch_size == 128
    old = results_table.build_cnn_old()
    assert old.count_params() == 225_706 and old.compiled
    assert results_table.CNN_OLD_TRAINING.epochs == 12 and results_table.CNN_OLD_TRAINING.batch_size == 128
    schedulers = [c for c in results_table.CNN_OLD_TRAINING.make_callbacks(12) if hasattr(c, "schedule")]
    assert [round(schedulers[0].schedule(epoch), 6) for epoch in (0, 11)] == [0.003, 0.00006]

    from mnist_helpers import cnn

    assert cnn.build_cnn_model().count_params() < old.count_params(), "lesson 08's CNN should be smaller than cnn-old"
