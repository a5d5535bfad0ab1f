"""Shared helpers for the MNIST-with-Keras lessons.

Only what lessons repeat, or what is not a lesson's point, lives here: loading
and verifying MNIST, quick mode, preprocessing, plots, and the original model for
lessons that need one trained. Importing this package does not import TensorFlow,
so `setup_notebook` can silence TensorFlow's start-up logs first.
"""

from mnist_helpers.data import (
    MnistChecksumError,
    MnistDataError,
    MnistFileMissingError,
    MnistFormatError,
    load_mnist,
    load_mnist_from_folder,
    parse_idx,
)
from mnist_helpers.models import (
    ORIGINAL_MODEL_FILE,
    build_original_model,
    load_model_if_usable,
    load_or_train_original_model,
    save_model_atomically,
    train_original_model,
)
from mnist_helpers.modes import is_quick_mode, pick, shrink_in_quick_mode
from mnist_helpers.notebook_setup import setup_notebook
from mnist_helpers.paths import models_dir
from mnist_helpers.plots import figure_to_png, plot_digit_grid, plot_history
from mnist_helpers.preprocess import flatten_images, one_hot_labels, prepare_for_dense, scale_pixels
from mnist_helpers.quiet import import_keras_quietly

__all__ = [
    "ORIGINAL_MODEL_FILE",
    "MnistChecksumError",
    "MnistDataError",
    "MnistFileMissingError",
    "MnistFormatError",
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
    "shrink_in_quick_mode",
    "train_original_model",
]
