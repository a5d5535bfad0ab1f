"""Import TensorFlow and Keras without TensorFlow's C++ start-up logs.

TensorFlow prints absl/C++ log lines to the process's stderr on import. JupyterLab
shows them as red blocks that look like errors to a beginner, and recent
TensorFlow releases print some of them even with ``TF_CPP_MIN_LOG_LEVEL`` set.
So we set the variable and also point file descriptor 2 at /dev/null for the
duration of the import only. Python warnings and Keras progress bars are untouched.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from types import ModuleType


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


def import_keras_quietly() -> ModuleType:
    """Return the ``keras`` module, importing TensorFlow first with its C++ logs silenced."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" not in sys.modules:
        with _stderr_fd_silenced():
            import tensorflow  # noqa: F401
    import keras

    return keras
