"""What each idea of the fast path gains, alone and together, when the original network trains on a CPU.

Every run trains the SAME model (Dense 512 -> 256 -> 10, adam, batch 64, the last 20 % held out for validation,
EarlyStopping(val_loss, restore best) with patience as long as the run, ModelCheckpoint(best only)) for the same
number of epochs from seed 0, and changes one thing:

- tf.data:              make_datasets' pipelines (mnist_helpers.fast_training) instead of NumPy arrays
                        with validation_split;
- jit_compile:          compile(..., jit_compile=True): XLA compiles each training step;
- steps_per_execution:  compile(..., steps_per_execution=50): 50 batches per call from Python;
- and their combinations, the fast path (all three), and the fast path with tf.data's autotuner on.

Each run trains in its own fresh Python process, one after another, so one cannot warm up or slow down the next;
the original runs first and again last. Timings need a quiet machine: the script prints the load average.

    MNIST_DATA_DIR=/path/to/mnist .venv/bin/python benchmarks/training_speed.py --epochs 8
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarking import (
    FAST_COMPILE_OPTIONS,
    compile_classifier,
    epoch_timer,
    fresh_start,
    json_from_fresh_process,
    load_average,
    load_dense_data,
    machine_description,
    warn_without_data_dir,
)

STEPS_PER_EXECUTION = FAST_COMPILE_OPTIONS["steps_per_execution"]
BATCH_SIZE = 64
VALIDATION_SPLIT = 0.2


@dataclass(frozen=True)
class Variant:
    """One way to run the same training: which of the fast path's ideas are on."""

    tf_data: bool = False  # tf.data pipelines from make_datasets (validation in batches of 1024) instead of arrays
    jit_compile: bool = False
    steps_per_execution: int = 1
    autotune: bool = False  # with tf_data: tf.data's autotuner on and a prefetch(AUTOTUNE) on top


FAST = Variant(tf_data=True, jit_compile=True, steps_per_execution=STEPS_PER_EXECUTION)
VARIANTS = {
    "original (NumPy arrays)": Variant(),
    "+ tf.data": Variant(tf_data=True),
    "+ jit_compile": Variant(jit_compile=True),
    f"+ steps_per_execution={STEPS_PER_EXECUTION}": Variant(steps_per_execution=STEPS_PER_EXECUTION),
    f"tf.data + steps_per_execution={STEPS_PER_EXECUTION}": Variant(
        tf_data=True, steps_per_execution=STEPS_PER_EXECUTION
    ),
    "tf.data + jit_compile": Variant(tf_data=True, jit_compile=True),
    "fast path (tf.data + jit + steps)": FAST,
    "fast path, tf.data autotuner on": Variant(
        tf_data=True, jit_compile=True, steps_per_execution=STEPS_PER_EXECUTION, autotune=True
    ),
}


def with_autotuner(train_ds: Any, val_ds: Any) -> tuple[Any, Any]:
    """``make_datasets``' pipelines (the same batches, in the same order) with tf.data's autotuner on and a
    ``prefetch(AUTOTUNE)`` on top, in place of the fixed prefetch of two batches."""
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = True
    return train_ds.with_options(options).prefetch(tf.data.AUTOTUNE), val_ds.with_options(options)


def train_once(variant: Variant, seed: int, epochs: int) -> dict:
    """Train the original network once, the way ``variant`` says; return timings and test accuracy."""
    import mnist_helpers as mh
    from mnist_helpers.fast_training import make_datasets, validation_split_index

    keras = mh.import_keras_quietly()
    fresh_start(seed)
    x_train, y_train, x_test, y_test = load_dense_data()

    options = {"jit_compile": variant.jit_compile, "steps_per_execution": variant.steps_per_execution}
    model = compile_classifier(mh.build_original_model(), **options)
    timer = epoch_timer()
    with tempfile.TemporaryDirectory() as folder:
        callbacks = [
            timer,  # first, so its end time excludes the other callbacks' work (checkpoint saving)
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=epochs, restore_best_weights=True),
            keras.callbacks.ModelCheckpoint(str(Path(folder) / "best.keras"), monitor="val_loss", save_best_only=True),
        ]
        if variant.tf_data:
            train_ds, val_ds = make_datasets(
                x_train, y_train, batch_size=BATCH_SIZE, validation_fraction=VALIDATION_SPLIT, seed=seed
            )
            if variant.autotune:
                train_ds, val_ds = with_autotuner(train_ds, val_ds)
            model.fit(train_ds, validation_data=val_ds, epochs=epochs, shuffle=False, callbacks=callbacks, verbose=2)
        else:
            model.fit(
                x_train,
                y_train,
                batch_size=BATCH_SIZE,
                validation_split=VALIDATION_SPLIT,
                epochs=epochs,
                callbacks=callbacks,
                verbose=2,
            )
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=1024, verbose=0)
    return {
        "epoch_seconds": timer.seconds,
        "epoch_cpu_seconds": timer.cpu_seconds,
        "train_samples": validation_split_index(len(x_train), VALIDATION_SPLIT),
        "test_accuracy": float(test_accuracy),
    }


def steady_epoch_seconds(result: dict, key: str = "epoch_seconds") -> float:
    """Median seconds per epoch without epoch 1 (which includes building and compiling the training step)."""
    times = result[key]
    return statistics.median(times[1:] if len(times) > 1 else times)


def ablation(epochs: int, seed: int) -> None:
    import mnist_helpers as mh

    quick = " - QUICK MODE (MNIST_QUICK=1: 6,000 images, not for timings)" if mh.is_quick_mode() else ""
    print(f"Machine: {machine_description(moment='at the start')}{quick}")
    print(
        f"Each idea alone, {epochs} epochs each, seed {seed}, no early stopping. Seconds per epoch: median"
        " of epochs 2+; wall clock, and CPU time of the training process (all its threads; less disturbed by other"
        " programs). Speed-up: the original's seconds (the faster of its two runs, first and last) / the variant's"
        " seconds.\n"
    )
    print(
        "| variant                                | s/epoch | CPU s/epoch | first epoch | samples/s | speed-up "
        "(wall, CPU) | test acc |"
    )
    print(
        "|----------------------------------------|--------:|------------:|------------:|----------:|---------"
        "-----------:|---------:|"
    )
    # The original runs first and again last; speed-ups use the faster of the two, so a slow start of the
    # machine (the first run of a session can be a third slower) cannot inflate them.
    first_label = next(iter(VARIANTS))
    plan = [*VARIANTS.items(), (f"{first_label}, again", VARIANTS[first_label])]
    runs = []
    for number, (label, variant) in enumerate(plan, start=1):
        print(f"  run {number}/{len(plan)}: {label}", file=sys.stderr, flush=True)
        arguments = ["--one", json.dumps(asdict(variant)), "--seed", str(seed), "--epochs", str(epochs)]
        runs.append((label, json_from_fresh_process(__file__, arguments, f"Training {label} with seed {seed}")))
    originals = [result for label, result in runs if label.startswith(first_label)]
    baseline = (
        min(steady_epoch_seconds(result) for result in originals),
        min(steady_epoch_seconds(result, "epoch_cpu_seconds") for result in originals),
    )
    for label, result in runs:
        wall, cpu = steady_epoch_seconds(result), steady_epoch_seconds(result, "epoch_cpu_seconds")
        print(
            f"| {label:38} | {wall:7.2f} | {cpu:11.2f} | {result['epoch_seconds'][0]:9.2f} s | "
            f"{result['train_samples'] / wall:9,.0f} | {baseline[0] / wall:8.2f}x, {baseline[1] / cpu:5.2f}x | "
            f"{result['test_accuracy']:.4f} |",
            flush=True,
        )
    print(
        f"\nNow: load average (1/5/15 min) {load_average()} on {os.cpu_count()} cores; above the core count, other "
        "programs shared the CPU and inflated the timings."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=8, help="epochs per run (default 8)")
    parser.add_argument("--ablation", action="store_true", help="each idea alone: what this script always measures")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one training run, as JSON
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    warn_without_data_dir()
    if args.one:
        print(json.dumps(train_once(Variant(**json.loads(args.one)), args.seed, args.epochs)))
    else:
        ablation(args.epochs, args.seed)


if __name__ == "__main__":
    main()
