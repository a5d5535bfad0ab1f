"""The drawing pad, headless: everything after the browser hands over its PNG (buttons, upload, chart, labels)."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from mnist_helpers.digit_image import EmptyDrawingError, to_mnist_format
from mnist_helpers.drawing_pad import (
    PNG_DATA_URL_PREFIX,
    DrawingPad,
    image_from_data_url,
    predict_digit,
    uploaded_file,
)


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


def _data_url(array: np.ndarray) -> str:
    return PNG_DATA_URL_PREFIX + base64.b64encode(_png_bytes(array)).decode()


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
    np.testing.assert_array_equal(image_from_data_url(_data_url(_stroke_drawing())), _stroke_drawing())
    with pytest.raises(EmptyDrawingError):
        image_from_data_url("")
    with pytest.raises(ValueError, match="PNG data URL"):
        image_from_data_url("data:image/jpeg;base64,AAAA")


def test_uploaded_file_understands_ipywidgets_7_and_8():
    content = b"\x89PNG..."
    version_8 = ({"name": "seven.png", "type": "image/png", "size": 8, "content": memoryview(content)},)
    version_7 = {"seven.png": {"metadata": {"name": "seven.png", "type": "image/png"}, "content": content}}
    assert uploaded_file(version_8) == ("seven.png", content)
    assert uploaded_file(version_7) == ("seven.png", content)
    assert uploaded_file(()) is None and uploaded_file({}) is None


@pytest.mark.parametrize("file_format", ["PNG", "JPEG"])
def test_upload_of_a_photo_predicts_it(file_format):
    model = FakeModel()
    pad = DrawingPad(model)
    photo = np.repeat((240 - _stroke_drawing()[..., 3] * 0.8).astype(np.uint8)[..., None], 3, axis=2)
    pad._on_upload({"new": ({"name": "photo.jpg", "content": memoryview(_png_bytes(photo, file_format))},)})
    assert pad.last_prediction is not None and pad.last_prediction.inverted
    assert "photo.jpg" in pad.result.value and "inverted" in pad.result.value
    assert np.abs(model.seen[0].reshape(28, 28) - to_mnist_format(_stroke_drawing())).max() < 0.2


def test_upload_of_a_non_image_explains_the_problem():
    pad = DrawingPad(FakeModel())
    pad._on_upload({"new": {"notes.txt": {"metadata": {}, "content": b"just text"}}})
    assert "notes.txt: not an image" in pad.result.value and pad.last_prediction is None


def test_with_a_real_keras_model():
    from mnist_helpers.quiet import import_keras_quietly

    keras = import_keras_quietly()
    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
    model.add(keras.layers.Softmax())
    prediction = DrawingPad(model).predict_image(_stroke_drawing())
    assert prediction.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    assert 0 <= prediction.digit <= 9
