"""What the benchmark scripts share: MNIST for a benchmark, a seeded fresh start, an epoch timer, one description
of the machine, smoke-run settings and results written under build/.

Code only the benchmarks use lives here, not in the lessons' package. The scripts import it as a sibling
(``import benchmarking``): Python puts a script's own folder on ``sys.path`` when it runs the script, and the
tests' ``load_script`` (tests/scripts.py) does the same. TensorFlow and the package are imported only when a
function needs them, so the tests can load a script's pure parts quickly.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"

#: ``--quick`` smoke runs: quick mode's data (MNIST_QUICK=1) and this many epochs, to show a script still runs.
QUICK_EPOCHS = 2
QUICK_RUN_NOTE = f" - QUICK SMOKE RUN (6,000 training images, {QUICK_EPOCHS} epochs)"

#: The extra ``model.compile`` keywords of the fast path on a CPU (benchmarks/README.md, "Training speed"):
#: ``jit_compile=True`` compiles each training step with XLA; ``steps_per_execution`` runs that many batches per
#: call from Python (the lessons use only this one).
FAST_COMPILE_OPTIONS: dict[str, Any] = {"jit_compile": True, "steps_per_execution": 50}


def warn_without_data_dir() -> None:
    """Say on stderr that MNIST will be downloaded, when MNIST_DATA_DIR does not name a local copy."""
    if not os.environ.get("MNIST_DATA_DIR"):
        print("Note: MNIST_DATA_DIR is not set, so Keras will try to download MNIST.", file=sys.stderr)


def load_dense_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``x_train, y_train, x_test, y_test`` for a Dense network: flat scaled images, one-hot labels."""
    import mnist_helpers as mh

    (x_train, y_train), (x_test, y_test) = mh.load_mnist()  # cut down in quick mode
    return (*mh.prepare_for_dense(x_train, y_train), *mh.prepare_for_dense(x_test, y_test))


def fresh_start(seed: int) -> Any:
    """Clear Keras' state and seed Python, NumPy and TensorFlow, so that each run starts alike; return keras."""
    import mnist_helpers as mh

    keras = mh.import_keras_quietly()
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    return keras


def epoch_timer() -> Any:
    """A Keras callback that records each epoch's wall-clock seconds (``.seconds``) and CPU seconds (``.cpu_seconds``).

    An epoch is its training and its validation. Put it first in the callbacks list, so that its end time leaves out
    the other callbacks' work (a checkpoint's saving). CPU seconds count all threads of this process: other programs
    on the machine disturb them less than the wall clock.
    """
    import mnist_helpers as mh

    keras = mh.import_keras_quietly()

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.seconds: list[float] = []
            self.cpu_seconds: list[float] = []

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self.start, self.cpu_start = time.perf_counter(), time.process_time()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            self.seconds.append(time.perf_counter() - self.start)
            self.cpu_seconds.append(time.process_time() - self.cpu_start)

    return EpochTimer()


def train_and_time(
    build: Callable[[], Any],
    x: Any,
    y: Any,
    x_test: Any,
    y_test: Any,
    seed: int,
    fit: Callable[[Any, Any, Any, list[Any]], Any],
) -> dict[str, Any]:
    """Seed, build, ``fit(model, x, y, [epoch timer])``, evaluate on the test set; return one run's numbers."""
    fresh_start(seed)  # each run starts from a clean slate
    model = build()
    timer = epoch_timer()
    fit_started = time.perf_counter()
    fit(model, x, y, [timer])
    fit_seconds = time.perf_counter() - fit_started
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=1024, verbose=0)
    return {
        "seed": seed,
        "parameters": int(model.count_params()),
        "epoch_seconds": timer.seconds,
        "epoch_cpu_seconds": timer.cpu_seconds,
        "fit_seconds": fit_seconds,
        "test_accuracy": float(test_accuracy),
        "test_loss": float(test_loss),
    }


def lesson_code(module: str) -> Any:
    """A module of ``mnist_helpers.lessons`` (the code a lesson teaches, e.g. ``"cnn"``), imported quietly."""
    import importlib

    import mnist_helpers as mh

    mh.import_keras_quietly()
    return importlib.import_module(f"mnist_helpers.lessons.{module}")


def compile_classifier(model: Any, **options: Any) -> Any:
    """Compile as every lesson does (Adam, categorical cross-entropy, accuracy) with the given speed ``options``
    (``steps_per_execution``, ``jit_compile``): for the variants a benchmark compares. Returns the model."""
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"], **options)
    return model


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, e.g. "2.3/2.0/1.9": above the core count, other programs shared the CPU."""
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def machine_description(moment: str = "at the end") -> str:
    """Where and when a benchmark ran: processor, cores, GPUs, TensorFlow and Keras versions, time, load average."""
    import mnist_helpers as mh

    keras = mh.import_keras_quietly()
    import tensorflow as tf

    gpus = len(tf.config.list_physical_devices("GPU"))
    device = f"{gpus} GPU(s)" if gpus else "no GPU"
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, {device}, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC (load average {moment} {load_average()})"
    )


def json_from_fresh_process(script: str, arguments: list[str], what: str) -> Any:
    """Run ``script`` with ``arguments`` in a new Python process (a fresh TensorFlow, no caches shared with this one)
    and return the JSON on the last line it prints; exit naming ``what`` failed, with its output, if it fails."""
    done = subprocess.run([sys.executable, script, *arguments], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{what} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def write_atomically(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename: a reader never sees half a result."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def original_model_and_test_digits(limit: int | None) -> tuple[Any, np.ndarray, np.ndarray]:
    """Lesson 04's network (saved_models/original_mlp.keras, trained now in full if missing) and the first
    ``limit`` MNIST test digits (28x28, 0-255) with their labels; seeded as the lessons are (42)."""
    import mnist_helpers as mh

    mh.setup_notebook(seed=42)
    (x_train_images, y_train_digits), (x_test_images, y_test_digits) = mh.load_mnist()
    x_train, y_train = mh.prepare_for_dense(x_train_images, y_train_digits)
    model = mh.load_or_train_original_model(x_train, y_train)
    return model, x_test_images[:limit], y_test_digits[:limit]


def dense_accuracy(model: Any, images: np.ndarray, labels: np.ndarray) -> float:
    """The fraction of ``images`` (any shape per image, flattened for the Dense network) that ``model`` reads right."""
    predictions = model.predict(images.reshape(len(images), -1), batch_size=1000, verbose=0)
    return float(np.mean(np.argmax(predictions, axis=1) == labels))
