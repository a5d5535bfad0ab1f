"""TensorFlow's C++ start-up logs must not reach stderr (JupyterLab shows them as red blocks)."""

from __future__ import annotations

import os
import subprocess
import sys


def test_setup_notebook_prints_nothing_to_stderr():
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    code = "import mnist_helpers as mh; mh.setup_notebook(seed=1); import keras; print(keras.backend.backend())"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "tensorflow" in result.stdout and "random seed 1" in result.stdout


def test_importing_the_package_does_not_import_tensorflow():
    code = "import sys, mnist_helpers; print('tensorflow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


def test_the_setup_drops_tensorflows_retracing_warning_and_nothing_else():
    """A lesson that predicts on 10,000 images and then on one gets no red retracing warning; other warnings stay."""
    code = (
        "import mnist_helpers as mh; mh.setup_notebook(); mh.setup_notebook(); import tensorflow as tf\n"
        "tf.get_logger().warning('5 out of the last 5 calls to <f> triggered tf.function retracing. Tracing is...')\n"
        "tf.get_logger().warning('a real warning')\n"
        "import logging; print(len(logging.getLogger('tensorflow').filters))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "retracing" not in result.stderr and "a real warning" in result.stderr
    assert result.stdout.strip().endswith("1"), "the filter is added once, however often the Setup cell runs"
