"""What every lesson's Setup cell does: quiet TensorFlow, fix seeds, say which mode is on."""

from __future__ import annotations

from mnist_helpers.modes import QUICK_VARIABLE, is_quick_mode
from mnist_helpers.quiet import import_keras_quietly


def setup_notebook(seed: int = 42) -> None:
    """Import Keras without TensorFlow's red start-up logs and seed Python, NumPy and TensorFlow.

    Seeding (``keras.utils.set_random_seed``) makes a rerun start from the same
    weights and shuffles; on a CPU results then repeat closely, not always bit for bit.
    """
    keras = import_keras_quietly()
    keras.utils.set_random_seed(seed)
    import tensorflow as tf

    print(f"Keras {keras.__version__} on TensorFlow {tf.__version__}; random seed {seed}.")
    if is_quick_mode():
        print(
            f"Quick mode is ON ({QUICK_VARIABLE}=1): less data and fewer epochs, so accuracy "
            "will be lower than the text says. Unset it for the real lesson."
        )
