"""Shared helpers for the MNIST-with-Keras lessons.

Only what lessons repeat, or what is not a lesson's point, lives here: loading
and verifying MNIST, quick mode, preprocessing, plots, saved models, and the original model for
lessons that need one trained. Importing this package does not import TensorFlow,
so `setup_notebook` can silence TensorFlow's start-up logs first.
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
