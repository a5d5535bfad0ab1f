"""The results table: how well, and how fast, each network of the series learns MNIST, over several seeds.

Rows:
  original        the original network trained as the original does (NumPy arrays, validation_split=0.2,
                  batch 64, up to 20 epochs, EarlyStopping(val_loss, patience 5, restore best), ModelCheckpoint)
  original-fast   the same network and settings on the fast path (mnist_helpers.fast_training)
  better-dense    lesson 07's network with its training settings (mnist_helpers.better_dense_network)
  cnn             lesson 08's network with its training settings (mnist_helpers.cnn)
  cnn-bn          lesson 08's CNN in the morning of 2026-11-26: today's three convolutions, each followed by batch
                  normalisation, random rotations besides the shifts, 10 epochs
  cnn-old         lesson 08's CNN until November 2026 (two convolutions, Dense 128, random shifts and rotations,
                  12 epochs)
  The two earlier CNNs are kept here only so that the table can compare them with today's, side by side.

Every run starts from keras.utils.set_random_seed(seed), seeds 0, 1, 2, ... The table gives the mean test
accuracy and its range (min-max) over the seeds, the median seconds per epoch (epoch 1, which includes
compiling, left out) and the epochs trained. It is printed as Markdown and written to build/results_table.md
and build/results_table.json (build/results_table_quick.* with --quick).

    MNIST_DATA_DIR=/path/to/mnist .venv/bin/python benchmarks/results_table.py                # full table
    MNIST_DATA_DIR=/path/to/mnist .venv/bin/python benchmarks/results_table.py --models original original-fast
    MNIST_DATA_DIR=/path/to/mnist .venv/bin/python benchmarks/results_table.py --models cnn cnn-bn cnn-old
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
    QUICK_EPOCHS,
    QUICK_RUN_NOTE,
    machine_description,
    random_shifts_and_turns,
    train_and_time,
    warn_without_data_dir,
    write_atomically,
)

from mnist_helpers.original_network import ORIGINAL_TRAINING
from mnist_helpers.training_recipes import TrainingRecipe, compile_classifier, cosine_recipe

MODELS = ("original", "original-fast", "better-dense", "cnn", "cnn-bn", "cnn-old")
CNN_MODELS = ("cnn", "cnn-bn", "cnn-old")
DESCRIPTIONS = {
    "original": "Original MLP, trained as the original (NumPy arrays)",
    "original-fast": "Original MLP, fast path (tf.data + jit_compile + steps_per_execution)",
    "better-dense": "Better dense network (lesson 07)",
    "cnn": "CNN (lesson 08: three convolutions, batch normalisation after the last one only, random shifts, 13 epochs)",
    "cnn-bn": "CNN with batch normalisation after every convolution (lesson 08 on the morning of 2026-11-26, "
    "10 epochs; `cnn-bn`)",
    "cnn-old": "CNN with a `Dense(128)` head (lesson 08 until 2026-11, 12 epochs; `cnn-old`)",
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
        "(the original's EarlyStopping restores its best epoch; lessons 07/08 keep their best val_accuracy epoch).",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------- training


def original_callbacks(epochs: int, folder: str) -> list[Any]:
    """The original's callbacks (``ORIGINAL_TRAINING``), checkpointing into ``folder``."""
    from mnist_helpers.original_network import make_original_callbacks

    return make_original_callbacks(epochs, Path(folder) / "best.keras")


def fit_original(epochs: int, folder: str) -> Callable:
    def fit(model: Any, x: Any, y: Any, timers: list[Any]) -> Any:
        return model.fit(
            x,
            y,
            batch_size=ORIGINAL_TRAINING.batch_size,
            validation_split=ORIGINAL_TRAINING.validation_split,
            epochs=epochs,
            verbose=0,
            callbacks=timers + original_callbacks(epochs, folder),
        )

    return fit


def fit_original_fast(epochs: int, folder: str, seed: int) -> Callable:
    from mnist_helpers.fast_training import make_datasets

    def fit(model: Any, x: Any, y: Any, timers: list[Any]) -> Any:
        train_ds, val_ds = make_datasets(
            x,
            y,
            batch_size=ORIGINAL_TRAINING.batch_size,
            validation_fraction=ORIGINAL_TRAINING.validation_split,
            seed=seed,
        )
        return model.fit(
            train_ds,
            validation_data=val_ds,
            epochs=epochs,
            shuffle=False,
            verbose=0,
            callbacks=timers + original_callbacks(epochs, folder),
        )

    return fit


def build_original_fast() -> Any:
    from mnist_helpers.fast_training import FAST_COMPILE_OPTIONS
    from mnist_helpers.original_network import build_original_model

    return build_original_model(**FAST_COMPILE_OPTIONS)


def fit_with_settings(settings: TrainingRecipe, epochs: int, seed: int) -> Callable:
    """Fit as a lesson does with its recipe (batch_size, validation_split, make_callbacks).

    If the builder compiled the model for the fast path (jit_compile or steps_per_execution > 1), feed it
    make_datasets' tf.data pipelines, as the lesson then does; otherwise NumPy arrays with validation_split.
    """
    from mnist_helpers.fast_training import make_datasets

    def fit(model: Any, x: Any, y: Any, timers: list[Any]) -> Any:
        callbacks = timers + settings.make_callbacks(epochs)
        if model.jit_compile is True or int(model.steps_per_execution) > 1:
            train_ds, val_ds = make_datasets(
                x, y, batch_size=settings.batch_size, validation_fraction=settings.validation_split, seed=seed
            )
            return model.fit(
                train_ds, validation_data=val_ds, epochs=epochs, shuffle=False, verbose=0, callbacks=callbacks
            )
        return model.fit(
            x,
            y,
            batch_size=settings.batch_size,
            validation_split=settings.validation_split,
            epochs=epochs,
            verbose=0,
            callbacks=callbacks,
        )

    return fit


def normalised_conv(keras: Any, filters: int) -> list[Any]:
    """Conv2D 3x3 without bias -> BatchNormalization(momentum 0.9) -> relu: a block of both earlier CNNs."""
    layers = keras.layers
    return [
        layers.Conv2D(filters, 3, use_bias=False),
        layers.BatchNormalization(momentum=0.9),
        layers.Activation("relu"),
    ]


def normalised_front(keras: Any, first: int, second: int) -> list[Any]:
    """What both earlier CNNs begin with: the input, the augmentation, two normalised convolutions with pooling."""
    pool = keras.layers.MaxPooling2D
    return (
        [keras.Input(shape=(28, 28, 1)), *random_shifts_and_turns(keras)]
        + [*normalised_conv(keras, first), pool(2)]
        + [*normalised_conv(keras, second), pool(2)]
    )


def build_cnn_bn() -> Any:
    """Lesson 08's CNN on the morning of 2026-11-26: batch normalisation after each convolution, random rotations.

    Compiled with steps_per_execution and trained with ``CNN_BN_TRAINING`` (10 epochs, batch 128, cosine decay
    from 0.003) on make_datasets' pipelines, as the lesson did.
    """
    import mnist_helpers as mh
    from mnist_helpers.fast_training import STEPS_PER_EXECUTION

    keras = mh.import_keras_quietly()
    layers = keras.layers
    model = keras.Sequential(
        normalised_front(keras, 24, 48)
        + normalised_conv(keras, 96)
        + [layers.Flatten(), layers.Dropout(0.3), layers.Dense(10, activation="softmax")],
        name="cnn_bn",
    )
    return compile_classifier(model, steps_per_execution=STEPS_PER_EXECUTION)


def build_cnn_old() -> Any:
    """Lesson 08's CNN until November 2026: Conv 32 -> pool -> Conv 64 -> pool -> Flatten -> Dense 128 -> 10.

    Trained with ``CNN_OLD_TRAINING`` (12 epochs, batch 128, cosine decay from 0.003), NumPy arrays, no
    steps_per_execution, exactly as the lesson did.
    """
    import mnist_helpers as mh

    keras = mh.import_keras_quietly()
    layers = keras.layers
    model = keras.Sequential(
        normalised_front(keras, 32, 64)
        + [layers.Flatten(), layers.Dropout(0.4), layers.Dense(128, use_bias=False)]
        + [layers.BatchNormalization(momentum=0.9), layers.Activation("relu"), layers.Dropout(0.4)]
        + [layers.Dense(10, activation="softmax")],
        name="cnn_old",
    )
    return compile_classifier(model)


#: Both earlier CNNs: batches of 128, cosine decay from 0.003, the best val_accuracy epoch kept.
CNN_BN_TRAINING = cosine_recipe(epochs=10, quick_epochs=QUICK_EPOCHS, peak_learning_rate=0.003)
CNN_OLD_TRAINING = cosine_recipe(epochs=12, quick_epochs=QUICK_EPOCHS, peak_learning_rate=0.003)


def run_model(name: str, seeds: list[int], quick: bool, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Train model ``name`` once per seed and return the runs."""
    runs = []
    for seed in seeds:
        with tempfile.TemporaryDirectory() as folder:
            if name in ("original", "original-fast"):
                import mnist_helpers as mh

                epochs = QUICK_EPOCHS if quick else ORIGINAL_TRAINING.epochs
                if name == "original":
                    build, fit = mh.build_original_model, fit_original(epochs, folder)
                else:
                    build, fit = build_original_fast, fit_original_fast(epochs, folder, seed)
                x, y, x_test, y_test = data["dense"]
            else:
                from mnist_helpers import better_dense_network, cnn

                if name == "better-dense":
                    build, settings, inputs = (
                        better_dense_network.build_better_dense_model,
                        better_dense_network.BETTER_DENSE_TRAINING,
                        "dense",
                    )
                elif name == "cnn":
                    build, settings, inputs = cnn.build_cnn_model, cnn.CNN_TRAINING, "images"
                elif name == "cnn-bn":
                    build, settings, inputs = build_cnn_bn, CNN_BN_TRAINING, "images"
                else:
                    build, settings, inputs = build_cnn_old, CNN_OLD_TRAINING, "images"
                epochs = QUICK_EPOCHS if quick else settings.epochs
                fit = fit_with_settings(settings, epochs, seed)
                x, y, x_test, y_test = data[inputs]
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
