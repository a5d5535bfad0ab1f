"""A drawing pad for your own digit: draw with the mouse (or a finger), press Predict, see what the model sees.

    pad = DrawingPad(model)    # any Keras model trained on MNIST (MLP with 784 inputs or a CNN on 28x28)
    pad                        # as a cell's last value: shows the pad
    pad.predict_image(rgba)    # the same prediction from code, for an image array (what the button does)

Why anywidget for the canvas: the strokes are drawn by a few lines of JavaScript in the browser,
so drawing stays smooth even when the kernel is far away (Colab), and only the finished picture
(a PNG) travels to Python when you press Predict. anywidget ships its front end for JupyterLab 4
and Notebook 7 and switches on Colab's custom widget manager by itself.

Why the photo upload is an anywidget too, not ``ipywidgets.FileUpload``: in Colab, FileUpload drops
files of 1 MB or more (jupyter-widgets/ipywidgets#3452), which is most phone photos, and choosing the
same file again fires no event. `PhotoUpload` reads the file in the browser, shrinks it on a canvas to
at most 512 pixels a side (the browser applies the photo's EXIF orientation when it draws it) and sends
only that small PNG or JPEG to Python. The rest (buttons, the chart, the 28x28 preview) are plain
ipywidgets types that exist in ipywidgets 7 and 8.
"""

from __future__ import annotations

import base64
import binascii
import html
import io
from dataclasses import dataclass
from typing import Any

import anywidget
import ipywidgets as widgets
import numpy as np
import traitlets
from matplotlib.figure import Figure
from PIL import Image, UnidentifiedImageError

from mnist_helpers.digit_image import EmptyDrawingError, ImageReadError, preprocessing_steps, read_image_bytes
from mnist_helpers.plots import figure_to_png

CANVAS_SIZE = 280  # ten screen pixels for every MNIST pixel
PEN_WIDTH = 20  # after scaling to the 20x20 box this is a 2-3 pixel stroke, like MNIST's
PNG_DATA_URL_PREFIX = "data:image/png;base64,"
PHOTO_MAX_SIDE = 512  # the browser shrinks an uploaded photo to this many pixels on its longer side
PHOTO_MAX_PNG_CHARS = 400_000  # a bigger PNG is sent as JPEG instead, so every message stays far below 1 MB
PHOTO_MAX_DATA_URL_CHARS = 2_000_000  # Python refuses anything longer: it did not come from PhotoUpload
PHOTO_DATA_URL_PREFIXES = (PNG_DATA_URL_PREFIX, "data:image/jpeg;base64,")

_CANVAS_ESM = """
function render({ model, el }) {
  const canvas = document.createElement("canvas");
  canvas.width = model.get("size");
  canvas.height = model.get("size");
  // Transparent canvas, white paper behind it: the strokes are the only opaque pixels (ink = alpha).
  canvas.style.cssText = "background:white;border:2px solid #888;border-radius:4px;touch-action:none;cursor:crosshair";
  const ctx = canvas.getContext("2d");
  let drawing = false;
  let last = null;
  const point = (event) => {
    const box = canvas.getBoundingClientRect();
    const x = (event.clientX - box.left) * canvas.width / box.width;
    return [x, (event.clientY - box.top) * canvas.height / box.height];
  };
  const stroke = (from, to) => {
    ctx.strokeStyle = "black";
    ctx.lineWidth = model.get("pen_width");
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(from[0], from[1]);
    ctx.lineTo(to[0], to[1]);
    ctx.stroke();
  };
  canvas.addEventListener("pointerdown", (event) => {
    drawing = true;
    last = point(event);
    stroke(last, last);
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    const next = point(event);
    stroke(last, next);
    last = next;
  });
  const finish = () => {
    if (!drawing) return;
    drawing = false;
    model.set("png_data_url", canvas.toDataURL("image/png"));
    model.save_changes();
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);
  model.on("change:clear_count", () => ctx.clearRect(0, 0, canvas.width, canvas.height));
  el.appendChild(canvas);
}
export default { render };
"""

_PHOTO_UPLOAD_ESM = """
function render({ model, el }) {
  const input = document.createElement("input");
  input.type = "file";
  input.accept = "image/*";
  input.style.display = "none";
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Upload photo";
  button.className = "jupyter-widgets jupyter-button widget-button";
  button.title = "A photo or scan of one digit, any size: it is shrunk in your browser before it is sent";
  button.addEventListener("click", () => input.click());
  const send = (photo) => {
    // A new serial number every time, so Python hears about the same photo chosen twice.
    const serial = ((model.get("photo") || {}).serial || 0) + 1;
    model.set("photo", { ...photo, serial });
    model.save_changes();
  };
  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    input.value = "";  // forget the choice: choosing the same file again fires "change" again
    if (!file) return;
    const url = URL.createObjectURL(file);
    const image = new Image();
    image.onload = () => {
      URL.revokeObjectURL(url);
      // naturalWidth/naturalHeight and drawImage follow the EXIF orientation (CSS image-orientation: from-image).
      const width = image.naturalWidth;
      const height = image.naturalHeight;
      const scale = Math.min(1, model.get("max_side") / Math.max(width, height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(width * scale));
      canvas.height = Math.max(1, Math.round(height * scale));
      const ctx = canvas.getContext("2d");
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
      let dataUrl = canvas.toDataURL("image/png");  // lossless, keeps transparency
      if (dataUrl.length > model.get("max_png_chars")) {  // a photo: as JPEG on white paper it is far smaller
        ctx.globalCompositeOperation = "destination-over";
        ctx.fillStyle = "white";
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        dataUrl = canvas.toDataURL("image/jpeg", 0.92);
      }
      send({ name: file.name, bytes: file.size, width, height, data_url: dataUrl });
    };
    image.onerror = () => {
      URL.revokeObjectURL(url);
      send({ name: file.name, bytes: file.size, error: "your browser cannot read it as an image" });
    };
    image.src = url;
  });
  el.append(button, input);
}
export default { render };
"""


class DrawingCanvas(anywidget.AnyWidget):
    """A square canvas: strokes are drawn in the browser; after each stroke the picture is synced as a PNG.

    ``png_data_url`` is "" until something is drawn. Bumping ``clear_count`` wipes the canvas.
    """

    _esm = _CANVAS_ESM
    size = traitlets.Int(CANVAS_SIZE).tag(sync=True)
    pen_width = traitlets.Int(PEN_WIDTH).tag(sync=True)
    png_data_url = traitlets.Unicode("").tag(sync=True)
    clear_count = traitlets.Int(0).tag(sync=True)

    def clear(self) -> None:
        """Wipe the drawing, here and in the browser."""
        self.png_data_url = ""
        self.clear_count += 1


def image_from_data_url(data_url: str) -> np.ndarray:
    """Decode the canvas's ``data:image/png;base64,...`` URL to an RGBA uint8 array (the ink is in alpha).

    Raises `EmptyDrawingError` for an empty canvas and `ImageReadError` for anything that is not a PNG picture.
    """
    if not data_url:
        raise EmptyDrawingError("The canvas is empty: draw a digit first (hold the mouse button down and move).")
    if not isinstance(data_url, str) or not data_url.startswith(PNG_DATA_URL_PREFIX):
        raise ImageReadError(
            f"The drawing canvas sent something that is not a PNG data URL (it should start with "
            f"{PNG_DATA_URL_PREFIX!r}, got {str(data_url)[:40]!r}). Press Clear and draw again."
        )
    try:
        png = base64.b64decode(data_url[len(PNG_DATA_URL_PREFIX) :], validate=True)
    except ValueError as error:  # binascii.Error: not valid base64
        raise ImageReadError(
            f"The drawing canvas sent a damaged picture (its base64 text does not decode: {error}). "
            "Press Clear and draw again."
        ) from error
    return read_image_bytes(png, source="the drawing canvas")


class PhotoUpload(anywidget.AnyWidget):
    """An "Upload photo" button: the browser reads the file, shrinks it and sends a small PNG/JPEG as ``photo``.

    ``photo`` is ``{}`` until a file is chosen, then a dict with ``name``, ``bytes`` (the file's size),
    ``width`` and ``height`` (the picture's size, upright), ``data_url`` and ``serial`` (one more for every
    file chosen, so the same file twice is two changes); or ``name``, ``bytes`` and ``error`` if the
    browser could not read the file as an image.
    """

    _esm = _PHOTO_UPLOAD_ESM
    max_side = traitlets.Int(PHOTO_MAX_SIDE).tag(sync=True)
    max_png_chars = traitlets.Int(PHOTO_MAX_PNG_CHARS).tag(sync=True)
    photo = traitlets.Dict().tag(sync=True)


def image_from_photo_data_url(data_url: object, source: str = "the uploaded photo") -> np.ndarray:
    """Decode the PNG/JPEG data URL that `PhotoUpload` sends, refusing what the browser would never send.

    Checked before the pixels are decoded: a PNG or JPEG data URL, at most ``PHOTO_MAX_DATA_URL_CHARS``
    characters, at most ``PHOTO_MAX_SIDE`` pixels a side (from the picture's header). Raises ValueError
    saying which check failed.
    """
    if not isinstance(data_url, str) or not data_url.startswith(PHOTO_DATA_URL_PREFIXES):
        shown = data_url[:40] if isinstance(data_url, str) else type(data_url).__name__
        raise ValueError(f"{source}: expected a PNG or JPEG data URL from the Upload photo button, got {shown!r}.")
    if len(data_url) > PHOTO_MAX_DATA_URL_CHARS:
        raise ValueError(
            f"{source}: {len(data_url):,} characters arrived, more than the {PHOTO_MAX_DATA_URL_CHARS:,} allowed; "
            "the Upload photo button sends a copy shrunk to 512 pixels. Upload the file with that button."
        )
    try:
        content = base64.b64decode(data_url.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError(f"{source}: the data URL is not valid base64 ({error}).") from error
    try:
        with Image.open(io.BytesIO(content)) as opened:  # reads the header only: nothing is decoded yet
            width, height = opened.size
    except Image.DecompressionBombError as error:  # Pillow refuses headers over 179 megapixels itself
        raise ValueError(f"{source}: far more than {PHOTO_MAX_SIDE} pixels a side arrived ({error}).") from error
    except (UnidentifiedImageError, OSError):
        width = height = 0  # not a picture: read_image_bytes below says so in its own words
    if max(width, height) > PHOTO_MAX_SIDE:
        raise ValueError(
            f"{source}: {width}x{height} pixels arrived, more than {PHOTO_MAX_SIDE} on a side; "
            "the Upload photo button shrinks photos first. Upload the file with that button."
        )
    return read_image_bytes(content, source=source)


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
    (1, 784) for a Dense network, (1, 28, 28, 1) for a CNN.
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


class DrawingPad:
    """Canvas + Clear + Predict + Upload photo, with the bar chart and the 28x28 picture the model saw."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.last_prediction: Prediction | None = None
        self.canvas = DrawingCanvas()
        self.clear_button = widgets.Button(description="Clear", icon="eraser")
        self.predict_button = widgets.Button(description="Predict", button_style="success", icon="check")
        self.upload = PhotoUpload()
        self.result = widgets.HTML("Draw a digit in the box, then press <b>Predict</b>.")
        self.chart = widgets.Image(value=figure_to_png(probability_figure(None)), format="png")
        self.model_view = widgets.Image(value=figure_to_png(model_input_figure(None)), format="png")
        self.clear_button.on_click(lambda _button: self.clear())
        self.predict_button.on_click(lambda _button: self.predict_drawing())
        self.upload.observe(self._on_photo, names="photo")
        buttons = widgets.HBox([self.clear_button, self.predict_button, self.upload])
        self.widget = widgets.VBox([widgets.HBox([self.canvas, self.model_view, self.chart]), buttons, self.result])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def clear(self) -> None:
        """Wipe the canvas and the last prediction."""
        self.canvas.clear()
        self.last_prediction = None
        self.result.value = "Draw a digit in the box, then press <b>Predict</b>."
        self.chart.value = figure_to_png(probability_figure(None))
        self.model_view.value = figure_to_png(model_input_figure(None))

    def predict_drawing(self) -> Prediction | None:
        """What the Predict button does: read the canvas and predict (None, with a message, if it is empty)."""
        try:
            image = image_from_data_url(self.canvas.png_data_url)
        except (EmptyDrawingError, ImageReadError) as error:
            self._show_problem(str(error))
            return None
        return self.predict_image(image)

    def predict_image(self, image: object, source: str = "your drawing") -> Prediction | None:
        """Preprocess ``image`` (array or PIL image), predict, and show the chart and the 28x28 picture.

        Returns the `Prediction`, or None (and says why under the pad) if the image has no ink or cannot be read.
        """
        try:
            prediction = predict_digit(self.model, image)
        except (EmptyDrawingError, ValueError, TypeError) as error:
            self._show_problem(str(error))
            return None
        self.last_prediction = prediction
        self.chart.value = figure_to_png(probability_figure(prediction.probabilities))
        self.model_view.value = figure_to_png(model_input_figure(prediction.model_input))
        note = " (dark ink on light paper: inverted first)" if prediction.inverted else ""
        self.result.value = (
            f"The model reads {html.escape(source)} as <b class='predicted-digit'>{prediction.digit}</b> "
            f"({prediction.confidence:.0%} sure){note}."
        )
        return prediction

    def predict_file(self, name: str, content: bytes) -> Prediction | None:
        """Predict the digit in an uploaded PNG/JPEG file's bytes."""
        try:
            image = read_image_bytes(content, source=name)
        except ValueError as error:
            self._show_problem(str(error))
            return None
        return self.predict_image(image, source=name)

    def predict_photo(self, photo: dict[str, Any]) -> Prediction | None:
        """Predict the digit in what `PhotoUpload` sent (see its ``photo``); what the Upload photo button does."""
        name = str(photo.get("name", "your photo"))
        if "error" in photo:
            self._show_problem(f"{name}: {photo['error']}. Upload a PNG or JPEG file.")
            return None
        try:
            image = image_from_photo_data_url(photo.get("data_url"), source=name)
        except ValueError as error:
            self._show_problem(str(error))
            return None
        height, width = image.shape[:2]
        shrunk = ""
        if (photo.get("width"), photo.get("height")) != (width, height):
            shrunk = f" ({photo.get('width')}x{photo.get('height')} pixels, shrunk to {width}x{height} in your browser)"
        return self.predict_image(image, source=name + shrunk)

    def _on_photo(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.predict_photo(change["new"])

    def _show_problem(self, message: str) -> None:
        self.last_prediction = None
        self.result.value = f"<span style='color:#b00'>{html.escape(message)}</span>"
