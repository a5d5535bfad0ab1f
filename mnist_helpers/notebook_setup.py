"""How a lesson starts: import Keras without TensorFlow's start-up logs, fix seeds, say which mode is on.

TensorFlow prints absl/C++ log lines to the process's stderr on import. JupyterLab
shows them as red blocks that look like errors to a beginner, and recent
TensorFlow releases print some of them even with ``TF_CPP_MIN_LOG_LEVEL`` set.
So `import_keras_quietly` sets the variable and also points file descriptor 2 at /dev/null
for the duration of the import only. Python warnings and Keras progress bars are untouched, except one:
TensorFlow's "triggered tf.function retracing" warning, which a lesson gets when it predicts on batches of
different sizes (10,000 images, then one) and which asks the reader to change code they never wrote.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from types import ModuleType

from mnist_helpers.quick_mode import QUICK_VARIABLE, is_quick_mode


@contextlib.contextmanager
def _stderr_fd_silenced() -> Iterator[None]:
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (some embedded consoles): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


RETRACING_MESSAGE = "triggered tf.function retracing"


class _DropRetracingWarnings(logging.Filter):
    """Let every log record through except TensorFlow's retracing warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        return RETRACING_MESSAGE not in record.getMessage()


def quiet_retracing_warnings() -> None:
    """Drop TensorFlow's retracing warning from its logger (once, however often a lesson's Setup cell runs)."""
    logger = logging.getLogger("tensorflow")
    if not any(isinstance(existing, _DropRetracingWarnings) for existing in logger.filters):
        logger.addFilter(_DropRetracingWarnings())


def import_keras_quietly() -> ModuleType:
    """Return the ``keras`` module, importing TensorFlow first with its C++ logs silenced."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" not in sys.modules:
        with _stderr_fd_silenced():
            import tensorflow  # noqa: F401
    import keras

    return keras


def setup_notebook(seed: int = 42) -> None:
    """Import Keras without TensorFlow's red start-up logs and seed Python, NumPy and TensorFlow.

    Seeding (``keras.utils.set_random_seed``) makes a rerun start from the same
    weights and shuffles; on a CPU results then repeat closely, not always bit for bit.
    """
    keras = import_keras_quietly()
    keras.utils.set_random_seed(seed)
    quiet_retracing_warnings()
    import tensorflow as tf

    print(f"Keras {keras.__version__} on TensorFlow {tf.__version__}; random seed {seed}.")
    if is_quick_mode():
        print(
            f"Quick mode is ON ({QUICK_VARIABLE}=1): less data and fewer epochs, so accuracy "
            "will be lower than the text says. Unset it for the real lesson."
        )
