"""Reading one learner's digit with a trained model, without widgets: what the drawing pad does in Python.

`image_from_data_url` decodes the picture a browser sends (the canvas's PNG, an uploaded photo's PNG or JPEG)
and refuses what the browser would never send; `predict_digit` preprocesses a picture like MNIST and asks the
model; `probability_figure` and `model_input_figure` draw the answer. `drawing_pad` puts widgets around them.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from mnist_helpers.digit_image import EmptyDrawingError, ImageReadError, preprocessing_steps, read_image_bytes

MAX_DATA_URL_CHARS = 2_000_000  # a longer data URL did not come from the pad: it shrinks what it sends first
DATA_URL_PREFIXES = {"png": "data:image/png;base64,", "jpeg": "data:image/jpeg;base64,"}


def image_from_data_url(
    data_url: object,
    source: str,
    formats: tuple[str, ...] = ("png",),
    max_side: int | None = None,
    advice: str = "",
) -> np.ndarray:
    """Decode a ``data:image/...;base64,`` URL from the browser to a uint8 array (as `read_image_bytes` returns).

    Checked before any pixel is decoded: one of ``formats`` ("png", "jpeg"), at most `MAX_DATA_URL_CHARS`
    characters, valid base64, and at most ``max_side`` pixels a side from the picture's header. An empty URL
    raises `EmptyDrawingError` (nothing drawn yet); everything else that is wrong raises `ImageReadError`
    naming ``source`` and ending with ``advice`` (what the learner can do about it).
    """
    ending = f" {advice}" if advice else ""
    if data_url == "":
        raise EmptyDrawingError(
            f"{source[:1].upper()}{source[1:]} is empty: draw a digit first (hold the mouse button down and move)."
        )
    prefixes = tuple(DATA_URL_PREFIXES[name] for name in formats)
    if not isinstance(data_url, str) or not data_url.startswith(prefixes):
        shown = data_url[:40] if isinstance(data_url, str) else type(data_url).__name__
        wanted = " or ".join(name.upper() for name in formats)
        raise ImageReadError(f"{source}: expected a {wanted} data URL ({prefixes[0]}...), got {shown!r}.{ending}")
    if len(data_url) > MAX_DATA_URL_CHARS:
        raise ImageReadError(
            f"{source}: {len(data_url):,} characters arrived, more than the {MAX_DATA_URL_CHARS:,} allowed.{ending}"
        )
    try:
        content = base64.b64decode(data_url.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError) as error:
        raise ImageReadError(
            f"{source}: the picture is damaged: its base64 text does not decode ({error}).{ending}"
        ) from error
    if max_side is not None:
        width, height = _header_size(content, source, max_side)
        if max(width, height) > max_side:
            raise ImageReadError(f"{source}: {width}x{height} pixels arrived, more than {max_side} a side.{ending}")
    return read_image_bytes(content, source=source)


def _header_size(content: bytes, source: str, max_side: int) -> tuple[int, int]:
    """The picture's size from its header alone ((0, 0) if it is no picture: `read_image_bytes` then says so)."""
    try:
        with Image.open(io.BytesIO(content)) as opened:  # reads the header only: nothing is decoded yet
            return opened.size
    except Image.DecompressionBombError as error:  # Pillow refuses headers over 179 megapixels itself
        raise ImageReadError(f"{source}: far more than {max_side} pixels a side arrived ({error}).") from error
    except Exception:  # not a picture, or a damaged or forged one (huge text chunks): read_image_bytes says which
        return 0, 0


@dataclass(frozen=True)
class Prediction:
    """What the model made of one picture."""

    digit: int
    probabilities: np.ndarray  # shape (10,), sums to 1
    model_input: np.ndarray  # the 28x28 picture the model saw (1 = ink)
    inverted: bool  # the picture was dark ink on light paper and was inverted

    @property
    def confidence(self) -> float:
        return float(self.probabilities[self.digit])


def predict_digit(model: Any, image: object, preprocess: bool = True) -> Prediction:
    """Preprocess ``image`` like MNIST (`to_mnist_format`) and ask ``model`` for the 10 probabilities.

    With ``preprocess=False`` the image must already be a 28x28 array of ink in [0, 1] and goes in as it is
    (to show what happens without preprocessing). The 28x28 picture is reshaped to the model's input:
    (1, 784) for a Dense network, (1, 28, 28, 1) for a CNN. A model that answers NaN raises ValueError.
    """
    if preprocess:
        steps = preprocessing_steps(image)
        model_input, inverted = steps.centred, steps.inverted
    else:
        model_input, inverted = _checked_model_input(image), False
    input_shape = tuple(model.inputs[0].shape[1:])
    batch = model_input.reshape((1, *input_shape))
    probabilities = np.asarray(model.predict(batch, verbose=0), dtype=np.float64)[0]
    if probabilities.shape != (10,):
        raise ValueError(f"The model gives {probabilities.shape} outputs per image, expected 10 (one per digit).")
    if not np.isfinite(probabilities).all():
        raise ValueError(
            "The model answered NaN or infinite probabilities: its weights are broken (a training run that "
            "diverged?). Train it again or load a saved model that works."
        )
    return Prediction(
        digit=int(np.argmax(probabilities)),
        probabilities=probabilities,
        model_input=model_input,
        inverted=inverted,
    )


def _checked_model_input(image: object) -> np.ndarray:
    array = np.asarray(image)
    if array.shape != (28, 28) or not np.issubdtype(array.dtype, np.floating):
        raise ValueError(
            f"preprocess=False needs a 28x28 float array of ink in 0-1, got shape {array.shape}, dtype {array.dtype}."
        )
    if not np.isfinite(array).all():
        raise ValueError(
            f"preprocess=False needs a 28x28 picture of ink in 0-1, but {int(np.sum(~np.isfinite(array)))} of its "
            "pixels are NaN or infinite. Check how the picture was made (a division by zero?)."
        )
    if array.min() < 0 or array.max() > 1:
        raise ValueError(f"preprocess=False needs values in 0-1, got {array.min():g} to {array.max():g}.")
    return array.astype(np.float32)


def probability_figure(probabilities: np.ndarray | None) -> Figure:
    """A bar chart of the 10 probabilities, the chosen digit in orange (empty bars before a prediction)."""
    values = np.zeros(10) if probabilities is None else np.asarray(probabilities)
    figure = Figure(figsize=(4.2, 2.8), layout="constrained")
    axis = figure.subplots()
    colours = ["tab:blue"] * 10
    if probabilities is not None:
        colours[int(np.argmax(values))] = "tab:orange"
    axis.bar(range(10), values, color=colours)
    axis.set_xticks(range(10))
    axis.set_ylim(0, 1)
    axis.set_xlabel("digit")
    axis.set_ylabel("probability")
    axis.set_title("What the model thinks" if probabilities is not None else "Draw a digit, then press Predict")
    return figure


def model_input_figure(model_input: np.ndarray | None) -> Figure:
    """The 28x28 picture the model sees, pixel by pixel, drawn like the lessons draw MNIST digits."""
    figure = Figure(figsize=(2.8, 2.8), layout="constrained")
    axis = figure.subplots()
    axis.imshow(np.zeros((28, 28)) if model_input is None else model_input, cmap="gray_r", vmin=0, vmax=1)
    axis.set_xticks([])
    axis.set_yticks([])
    axis.set_title("What the model sees (28x28)")
    return figure
