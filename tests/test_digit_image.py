"""to_mnist_format: a learner's drawing or photo becomes an MNIST-style 28x28 digit.

The last tests take real MNIST test digits, blow them up onto a large canvas at a random size and
place (as a drawing pad's RGBA and as a photo's dark-on-light RGB), preprocess them back and check
that a classifier reads them almost as well as the originals.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from mnist_helpers.data import load_mnist_from_folder
from mnist_helpers.digit_image import (
    EmptyDrawingError,
    draw_digit_on_canvas,
    preprocessing_steps,
    read_image_bytes,
    to_mnist_format,
)


def _ink_box(image: np.ndarray, threshold: float = 0.1) -> tuple[int, int]:
    rows = np.flatnonzero((image > threshold).any(axis=1))
    columns = np.flatnonzero((image > threshold).any(axis=0))
    return rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1


def _differs_by_at_most(a: np.ndarray, b: np.ndarray, tolerance: float) -> bool:
    """Whether ``a`` matches ``b`` within ``tolerance`` per pixel, allowing a one-pixel shift: a symmetric digit's
    centre of mass can sit on a half pixel, where JPEG's noise decides which way it is rounded."""
    return any(
        np.abs(np.roll(a, (rows, columns), axis=(0, 1)) - b).max() < tolerance
        for rows in (-1, 0, 1)
        for columns in (-1, 0, 1)
    )


def _ring(size: int = 200, top: int = 30, left: int = 60, height: int = 120, width: int = 80) -> np.ndarray:
    """A thick "0": float ink in [0, 1] on a black size x size canvas."""
    rows, columns = np.mgrid[:size, :size]
    centre_row, centre_column = top + height / 2, left + width / 2
    radius = ((rows - centre_row) / (height / 2)) ** 2 + ((columns - centre_column) / (width / 2)) ** 2
    return ((radius <= 1.0) & (radius >= 0.55)).astype(np.float32)


def _as_rgba_drawing(ink: np.ndarray) -> np.ndarray:
    """What a drawing canvas gives: black strokes, transparent elsewhere (the ink is in alpha)."""
    rgba = np.zeros((*ink.shape, 4), dtype=np.uint8)
    rgba[..., 3] = np.round(ink * 255).astype(np.uint8)
    return rgba


def _as_paper_photo(ink: np.ndarray) -> np.ndarray:
    """Dark ink on light, slightly grey paper, as RGB uint8."""
    grey = 235 - np.round(ink * 200)
    return np.repeat(grey[..., None], 3, axis=2).astype(np.uint8)


@pytest.mark.parametrize(
    "make",
    [lambda ink: ink, _as_rgba_drawing, _as_paper_photo, lambda ink: Image.fromarray(_as_rgba_drawing(ink))],
    ids=["2-D float", "RGBA array", "RGB paper photo", "PIL RGBA"],
)
def test_every_input_kind_gives_a_28x28_float_digit_in_0_1(make):
    result = to_mnist_format(make(_ring()))
    assert result.shape == (28, 28) and result.dtype == np.float32
    assert result.min() >= 0.0 and result.max() <= 1.0
    assert result.max() > 0.9, "the strongest ink should be (nearly) full white"
    assert max(_ink_box(result)) == 20, "the digit fills a 20x20 box, like MNIST"
    assert result[0].sum() == result[-1].sum() == result[:, 0].sum() == result[:, -1].sum() == 0, "border stays black"


def test_the_same_digit_as_drawing_or_photo_gives_the_same_result():
    drawing = to_mnist_format(_as_rgba_drawing(_ring()))
    photo = to_mnist_format(_as_paper_photo(_ring()))
    assert np.abs(drawing - photo).max() < 0.05


def test_dark_ink_on_light_paper_is_inverted_to_white_on_black():
    steps = preprocessing_steps(_as_paper_photo(_ring()))
    assert steps.inverted
    assert steps.centred[14, 14] == 0.0, "the hole of the 0 is paper, so black"
    assert not preprocessing_steps(_ring()).inverted


def test_rgba_ink_comes_from_alpha_whatever_the_stroke_colour():
    ink = _ring()
    white_strokes = _as_rgba_drawing(ink)
    white_strokes[..., :3] = 255
    np.testing.assert_allclose(to_mnist_format(white_strokes), to_mnist_format(_as_rgba_drawing(ink)))


def test_auto_reads_dark_ink_on_dim_paper_as_dark_ink():
    dim_photo = 0.45 - 0.25 * _ring()  # dark ink on paper darker than half grey: a photo in poor light
    steps = preprocessing_steps(dim_photo, ink="auto")
    assert steps.inverted
    np.testing.assert_allclose(steps.centred, to_mnist_format(_ring()), atol=1e-5)


def test_ink_argument_overrides_the_automatic_choice():
    framed = np.pad(0.1 + 0.8 * _ring(), 12, constant_values=1.0)  # light ink on dark paper, in a white margin
    try:  # the light border looks like paper, so auto takes the ink to be dark and finds no dark digit
        auto = to_mnist_format(framed, ink="auto")
    except EmptyDrawingError:
        auto = None
    assert auto is None or np.abs(auto - to_mnist_format(_ring())).max() > 0.5
    light = preprocessing_steps(framed, ink="light")
    assert not light.inverted
    np.testing.assert_allclose(light.centred, to_mnist_format(_ring()), atol=1e-5)


def test_a_tall_one_keeps_its_aspect_ratio():
    stroke = np.zeros((280, 280), dtype=np.float32)
    stroke[40:240, 130:150] = 1.0  # 200 tall, 20 wide
    height, width = _ink_box(to_mnist_format(stroke))
    assert height == 20
    assert 1 <= width <= 3, f"a 10:1 stroke should stay about 2 pixels wide, got {width}"


@pytest.mark.parametrize("top, left", [(0, 0), (70, 110), (150, 190)])
def test_centre_of_mass_lands_near_14_14_wherever_the_digit_was(top, left):
    canvas = np.zeros((280, 280), dtype=np.float32)
    canvas[top : top + 130, left : left + 90] = _ring(200, 0, 0, 130, 90)[:130, :90]
    row, column = ndimage.center_of_mass(to_mnist_format(canvas))
    assert abs(row - 14) <= 0.5 and abs(column - 14) <= 0.5


def test_lopsided_digit_is_centred_by_mass_not_by_box():
    seven = np.zeros((100, 100), dtype=np.float32)
    seven[10:24, 10:90] = 1.0  # a heavy top bar
    seven[24:90, 70:84] = 1.0  # the stem
    result = to_mnist_format(seven)
    row, _ = ndimage.center_of_mass(result)
    rows = np.flatnonzero(result.any(axis=1))
    assert abs(row - 14) <= 0.5
    assert (rows[0] + rows[-1]) / 2 > 14.5, "centring by mass moves a top-heavy 7's box below the middle"


@pytest.mark.parametrize(
    "blank",
    [np.zeros((280, 280, 4), np.uint8), np.full((100, 100, 3), 255, np.uint8), np.zeros((28, 28), np.float32)],
    ids=["empty canvas", "white paper", "black 2-D"],
)
def test_empty_picture_says_draw_a_digit_first(blank):
    with pytest.raises(EmptyDrawingError, match="[Dd]raw a digit first"):
        to_mnist_format(blank)


@pytest.mark.parametrize(
    "bad, error, message",
    [
        (np.zeros((4, 4, 5)), ValueError, "shape"),
        (np.zeros(10), ValueError, "shape"),
        (np.zeros((0, 5)), ValueError, "no pixels"),
        (np.full((5, 5), 3.0), ValueError, "divide by 255"),
        (np.full((5, 5), 300), ValueError, "0-255"),
        (np.full((5, 5), np.nan), ValueError, "NaN"),
        (np.zeros((5, 5), dtype=complex), TypeError, "not supported"),
        ([[0, 1], [1, 0]], TypeError, "NumPy array"),
    ],
)
def test_unsupported_images_raise_clear_errors(bad, error, message):
    with pytest.raises(error, match=message):
        to_mnist_format(bad)


def test_bad_ink_argument_is_rejected():
    with pytest.raises(ValueError, match="'auto', 'dark'"):
        to_mnist_format(_ring(), ink="black")


@pytest.mark.parametrize(("file_format", "tolerance"), [("PNG", 0.01), ("JPEG", 0.25)])
def test_read_image_bytes_reads_png_and_jpeg(file_format, tolerance):
    buffer = io.BytesIO()
    Image.fromarray(_as_paper_photo(_ring())).save(buffer, format=file_format)
    pixels = read_image_bytes(buffer.getvalue())
    assert pixels.shape == (200, 200, 3) and pixels.dtype == np.uint8
    assert _differs_by_at_most(to_mnist_format(pixels), to_mnist_format(_ring()), tolerance)


def test_read_image_bytes_keeps_transparency():
    buffer = io.BytesIO()
    Image.fromarray(_as_rgba_drawing(_ring())).save(buffer, format="PNG")
    assert read_image_bytes(buffer.getvalue()).shape == (200, 200, 4)


def test_read_image_bytes_rejects_a_non_image():
    with pytest.raises(ValueError, match="notes.txt: not an image"):
        read_image_bytes(b"hello, not a picture", source="notes.txt")


# ----- real MNIST digits, enlarged onto a big canvas and brought back --------------------------------------------

N_TEST_DIGITS = 500
N_TRAIN_DIGITS = 10_000
# With 500 digits one point is 5 digits. A faithful preprocessing changes only a few borderline digits
# (we measured 0.2-0.6 points with this nearest-neighbour reader, ~0 with the trained MLP on all 10,000);
# a real mistake (no centring, lost aspect ratio, wrong inversion) costs 10-80 points. 3 points separates them.
MAX_ACCURACY_DROP = 0.03


def nearest_neighbour_reader(train_images: np.ndarray, train_labels: np.ndarray):
    """A deterministic classifier (1-nearest neighbour in pixel space): no training, no randomness.

    It is stricter than a neural network about position and size, so it is a sharp test of the alignment.
    """
    train = train_images.reshape(len(train_images), -1).astype(np.float32) / 255.0
    train_norms = (train**2).sum(axis=1)

    def read(images: np.ndarray) -> np.ndarray:
        queries = images.reshape(len(images), -1).astype(np.float32)
        distances = train_norms[None, :] - 2.0 * queries @ train.T
        return train_labels[distances.argmin(axis=1)]

    return read


@pytest.fixture(scope="module")
def mnist_reader_and_test_digits(real_mnist_dir):
    (x_train, y_train), (x_test, y_test) = load_mnist_from_folder(real_mnist_dir)
    read = nearest_neighbour_reader(x_train[:N_TRAIN_DIGITS], y_train[:N_TRAIN_DIGITS])
    return read, x_test[:N_TEST_DIGITS], y_test[:N_TEST_DIGITS]


def _random_drawing(digit: np.ndarray, rng: np.random.Generator, as_rgba: bool) -> np.ndarray:
    """A learner's drawing faked from a digit: scaled 3-8x, put at a random spot on a 280x280 canvas."""
    side = round(28 * rng.uniform(3, 8))
    top, left = rng.integers(0, 280 - side + 1, size=2)
    return draw_digit_on_canvas(digit, side, int(top), int(left), solid=False, as_rgba=as_rgba)


@pytest.mark.parametrize("as_rgba", [True, False], ids=["drawing pad RGBA", "photo RGB dark on light"])
def test_enlarged_real_digits_are_read_as_well_after_preprocessing(mnist_reader_and_test_digits, as_rgba):
    read, digits, labels = mnist_reader_and_test_digits
    rng = np.random.default_rng(2024)
    original_accuracy = float((read(digits / 255.0) == labels).mean())
    canvases = [_random_drawing(digit, rng, as_rgba) for digit in digits]
    assert canvases[0].shape[:2] == (280, 280)
    preprocessed = np.stack([to_mnist_format(canvas) for canvas in canvases])
    preprocessed_accuracy = float((read(preprocessed) == labels).mean())
    assert original_accuracy > 0.85, "the reader itself should work on the original digits"
    assert preprocessed_accuracy >= original_accuracy - MAX_ACCURACY_DROP, (
        f"accuracy fell from {original_accuracy:.3f} on the original digits to {preprocessed_accuracy:.3f} "
        "after enlarging and preprocessing them back"
    )


def test_without_centring_the_same_check_would_fail(mnist_reader_and_test_digits):
    """The realistic test can fail: a naive resize of the whole canvas to 28x28 loses many digits."""
    read, digits, labels = mnist_reader_and_test_digits
    rng = np.random.default_rng(2024)
    naive = np.stack(
        [
            np.asarray(Image.fromarray(_random_drawing(d, rng, True)[..., 3]).resize((28, 28)), np.float32) / 255
            for d in digits[:200]
        ]
    )
    original_accuracy = float((read(digits[:200] / 255.0) == labels[:200]).mean())
    assert float((read(naive) == labels[:200]).mean()) < original_accuracy - 0.2


def test_draw_digit_on_canvas_places_the_digit_and_refuses_one_that_does_not_fit():
    digit = np.zeros((28, 28), dtype=np.uint8)
    digit[4:24, 12:16] = 255  # a "1"
    rgba = draw_digit_on_canvas(digit, side=90, top=10, left=175)
    rgb = draw_digit_on_canvas(digit, side=90, top=10, left=175, as_rgba=False)
    assert rgba.shape == (280, 280, 4) and rgba[..., :3].max() == 0 and rgba[..., 3].max() == 255
    rows, columns = np.nonzero(rgba[..., 3])
    assert rows.min() >= 10 and rows.max() < 100 and columns.min() >= 175 and columns.max() < 265
    assert set(np.unique(rgba[..., 3])) == {0, 255}, "solid by default: ink or paper, nothing between"
    assert rgb.shape == (280, 280, 3) and np.array_equal(rgb[..., 0], 255 - rgba[..., 3]), "dark ink on light paper"
    soft = draw_digit_on_canvas(digit, side=90, top=10, left=175, solid=False)
    assert len(np.unique(soft[..., 3])) > 2, "solid=False keeps the grey edges of the enlarged digit"
    assert to_mnist_format(rgba).shape == (28, 28)
    with pytest.raises(ValueError, match="does not fit"):
        draw_digit_on_canvas(digit, side=90, top=200, left=0)
