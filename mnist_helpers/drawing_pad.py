"""A drawing pad for your own digit: draw with the mouse (or a finger), press Predict, see what the model sees.

    pad = DrawingPad(model)    # any Keras model trained on MNIST (MLP with 784 inputs or a CNN on 28x28)
    pad                        # as a cell's last value: shows the pad
    pad.predict_image(rgba)    # the same prediction from code, for an image array (what the button does)

Only widgets live here; what happens to a picture in Python (decoding, predicting, the figures) is in
`digit_reading`, and the browser's half in ``drawing_canvas.js``, ``drawing_canvas.css`` and
``photo_upload.js`` beside this module.

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

import html
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets as widgets
import traitlets

from mnist_helpers.digit_image import EmptyDrawingError, ImageReadError, read_image_bytes
from mnist_helpers.digit_reading import (
    Prediction,
    image_from_data_url,
    model_input_figure,
    predict_digit,
    probability_figure,
)
from mnist_helpers.plots import figure_to_png

CANVAS_SIZE = 280  # ten screen pixels for every MNIST pixel
PEN_WIDTH = 20  # after scaling to the 20x20 box this is a 2-3 pixel stroke, like MNIST's
PHOTO_MAX_SIDE = 512  # the browser shrinks an uploaded photo to this many pixels on its longer side
PHOTO_MAX_PNG_CHARS = 400_000  # a bigger PNG is sent as JPEG instead, so every message stays far below 1 MB
_HERE = Path(__file__).parent  # the JavaScript and CSS files beside this module (package data)
_CANVAS_ADVICE = "Press Clear and draw again."
_PHOTO_ADVICE = f"Upload the file with the Upload photo button: it shrinks photos to {PHOTO_MAX_SIDE} pixels first."


class DrawingCanvas(anywidget.AnyWidget):
    """A square canvas: strokes are drawn in the browser; after each stroke the picture is synced as a PNG.

    ``png_data_url`` is "" until something is drawn. Bumping ``clear_count`` wipes the canvas.
    """

    _esm = _HERE / "drawing_canvas.js"
    _css = _HERE / "drawing_canvas.css"
    size = traitlets.Int(CANVAS_SIZE).tag(sync=True)
    pen_width = traitlets.Int(PEN_WIDTH).tag(sync=True)
    png_data_url = traitlets.Unicode("").tag(sync=True)
    clear_count = traitlets.Int(0).tag(sync=True)

    def clear(self) -> None:
        """Wipe the drawing, here and in the browser."""
        self.png_data_url = ""
        self.clear_count += 1


class PhotoUpload(anywidget.AnyWidget):
    """An "Upload photo" button: the browser reads the file, shrinks it and sends a small PNG/JPEG as ``photo``.

    ``photo`` is ``{}`` until a file is chosen, then a dict with ``name``, ``bytes`` (the file's size),
    ``width`` and ``height`` (the picture's size, upright), ``data_url`` and ``serial`` (one more for every
    file chosen, so the same file twice is two changes); or ``name``, ``bytes`` and ``error`` if the
    browser could not read the file as an image.
    """

    _esm = _HERE / "photo_upload.js"
    max_side = traitlets.Int(PHOTO_MAX_SIDE).tag(sync=True)
    max_png_chars = traitlets.Int(PHOTO_MAX_PNG_CHARS).tag(sync=True)
    photo = traitlets.Dict().tag(sync=True)


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
            image = image_from_data_url(
                self.canvas.png_data_url, "the drawing canvas", max_side=self.canvas.size, advice=_CANVAS_ADVICE
            )
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
            named = source == "your drawing" or str(error).startswith(source)
            self._show_problem(str(error) if named else f"{source}: {error}")
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
            data_url, formats = photo.get("data_url"), ("png", "jpeg")
            image = image_from_data_url(data_url, name, formats, max_side=self.upload.max_side, advice=_PHOTO_ADVICE)
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
