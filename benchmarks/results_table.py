"""The results table: how well, and how fast, each network of the series learns MNIST, over several seeds.

Rows (each network and its training are the lessons' own code, from mnist_helpers.lessons):
  original        the original network trained as the original project does (NumPy arrays, validation_split=0.2,
                  batch 64, up to 20 epochs, EarlyStopping(val_loss, patience 5, restore best), ModelCheckpoint),
                  compiled as the original project is (without the lessons' steps_per_execution)
  original-fast   the same network and settings on the fast path (benchmarking.FAST_COMPILE_OPTIONS, make_datasets)
  better-dense    lesson 08's network, epochs, batch size and callbacks, fed by make_datasets
  cnn             lesson 09's network trained by lesson 09's fit_cnn

Every run starts from keras.utils.set_random_seed(seed), seeds 0, 1, 2, ... The table gives the mean test
accuracy and its range (min-max) over the seeds, the median seconds per epoch (epoch 1, which includes
compiling, left out) and the epochs trained. It is printed as Markdown and written to build/results_table.md
and build/results_table.json (build/results_table_quick.* with --quick).

    MNIST_DATA_DIR=/path/to/mnist .venv/bin/python benchmarks/results_table.py                # full table
    MNIST_DATA_DIR=/path/to/mnist .venv/bin/python benchmarks/results_table.py --models original original-fast
    MNIST_DATA_DIR=/path/to/mnist .venv/bin/python benchmarks/results_table.py --quick        # smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarking import (
    BUILD,
    FAST_COMPILE_OPTIONS,
    QUICK_EPOCHS,
    QUICK_RUN_NOTE,
    compile_classifier,
    lesson_code,
    machine_description,
    train_and_time,
    warn_without_data_dir,
    write_atomically,
)

MODELS = ("original", "original-fast", "better-dense", "cnn")
CNN_MODELS = ("cnn",)
DESCRIPTIONS = {
    "original": "Original MLP, trained as the original (NumPy arrays)",
    "original-fast": "Original MLP, fast path (tf.data + jit_compile + steps_per_execution)",
    "better-dense": "Better dense network (lesson 08)",
    "cnn": "CNN (lesson 09: three convolutions, batch normalisation after the last one only, random shifts, 13 epochs)",
}


# ---------------------------------------------------------------- summarising and formatting (no TensorFlow)


def summarise(model: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One table row from the runs of one model: each run has seed, parameters, epoch_seconds, test_accuracy."""
    if not runs:
        raise ValueError(f"No runs to summarise for {model!r}.")
    accuracies = [run["test_accuracy"] for run in runs]
    steady = [statistics.median(run["epoch_seconds"][1:] or run["epoch_seconds"]) for run in runs]
    return {
        "model": model,
        "description": DESCRIPTIONS.get(model, model),
        "parameters": runs[0]["parameters"],
        "seeds": [run["seed"] for run in runs],
        "seconds_per_epoch": statistics.median(steady),
        "first_epoch_seconds": statistics.median(run["epoch_seconds"][0] for run in runs),
        "fit_seconds": statistics.median(run["fit_seconds"] for run in runs),
        "epochs_trained": [len(run["epoch_seconds"]) for run in runs],
        "test_accuracy_mean": statistics.mean(accuracies),
        "test_accuracy_min": min(accuracies),
        "test_accuracy_max": max(accuracies),
        "test_accuracies": accuracies,
    }


def format_table(rows: list[dict[str, Any]], machine: str, test_images: int = 10_000) -> str:
    """The Markdown table of the summarised rows, with a line saying where and how it was measured."""
    lines = [
        "| Model | Parameters | Seconds per epoch | Epochs trained | Whole fit (s) | Test accuracy, mean "
        "| Range (min-max) | Seeds |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        epochs = row["epochs_trained"]
        epochs_text = str(epochs[0]) if min(epochs) == max(epochs) else f"{min(epochs)}-{max(epochs)}"
        lines.append(
            f"| {row['description']} | {row['parameters']:,} | {row['seconds_per_epoch']:.1f} | {epochs_text} | "
            f"{row['fit_seconds']:.0f} | "
            f"{100 * row['test_accuracy_mean']:.2f} % | "
            f"{100 * row['test_accuracy_min']:.2f}-{100 * row['test_accuracy_max']:.2f} % | {len(row['seeds'])} |"
        )
    lines += [
        "",
        f"Machine: {machine}.",
        "",
        "Seconds per epoch: training plus validation; the median over seeds of each run's median epoch,",
        "leaving out epoch 1 (it includes building and compiling). Whole fit: the median over seeds of the",
        "seconds `model.fit` took, every epoch and callback included.",
        f"Test accuracy: on the {test_images:,} test images, after each run's own callbacks",
        "(the original's EarlyStopping restores its best epoch; lessons 08/09 keep their best val_accuracy epoch).",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------- training


def original_run(fast: bool, epochs: int, folder: str, seed: int) -> tuple[Callable, Callable]:
    """(build, fit) for the original network: lessons 02 and 04's code, compiled the original way or the fast way."""
    lesson = lesson_code("original_network")
    from mnist_helpers.fast_training import make_datasets

    def build() -> Any:
        return compile_classifier(lesson.build_original_model(), **(FAST_COMPILE_OPTIONS if fast else {}))

    def fit(model: Any, x: Any, y: Any, timers: list[Any]) -> Any:
        callbacks = timers + lesson.original_callbacks(Path(folder) / "best.keras")
        if not fast:
            return lesson.fit_original_model(model, x, y, callbacks=callbacks, epochs=epochs)
        train_ds, val_ds = make_datasets(x, y, batch_size=64, validation_fraction=0.2, seed=seed)
        return model.fit(train_ds, validation_data=val_ds, epochs=epochs, shuffle=False, callbacks=callbacks, verbose=2)

    return build, fit


def pipeline_run(module: str, build_name: str, epochs: int, seed: int) -> tuple[Callable, Callable]:
    """(build, fit) for lesson 08's or 09's network: its builder, batch size and callbacks (lesson 08's schedule and
    best-epoch rule with the lesson's peak learning rate), fed by make_datasets shuffled from the run's seed."""
    lesson = lesson_code(module)
    callbacks_for = lesson_code("better_dense_network").schedule_and_best_epoch_callbacks
    from mnist_helpers.fast_training import make_datasets

    def fit(model: Any, x: Any, y: Any, timers: list[Any]) -> Any:
        train_ds, val_ds = make_datasets(x, y, batch_size=lesson.BATCH_SIZE, validation_fraction=0.2, seed=seed)
        callbacks = timers + callbacks_for(epochs, lesson.PEAK_LEARNING_RATE)
        return model.fit(train_ds, validation_data=val_ds, epochs=epochs, shuffle=False, callbacks=callbacks, verbose=2)

    return getattr(lesson, build_name), fit


#: Epochs per model in full mode: the lessons' own.
FULL_EPOCHS = {
    "original": ("original_network", "EPOCHS"),
    "original-fast": ("original_network", "EPOCHS"),
    "better-dense": ("better_dense_network", "EPOCHS"),
    "cnn": ("cnn", "EPOCHS"),
}


def run_model(name: str, seeds: list[int], quick: bool, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Train model ``name`` once per seed and return the runs."""
    module, constant = FULL_EPOCHS[name]
    epochs = QUICK_EPOCHS if quick else getattr(lesson_code(module), constant)
    runs = []
    for seed in seeds:
        with tempfile.TemporaryDirectory() as folder:
            if name in ("original", "original-fast"):
                build, fit = original_run(name == "original-fast", epochs, folder, seed)
            elif name == "better-dense":
                build, fit = pipeline_run("better_dense_network", "build_better_dense_model", epochs, seed)
            else:
                build, fit = pipeline_run("cnn", "build_cnn_model", epochs, seed)
            x, y, x_test, y_test = data["images" if name == "cnn" else "dense"]
            started = time.perf_counter()
            run = train_and_time(build, x, y, x_test, y_test, seed, fit)
        runs.append(run)
        print(
            f"  {name:13} seed {seed}: {len(run['epoch_seconds']):2} epochs in {time.perf_counter() - started:5.0f} s,"
            f" test accuracy {run['test_accuracy']:.4f}",
            flush=True,
        )
    return runs


def load_data() -> dict[str, Any]:
    import mnist_helpers as mh

    (x_train, y_train), (x_test, y_test) = mh.load_mnist()
    y_train_hot, y_test_hot = mh.one_hot_labels(y_train), mh.one_hot_labels(y_test)
    return {
        "dense": (
            mh.prepare_for_dense(x_train, y_train)[0],
            y_train_hot,
            mh.prepare_for_dense(x_test, y_test)[0],
            y_test_hot,
        ),
        "images": (mh.scale_pixels(x_train)[..., None], y_train_hot, mh.scale_pixels(x_test)[..., None], y_test_hot),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds per dense model (default 5)")
    parser.add_argument("--cnn-seeds", type=int, default=3, help="seeds for each CNN, minutes per run (default 3)")
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS), help="which rows (default all)")
    parser.add_argument(
        "--quick", action="store_true", help=f"smoke run: 6,000 training images, {QUICK_EPOCHS} epochs, 1 seed each"
    )
    args = parser.parse_args()
    warn_without_data_dir()
    if args.quick:
        os.environ["MNIST_QUICK"] = "1"  # mh.load_mnist then keeps the first 6,000 training images
    import mnist_helpers as mh

    mh.import_keras_quietly()
    data = load_data()
    rows = []
    for name in args.models:
        count = 1 if args.quick else (args.cnn_seeds if name in CNN_MODELS else args.seeds)
        print(f"{DESCRIPTIONS[name]}: {count} seed(s)", flush=True)
        rows.append(summarise(name, run_model(name, list(range(count)), args.quick, data)))

    machine = machine_description() + (QUICK_RUN_NOTE if args.quick else "")
    table = format_table(rows, machine, test_images=len(data["dense"][2]))
    stem = "results_table_quick" if args.quick else "results_table"
    write_atomically(BUILD / f"{stem}.md", table + "\n")
    write_atomically(BUILD / f"{stem}.json", json.dumps({"machine": machine, "rows": rows}, indent=2) + "\n")
    print("\n" + table + f"\n\nWritten to {BUILD / stem}.md and .json")


if __name__ == "__main__":
    main()
