"""Finding the digit in a photo of paper, step by step, on small synthetic photos.

Each photo is the same "0" (a thick ring of dark ink) on light paper, with one everyday problem added: light
falling off, a corner shadow, ruled or squared paper, a speck, a dark table along one edge, sensor noise. Read
right, every one gives the clean photo's 28x28 picture; each test also checks the step that made it so.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from mnist_helpers import photo_ink
from mnist_helpers.digit_image import (
    EmptyDrawingError,
    centre_by_mass,
    crop_to_ink,
    preprocessing_steps,
    read_image_bytes,
    scale_to_box,
    to_mnist_format,
)

HEIGHT, WIDTH = 240, 320
PAPER = 0.9
INK = 0.85  # a dark pen: the ink reflects 15 % of what the paper does


def ring(top: int = 60, left: int = 120, height: int = 120, width: int = 80, thickness: float = 0.3) -> np.ndarray:
    """A thick "0" as ink coverage (0-1) on the photo's grid."""
    rows, columns = np.mgrid[:HEIGHT, :WIDTH]
    radius = ((rows - top - height / 2) / (height / 2)) ** 2 + ((columns - left - width / 2) / (width / 2)) ** 2
    return ((radius <= 1.0) & (radius >= (1 - thickness) ** 2)).astype(np.float32)


def photo(ink: np.ndarray, light: np.ndarray | float = 1.0, marks: np.ndarray | float = 1.0) -> np.ndarray:
    """Grey photo (0-1): paper times the light, darkened by the ink and by any other ``marks`` on the paper."""
    return np.clip(PAPER * light * marks * (1.0 - INK * ink), 0.0, 1.0).astype(np.float32)


CLEAN = to_mnist_format(photo(ring()))


def same_digit(model_input: np.ndarray, expected: np.ndarray = CLEAN, tolerance: float = 0.3) -> bool:
    """Whether two 28x28 pictures match within ``tolerance`` per pixel, allowing a one-pixel shift (the centre of
    mass of a symmetric "0" can sit on a half pixel, where a little noise decides the rounding)."""
    return any(
        np.abs(np.roll(model_input, (rows, columns), axis=(0, 1)) - expected).max() < tolerance
        for rows in (-1, 0, 1)
        for columns in (-1, 0, 1)
    )


def light_falling_off(lowest: float) -> np.ndarray:
    """Light from 1 at the left edge to ``lowest`` at the right edge."""
    return np.tile(np.linspace(1.0, lowest, WIDTH, dtype=np.float32), (HEIGHT, 1))


def lines(spacing: int, darkness: float, axis: int, width: int = 2) -> np.ndarray:
    """Reflectance of ruled lines: ``axis`` 0 horizontal lines, 1 vertical ones."""
    marks = np.ones((HEIGHT, WIDTH), np.float32)
    index = [slice(None), slice(None)]
    for start in range(spacing // 2, (HEIGHT, WIDTH)[axis], spacing):
        index[axis] = slice(start, start + width)
        marks[tuple(index)] = 1.0 - darkness
    return marks


# ----- 1. the paper: light and shadows measured, not read ---------------------------------------------------------


def test_light_falling_off_across_the_page_is_flattened_away():
    shaded = photo(ring(), light=light_falling_off(0.3))
    steps = preprocessing_steps(shaded)
    assert same_digit(steps.centred), "the dark side of the page must not become ink"
    flattened, digit = steps.photo.flattened, ring() > 0
    inside = np.zeros_like(digit)
    inside[50:-50, 50:-50] = True  # at the photo's edge the paper's estimate runs half a window short
    assert flattened[inside & ~ndimage.binary_dilation(digit, iterations=3)].max() < photo_ink.MIN_CONTRAST
    lit_ink, shaded_ink = np.median(flattened[:, :140][digit[:, :140]]), np.median(flattened[:, 180:][digit[:, 180:]])
    assert shaded_ink == pytest.approx(lit_ink, abs=0.05), "ink in the shade is as dark as ink in the light"


def test_a_corner_shadow_is_flattened_away():
    rows, columns = np.mgrid[:HEIGHT, :WIDTH]
    shadow = np.where(np.hypot(rows, columns) < 200, 0.4, 1.0).astype(np.float32)
    light = ndimage.gaussian_filter(shadow, 8)  # a soft edge, crossing the digit
    assert same_digit(to_mnist_format(photo(ring(), light=light)))


def test_a_dark_table_along_one_edge_is_left_out():
    table = np.ones((HEIGHT, WIDTH), np.float32)
    table[:, -50:] = 0.25  # the photo shows the table beyond the paper's right edge
    steps = preprocessing_steps(photo(ring(), marks=table))
    assert same_digit(steps.centred)
    assert not steps.photo.digit[:, -60:].any()


# ----- 2-3. ink relative to its own paper; faint ink and noise ------------------------------------------------------


def test_faint_pencil_is_still_ink():
    faint = np.clip(PAPER * (1.0 - 0.15 * ring()), 0, 1).astype(np.float32)
    assert same_digit(to_mnist_format(faint))


def test_sensor_noise_is_not_ink():
    rng = np.random.default_rng(0)
    noisy = np.clip(photo(ring()) + rng.normal(0, 0.06, (HEIGHT, WIDTH)), 0, 1).astype(np.float32)
    steps = preprocessing_steps(noisy)
    assert np.corrcoef(steps.centred.ravel(), CLEAN.ravel())[0, 1] > 0.9, "the same 0, its strokes a little bolder"
    assert not steps.photo.digit[~ndimage.binary_dilation(ring() > 0, iterations=6)].any(), "no noise kept"


# ----- 4. ruled and squared paper -------------------------------------------------------------------------------


def test_ruled_lines_are_taken_out_and_the_strokes_they_cut_joined_again():
    steps = preprocessing_steps(photo(ring(), marks=lines(22, 0.5, axis=0)))
    assert same_digit(steps.centred)
    line_pixels = lines(22, 0.5, axis=0) < 1
    away_from_digit = ~ndimage.binary_dilation(ring() > 0, iterations=3)
    assert steps.photo.lines[line_pixels & away_from_digit].mean() > 0.95
    assert ndimage.label(steps.photo.digit, np.ones((3, 3)))[1] == 1, "the 0 stays one closed stroke"


def test_squared_paper_is_taken_out():
    grid = lines(18, 0.3, axis=0, width=1) * lines(18, 0.3, axis=1, width=1)
    steps = preprocessing_steps(photo(ring(), marks=grid))
    assert same_digit(steps.centred)
    away_from_digit = ~ndimage.binary_dilation(ring() > 0, iterations=3)
    assert steps.photo.lines[(grid < 1) & away_from_digit].mean() > 0.9


def test_slightly_tilted_lines_are_lines_too():
    rows, columns = np.mgrid[:HEIGHT, :WIDTH].astype(np.float32)
    tilted = np.where((rows + 0.025 * columns) % 24 < 2, 0.5, 1.0).astype(np.float32)  # 1.4 degrees
    assert same_digit(to_mnist_format(photo(ring(), marks=tilted)))


def test_a_long_thick_stroke_along_a_line_is_not_taken_for_a_line():
    bar = np.zeros((HEIGHT, WIDTH), np.float32)
    bar[100:116, 40:280] = 1.0  # a "-" drawn with a thick pen over most of the width, on ruled paper
    steps = preprocessing_steps(photo(bar, marks=lines(22, 0.5, axis=0)))
    assert steps.photo.digit[100:116, 40:280].mean() > 0.95


# ----- 5. the digit: specks left out, parts of a broken digit kept ------------------------------------------------


def test_a_speck_far_from_the_digit_is_left_out():
    speck = np.zeros((HEIGHT, WIDTH), np.float32)
    speck[200:208, 20:28] = 1.0
    steps = preprocessing_steps(photo(np.maximum(ring(), speck)))
    assert same_digit(steps.centred)
    assert not steps.photo.digit[195:215, 15:35].any()


def test_the_parts_of_a_broken_digit_are_kept_together():
    five = np.zeros((HEIGHT, WIDTH), np.float32)
    five[60:74, 130:200] = 1.0  # the top bar, not touching the rest
    five[80:180, 130:190] = ring(100, 120, 80, 80)[100:200, 120:180]  # the belly, an open ring
    five[80:130, 130:144] = 1.0  # the stem
    steps = preprocessing_steps(photo(five))
    assert steps.photo.digit[60:74, 130:200].all(), "the detached bar belongs to the digit"
    np.testing.assert_allclose(steps.centred, to_mnist_format(five), atol=0.05)


def test_the_largest_group_of_strokes_nearest_the_centre_is_the_digit():
    two_marks = np.zeros((HEIGHT, WIDTH), np.float32)
    two_marks[20:50, 10:14] = 1.0  # a short stroke in a corner
    steps = preprocessing_steps(photo(np.maximum(ring(), two_marks)))
    assert same_digit(steps.centred)


def slanted_shadow() -> np.ndarray:
    """Light: a shadow whose straight edge meets the photo's edges at sharp angles."""
    rows, columns = np.mgrid[:HEIGHT, :WIDTH]
    return np.where(columns > 0.8 * rows + 100, 0.4, 1.0).astype(np.float32)


# ----- no digit: refused clearly --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "blank",
    [
        photo(np.zeros((HEIGHT, WIDTH)), light=light_falling_off(0.3)),
        photo(np.zeros((HEIGHT, WIDTH)), marks=lines(22, 0.5, axis=0)),
        photo(np.pad(np.ones((6, 6)), ((200, 34), (20, 294)))),
        photo(np.zeros((HEIGHT, WIDTH)), light=ndimage.gaussian_filter(slanted_shadow(), 4)),
    ],
    ids=["shadow", "ruled lines", "a speck", "a shadow's sharp edge"],
)
def test_a_photo_without_a_digit_is_refused(blank):
    with pytest.raises(EmptyDrawingError, match="No ink found: .*no digit to read"):
        to_mnist_format(blank)


def test_blank_paper_with_faintly_lighter_blotches_is_not_light_ink():
    blotchy = np.full((HEIGHT, WIDTH), 0.88, np.float32)
    blotchy[100:116, 100:108] = blotchy[116:140, 92:100] = 0.905  # a low-quality JPEG's 8x8 blocks on bare paper
    with pytest.raises(EmptyDrawingError):
        to_mnist_format(blotchy)
    assert photo_ink.ink_is_dark(blotchy)


# ----- which way round, drawings, small pictures ----------------------------------------------------------------


def test_a_shadow_over_most_of_the_border_still_leaves_the_ink_dark():
    light = np.ones((HEIGHT, WIDTH), np.float32)
    light[:, :250] = 0.35  # a shadow over the left three quarters, the digit in it
    steps = preprocessing_steps(photo(ring(), light=ndimage.gaussian_filter(light, 6)))
    assert steps.inverted, "dark ink on light paper, even where the paper around it is in shadow"
    assert same_digit(steps.centred)


def test_an_mnist_style_picture_is_read_as_it_is(real_mnist_dir):
    from mnist_helpers.data import load_mnist_from_folder

    (_, _), (digits, _) = load_mnist_from_folder(real_mnist_dir)
    for digit in digits[:20]:
        steps = preprocessing_steps(digit)  # light ink on black, 28x28
        assert not steps.inverted
        assert np.abs(steps.centred - digit / 255.0).mean() < 0.03


def test_a_bold_drawing_stays_a_drawing():
    bold = ndimage.binary_dilation(ring(20, 40, 200, 240, 0.7) > 0, iterations=12)  # over half of the canvas
    rgba = np.zeros((HEIGHT, WIDTH, 4), np.uint8)
    rgba[..., 3] = bold * 255
    assert bold.mean() > 0.5
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")  # as the pad's canvas sends it
    steps = preprocessing_steps(read_image_bytes(buffer.getvalue()))
    expected = centre_by_mass(scale_to_box(crop_to_ink(bold.astype(np.float32))))  # MNIST's steps on the ink
    np.testing.assert_allclose(steps.centred, expected, atol=1e-5)
    assert not steps.inverted and steps.photo is None, "read as ink on transparent paper, not as a photo"


def test_a_big_photo_is_read_at_the_working_size():
    big = np.asarray(Image.fromarray(photo(ring())).resize((4 * WIDTH, 4 * HEIGHT)), np.float32)
    steps = preprocessing_steps(big)
    assert max(steps.photo.grey.shape) == photo_ink.WORK_SIDE
    assert same_digit(steps.centred)


# ----- bold strokes ------------------------------------------------------------------------------------------------


def test_strokes_wider_than_the_paper_window_are_found_whole():
    bold = ring(20, 60, 200, 200, thickness=0.6)  # strokes about 60 pixels wide, the window is 49
    assert (bold > 0).sum() > 0
    steps = preprocessing_steps(photo(bold))
    assert steps.photo.digit[bold > 0].mean() > 0.95, "not just the rims of the strokes"


def test_a_bold_eight_covering_a_small_part_of_the_photo_is_found_whole():
    rows, columns = np.mgrid[:384, :512]  # the size the pad's upload sends: the paper's window is 77 pixels

    def loop(centre_row: float) -> np.ndarray:  # strokes 64-70 pixels wide around a small hole
        radius = ((rows - centre_row) / 80) ** 2 + ((columns - 256) / 88) ** 2
        return (radius <= 1.0) & (radius >= 0.2**2)

    eight = loop(192 - 72) | loop(192 + 72)
    steps = preprocessing_steps(photo(eight.astype(np.float32))).photo
    assert steps.digit[eight].mean() > 0.95, "not just the rims of the strokes, and not refused as a shadow"


def test_very_bold_strokes_are_pared_down_and_normal_ones_left_alone():
    bold = preprocessing_steps(photo(ring(20, 60, 200, 200, thickness=0.6))).photo
    assert (bold.result > 0).sum() < 0.8 * bold.digit.sum()
    normal = preprocessing_steps(photo(ring())).photo
    assert (normal.result > 0).sum() >= normal.digit.sum()
