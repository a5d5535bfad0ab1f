"""Lesson 08's ablation: which of its ideas help the original dense network, one idea added at a time, over seeds.

Rows (each keeps everything above it; the last row is lesson 08's full recipe: its own ``build_better_dense_model``,
epochs, batch size and callbacks, from ``mnist_helpers.lessons.better_dense_network``):

  original    the original network and training (lesson 04): Dense 512 relu -> 256 relu -> 10 softmax, Adam 0.001,
              batch 64, up to 20 epochs, EarlyStopping(val_loss, patience 5, restore the best epoch)
  schedule    + cosine learning-rate schedule from 0.002 over 15 epochs, batch 128
  best-acc    + keep the epoch with the best val_accuracy (EarlyStopping(val_accuracy, patience=epochs, restore))
  batchnorm   + batch normalisation after each hidden Dense layer (which loses its bias)
  dropout     + dropout 0.25 after each hidden block
  shifts      + random shifts of up to 10 % (RandomTranslation): the full recipe of lesson 08

Every run: ``keras.utils.set_random_seed(seed)`` (seeds 0, 1, 2, ...), full data (60,000 training images, the last
20 % held out for validation by ``validation_split=0.2``, NumPy arrays as in lesson 04), test accuracy on the 10,000
test images. All models are compiled with ``steps_per_execution=50``, as lessons 04 and 08 do, which changes the
speed, not the training.
Prints a Markdown table (mean, standard deviation, min-max, each seed) and writes it to build/dense_ablation.md.

    MNIST_DATA_DIR=/path/to/mnist PYTHONPATH=$PWD .venv/bin/python benchmarks/dense_ablation.py --seeds 3
    MNIST_DATA_DIR=/path/to/mnist PYTHONPATH=$PWD .venv/bin/python benchmarks/dense_ablation.py --quick  # smoke run
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any

from benchmarking import (
    BUILD,
    QUICK_EPOCHS,
    QUICK_RUN_NOTE,
    compile_classifier,
    fresh_start,
    lesson_code,
    load_dense_data,
    machine_description,
    warn_without_data_dir,
    write_atomically,
)

#: (row name, what it adds, the ideas switched on from this row down)
ROWS = (
    ("original", "the original network and training (lesson 04)", set()),
    ("schedule", "+ cosine learning-rate schedule from 0.002, 15 epochs, batch 128", {"schedule"}),
    ("best-acc", "+ keep the epoch with the best val_accuracy", {"schedule", "best-acc"}),
    ("batchnorm", "+ batch normalisation", {"schedule", "best-acc", "batchnorm"}),
    ("dropout", "+ dropout 0.25", {"schedule", "best-acc", "batchnorm", "dropout"}),
    ("shifts", "+ random shifts: lesson 08's full recipe", {"schedule", "best-acc", "batchnorm", "dropout", "shifts"}),
)
ALL_IDEAS = ROWS[-1][2]
ROW_NAMES = tuple(name for name, _, _ in ROWS)


def build_model(ideas: set[str]) -> Any:
    """The original Dense 512 -> 256 -> 10 with the given ideas switched on; compiled.

    With every idea on, it is lesson 08's own ``build_better_dense_model``.
    """
    if ideas == ALL_IDEAS:
        return lesson_code("better_dense_network").build_better_dense_model()
    import mnist_helpers as mh

    keras = mh.import_keras_quietly()
    layers = [keras.Input(shape=(784,))]
    if "shifts" in ideas:
        layers += [
            keras.layers.Reshape((28, 28, 1)),
            keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant"),  # lesson 08's shifts
            keras.layers.Flatten(),
        ]
    for units in (512, 256):
        if "batchnorm" in ideas:
            layers += [
                keras.layers.Dense(units, use_bias=False),
                keras.layers.BatchNormalization(),
                keras.layers.Activation("relu"),
            ]
        else:
            layers.append(keras.layers.Dense(units, activation="relu"))
        if "dropout" in ideas:
            layers.append(keras.layers.Dropout(0.25))
    layers.append(keras.layers.Dense(10, activation="softmax"))
    model = keras.Sequential(layers)
    return compile_classifier(model, steps_per_execution=50)


def fit_settings(ideas: set[str], quick: bool) -> dict[str, Any]:
    """Epochs, batch size and callbacks for a row."""
    import mnist_helpers as mh

    keras = mh.import_keras_quietly()
    lesson = lesson_code("better_dense_network")
    if "schedule" in ideas:
        epochs, batch_size = lesson.EPOCHS, lesson.BATCH_SIZE
    else:
        epochs, batch_size = lesson_code("original_network").EPOCHS, 64
    epochs = QUICK_EPOCHS if quick else epochs
    callbacks = []
    if "schedule" in ideas:
        schedule = lesson.cosine_schedule(epochs, lesson.PEAK_LEARNING_RATE)
        callbacks.append(keras.callbacks.LearningRateScheduler(schedule))
    if "best-acc" in ideas:
        callbacks.append(
            keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=epochs, restore_best_weights=True)
        )
    else:
        callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True))
    return {"epochs": epochs, "batch_size": batch_size, "callbacks": callbacks}


def run_once(ideas: set[str], seed: int, data: tuple[Any, ...], quick: bool) -> dict[str, Any]:
    """Seed, build, fit on NumPy arrays with validation_split=0.2, evaluate on the test set."""
    x, y, x_test, y_test = data
    fresh_start(seed)
    model = build_model(ideas)
    settings = fit_settings(ideas, quick)
    started = time.perf_counter()
    history = model.fit(
        x,
        y,
        batch_size=settings["batch_size"],
        epochs=settings["epochs"],
        validation_split=0.2,
        callbacks=settings["callbacks"],
        verbose=0,
    )
    seconds = time.perf_counter() - started
    _, test_accuracy = model.evaluate(x_test, y_test, batch_size=1024, verbose=0)
    return {
        "seed": seed,
        "parameters": int(model.count_params()),
        "epochs": len(history.history["loss"]),
        "seconds": seconds,
        "test_accuracy": float(test_accuracy),
    }


def format_table(results: dict[str, list[dict[str, Any]]], machine: str, command: str, test_images: int) -> str:
    """The Markdown table: one row per idea, test accuracy mean ± sd, min-max and each seed's value."""
    seeds = next(iter(results.values()))
    lines = [
        "| what we add (each row keeps the rows above) | test accuracy, mean ± sd | min-max | "
        + " | ".join(f"seed {run['seed']}" for run in seeds)
        + " | epochs |",
        "|---|--:|--:|" + "--:|" * len(seeds) + "--:|",
    ]
    for name, description, _ in ROWS:
        if name not in results:
            continue
        accuracies = [100 * run["test_accuracy"] for run in results[name]]
        sd = statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0
        epochs = sorted({run["epochs"] for run in results[name]})
        epochs_text = str(epochs[0]) if len(epochs) == 1 else f"{epochs[0]}-{epochs[-1]}"
        lines.append(
            f"| {description} | {statistics.mean(accuracies):.2f} ± {sd:.2f} % | "
            f"{min(accuracies):.2f}-{max(accuracies):.2f} % | "
            + " | ".join(f"{value:.2f} %" for value in accuracies)
            + f" | {epochs_text} |"
        )
    lines += [
        "",
        f"What: test accuracy on the {test_images:,} test images, one training run per seed "
        "(keras.utils.set_random_seed), NumPy arrays with validation_split=0.2, "
        "steps_per_execution=50.",
        f"Where and when: {machine}.",
        f"Command: `{command}`",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds per row, 0, 1, ... (default 3)")
    parser.add_argument(
        "--rows", nargs="+", choices=ROW_NAMES, default=list(ROW_NAMES), help="which rows (default all)"
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"smoke run: 6,000 training images, {QUICK_EPOCHS} epochs, 1 seed"
    )
    args = parser.parse_args()
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}.")
    warn_without_data_dir()
    if args.quick:
        os.environ["MNIST_QUICK"] = "1"
    data = load_dense_data()

    seeds = [0] if args.quick else list(range(args.seeds))
    results: dict[str, list[dict[str, Any]]] = {}
    for name, description, ideas in ROWS:
        if name not in args.rows:
            continue
        print(f"{description}:", flush=True)
        results[name] = []
        for seed in seeds:
            run = run_once(ideas, seed, data, args.quick)
            results[name].append(run)
            print(
                f"  seed {seed}: {run['epochs']:2} epochs, {run['seconds']:4.0f} s, "
                f"test accuracy {100 * run['test_accuracy']:.2f} %",
                flush=True,
            )

    machine = machine_description() + (QUICK_RUN_NOTE if args.quick else "")
    command = "MNIST_DATA_DIR=/path/to/mnist python benchmarks/dense_ablation.py " + " ".join(sys.argv[1:])
    table = format_table(results, machine, command.strip(), test_images=len(data[2]))
    path = write_atomically(BUILD / ("dense_ablation_quick.md" if args.quick else "dense_ablation.md"), table + "\n")
    print("\n" + table + f"\n\nWritten to {path}")


if __name__ == "__main__":
    main()
