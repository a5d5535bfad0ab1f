"""benchmarks/training_speed.py: its seconds per epoch, and the autotuner variant trains on the same batches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scripts import load_script

from mnist_helpers.fast_training import make_datasets

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "training_speed.py"


@pytest.fixture(scope="module")
def training_speed():
    return load_script(SCRIPT)


def test_steady_epoch_is_the_median_without_epoch_one(training_speed):
    assert training_speed.steady_epoch_seconds({"epoch_seconds": [9.0, 1.0, 3.0, 2.0]}) == pytest.approx(2.0)
    assert training_speed.steady_epoch_seconds({"epoch_seconds": [4.0]}) == pytest.approx(4.0)


def test_the_autotuner_variant_trains_on_the_same_batches_in_the_same_order(training_speed):
    x = np.arange(300, dtype="float32")[:, None]
    y = np.arange(300, dtype="float32")

    def batches(datasets):
        return [[labels.numpy().tolist() for _, labels in dataset] for dataset in datasets]

    plain = batches(make_datasets(x, y, batch_size=32, seed=5))
    autotuned = batches(training_speed.with_autotuner(*make_datasets(x, y, batch_size=32, seed=5)))
    assert autotuned == plain
    assert autotuned[0][0] != list(range(32)), "the training batches should be shuffled"
