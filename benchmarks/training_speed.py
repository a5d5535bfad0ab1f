"""How fast does the original network train: the original way versus the lessons' fast path?

Both train the SAME model (Dense 512 -> 256 -> 10, adam, batch 64, the last 20 % held out for
validation, EarlyStopping(val_loss, patience 5, restore best), ModelCheckpoint(best only)):

- original:  model.fit on NumPy arrays with validation_split=0.2, as the original project does;
- fast path: mnist_helpers.fast_training: tf.data pipelines from make_datasets, and
             compile(..., jit_compile=True, steps_per_execution=50).

Each (path, seed) trains in its own fresh Python process, one after another, on this machine,
so one run cannot warm up or slow down the next. Timings need a quiet machine: other programs
running at the same time inflate them (the script prints the load average before and after).

    MNIST_DATA_DIR=/path/to/mnist .venv/bin/python benchmarks/training_speed.py            # 3 seeds, 20 epochs
    MNIST_DATA_DIR=/path/to/mnist .venv/bin/python benchmarks/training_speed.py --seeds 1 --epochs 4
    MNIST_DATA_DIR=/path/to/mnist .venv/bin/python benchmarks/training_speed.py --ablation  # each idea alone
    MNIST_DATA_DIR=/path/to/mnist .venv/bin/python benchmarks/training_speed.py --floor     # the lower bound

The floor is the same training with everything around the arithmetic taken away: the model's training
steps (forward, backward, Adam) XLA-compiled and looped inside TensorFlow over batches already in memory,
then the validation forward pass, with no tf.data, no Keras fit loop, no metrics and no callbacks.
``model.fit`` does all of this and more, so the floor is a practical lower bound for any way of calling it
with this model, optimizer and batch size on the same machine, and the original's seconds per epoch divided
by the floor's is about the most a faster path could gain here.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
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
    """One way to run the same training; the ablation switches one idea on at a time."""

    label: str
    tf_data: bool = False  # tf.data pipelines from make_datasets (validation in batches of 1024) instead of arrays
    jit_compile: bool = False
    steps_per_execution: int = 1
    verbose: int = 2  # 1 = the progress bar updated every batch, 2 = one line per epoch
    threads: bool = False  # intra-op threads = CPU cores, inter-op threads = 1
    autotune: bool = False  # with tf_data: prefetch(tf.data.AUTOTUNE) with tf.data's autotuner on, as before


ORIGINAL = Variant("original (NumPy arrays, validation_split)")
FAST = Variant(
    "fast path (tf.data + jit_compile + steps_per_execution)",
    tf_data=True,
    jit_compile=True,
    steps_per_execution=STEPS_PER_EXECUTION,
)
ABLATION = {
    "original (verbose=2)": Variant(""),
    "original, progress bar (verbose=1)": Variant("", verbose=1),
    "+ tf.data": Variant("", tf_data=True),
    "+ jit_compile": Variant("", jit_compile=True),
    f"+ steps_per_execution={STEPS_PER_EXECUTION}": Variant("", steps_per_execution=STEPS_PER_EXECUTION),
    "+ threads (intra=cores, inter=1)": Variant("", threads=True),
    f"tf.data + steps_per_execution={STEPS_PER_EXECUTION}": Variant(
        "", tf_data=True, steps_per_execution=STEPS_PER_EXECUTION
    ),
    "tf.data + jit_compile": Variant("", tf_data=True, jit_compile=True),
    "fast path (tf.data + jit + steps)": FAST,
    "fast path + threads": Variant(
        "", tf_data=True, jit_compile=True, steps_per_execution=STEPS_PER_EXECUTION, threads=True
    ),
    "fast path, tf.data autotuner on": Variant(
        "", tf_data=True, jit_compile=True, steps_per_execution=STEPS_PER_EXECUTION, autotune=True
    ),
}


def with_autotuner(train_ds: Any, val_ds: Any) -> tuple[Any, Any]:
    """``make_datasets``' pipelines with tf.data's autotuner switched back on and a ``prefetch(AUTOTUNE)`` on top,
    as the fast path was before it prefetched a fixed two batches (the same batches, in the same order)."""
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = True
    return train_ds.with_options(options).prefetch(tf.data.AUTOTUNE), val_ds.with_options(options)


def train_once(variant: Variant, seed: int, epochs: int, patience: int) -> dict:
    """Train the original network once, the way ``variant`` says; return timings and test accuracy."""
    import mnist_helpers as mh
    from mnist_helpers.fast_training import make_datasets, validation_split_index

    keras = mh.import_keras_quietly()
    import tensorflow as tf

    if variant.threads:  # must happen before TensorFlow runs its first operation
        tf.config.threading.set_intra_op_parallelism_threads(os.cpu_count() or 1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    fresh_start(seed)
    x_train, y_train, x_test, y_test = load_dense_data()

    options = {"jit_compile": variant.jit_compile, "steps_per_execution": variant.steps_per_execution}
    model = compile_classifier(mh.build_original_model(), **options)
    timer = epoch_timer()
    with tempfile.TemporaryDirectory() as folder:
        callbacks = [
            timer,  # first, so its end time excludes the other callbacks' work (checkpoint saving)
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True),
            keras.callbacks.ModelCheckpoint(str(Path(folder) / "best.keras"), monitor="val_loss", save_best_only=True),
        ]
        start = time.perf_counter()
        if variant.tf_data:
            train_ds, val_ds = make_datasets(
                x_train, y_train, batch_size=BATCH_SIZE, validation_fraction=VALIDATION_SPLIT, seed=seed
            )
            if variant.autotune:
                train_ds, val_ds = with_autotuner(train_ds, val_ds)
            history = model.fit(
                train_ds,
                validation_data=val_ds,
                epochs=epochs,
                shuffle=False,  # train_ds reshuffles itself every epoch
                callbacks=callbacks,
                verbose=variant.verbose,
            )
        else:
            history = model.fit(
                x_train,
                y_train,
                batch_size=BATCH_SIZE,
                validation_split=VALIDATION_SPLIT,
                epochs=epochs,
                callbacks=callbacks,
                verbose=variant.verbose,
            )
        fit_seconds = time.perf_counter() - start
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=1024, verbose=0)
    val_loss = history.history["val_loss"]
    return {
        "seed": seed,
        "epoch_seconds": timer.seconds,
        "epoch_cpu_seconds": timer.cpu_seconds,
        "fit_seconds": fit_seconds,
        "epochs_trained": len(timer.seconds),
        "best_epoch": 1 + val_loss.index(min(val_loss)),
        "train_samples": validation_split_index(len(x_train), VALIDATION_SPLIT),
        "test_accuracy": float(test_accuracy),
        "test_loss": float(test_loss),
    }


def floor_once(seed: int, epochs: int) -> dict:
    """Time ``epochs`` epochs of bare training steps plus the validation pass; see the module docstring."""
    import mnist_helpers as mh
    from mnist_helpers.fast_training import validation_split_index

    keras = fresh_start(seed)
    import tensorflow as tf

    (x_train, y_train), _ = mh.load_mnist()
    x_train, y_train = mh.prepare_for_dense(x_train, y_train)
    split_at = validation_split_index(len(x_train), VALIDATION_SPLIT)
    steps = split_at // BATCH_SIZE  # whole batches only: the last, smaller batch of fit is left out
    batches_x = tf.constant(x_train[: steps * BATCH_SIZE].reshape(steps, BATCH_SIZE, -1))
    batches_y = tf.constant(y_train[: steps * BATCH_SIZE].reshape(steps, BATCH_SIZE, -1))
    validation_x, validation_y = tf.constant(x_train[split_at:]), tf.constant(y_train[split_at:])

    model = mh.build_original_model()
    optimizer = keras.optimizers.Adam()  # the defaults of compile(optimizer="adam")
    loss_function = keras.losses.CategoricalCrossentropy()
    optimizer.build(model.trainable_variables)

    @tf.function(jit_compile=True)
    def train_step(images: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss = loss_function(labels, model(images, training=True))
        optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
        return loss

    @tf.function(jit_compile=True)
    def validation_loss() -> tf.Tensor:
        return loss_function(validation_y, model(validation_x, training=False))

    @tf.function
    def one_epoch() -> tf.Tensor:
        for step in tf.range(steps):
            train_step(batches_x[step], batches_y[step])
        return validation_loss()

    epoch_times, epoch_cpu_times, validation_losses = [], [], []
    for _ in range(epochs + 1):  # the first call traces and compiles: timed, then left out like fit's epoch 1
        start, cpu_start = time.perf_counter(), time.process_time()
        validation_losses.append(float(one_epoch()))  # float() waits for the result
        epoch_times.append(time.perf_counter() - start)
        epoch_cpu_times.append(time.process_time() - cpu_start)
    return {
        "epoch_seconds": epoch_times,
        "epoch_cpu_seconds": epoch_cpu_times,
        "validation_losses": validation_losses,
        "train_samples": steps * BATCH_SIZE,
    }


def run_in_fresh_process(variant: Variant | None, seed: int, epochs: int, patience: int) -> dict:
    """Run ``train_once`` (or ``floor_once`` when ``variant`` is None) in a new Python process, a fresh TensorFlow."""
    what = ["--floor-one"] if variant is None else ["--one", json.dumps(asdict(variant))]
    settings = ["--seed", str(seed), "--epochs", str(epochs), "--patience", str(patience)]
    label = "the floor" if variant is None else variant.label or variant
    return json_from_fresh_process(__file__, [*what, *settings], f"Training {label} with seed {seed}")


def steady_epoch_seconds(result: dict, key: str = "epoch_seconds") -> float:
    """Median seconds per epoch without epoch 1 (which includes building and compiling the training step)."""
    times = result[key]
    return statistics.median(times[1:] if len(times) > 1 else times)


def fastest_epoch_seconds(runs: list[dict]) -> float:
    """The fastest epoch after the first, over all runs: the least disturbed by the machine's hiccups."""
    return min(min(run["epoch_seconds"][1:] or run["epoch_seconds"]) for run in runs)


FLOOR_EPOCHS = 10


def print_floor(floor: dict, original_seconds: float | None = None) -> None:
    """Print the floor's seconds per epoch and, given the original's, the most any path could gain."""
    seconds, fastest = steady_epoch_seconds(floor), fastest_epoch_seconds([floor])
    cpu = steady_epoch_seconds(floor, "epoch_cpu_seconds")
    epochs = max(len(floor["epoch_seconds"]) - 1, 1)  # the first, compiling epoch is not counted
    print(
        f"Floor (the same training steps and validation pass, XLA-compiled and looped inside TensorFlow, nothing "
        f"else; {epochs} epochs): {seconds:.2f} s per epoch median, fastest {fastest:.2f} s (CPU time {cpu:.2f} s)."
    )
    if original_seconds is not None:
        print(f"So a path that calls fit can be at most about {original_seconds / seconds:.2f}x faster here.")


def machine_line() -> str:
    import mnist_helpers as mh

    quick = " - QUICK MODE (MNIST_QUICK=1: 6,000 images, not for timings)" if mh.is_quick_mode() else ""
    return machine_description(moment="at the start") + quick


def load_now() -> str:
    """The load averages now and what they mean for the timings just printed."""
    return (
        f"Now: load average (1/5/15 min) {load_average()} on {os.cpu_count()} cores; above the core count, other "
        "programs shared the CPU and inflated the timings."
    )


def compare(seeds: list[int], epochs: int, patience: int) -> None:
    print(f"Machine: {machine_line()}")
    print(
        f"Training the original network, batch {BATCH_SIZE}, up to {epochs} epochs (EarlyStopping patience "
        f"{patience}), seeds {seeds}; each run in a fresh process, the two paths taking turns.\n"
    )
    results: dict[str, list[dict]] = {ORIGINAL.label: [], FAST.label: []}
    for seed in seeds:
        for variant in (ORIGINAL, FAST) if seed % 2 == 0 else (FAST, ORIGINAL):  # take turns going first
            result = run_in_fresh_process(variant, seed, epochs, patience)
            results[variant.label].append(result)
            print(
                f"  {variant.label[:9]:9} seed {seed}: {result['epochs_trained']:2} epochs, "
                f"{steady_epoch_seconds(result):.2f} s/epoch (first {result['epoch_seconds'][0]:.2f} s), "
                f"test accuracy {result['test_accuracy']:.4f}",
                flush=True,
            )
    print()
    medians, cpu_medians = {}, {}
    for label, runs in results.items():
        per_epoch = statistics.median(steady_epoch_seconds(run) for run in runs)
        medians[label] = per_epoch
        accuracies = [run["test_accuracy"] for run in runs]
        print(label)
        cpu = cpu_medians[label] = statistics.median(steady_epoch_seconds(run, "epoch_cpu_seconds") for run in runs)
        print(f"  seconds per epoch (median over epochs 2+ and seeds): {per_epoch:.2f} s (CPU time {cpu:.2f} s)")
        print(
            f"  first epoch (includes building/compiling):          "
            f"{statistics.median(run['epoch_seconds'][0] for run in runs):.2f} s"
        )
        print(f"  training samples per second:                        {runs[0]['train_samples'] / per_epoch:,.0f}")
        print(f"  epochs trained (early stopping):                    {[run['epochs_trained'] for run in runs]}")
        print(
            f"  whole fit, median:                                  "
            f"{statistics.median(run['fit_seconds'] for run in runs):.1f} s"
        )
        print(
            f"  test accuracy per seed: {', '.join(f'{a:.4f}' for a in accuracies)}; "
            f"mean {statistics.mean(accuracies):.4f}"
        )
    ratio = medians[ORIGINAL.label] / medians[FAST.label]
    cpu_ratio = cpu_medians[ORIGINAL.label] / cpu_medians[FAST.label]
    fastest = {label: fastest_epoch_seconds(runs) for label, runs in results.items()}
    print(
        f"\nFast path: {ratio:.2f}x faster per epoch than the original (same model, batch {BATCH_SIZE}); "
        f"{cpu_ratio:.2f}x less CPU time per epoch. Fastest epochs: {fastest[ORIGINAL.label]:.2f} s against "
        f"{fastest[FAST.label]:.2f} s ({fastest[ORIGINAL.label] / fastest[FAST.label]:.2f}x)."
    )
    print_floor(run_in_fresh_process(None, seeds[0], FLOOR_EPOCHS, patience), medians[ORIGINAL.label])
    print(load_now())


def ablation(epochs: int, seed: int) -> None:
    print(f"Machine: {machine_line()}")
    print(
        f"Ablation: each idea alone, {epochs} epochs each, seed {seed}, no early stopping. Seconds per epoch: median"
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
    # machine (seen here: the first run of a session can be a third slower) cannot inflate them.
    first_label = next(iter(ABLATION))
    plan = [*ABLATION.items(), (f"{first_label}, again", ABLATION[first_label])]
    runs = []
    for number, (label, variant) in enumerate(plan, start=1):
        print(f"  run {number}/{len(plan)}: {label}", file=sys.stderr, flush=True)
        runs.append((label, run_in_fresh_process(variant, seed, epochs, patience=epochs)))
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
    print("\n" + load_now())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="how many seeds per path (default 3)")
    parser.add_argument(
        "--epochs", type=int, default=None, help="most epochs per run (default 20, as the original; 4 with --ablation)"
    )
    parser.add_argument("--patience", type=int, default=5, help="EarlyStopping patience (default 5, as the original)")
    parser.add_argument("--ablation", action="store_true", help="measure each idea alone for a few epochs")
    parser.add_argument("--floor", action="store_true", help="measure only the floor: bare compiled training steps")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one training run, as JSON
    parser.add_argument("--floor-one", action="store_true", help=argparse.SUPPRESS)  # internal: one floor run
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    warn_without_data_dir()
    if args.floor_one:
        print(json.dumps(floor_once(args.seed, args.epochs)))
    elif args.floor:
        print(f"Machine: {machine_line()}\n")
        print_floor(run_in_fresh_process(None, args.seed, args.epochs or FLOOR_EPOCHS, args.patience))
    elif args.one:
        variant = Variant(**json.loads(args.one))
        print(json.dumps(train_once(variant, args.seed, args.epochs, args.patience)))
    elif args.ablation:
        ablation(args.epochs or 4, seed=0)
    else:
        compare(list(range(args.seeds)), args.epochs or 20, args.patience)


if __name__ == "__main__":
    main()
