"""Lesson 08's CNN, one idea at a time: what each change does to its speed on a CPU and to its accuracy.

    MNIST_DATA_DIR=/path/to/mnist .venv/bin/python benchmarks/cnn_ablation.py --timing   # a few minutes
    MNIST_DATA_DIR=/path/to/mnist .venv/bin/python benchmarks/cnn_ablation.py --seeds 2  # about 5 minutes a row
    MNIST_DATA_DIR=/path/to/mnist .venv/bin/python benchmarks/cnn_ablation.py --seeds 2 --first-seed 3  # seeds 3, 4

``--timing`` trains each variant for one epoch after a warm-up epoch (48,000 images with their random shifts,
then validation on 12,000) and prints that epoch's wall-clock and CPU seconds. Without it, every
variant is trained with lesson 08's recipe (make_datasets, cosine decay from 0.003, best val_accuracy epoch
kept) for its epochs over seeds 0, 1, ... and its test accuracy printed. Rows:

  bn-all        batch normalisation after each of the three convolutions (lesson 08 in the morning of 2026-11-26)
  bn-last       batch normalisation after the third convolution only: lesson 08's CNN (mnist_helpers.cnn)
  bn-none       no batch normalisation at all
  bn-last-xla   lesson 08's CNN compiled with jit_compile=True (Keras drops it for the random layers, so this
                row leaves them out: it times the convolutions under XLA)
  bn-last-bf16  lesson 08's CNN under the mixed_bfloat16 policy (fast only on CPUs with bfloat16 units)
  zoom          lesson 08's CNN plus RandomZoom(0.1)
  batch-256     lesson 08's CNN with batches of 256 and a peak learning rate of 0.005
  f-A-B-C       lesson 08's CNN with A, B and C filters in its three convolutions instead of 24, 48 and 96
  rotation      lesson 08's CNN plus RandomRotation(0.03) after the shifts (the lesson's CNN until the evening of
                2026-11-26)
  stride-1      lesson 08's CNN with a stride of 2 in the first convolution instead of the first pooling
Until the evening of 2026-11-26 every variant also had the random rotations; benchmarks/README.md says which
measurements had them.
"""

from __future__ import annotations

import argparse
import statistics
from typing import Any

from benchmarking import machine_description, random_shifts_and_turns, train_and_time, warn_without_data_dir

#: name -> (batch normalisation after convolution 1, 2, 3; extra options)
VARIANTS: dict[str, dict[str, Any]] = {
    "bn-all": {"normalise": (True, True, True)},
    "bn-last": {"normalise": (False, False, True)},
    "bn-none": {"normalise": (False, False, False)},
    "bn-last-xla": {"normalise": (False, False, True), "jit_compile": True, "augment": False},
    "bn-last-bf16": {"normalise": (False, False, True), "policy": "mixed_bfloat16"},
    "zoom": {"normalise": (False, False, True), "zoom": True},
    "batch-256": {"normalise": (False, False, True), "batch_size": 256, "peak_learning_rate": 0.005},
    "f-16-48-96": {"normalise": (False, False, True), "filters": (16, 48, 96)},
    "f-24-32-96": {"normalise": (False, False, True), "filters": (24, 32, 96)},
    "f-16-32-96": {"normalise": (False, False, True), "filters": (16, 32, 96)},
    "f-16-32-64": {"normalise": (False, False, True), "filters": (16, 32, 64)},
    "rotation": {"normalise": (False, False, True), "rotate": True},
    "stride-1": {"normalise": (False, False, True), "first_stride": 2},
}
TIMED = ("bn-all", "bn-last", "bn-none", "bn-last-xla", "bn-last-bf16")


def build_variant(name: str) -> Any:
    """Lesson 08's layers (mnist_helpers.cnn), with the variant's batch normalisation, augmentation and compile."""
    import mnist_helpers as mh

    options = VARIANTS[name]
    keras = mh.import_keras_quietly()
    keras.mixed_precision.set_global_policy(options.get("policy", "float32"))
    try:
        return _build(keras, name, options)
    finally:
        keras.mixed_precision.set_global_policy("float32")  # the policy is global: leave it as it was for the next


def _build(keras: Any, name: str, options: dict[str, Any]) -> Any:
    from mnist_helpers.better_dense_network import SHIFT_FRACTION
    from mnist_helpers.cnn import CNN_FILTERS, CNN_INPUT_SHAPE
    from mnist_helpers.fast_training import STEPS_PER_EXECUTION
    from mnist_helpers.training_recipes import compile_classifier

    layers = keras.layers
    stack: list[Any] = [keras.Input(shape=CNN_INPUT_SHAPE)]
    if options.get("rotate"):
        stack += random_shifts_and_turns(keras)  # the shifts, then the earlier CNNs' rotations
    elif options.get("augment", True):
        stack.append(layers.RandomTranslation(SHIFT_FRACTION, SHIFT_FRACTION, fill_mode="constant"))
    if options.get("zoom"):
        stack.append(layers.RandomZoom(0.1, fill_mode="constant"))
    all_filters = options.get("filters", CNN_FILTERS)
    first_stride = options.get("first_stride", 1)
    for number, (filters, normalise) in enumerate(zip(all_filters, options["normalise"], strict=True)):
        strides = first_stride if number == 0 else 1
        if normalise:
            stack += [
                layers.Conv2D(filters, 3, strides=strides, use_bias=False),
                layers.BatchNormalization(momentum=0.9),
                layers.Activation("relu"),
            ]
        else:
            stack.append(layers.Conv2D(filters, 3, strides=strides, activation="relu"))
        if number < 2 and strides == 1:  # a strided first convolution replaces the first pooling
            stack.append(layers.MaxPooling2D(2))
    stack += [
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(10),
        layers.Activation("softmax", dtype="float32"),  # probabilities in float32 under any policy
    ]
    model = keras.Sequential(stack, name=name)
    return compile_classifier(
        model, steps_per_execution=STEPS_PER_EXECUTION, jit_compile=options.get("jit_compile", False)
    )


def train(name: str, epochs: int, seed: int, data: tuple[Any, ...]) -> dict[str, Any]:
    """Seed, build, train with lesson 08's recipe (the variant's batch size and peak rate); time and evaluate."""
    from mnist_helpers.fast_training import make_datasets
    from mnist_helpers.training_recipes import cosine_and_best_epoch_callbacks

    options = VARIANTS[name]

    def fit(model: Any, x: Any, y: Any, timers: list[Any]) -> None:
        batch_size = options.get("batch_size", 128)
        train_ds, val_ds = make_datasets(x, y, batch_size=batch_size, validation_fraction=0.2, seed=seed)
        callbacks = timers + cosine_and_best_epoch_callbacks(epochs, options.get("peak_learning_rate", 0.003))
        model.fit(train_ds, validation_data=val_ds, epochs=epochs, shuffle=False, callbacks=callbacks, verbose=0)

    run = train_and_time(lambda: build_variant(name), *data, seed, fit)
    run["seconds_per_epoch"] = statistics.median(run["epoch_seconds"][1:] or run["epoch_seconds"])
    run["cpu_seconds_per_epoch"] = statistics.median(run["epoch_cpu_seconds"][1:] or run["epoch_cpu_seconds"])
    return run


def main() -> None:
    from mnist_helpers.cnn import CNN_TRAINING

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timing", action="store_true", help="only time one epoch of each variant (after a warm-up)")
    parser.add_argument("--seeds", type=int, default=2, help="seeds per row (default 2)")
    parser.add_argument("--first-seed", type=int, default=0, help="the first seed (default 0): seeds N, N+1, ...")
    parser.add_argument(
        "--epochs",
        type=int,
        default=CNN_TRAINING.epochs,
        help=f"epochs per run (default {CNN_TRAINING.epochs}, lesson 08's)",
    )
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, help="which rows (default: all for accuracy)")
    args = parser.parse_args()
    warn_without_data_dir()
    import mnist_helpers as mh

    (x_train, y_train), (x_test, y_test) = mh.load_mnist()
    data = (
        mh.scale_pixels(x_train)[..., None],
        mh.one_hot_labels(y_train),
        mh.scale_pixels(x_test)[..., None],
        mh.one_hot_labels(y_test),
    )
    if args.timing:
        print("| variant | parameters | wall s per epoch | CPU s per epoch |\n|---|--:|--:|--:|")
        for name in args.variants or TIMED:
            run = train(name, 2, 0, data)  # the first epoch builds and compiles; the second is timed
            print(
                f"| {name} | {run['parameters']:,} | {run['seconds_per_epoch']:.1f} | "
                f"{run['cpu_seconds_per_epoch']:.1f} |",
                flush=True,
            )
    else:
        print(f"Seeds {args.first_seed}-{args.first_seed + args.seeds - 1}.")
        print("| variant | epochs | s per epoch | fit (s) | test accuracy per seed | mean |\n|---|--:|--:|--:|---|--:|")
        for name in args.variants or VARIANTS:
            seeds = range(args.first_seed, args.first_seed + args.seeds)
            runs = [train(name, args.epochs, seed, data) for seed in seeds]
            accuracies = [run["test_accuracy"] for run in runs]
            print(
                f"| {name} | {args.epochs} | {statistics.median(r['seconds_per_epoch'] for r in runs):.1f} | "
                f"{statistics.median(r['fit_seconds'] for r in runs):.0f} | "
                f"{', '.join(f'{100 * a:.2f}' for a in accuracies)} | {100 * statistics.mean(accuracies):.2f} |",
                flush=True,
            )
    print(f"\nMachine: {machine_description()}.")


if __name__ == "__main__":
    main()
