"""The drawing pad, headless: everything after the browser hands over its picture (buttons, upload, chart, labels).

The browser's half (strokes, the photo shrunk on a canvas) is in test_drawing_pad_browser.py; here the traitlets
are set as the browser sets them.
"""

from __future__ import annotations

import base64
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from mnist_helpers.digit_image import EmptyDrawingError, to_mnist_format
from mnist_helpers.digit_reading import DATA_URL_PREFIXES, MAX_DATA_URL_CHARS, image_from_data_url, predict_digit
from mnist_helpers.drawing_pad import PHOTO_MAX_SIDE, DrawingPad

PNG_DATA_URL_PREFIX = DATA_URL_PREFIXES["png"]


class FakeModel:
    """Stands in for a Keras model: says "7" with 80 % and records what it was given."""

    def __init__(self, input_shape=(None, 784)):
        self.inputs = [type("Input", (), {"shape": input_shape})()]
        self.seen: list[np.ndarray] = []

    def predict(self, batch, verbose=0):
        self.seen.append(np.asarray(batch))
        probabilities = np.full((len(batch), 10), 0.2 / 9)
        probabilities[:, 7] = 0.8
        return probabilities


def _stroke_drawing() -> np.ndarray:
    """An RGBA 280x280 canvas with one thick diagonal stroke, ink in alpha."""
    rgba = np.zeros((280, 280, 4), dtype=np.uint8)
    for offset in range(-10, 11):
        rows = np.arange(40, 240)
        rgba[rows, np.clip(rows // 2 + 70 + offset, 0, 279), 3] = 255
    return rgba


def _png_bytes(array: np.ndarray, file_format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=file_format)
    return buffer.getvalue()


def _data_url(array: np.ndarray, file_format: str = "PNG") -> str:
    return f"data:image/{file_format.lower()};base64," + base64.b64encode(_png_bytes(array, file_format)).decode()


def _png_claiming(width: int, height: int) -> bytes:
    """A 1x1 PNG whose header claims ``width`` x ``height``: refused from the header, never decoded."""
    png = bytearray(_png_bytes(np.zeros((1, 1), np.uint8)))
    png[16:24] = struct.pack(">II", width, height)  # IHDR data starts at byte 16: width, height
    png[29:33] = struct.pack(">I", zlib.crc32(bytes(png[12:29])))  # the chunk's CRC over its type and data
    return bytes(png)


def _photo() -> np.ndarray:
    """The stroke as a photo would show it: dark ink on light grey paper, RGB."""
    return np.repeat((240 - _stroke_drawing()[..., 3] * 0.8).astype(np.uint8)[..., None], 3, axis=2)


def _sent_photo(array: np.ndarray, serial: int, name: str = "photo.jpg", file_format: str = "JPEG") -> dict:
    """What PhotoUpload's JavaScript puts in ``photo`` after shrinking a 4000x4000 file to ``array``."""
    return {"name": name, "bytes": 3_500_000, "width": 4000, "height": 4000, "serial": serial,
            "data_url": _data_url(array, file_format)}  # fmt: skip


def test_predict_image_shows_probabilities_label_and_model_input():
    model = FakeModel()
    pad = DrawingPad(model)
    empty_chart = pad.chart.value
    prediction = pad.predict_image(_stroke_drawing())
    assert prediction.digit == 7 and prediction.confidence == pytest.approx(0.8)
    assert prediction.probabilities.shape == (10,)
    assert model.seen[0].shape == (1, 784), "a Dense network gets one flattened 784-pixel row"
    np.testing.assert_allclose(model.seen[0].reshape(28, 28), to_mnist_format(_stroke_drawing()))
    np.testing.assert_allclose(prediction.model_input, to_mnist_format(_stroke_drawing()))
    assert "<b class='predicted-digit'>7</b>" in pad.result.value and "80% sure" in pad.result.value
    assert bytes(pad.chart.value) != bytes(empty_chart) and bytes(pad.chart.value).startswith(b"\x89PNG")
    assert pad.last_prediction is prediction


def test_cnn_gets_its_own_input_shape():
    model = FakeModel(input_shape=(None, 28, 28, 1))
    predict_digit(model, _stroke_drawing())
    assert model.seen[0].shape == (1, 28, 28, 1)


def test_without_preprocessing_the_picture_goes_in_as_it_is():
    model = FakeModel()
    corner = np.zeros((28, 28), dtype=np.float32)
    corner[:8, :5] = 1.0
    prediction = predict_digit(model, corner, preprocess=False)
    np.testing.assert_array_equal(model.seen[0].reshape(28, 28), corner)
    np.testing.assert_array_equal(prediction.model_input, corner)
    with pytest.raises(ValueError, match="28x28 float"):
        predict_digit(model, _stroke_drawing(), preprocess=False)
    with pytest.raises(ValueError, match="values in 0-1"):
        predict_digit(model, corner * 255, preprocess=False)


def test_predict_button_reads_the_canvas_png():
    model = FakeModel()
    pad = DrawingPad(model)
    pad.canvas.png_data_url = _data_url(_stroke_drawing())  # what the browser sends after a stroke
    pad.predict_button.click()
    assert pad.last_prediction is not None and pad.last_prediction.digit == 7
    np.testing.assert_allclose(model.seen[0].reshape(28, 28), to_mnist_format(_stroke_drawing()), atol=1e-6)


def test_predict_on_an_empty_canvas_asks_for_a_drawing():
    model = FakeModel()
    pad = DrawingPad(model)
    pad.predict_button.click()
    assert "draw a digit first" in pad.result.value and pad.last_prediction is None and model.seen == []
    pad.canvas.png_data_url = _data_url(np.zeros((280, 280, 4), np.uint8))  # drawn, then all rubbed out
    pad.predict_button.click()
    assert "Draw a digit first" in pad.result.value and model.seen == []


def test_clear_button_wipes_canvas_and_prediction():
    pad = DrawingPad(FakeModel())
    pad.canvas.png_data_url = _data_url(_stroke_drawing())
    pad.predict_button.click()
    before = pad.canvas.clear_count
    pad.clear_button.click()
    assert pad.canvas.png_data_url == "" and pad.canvas.clear_count == before + 1
    assert pad.last_prediction is None and "press <b>Predict</b>" in pad.result.value


def test_image_from_data_url_round_trips_and_rejects_other_urls():
    canvas = "the drawing canvas"
    np.testing.assert_array_equal(image_from_data_url(_data_url(_stroke_drawing()), canvas), _stroke_drawing())
    with pytest.raises(EmptyDrawingError, match="The drawing canvas is empty"):
        image_from_data_url("", canvas)
    with pytest.raises(ValueError, match="the drawing canvas: expected a PNG data URL"):
        image_from_data_url("data:image/jpeg;base64,AAAA", canvas)
    jpeg = _data_url(_photo(), "JPEG")
    assert image_from_data_url(jpeg, "photo.jpg", ("png", "jpeg")).shape == (280, 280, 3), "a photo may be JPEG"


@pytest.mark.parametrize("file_format", ["PNG", "JPEG"])
def test_an_uploaded_photo_reaches_the_model(file_format):
    model = FakeModel()
    pad = DrawingPad(model)
    pad.upload.photo = _sent_photo(_photo(), serial=1, file_format=file_format)  # as the browser sets it
    assert pad.last_prediction is not None and pad.last_prediction.inverted
    assert "photo.jpg (4000x4000 pixels, shrunk to 280x280 in your browser)" in pad.result.value
    assert "<b class='predicted-digit'>7</b>" in pad.result.value and "inverted" in pad.result.value
    assert np.abs(model.seen[0].reshape(28, 28) - to_mnist_format(_stroke_drawing())).max() < 0.2


def test_the_same_photo_twice_is_predicted_twice():
    model = FakeModel()
    pad = DrawingPad(model)
    pad.upload.photo = _sent_photo(_photo(), serial=1)
    pad.clear_button.click()
    pad.upload.photo = _sent_photo(_photo(), serial=2)  # the same file again: only the serial differs
    assert len(model.seen) == 2 and pad.last_prediction is not None
    np.testing.assert_array_equal(model.seen[0], model.seen[1])


def test_a_photo_the_browser_could_not_read_is_explained():
    model = FakeModel()
    pad = DrawingPad(model)
    error = "your browser cannot read it as an image"
    pad.upload.photo = {"name": "notes.txt", "bytes": 9, "error": error, "serial": 1}
    assert "notes.txt: your browser cannot read it as an image. Upload a PNG or JPEG" in pad.result.value
    assert pad.last_prediction is None and model.seen == []


@pytest.mark.parametrize(
    ("data_url", "message"),
    [
        (None, "expected a PNG or JPEG data URL"),
        ("data:image/gif;base64,R0lGOD", "expected a PNG or JPEG data URL"),
        (PNG_DATA_URL_PREFIX + "A" * MAX_DATA_URL_CHARS, "more than the 2,000,000 allowed"),
        (PNG_DATA_URL_PREFIX + "not base64!", "base64 text does not decode"),
        (PNG_DATA_URL_PREFIX + base64.b64encode(b"just text").decode(), "x.png"),
        (_data_url(np.zeros((PHOTO_MAX_SIDE + 1, 10), np.uint8)), "10x513 pixels arrived, more than 512"),
        (PNG_DATA_URL_PREFIX + base64.b64encode(_png_claiming(5_000, 4_000)).decode(), "5000x4000 pixels arrived"),
        (PNG_DATA_URL_PREFIX + base64.b64encode(_png_claiming(20_000, 20_000)).decode(), "far more than 512 pixels"),
    ],
)
def test_what_the_browser_would_never_send_is_refused(data_url, message):
    with pytest.raises(ValueError, match=message):
        image_from_data_url(data_url, "x.png", ("png", "jpeg"), max_side=PHOTO_MAX_SIDE)
    model = FakeModel()
    pad = DrawingPad(model)
    pad.upload.photo = {"name": "x.png", "data_url": data_url, "serial": 1}
    assert "x.png" in pad.result.value and "color:#b00" in pad.result.value
    assert pad.last_prediction is None and model.seen == []


def _png_with_huge_text() -> bytes:
    """A small PNG with a compressed text chunk that would unpack to 5 MB: Pillow refuses it while opening."""
    body = b"Comment\0\0" + zlib.compress(b"a" * 5_000_000)
    text = struct.pack(">I", len(body)) + b"zTXt" + body + struct.pack(">I", zlib.crc32(b"zTXt" + body))
    png = _png_bytes(np.full((20, 20), 200, np.uint8))
    return png[:33] + text + png[33:]  # after the 33 bytes of signature and header


def test_a_forged_upload_is_explained_with_its_file_name():
    pad = DrawingPad(FakeModel())
    url = PNG_DATA_URL_PREFIX + base64.b64encode(_png_with_huge_text()).decode()
    pad.upload.photo = {"name": "forged.png", "data_url": url, "serial": 1}
    assert pad.result.value.startswith("<span style='color:#b00'>forged.png: the picture is damaged"), pad.result.value
    pad.canvas.png_data_url = url
    assert pad.predict_drawing() is None
    assert "the drawing canvas: the picture is damaged" in pad.result.value


def test_predict_file_reads_bytes_from_code():
    model = FakeModel()
    prediction = DrawingPad(model).predict_file("scan.png", _png_bytes(_photo()))
    assert prediction is not None and prediction.inverted and len(model.seen) == 1
    pad = DrawingPad(FakeModel())
    assert pad.predict_file("notes.txt", b"just text") is None and "notes.txt: not an image" in pad.result.value
    blank = _png_bytes(np.full((200, 300, 3), 230, np.uint8))
    assert pad.predict_file("blank.png", blank) is None
    assert "blank.png: No ink found" in pad.result.value, "a problem with an upload names the file"


@pytest.mark.parametrize("input_shape", [(784,), (28, 28, 1)], ids=["Dense", "CNN-shaped"])
def test_a_real_keras_model_reads_the_preprocessed_picture_in_its_own_layout(input_shape):
    """The 28x28 picture reaches a real Keras model laid out as the model's own input says, rows first."""
    from mnist_helpers.notebook_setup import import_keras_quietly

    keras = import_keras_quietly()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten(), keras.layers.Dense(10)])
    model.add(keras.layers.Softmax())
    picture = to_mnist_format(_stroke_drawing())
    prediction = predict_digit(model, _stroke_drawing())
    expected = model.predict(picture.reshape((1, *input_shape)), verbose=0)[0]
    transposed = model.predict(picture.T.reshape((1, *input_shape)), verbose=0)[0]
    np.testing.assert_allclose(prediction.probabilities, expected, rtol=1e-5)
    assert np.abs(expected - transposed).max() > 1e-3, "the check can fail: a transposed picture reads differently"
    assert prediction.digit == int(np.argmax(expected))


def test_a_nan_picture_or_a_nan_answer_is_never_read_as_a_digit():
    model = FakeModel()
    with pytest.raises(ValueError, match="784 of its pixels are NaN"):
        predict_digit(model, np.full((28, 28), np.nan, np.float32), preprocess=False)
    assert model.seen == [], "nothing reached the model"

    class BrokenModel(FakeModel):
        def predict(self, batch, verbose=0):
            return np.full((len(batch), 10), np.nan)

    with pytest.raises(ValueError, match="NaN or infinite probabilities"):
        predict_digit(BrokenModel(), _stroke_drawing())
