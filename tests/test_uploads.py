"""Uploaded pictures: upright by EXIF, transparency, 16-bit/float pixels, animations, size limits, decode errors."""

from __future__ import annotations

import base64
import io
import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

import mnist_helpers as mh
from mnist_helpers import digit_image
from mnist_helpers.digit_image import ImageReadError, preprocessing_steps, read_image_bytes, to_mnist_format
from mnist_helpers.digit_reading import image_from_data_url
from mnist_helpers.drawing_pad import DrawingPad


def seven(height: int = 240, width: int = 160) -> np.ndarray:
    """A thick "7" (float ink in [0, 1] on a black field): not symmetric, so a rotation shows."""
    ink = np.zeros((height, width), np.float32)
    ink[30:60, 20:140] = 1.0
    for row in range(60, 220):
        column = int(140 - (row - 60) * 0.5)
        ink[row, column - 15 : column + 15] = 1.0
    return ink


def photo(ink: np.ndarray) -> np.ndarray:
    """Dark ink on light grey paper, RGB uint8: what a phone camera sees."""
    return np.repeat((230 - np.round(ink * 190))[..., None], 3, axis=2).astype(np.uint8)


def encoded(picture: Image.Image, file_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=file_format, **options)
    return buffer.getvalue()


def close(a: np.ndarray, b: np.ndarray, tolerance: float = 0.2) -> bool:
    return float(np.abs(a - b).mean()) < tolerance / 10 and float(np.abs(a - b).max()) < 1.0


UPRIGHT = to_mnist_format(photo(seven()))


# --- 1. EXIF orientation -----------------------------------------------------------------------------------------


def portrait_jpeg(orientation: int = 6) -> bytes:
    """A phone's portrait photo: the sensor's pixels lie sideways and EXIF says how to turn them."""
    stored = Image.fromarray(photo(seven())).transpose(Image.Transpose.ROTATE_90)  # 90 degrees anticlockwise
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encoded(stored, "JPEG", quality=95, exif=exif)


def test_a_portrait_photo_is_turned_upright_by_its_exif_orientation():
    pixels = read_image_bytes(portrait_jpeg())
    assert pixels.shape[:2] == (240, 160), "upright: taller than wide, as the photo was taken"
    assert close(to_mnist_format(pixels), UPRIGHT)


def test_without_exif_the_stored_pixels_are_read_as_they_are():
    stored = read_image_bytes(portrait_jpeg(orientation=1))
    assert stored.shape[:2] == (160, 240)
    assert not close(to_mnist_format(stored), UPRIGHT), "the check above can fail: sideways reads differently"


def test_a_pil_image_with_exif_is_turned_upright_too():
    with Image.open(io.BytesIO(portrait_jpeg())) as opened:
        assert close(to_mnist_format(opened), UPRIGHT)


# --- 2. transparency: ink only for a drawing ----------------------------------------------------------------------


def with_transparent_corners(rgb: np.ndarray, corner: int = 20) -> np.ndarray:
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    for rows in (slice(0, corner), slice(-corner, None)):
        for columns in (slice(0, corner), slice(-corner, None)):
            rgba[rows, columns] = 0  # transparent black, as image editors store it
    return rgba


def test_an_opaque_photo_with_transparent_corners_is_read_as_a_photo():
    png = encoded(Image.fromarray(with_transparent_corners(photo(seven()))), "PNG")
    steps = preprocessing_steps(read_image_bytes(png))
    assert steps.inverted, "dark ink on light paper"
    assert close(steps.centred, UPRIGHT)


def test_a_drawing_on_transparent_paper_still_takes_its_ink_from_alpha():
    drawing = np.zeros((*seven().shape, 4), np.uint8)
    drawing[..., 3] = np.round(seven() * 255).astype(np.uint8)  # black strokes, transparent paper
    steps = preprocessing_steps(read_image_bytes(encoded(Image.fromarray(drawing), "PNG")))
    assert not steps.inverted
    np.testing.assert_allclose(steps.centred, to_mnist_format(seven()), atol=1e-5)


def test_a_half_transparent_photo_is_put_on_white():
    rgba = np.dstack([photo(seven()), np.full(seven().shape, 255, np.uint8)])
    rgba[:, :15, 3] = 0  # a transparent strip on the left, no ink in it
    assert close(to_mnist_format(rgba), UPRIGHT)


# --- 3. 16-bit and float pixels, animations -----------------------------------------------------------------------


def test_a_16_bit_scan_is_scaled_by_its_range():
    scan = np.where(seven() > 0, 5000, 60000).astype(np.uint16)
    png = encoded(Image.fromarray(scan), "PNG")
    assert Image.open(io.BytesIO(png)).mode.startswith("I;16")
    pixels = read_image_bytes(png)
    assert pixels.dtype == np.uint8 and pixels.min() == round(5000 / 65535 * 255)
    assert pixels.max() == round(60000 / 65535 * 255)
    np.testing.assert_allclose(to_mnist_format(pixels), to_mnist_format(seven()), atol=1e-5)


@pytest.mark.parametrize(("paper", "ink"), [(0.95, 0.1), (240.0, 20.0)], ids=["float 0-1", "float 0-255"])
def test_a_float_tiff_is_scaled_by_its_range(paper, ink):
    tiff = encoded(Image.fromarray(np.where(seven() > 0, ink, paper).astype(np.float32)), "TIFF")
    assert Image.open(io.BytesIO(tiff)).mode == "F"
    np.testing.assert_allclose(to_mnist_format(read_image_bytes(tiff)), to_mnist_format(seven()), atol=1e-5)


def test_a_float_tiff_with_nan_is_refused_clearly():
    values = np.full((20, 20), 0.5, np.float32)
    values[3, 3] = np.nan
    with pytest.raises(ImageReadError, match="scan.tiff: this picture has NaN"):
        read_image_bytes(encoded(Image.fromarray(values), "TIFF"), source="scan.tiff")


def test_an_animation_with_a_blank_first_frame_reads_the_first_frame_with_ink():
    blank = Image.fromarray(np.full(seven().shape, 255, np.uint8))
    digit = Image.fromarray(photo(seven())[..., 0])
    gif = encoded(blank, "GIF", save_all=True, append_images=[digit, blank], duration=100)
    assert Image.open(io.BytesIO(gif)).n_frames == 3
    assert close(to_mnist_format(read_image_bytes(gif)), UPRIGHT)


def test_an_animation_with_no_ink_at_all_says_so():
    blank = Image.fromarray(np.full((50, 50), 255, np.uint8))
    gif = encoded(blank, "GIF", save_all=True, append_images=[Image.fromarray(np.full((50, 50), 250, np.uint8))])
    with pytest.raises(mh.EmptyDrawingError, match="No ink found"):
        to_mnist_format(read_image_bytes(gif))


# --- 4. size limits and decode failures ---------------------------------------------------------------------------


def png_header_only(width: int, height: int) -> bytes:
    """A small PNG file that declares a huge RGBA picture (its pixel data is a few bytes): a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def decoding_forbidden(monkeypatch):
    def refuse(self):
        raise AssertionError("the picture was decoded although its header already showed it is too large")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


def test_a_huge_png_is_refused_from_its_header_without_decoding(decoding_forbidden):
    started = time.perf_counter()
    with pytest.raises(ImageReadError, match="photo.png: the picture has 144 megapixels, more than the 40") as error:
        read_image_bytes(png_header_only(12000, 12000), source="photo.png")
    assert "Crop it or save it smaller" in str(error.value)
    assert time.perf_counter() - started < 5.0


def test_a_decompression_bomb_becomes_the_same_clear_error(decoding_forbidden):
    with pytest.raises(ImageReadError, match="900 megapixels, more than the 40 megapixels"):
        read_image_bytes(png_header_only(30000, 30000), source="bomb.png")


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(monkeypatch):
    monkeypatch.setattr(digit_image, "MAX_UPLOAD_PIXELS", 10_000)
    jpeg = encoded(Image.fromarray(photo(seven())), "JPEG", quality=95)  # 240x160 = 38,400 pixels
    pixels = read_image_bytes(jpeg)
    assert pixels.shape[:2] == (120, 80), "decoded at half scale, under the 10,000-pixel limit"
    assert float(np.abs(to_mnist_format(pixels) - UPRIGHT).mean()) < 0.05
    with pytest.raises(ImageReadError, match="megapixels"):
        read_image_bytes(encoded(Image.fromarray(photo(seven())), "PNG"))  # PNG cannot be decoded smaller


def test_a_big_picture_is_shrunk_before_it_becomes_float_ink(monkeypatch):
    monkeypatch.setattr(digit_image, "WORKING_SIDE", 100)
    pixels = read_image_bytes(encoded(Image.fromarray(photo(seven())), "PNG"))
    assert max(pixels.shape[:2]) == 100 and pixels.shape[0] / pixels.shape[1] == pytest.approx(1.5, abs=0.02)
    assert float(np.abs(to_mnist_format(pixels) - UPRIGHT).mean()) < 0.05


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"hello, not a picture", "notes.txt: not an image this lesson can read"),
        (b"", "notes.txt: not an image"),
        (encoded(Image.fromarray(photo(seven())), "PNG")[:400], "notes.txt: the picture is damaged or incomplete"),
        (encoded(Image.fromarray(photo(seven())), "JPEG")[:600], "notes.txt: the picture is damaged or incomplete"),
    ],
    ids=["text", "empty", "truncated PNG", "truncated JPEG"],
)
def test_every_decode_failure_is_one_error_type(data, message):
    with pytest.raises(ImageReadError, match=message):
        read_image_bytes(data, source="notes.txt")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("data:image/png;base64,@@not base64@@", "the picture is damaged"),
        ("data:image/jpeg;base64,AAAA", "expected a PNG data URL"),
        ("data:image/png;base64," + base64.b64encode(b"not a png").decode(), "not an image"),
        ("data:image/png;base64," + base64.b64encode(png_header_only(30000, 30000)).decode(), "megapixels"),
    ],
    ids=["bad base64", "other format", "not a PNG inside", "bomb"],
)
def test_a_malformed_canvas_url_is_an_image_read_error(url, message):
    with pytest.raises(ImageReadError, match=f"the drawing canvas: .*{message}"):
        image_from_data_url(url, "the drawing canvas")


class AnyModel:
    """Stands in for a Keras model: the pad must never get as far as predicting for these inputs."""

    input_shape = (None, 784)

    def predict(self, x, verbose=0):
        raise AssertionError("nothing should be predicted from a picture that cannot be read")


@pytest.mark.parametrize(
    "url",
    ["data:image/png;base64,@@@", "data:image/png;base64," + base64.b64encode(png_header_only(30000, 30000)).decode()],
)
def test_the_pad_shows_a_bad_canvas_picture_instead_of_raising(url):
    pad = DrawingPad(AnyModel())
    pad.canvas.png_data_url = url
    assert pad.predict_drawing() is None
    assert "the drawing canvas" in pad.result.value.lower() and pad.last_prediction is None


def test_the_pad_shows_a_bomb_upload_instead_of_raising():
    pad = DrawingPad(AnyModel())
    assert pad.predict_file("bomb.png", png_header_only(30000, 30000)) is None
    assert "bomb.png: the picture has 900 megapixels" in pad.result.value


def test_an_animation_is_searched_beyond_twenty_frames_for_its_digit():
    blanks = [Image.fromarray(np.full(seven().shape, 255 - index % 2, np.uint8)) for index in range(25)]
    digit = Image.fromarray(photo(seven())[..., 0])
    gif = encoded(blanks[0], "GIF", save_all=True, append_images=[*blanks[1:], digit], duration=100)
    assert Image.open(io.BytesIO(gif)).n_frames == 26
    assert close(to_mnist_format(read_image_bytes(gif)), UPRIGHT)


def test_an_animation_blank_for_longer_than_the_search_is_refused_by_name(monkeypatch):
    height, width = seven().shape
    monkeypatch.setattr(digit_image, "MAX_ANIMATION_PIXELS", 2 * height * width)
    blank = [Image.fromarray(np.full(seven().shape, value, np.uint8)) for value in (255, 254)]
    digit = Image.fromarray(photo(seven())[..., 0])
    gif = encoded(blank[0], "GIF", save_all=True, append_images=[blank[1], digit], duration=100)
    with pytest.raises(ImageReadError, match="wave.gif: the first 2 frames of this animation are blank"):
        read_image_bytes(gif, source="wave.gif")
    monkeypatch.setattr(digit_image, "MAX_ANIMATION_PIXELS", 3 * height * width)
    assert close(to_mnist_format(read_image_bytes(gif)), UPRIGHT)
