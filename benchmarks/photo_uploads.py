"""Are photos of digits read right, as learners take them? Measures and prints, asserts nothing.

Real MNIST test digits are written on paper and photographed (simulated): each digit enlarged with crisp pen
edges, dark ink on slightly warm paper, a 512x384 photo (the size the drawing pad's upload sends) with the
camera's slight blur and noise, saved as JPEG. Then everyday conditions, each at three strengths: faint pencil,
a small digit, low JPEG quality, light falling off across the page, a hand's shadow, a corner shadow, ruled and
squared paper, specks, a table beside the sheet, sensor noise, dim light, a bold pen, a blurred photo. Every file
is read exactly as the pad reads an upload (`read_image_bytes`, then `to_mnist_format`) and lesson 04's network
(saved_models/original_mlp.keras, trained now as lesson 04 trains it if missing) reads the 28x28 picture. A
photo that is refused (no digit found, or unreadable) counts as read wrongly. Photos without a digit (blank
paper under the same conditions) should all be refused.

    MNIST_DATA_DIR=/path/to/mnist .venv/bin/python benchmarks/photo_uploads.py [--limit N] [--save FILE]
        [--before FILE] [--steps] [--files] [--latency RUNS]

--save writes the results as JSON; --before FILE adds a "before" column from such a file (run the same script
against an older checkout, e.g. PYTHONPATH=/path/to/old/checkout). --steps measures what each step of
`photo_ink` buys instead: each condition at its hardest strength, with one step left out at a time (from a script
that replaces that step; no option in the package). --files measures the file formats instead
(upright JPEG, JPEG turned 90 degrees with EXIF orientation 6, PNG with transparent corners). --latency RUNS
measures the pad's time from an uploaded 512x384 photo to its answer instead.
"""

from __future__ import annotations

import argparse
import io
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from benchmarking import dense_accuracy, load_average, original_model_and_test_digits, write_atomically
from PIL import Image
from scipy import ndimage

from mnist_helpers.digit_image import draw_digit_on_canvas, read_image_bytes, to_mnist_format

HEIGHT, WIDTH = 384, 512  # a landscape phone photo as the pad's upload sends it: 512 pixels on its longer side
PAPER_TINT = np.array([1.0, 0.98, 0.93])  # slightly warm paper under indoor light
INK_DARKNESS = 0.85  # a dark pen: the ink reflects 15 % of what the paper does
EXIF_ORIENTATION = 0x0112
CORNER = 20


@dataclass
class Sheet:
    """One photo being made: the paper's reflectance (what is on it), the light falling on it, camera settings."""

    reflectance: np.ndarray
    light: np.ndarray
    digit_box: tuple[int, int, int, int]  # top, left, bottom, right of the digit's 28x28 frame, enlarged
    noise: float = 3.0  # sensor noise, standard deviation in 0-255 grey levels
    blur: float = 0.6  # the lens: a slight blur, in pixels
    quality: int = 85  # JPEG quality the phone saves with
    exposure: float = 1.0
    table: np.ndarray | None = field(default=None)  # where the photo shows the table instead of the paper


def pen_ink(digit: np.ndarray, side: int, bold: float = 0.0) -> np.ndarray:
    """The digit as pen ink (coverage 0-1) in a ``side`` x ``side`` square: enlarged, crisp-edged like a pen
    stroke; ``bold`` widens every stroke by that fraction of ``side`` on each side."""
    big = np.asarray(Image.fromarray(digit).resize((side, side), Image.Resampling.BICUBIC), np.float32) / 255
    if bold > 0:
        radius = max(1, round(bold * side))
        rows, columns = np.mgrid[-radius : radius + 1, -radius : radius + 1]
        big = ndimage.grey_dilation(big, footprint=rows**2 + columns**2 <= radius**2)
    return np.clip((big - 0.5) * 4 + 0.5, 0.0, 1.0)


def blank_sheet(rng: np.random.Generator) -> Sheet:
    paper = rng.uniform(0.82, 0.94)
    return Sheet(np.full((HEIGHT, WIDTH), paper, np.float32), np.ones((HEIGHT, WIDTH), np.float32), (0, 0, 0, 0))


def write_digit(
    sheet: Sheet,
    digit: np.ndarray,
    rng: np.random.Generator,
    side: int | None = None,
    darkness: float = INK_DARKNESS,
    bold: float = 0.0,
    keep_clear: tuple[int, int, int, int] | None = None,
) -> None:
    """Write the digit near the middle of the paper (within ``keep_clear``'s rows/columns if given)."""
    top_min, left_min, bottom_max, right_max = keep_clear or (0, 0, HEIGHT, WIDTH)
    side = side or int(rng.uniform(170, min(280, bottom_max - top_min - 10, right_max - left_min - 10)))
    free_rows, free_columns = bottom_max - top_min - side, right_max - left_min - side
    top = top_min + int(free_rows / 2 + rng.uniform(-0.35, 0.35) * free_rows)
    left = left_min + int(free_columns / 2 + rng.uniform(-0.35, 0.35) * free_columns)
    ink = pen_ink(digit, side, bold)
    sheet.reflectance[top : top + side, left : left + side] *= 1.0 - darkness * ink
    sheet.digit_box = (top, left, top + side, left + side)


def photograph(sheet: Sheet, rng: np.random.Generator, file_format: str = "JPEG") -> bytes:
    """What the camera saves: light times paper, the table where it shows, lens blur, sensor noise, JPEG."""
    grey = sheet.reflectance * sheet.light * sheet.exposure
    if sheet.table is not None:
        texture = ndimage.gaussian_filter(rng.normal(0, 1, grey.shape), (1.5, 12)) * 0.25  # wood grain
        grey = np.where(sheet.table, 0.22 * (1 + texture) * sheet.light * sheet.exposure, grey)
    colour = grey[..., None] * PAPER_TINT * 255
    colour = ndimage.gaussian_filter(colour, (sheet.blur, sheet.blur, 0))
    colour = colour + rng.normal(0, sheet.noise, colour.shape)
    picture = Image.fromarray(np.clip(np.round(colour), 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    picture.save(buffer, format=file_format, quality=sheet.quality)
    return buffer.getvalue()


# ----- the conditions: each changes a sheet (before or after the digit is written) --------------------------------


def lines_across(spacing: float, darkness: float, width: float, rng: np.random.Generator, axis: int) -> np.ndarray:
    """Reflectance factors of parallel lines (``axis`` 0: horizontal lines), slightly tilted, at a random phase."""
    rows, columns = np.mgrid[:HEIGHT, :WIDTH].astype(np.float32)
    tilt = np.tan(np.radians(rng.uniform(-1.5, 1.5)))
    position = (rows + tilt * columns) if axis == 0 else (columns + tilt * rows)
    distance = np.abs((position + rng.uniform(0, spacing)) % spacing - spacing / 2)
    coverage = np.clip(width / 2 + 0.5 - distance, 0.0, 1.0)
    return 1.0 - darkness * coverage


def linear_light(lowest: float, rng: np.random.Generator) -> np.ndarray:
    """Light falling off in a straight line across the page, from 1 to ``lowest``, in a random direction."""
    angle = rng.uniform(0, 2 * np.pi)
    rows, columns = np.mgrid[:HEIGHT, :WIDTH].astype(np.float32)
    along = (columns - WIDTH / 2) * np.cos(angle) + (rows - HEIGHT / 2) * np.sin(angle)
    along = (along - along.min()) / (along.max() - along.min())
    return 1.0 - (1.0 - lowest) * along


def soft_shadow(inside: np.ndarray, depth: float, penumbra: float) -> np.ndarray:
    """Light: 1 outside, 1 - ``depth`` inside, ``inside`` being a signed distance (pixels, > 0 inside)."""
    edge = np.clip(inside / penumbra + 0.5, 0.0, 1.0)
    edge = edge * edge * (3 - 2 * edge)  # smoothstep
    return 1.0 - depth * edge


def corner_shadow(depth: float, rng: np.random.Generator) -> np.ndarray:
    rows, columns = np.mgrid[:HEIGHT, :WIDTH].astype(np.float32)
    corner_row, corner_column = rng.choice([0, HEIGHT]), rng.choice([0, WIDTH])
    radius = rng.uniform(0.45, 0.65) * WIDTH
    inside = radius - np.hypot(rows - corner_row, columns - corner_column)
    return soft_shadow(inside, depth, penumbra=rng.uniform(30, 60))


def hand_shadow(depth: float, rng: np.random.Generator, box: tuple[int, int, int, int]) -> np.ndarray:
    """A soft-edged shadow over one side of the page whose edge crosses the digit."""
    rows, columns = np.mgrid[:HEIGHT, :WIDTH].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    through_row, through_column = rng.uniform(box[0], box[2]), rng.uniform(box[1], box[3])
    inside = (columns - through_column) * np.cos(angle) + (rows - through_row) * np.sin(angle)
    return soft_shadow(inside, depth, penumbra=rng.uniform(15, 40))


def add_specks(sheet: Sheet, count: int, rng: np.random.Generator) -> None:
    """``count`` dark specks (dirt, dust: 3-7 pixels across the radius) away from the digit."""
    rows, columns = np.mgrid[:HEIGHT, :WIDTH].astype(np.float32)
    top, left, bottom, right = sheet.digit_box
    placed = 0
    while placed < count:
        row, column, radius = rng.uniform(8, HEIGHT - 8), rng.uniform(8, WIDTH - 8), rng.uniform(3, 7)
        if top - 15 < row < bottom + 15 and left - 15 < column < right + 15:
            continue
        speck = np.clip(radius + 0.5 - np.hypot(rows - row, columns - column), 0.0, 1.0)
        sheet.reflectance *= 1.0 - 0.8 * speck
        placed += 1


def table_beside(share: float, rng: np.random.Generator) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The table along one random edge, covering ``share`` of the photo there, its edge slanting a little;
    returns the table's pixels and the part of the photo that stays clear of it for the digit."""
    rows, columns = np.mgrid[:HEIGHT, :WIDTH].astype(np.float32)
    edge = rng.integers(4)
    slant = np.tan(np.radians(rng.uniform(-4, 4)))
    size = HEIGHT if edge < 2 else WIDTH
    reach = share * size
    if edge == 0:
        table, clear = rows < reach + slant * (columns - WIDTH / 2), (int(reach) + 12, 0, HEIGHT, WIDTH)
    elif edge == 1:
        table, clear = rows > HEIGHT - reach + slant * (columns - WIDTH / 2), (0, 0, HEIGHT - int(reach) - 12, WIDTH)
    elif edge == 2:
        table, clear = columns < reach + slant * (rows - HEIGHT / 2), (0, int(reach) + 12, HEIGHT, WIDTH)
    else:
        table, clear = columns > WIDTH - reach + slant * (rows - HEIGHT / 2), (0, 0, HEIGHT, WIDTH - int(reach) - 12)
    return table, clear


@dataclass(frozen=True)
class Condition:
    name: str
    strengths: tuple[str, ...]  # how each strength is shown in the table
    make: Callable[[np.ndarray | None, int, np.random.Generator], bytes]  # (digit or None, strength, rng) -> file
    blank: bool = True  # also photographed without a digit (not where the condition is in the digit itself)


def _photo(
    digit: np.ndarray | None,
    rng: np.random.Generator,
    before: Callable[[Sheet], None] | None = None,
    after: Callable[[Sheet], None] | None = None,
    clear: tuple[int, int, int, int] | None = None,
    **writing: float,
) -> bytes:
    sheet = blank_sheet(rng)
    if before:
        before(sheet)
    if digit is not None:
        write_digit(sheet, digit, rng, keep_clear=clear, **writing)
    else:
        sheet.digit_box = (HEIGHT // 3, WIDTH // 3, 2 * HEIGHT // 3, 2 * WIDTH // 3)
    if after:
        after(sheet)
    return photograph(sheet, rng)


def _ruled(spacing: float, darkness: float, axes: tuple[int, ...], width: float) -> Callable[..., None]:
    def rule(sheet: Sheet, rng: np.random.Generator) -> None:
        for axis in axes:
            sheet.reflectance *= lines_across(spacing, darkness, width, rng, axis)

    return rule


def _set(**settings: float) -> Callable[[Sheet], None]:
    def apply(sheet: Sheet) -> None:
        for name, value in settings.items():
            setattr(sheet, name, value)

    return apply


def _with_light(light: Callable[[Sheet, np.random.Generator], np.ndarray], rng: np.random.Generator):
    def apply(sheet: Sheet) -> None:
        sheet.light = light(sheet, rng).astype(np.float32)

    return apply


def _table_photo(digit: np.ndarray | None, share: float, rng: np.random.Generator) -> bytes:
    table, clear = table_beside(share, rng)

    def put(sheet: Sheet) -> None:
        sheet.table = table

    return _photo(digit, rng, after=put, clear=clear)


RULED = [(44, 0.3), (34, 0.45), (26, 0.6)]  # (spacing in pixels, darkness): from faint wide lines to dark close ones
SQUARED = [(36, 0.15), (28, 0.25), (20, 0.35)]

CONDITIONS = [
    Condition("clean photo", ("",), lambda d, s, rng: _photo(d, rng)),
    Condition(
        "faint pencil (ink darkness)",
        ("40 %", "25 %", "15 %"),
        lambda d, s, rng: _photo(d, rng, darkness=(0.4, 0.25, 0.15)[s]),
        blank=False,
    ),
    Condition(
        "small digit (pixels tall)",
        ("64", "43", "32"),
        lambda d, s, rng: _photo(d, rng, side=(90, 60, 45)[s]),
        blank=False,
    ),
    Condition(
        "low JPEG quality",
        ("30", "15", "8"),
        lambda d, s, rng: _photo(d, rng, after=_set(quality=(30, 15, 8)[s])),
    ),
    Condition(
        "light falling off (darkest)",
        ("60 %", "40 %", "25 %"),
        lambda d, s, rng: _photo(d, rng, after=_with_light(lambda sh, r: linear_light((0.6, 0.4, 0.25)[s], r), rng)),
    ),
    Condition(
        "hand shadow across the digit",
        ("30 %", "45 %", "60 %"),
        lambda d, s, rng: _photo(
            d, rng, after=_with_light(lambda sh, r: hand_shadow((0.3, 0.45, 0.6)[s], r, sh.digit_box), rng)
        ),
    ),
    Condition(
        "corner shadow (depth)",
        ("35 %", "50 %", "65 %"),
        lambda d, s, rng: _photo(d, rng, after=_with_light(lambda sh, r: corner_shadow((0.35, 0.5, 0.65)[s], r), rng)),
    ),
    Condition(
        "ruled paper (spacing, darkness)",
        tuple(f"{spacing} px, {dark:.0%}" for spacing, dark in RULED),
        lambda d, s, rng: _photo(d, rng, before=lambda sh: _ruled(*RULED[s], (0,), 2.0)(sh, rng)),
    ),
    Condition(
        "squared paper (spacing, darkness)",
        tuple(f"{spacing} px, {dark:.0%}" for spacing, dark in SQUARED),
        lambda d, s, rng: _photo(d, rng, before=lambda sh: _ruled(*SQUARED[s], (0, 1), 1.5)(sh, rng)),
    ),
    Condition(
        "specks of dirt (how many)",
        ("1", "3", "6"),
        lambda d, s, rng: _photo(d, rng, after=lambda sh: add_specks(sh, (1, 3, 6)[s], rng)),
    ),
    Condition(
        "table beside the paper (share)",
        ("12 %", "22 %", "32 %"),
        lambda d, s, rng: _table_photo(d, (0.12, 0.22, 0.32)[s], rng),
    ),
    Condition(
        "sensor noise (sigma)",
        ("8", "14", "20"),
        lambda d, s, rng: _photo(d, rng, after=_set(noise=(8.0, 14.0, 20.0)[s])),
    ),
    Condition(
        "dim light (exposure, noise 6)",
        ("45 %", "30 %", "20 %"),
        lambda d, s, rng: _photo(d, rng, after=_set(exposure=(0.45, 0.3, 0.2)[s], noise=6.0)),
    ),
    Condition(
        "bold pen (wider by, each side)",
        ("3 %", "5 %", "7 %"),
        lambda d, s, rng: _photo(d, rng, bold=(0.03, 0.05, 0.07)[s]),
        blank=False,
    ),
    Condition(
        "out of focus (blur sigma)",
        ("2", "3.5", "5"),
        lambda d, s, rng: _photo(d, rng, after=_set(blur=(2.0, 3.5, 5.0)[s])),
    ),
]
BLANK_STRENGTH = 1  # photos without a digit are made at each condition's middle strength


def read_like_the_pad(content: bytes, name: str) -> np.ndarray | None:
    """What the pad's upload does with a file: decode, preprocess; None when it refuses the file."""
    try:
        return to_mnist_format(read_image_bytes(content, source=name))
    except ValueError:
        return None


def measure(
    model, digits: np.ndarray, labels: np.ndarray, blanks: int, hardest_only: bool = False, quiet: bool = False
) -> dict[str, dict[str, float]]:
    """For every condition and strength (or only its hardest): accuracy, refused share; and the refused share of
    photos without a digit."""
    results: dict[str, dict[str, float]] = {}
    for number, condition in enumerate(CONDITIONS):
        for strength, shown in enumerate(condition.strengths):
            if hardest_only and strength < len(condition.strengths) - 1:
                continue
            inputs, refused = [], 0
            started = time.perf_counter()
            for index, digit in enumerate(digits):
                rng = np.random.default_rng([index, number, strength])
                model_input = read_like_the_pad(condition.make(digit, strength, rng), f"photo{index}.jpg")
                refused += model_input is None
                inputs.append(np.zeros((28, 28), np.float32) if model_input is None else model_input)
            seconds = time.perf_counter() - started
            key = f"{condition.name}|{shown}"
            results[key] = {
                "accuracy": dense_accuracy(model, np.stack(inputs), labels),
                "refused": refused / len(digits),
                "ms_per_photo": 1000 * seconds / len(digits),
            }
            if not quiet:
                print(f"  {key:<50} {results[key]['accuracy']:6.1%}  refused {refused}", flush=True)
        if blanks and condition.blank:
            strength = min(BLANK_STRENGTH, len(condition.strengths) - 1)
            refused = 0
            for index in range(blanks):
                rng = np.random.default_rng([10_000 + index, number, strength])
                refused += read_like_the_pad(condition.make(None, strength, rng), f"blank{index}.jpg") is None
            results[f"{condition.name}|no digit"] = {"refused": refused / blanks}
    return results


def print_table(results: dict, before: dict | None) -> None:
    clean = results["clean photo|"]["accuracy"]
    clean_before = before["clean photo|"]["accuracy"] if before else None
    header = f"| condition | strength | {'before | ratio | ' if before else ''}now | ratio to clean | refused |"
    print(header)
    print("|---|---|" + ("--:|--:|" if before else "") + "--:|--:|--:|")
    for key, values in results.items():
        name, strength = key.split("|")
        if strength == "no digit":
            continue
        earlier = ""
        if before and key in before:
            was = before[key]["accuracy"]
            earlier = f"{was:.1%} | {was / clean_before:.2f} | "
        print(
            f"| {name} | {strength} | {earlier}{values['accuracy']:.1%} | {values['accuracy'] / clean:.2f} | "
            f"{values['refused']:.0%} |"
        )
    print()
    print("| photos without a digit | " + ("refused before | " if before else "") + "refused now |")
    print("|---|" + ("--:|" if before else "") + "--:|")
    for key, values in results.items():
        name, strength = key.split("|")
        if strength == "no digit":
            earlier = f"{before[key]['refused']:.0%} | " if before and key in before else ""
            print(f"| {name} | {earlier}{values['refused']:.0%} |")


# ----- what each step of photo_ink buys: the same photos with one step left out --------------------------------


@contextmanager
def without_step(step: str) -> Iterator[None]:
    """Leave one step of `photo_ink.photo_to_ink` out (replaced by the simplest thing in its place)."""
    from mnist_helpers import photo_ink

    names = ("_paper", "_lines", "_digit", "NOISY", "_ink", "_thinned", "_darker_than_around")
    saved = {name: getattr(photo_ink, name) for name in names}
    if step == "flattening":  # one paper level for the whole photo, as before
        photo_ink._paper = lambda grey, window: np.full_like(grey, np.percentile(grey, 95))
    elif step == "line removal":
        photo_ink._lines = lambda ink, axis: np.zeros_like(ink)
    elif step == "choosing the digit":  # every stroke is the digit
        photo_ink._digit = lambda strokes, grey: strokes if strokes.any() else saved["_digit"](strokes, grey)
    elif step == "smoothing noise":
        photo_ink.NOISY = float("inf")
    elif step == "thinning bold strokes":
        photo_ink._thinned = lambda digit: digit
    elif step == "darker than around":
        photo_ink._darker_than_around = lambda *args: True
    elif step == "faint edges (hysteresis)":  # one level: the strong one

        def strong_only(flattened: np.ndarray, bare: np.ndarray, noise: np.ndarray) -> tuple[np.ndarray, float]:
            ink, faint = saved["_ink"](flattened, bare, noise)
            strong = np.maximum(bare + photo_ink.NOISE_SIGMAS[1] * noise, 2 * photo_ink.MIN_CONTRAST)
            return ink & (flattened > strong), faint

        photo_ink._ink = strong_only
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(photo_ink, name, value)


STEPS = [
    "flattening",
    "smoothing noise",
    "faint edges (hysteresis)",
    "line removal",
    "choosing the digit",
    "darker than around",
    "thinning bold strokes",
]


# ----- file formats: EXIF orientation, transparency -------------------------------------------------------------


def random_photo(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The digit scaled 3-8x, dark on light, at a random place on a 280x280 sheet."""
    side = round(28 * rng.uniform(3, 8))
    top, left = rng.integers(0, 280 - side + 1, size=2)
    return draw_digit_on_canvas(digit, side, int(top), int(left), solid=False, as_rgba=False)


def upright_jpeg(photo: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def exif_rotated_jpeg(photo: np.ndarray) -> bytes:
    """Pixels stored turned 90 degrees anticlockwise; EXIF orientation 6 tells a viewer to turn them back."""
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    buffer = io.BytesIO()
    Image.fromarray(photo).transpose(Image.Transpose.ROTATE_90).save(buffer, format="JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def png_with_transparent_corners(photo: np.ndarray) -> bytes:
    rgba = np.dstack([photo, np.full(photo.shape[:2], 255, np.uint8)])
    for rows in (slice(0, CORNER), slice(-CORNER, None)):
        for columns in (slice(0, CORNER), slice(-CORNER, None)):
            rgba[rows, columns] = 0
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")
    return buffer.getvalue()


def measure_files(model, digits: np.ndarray, labels: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    photos = [random_photo(digit, rng) for digit in digits]
    print(f"{len(digits)} MNIST test digits as photos (dark ink on light paper, 280x280), read by lesson 04's network")
    print(f"{'original 28x28 test digits':<44} {dense_accuracy(model, digits / 255.0, labels):6.1%}")
    for name, save in [
        ("upright JPEG", upright_jpeg),
        ("JPEG turned 90 degrees, EXIF orientation 6", exif_rotated_jpeg),
        ("PNG with transparent 20x20 corners", png_with_transparent_corners),
    ]:
        inputs = [read_like_the_pad(save(photo), "photo") for photo in photos]
        failures = sum(model_input is None for model_input in inputs)
        images = np.stack([np.zeros((28, 28), np.float32) if x is None else x for x in inputs])
        correct = dense_accuracy(model, images, labels)
        print(f"{name:<44} {correct:6.1%}" + (f"  ({failures} could not be read)" if failures else ""))


def measure_latency(model, digits: np.ndarray, runs: int) -> None:
    """Milliseconds from the upload's data URL to the answer, median of ``runs``: decoding and preprocessing, then
    with the model's prediction, then everything the pad does (including drawing its two figures)."""
    import base64

    from mnist_helpers.drawing_pad import DrawingPad

    try:
        from mnist_helpers.digit_reading import image_from_data_url, predict_digit
    except ImportError:  # the package before digit_reading.py existed: for a "before" measurement
        from mnist_helpers.drawing_pad import image_from_photo_data_url, predict_digit

        def image_from_data_url(url: str, source: str, formats: tuple[str, ...], max_side: int) -> np.ndarray:
            return image_from_photo_data_url(url, source)

    rng = np.random.default_rng(0)
    photos = [_photo(digit, rng, after=_with_light(lambda sh, r: hand_shadow(0.45, r, sh.digit_box), rng))
              for digit in digits[:10]]  # fmt: skip
    urls = ["data:image/jpeg;base64," + base64.b64encode(content).decode() for content in photos]
    pad = DrawingPad(model)

    def preprocess(url: str) -> None:
        to_mnist_format(image_from_data_url(url, "photo.jpg", ("png", "jpeg"), max_side=512))

    def predict(url: str) -> None:
        predict_digit(model, image_from_data_url(url, "photo.jpg", ("png", "jpeg"), max_side=512))

    def whole_pad(url: str) -> None:
        pad.predict_photo({"name": "photo.jpg", "data_url": url, "width": WIDTH, "height": HEIGHT, "serial": 1})

    print(f"latency of a {WIDTH}x{HEIGHT} JPEG photo (a hand shadow across the digit), median of {runs} runs:")
    for name, step in [("decode + preprocess", preprocess), ("+ model.predict", predict), ("the whole pad", whole_pad)]:
        for url in urls[:2]:
            step(url)  # warm up
        seconds = []
        for run in range(runs):
            started = time.perf_counter()
            step(urls[run % len(urls)])
            seconds.append(time.perf_counter() - started)
        quartiles = np.percentile(seconds, [25, 50, 75]) * 1000
        print(f"  {name:<22} {quartiles[1]:6.1f} ms  (quartiles {quartiles[0]:.1f}-{quartiles[2]:.1f} ms)")
    print(f"load average {load_average()}")


def measure_steps(model, digits: np.ndarray, labels: np.ndarray, blanks: int) -> None:
    """Each condition at its hardest strength, with every step of `photo_ink` and with one step left out."""
    print(f"{len(digits)} digits, each condition at its hardest strength; load average {load_average()}")
    columns = {"all steps": measure(model, digits, labels, blanks, hardest_only=True, quiet=True)}
    for step in STEPS:
        with without_step(step):
            columns[f"without {step}"] = measure(model, digits, labels, blanks, hardest_only=True, quiet=True)
        print(f"  measured without {step}", flush=True)
    print("| condition | " + " | ".join(columns) + " |")
    print("|---|" + "--:|" * len(columns))
    for key in columns["all steps"]:
        name, strength = key.split("|")
        if strength == "no digit":
            cells = [f"{column[key]['refused']:.0%} refused" for column in columns.values()]
        else:
            cells = [f"{column[key]['accuracy']:.1%}" for column in columns.values()]
        print(f"| {name}{', ' + strength if strength and strength != 'no digit' else ''}"
              f"{' (no digit)' if strength == 'no digit' else ''} | " + " | ".join(cells) + " |")  # fmt: skip
    print(f"load average at the end {load_average()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=300, help="how many test digits (default 300)")
    parser.add_argument("--blanks", type=int, default=50, help="photos without a digit per condition (default 50)")
    parser.add_argument("--save", type=Path, help="write the results to this JSON file")
    parser.add_argument("--before", type=Path, help="a JSON file of an earlier run, shown beside this one")
    parser.add_argument(
        "--steps", action="store_true", help="measure each step of photo_ink instead: left out, hardest strengths only"
    )
    parser.add_argument("--files", action="store_true", help="measure file formats (EXIF, transparency) instead")
    parser.add_argument("--latency", type=int, metavar="RUNS", help="measure the pad's latency instead, RUNS times")
    args = parser.parse_args()

    model, digits, labels = original_model_and_test_digits(args.limit)
    if args.files:
        measure_files(model, digits, labels)
        return
    if args.latency:
        measure_latency(model, digits, args.latency)
        return
    if args.steps:
        measure_steps(model, digits, labels, args.blanks)
        return
    print(f"{len(digits)} MNIST test digits photographed under each condition; load average {load_average()}")
    print(f"original 28x28 test digits: {dense_accuracy(model, digits / 255.0, labels):.1%}")
    results = measure(model, digits, labels, args.blanks)
    if args.save:
        write_atomically(args.save, json.dumps(results, indent=1))
    before = json.loads(args.before.read_text()) if args.before else None
    print()
    print_table(results, before)
    print(f"\nload average at the end {load_average()}")


if __name__ == "__main__":
    main()
