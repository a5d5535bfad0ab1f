"""benchmarks/training_speed.py: its summary figures, and the floor really trains the network."""

from __future__ import annotations

from pathlib import Path

import pytest
from scripts import load_script

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "training_speed.py"


@pytest.fixture(scope="module")
def training_speed():
    return load_script(SCRIPT)


def test_fastest_epoch_leaves_out_each_runs_first_epoch(training_speed):
    runs = [{"epoch_seconds": [0.5, 2.0, 1.8, 2.2]}, {"epoch_seconds": [0.1, 1.6, 3.0]}]
    assert training_speed.fastest_epoch_seconds(runs) == pytest.approx(1.6)


def test_fastest_epoch_of_a_one_epoch_run_is_that_epoch(training_speed):
    assert training_speed.fastest_epoch_seconds([{"epoch_seconds": [4.0]}]) == pytest.approx(4.0)


def test_steady_epoch_is_the_median_without_epoch_one(training_speed):
    assert training_speed.steady_epoch_seconds({"epoch_seconds": [9.0, 1.0, 3.0, 2.0]}) == pytest.approx(2.0)


def test_floor_trains_whole_batches_of_the_training_part(training_speed, real_mnist_dir, monkeypatch):
    monkeypatch.setenv("MNIST_DATA_DIR", str(real_mnist_dir))
    monkeypatch.setenv("MNIST_QUICK", "1")  # 6,000 images: 4,800 train, the last 1,200 validate
    result = training_speed.floor_once(seed=0, epochs=2)
    assert result["train_samples"] == 4800  # 75 whole batches of 64
    assert len(result["epoch_seconds"]) == len(result["epoch_cpu_seconds"]) == 3  # compile epoch + 2
    assert all(seconds > 0 for seconds in result["epoch_seconds"])
    losses = result["validation_losses"]
    assert losses[0] > losses[1] > losses[2], f"validation loss should fall while the floor trains: {losses}"
