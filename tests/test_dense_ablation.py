"""benchmarks/dense_ablation.py: each row adds one idea, the last row is lesson 08's network, the table's figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from scripts import load_script

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "dense_ablation.py"


@pytest.fixture(scope="module")
def ablation():
    return load_script(SCRIPT)


def test_each_row_adds_exactly_one_idea(ablation):
    ideas = [row[2] for row in ablation.ROWS]
    assert ideas[0] == set()
    for before, after in zip(ideas, ideas[1:], strict=False):
        assert before < after and len(after - before) == 1, (before, after)


def test_first_row_is_the_original_and_last_row_is_lesson_07s_network(ablation):
    import mnist_helpers as mh

    original = ablation.build_model(ablation.ROWS[0][2])
    full = ablation.build_model(ablation.ROWS[-1][2])
    assert original.count_params() == mh.build_original_model().count_params()
    reference = mh.build_better_dense_model()
    assert [type(layer).__name__ for layer in full.layers] == [type(layer).__name__ for layer in reference.layers]
    assert full.count_params() == reference.count_params()
    partial = ablation.build_model(ablation.ROWS[-2][2])  # everything but the shifts
    kinds = [type(layer).__name__ for layer in reference.layers]
    assert [type(layer).__name__ for layer in partial.layers] == kinds[3:]


def test_training_settings_follow_the_ideas(ablation):
    lesson = ablation.lesson_code("better_dense_network")
    original = ablation.fit_settings(set(), quick=False)
    assert (original["epochs"], original["batch_size"]) == (ablation.lesson_code("original_network").EPOCHS, 64)
    assert [(type(c).__name__, c.monitor) for c in original["callbacks"]] == [("EarlyStopping", "val_loss")]
    full = ablation.fit_settings(ablation.ALL_IDEAS, quick=False)
    assert (full["epochs"], full["batch_size"]) == (lesson.EPOCHS, lesson.BATCH_SIZE)
    names = [type(c).__name__ for c in full["callbacks"]]
    assert names == ["LearningRateScheduler", "EarlyStopping"]
    assert full["callbacks"][1].monitor == "val_accuracy" and full["callbacks"][1].patience == lesson.EPOCHS
    scheduler = full["callbacks"][0]
    assert scheduler.schedule(0) == lesson.PEAK_LEARNING_RATE


def test_table_gives_mean_sd_range_and_each_seed(ablation):
    results = {
        "original": [
            {"seed": s, "test_accuracy": a, "epochs": e}
            for s, a, e in ((0, 0.9810, 12), (1, 0.9774, 8), (2, 0.9767, 9))
        ],
        "shifts": [{"seed": s, "test_accuracy": a, "epochs": 15} for s, a in ((0, 0.9878), (1, 0.9882), (2, 0.9870))],
    }
    table = ablation.format_table(results, "a test machine", "the command", test_images=10_000)
    lines = table.splitlines()
    assert lines[0].count("seed ") == 3
    original = next(line for line in lines if line.startswith("| the original"))
    assert "97.84 ± 0.23 %" in original and "97.67-98.10 %" in original and "| 8-12 |" in original
    shifts = next(line for line in lines if line.startswith("| + random shifts"))
    assert "98.77 ± 0.06 %" in shifts and "98.70-98.82 %" in shifts
    assert "10,000 test images" in table and "a test machine" in table and "`the command`" in table
