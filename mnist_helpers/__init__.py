"""Shared helpers for the MNIST-with-Keras lessons.

Only what lessons repeat, or what is not a lesson's point, lives here. Importing this package does not
import TensorFlow, so `setup_notebook` can silence TensorFlow's start-up logs first. One module per idea:

- how a lesson starts: ``notebook_setup`` (Setup cell, quiet Keras import), ``quick_mode`` (``MNIST_QUICK``)
- data: ``data`` (load and verify MNIST, ``NUM_CLASSES``), ``preprocess`` (scale, flatten, one-hot)
- networks: ``dense_networks`` (build, count, describe any Dense stack), ``original_network`` (lessons 02-05),
  ``better_dense_network`` (lesson 07), ``cnn`` (lesson 08); how they train: ``training_recipes``,
  ``fast_training`` (tf.data pipeline); where trained models live: ``saved_models``
- pictures: ``plots``, ``digit_image`` (a photo or drawing to MNIST's 28x28), ``photo_ink`` (the digit found in a
  photo of paper: shadows, lines and specks left out), ``digit_reading`` (a learner's digit read by a model: the
  pad's pictures decoded, the prediction, its figures)
- widgets, each on top of pure logic: ``layer_size_explorer`` (lesson 02), ``playground`` with
  ``playground_runs``, ``playground_display`` and ``widget_events`` (lesson 06), ``drawing_pad`` (lesson 09, on
  ``digit_reading``; its browser half in ``drawing_canvas.js``, ``drawing_canvas.css``, ``photo_upload.js``)

Code only a benchmark or a test needs belongs in ``benchmarks/`` or ``tests/``, not here.
"""

from mnist_helpers.data import (
    NUM_CLASSES,
    MnistChecksumError,
    MnistDataError,
    MnistFileMissingError,
    MnistFormatError,
    MnistReadError,
    load_mnist,
    load_mnist_from_folder,
    parse_idx,
)
from mnist_helpers.digit_image import EmptyDrawingError, ImageReadError
from mnist_helpers.notebook_setup import import_keras_quietly, setup_notebook
from mnist_helpers.original_network import (
    build_original_model,
    load_or_train_original_model,
    train_original_model,
)
from mnist_helpers.plots import figure_to_png, plot_digit_grid, plot_history
from mnist_helpers.preprocess import flatten_images, one_hot_labels, prepare_for_dense, scale_pixels
from mnist_helpers.quick_mode import is_quick_mode, pick
from mnist_helpers.saved_models import (
    CNN_MODEL_FILE,
    ORIGINAL_CHECKPOINT_FILE,
    ORIGINAL_MODEL_FILE,
    ModelsDirError,
    load_model_if_usable,
    models_dir,
    save_model_atomically,
)

__all__ = [
    "CNN_MODEL_FILE",
    "ORIGINAL_CHECKPOINT_FILE",
    "ORIGINAL_MODEL_FILE",
    "EmptyDrawingError",
    "ImageReadError",
    "NUM_CLASSES",
    "MnistChecksumError",
    "MnistDataError",
    "MnistFileMissingError",
    "MnistFormatError",
    "MnistReadError",
    "ModelsDirError",
    "build_original_model",
    "figure_to_png",
    "flatten_images",
    "import_keras_quietly",
    "is_quick_mode",
    "load_mnist",
    "load_mnist_from_folder",
    "load_model_if_usable",
    "load_or_train_original_model",
    "models_dir",
    "one_hot_labels",
    "parse_idx",
    "pick",
    "plot_digit_grid",
    "plot_history",
    "prepare_for_dense",
    "save_model_atomically",
    "scale_pixels",
    "setup_notebook",
    "train_original_model",
]
