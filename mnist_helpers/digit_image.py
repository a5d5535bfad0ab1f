"""Turn a learner's own digit (a drawing, a photo, a scan) into what an MNIST model expects.

MNIST's digits were not just shrunk to 28x28. Each was cropped to its ink, scaled to fit a
20x20 box keeping its aspect ratio (with anti-aliasing, which makes the grey edges), and
pasted into a 28x28 field so that its centre of mass sits at the centre. The ink is white
(1.0) on black (0.0). A model trained on MNIST has only ever seen digits made that way, so
`to_mnist_format` repeats those steps; `preprocessing_steps` returns each intermediate
picture, for the lesson that explains them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image, UnidentifiedImageError
from scipy import ndimage

MNIST_SIZE = 28
DIGIT_BOX = 20  # MNIST scaled every digit to fit a 20x20 box...
MNIST_CENTRE = (14.0, 14.0)  # ...and put its centre of mass here (row, column): MNIST's mean is (13.99, 14.00)
INK_THRESHOLD = 0.1  # fainter than 10 % of full ink counts as paper (sensor noise, paper texture)

InkColour = Literal["auto", "dark", "light"]


class EmptyDrawingError(ValueError):
    """The image has no ink: there is no digit to read."""


@dataclass(frozen=True)
class PreprocessingSteps:
    """Every stage of `to_mnist_format`, each as float32 ink in [0, 1] (1 = ink), for pictures in the lesson."""

    ink: np.ndarray  # the whole image as ink, at its own size
    cropped: np.ndarray  # cut to the bounding box of the ink
    scaled: np.ndarray  # resized to fit a 20x20 box, aspect ratio kept
    centred: np.ndarray  # pasted into 28x28 with the centre of mass at (14, 14): the model's input
    inverted: bool  # True when the image was dark ink on light paper (a photo or scan) and was inverted


def to_mnist_format(image: object, ink: InkColour = "auto") -> np.ndarray:
    """Return ``image`` as an MNIST-style float32 (28, 28) array in [0, 1]: white ink on black, centred.

    ``image`` is a PIL image or a NumPy array: RGBA (a drawing canvas: the ink is in the alpha
    channel), RGB or greyscale (a photo or scan), or a plain 2-D array. ``ink`` says which way round
    the picture is: "dark" (dark ink on light paper: inverted), "light" (light ink on dark), or
    "auto" (most of a picture is paper, so a bright picture is taken as dark ink on light paper).
    Raises `EmptyDrawingError` if there is no ink, `TypeError`/`ValueError` for images it cannot read.
    """
    return preprocessing_steps(image, ink=ink).centred


def preprocessing_steps(image: object, ink: InkColour = "auto") -> PreprocessingSteps:
    """Like `to_mnist_format`, but return every intermediate image (see `PreprocessingSteps`)."""
    ink_image, inverted = image_to_ink(image, ink=ink)
    cropped = crop_to_ink(ink_image)
    scaled = scale_to_box(cropped)
    centred = centre_by_mass(scaled)
    return PreprocessingSteps(ink=ink_image, cropped=cropped, scaled=scaled, centred=centred, inverted=inverted)


def image_to_ink(image: object, ink: InkColour = "auto") -> tuple[np.ndarray, bool]:
    """Return ``(ink, inverted)``: a float32 2-D array, 1 where the ink is strongest and 0 for paper.

    Transparency wins: if an RGBA image is not fully opaque, its alpha channel is the ink (that is
    how a drawing canvas stores strokes). Otherwise colours become grey, dark-on-light pictures are
    inverted, and the contrast is stretched so the paper is 0 and the strongest ink 1.
    """
    if ink not in ("auto", "dark", "light"):
        raise ValueError(f"ink={ink!r}: use 'auto', 'dark' (dark ink on light paper) or 'light' (light ink on dark).")
    array = _as_float_array(image)
    if array.ndim == 3:
        channels = array.shape[2]
        if channels in (2, 4) and array[..., -1].min() < 1.0:
            return _zero_faint(array[..., -1]), False  # ink in the alpha channel
        colour = array[..., : 3 if channels >= 3 else 1]
        grey = colour @ np.array([0.299, 0.587, 0.114], dtype=np.float32) if channels >= 3 else colour[..., 0]
    else:
        grey = array
    inverted = ink == "dark" or (ink == "auto" and float(np.median(grey)) > 0.5)
    if inverted:
        grey = 1.0 - grey
    return _stretch_contrast(grey), inverted


def crop_to_ink(ink: np.ndarray, threshold: float = INK_THRESHOLD) -> np.ndarray:
    """Cut the image down to the bounding box of the pixels with more ink than ``threshold``."""
    rows = np.flatnonzero((ink > threshold).any(axis=1))
    columns = np.flatnonzero((ink > threshold).any(axis=0))
    if rows.size == 0:
        raise EmptyDrawingError(
            f"No ink found: every pixel is below {threshold:.0%} of full ink. Draw a digit first "
            "(or, for a photo, use a darker pen and more light)."
        )
    return ink[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]


def scale_to_box(cropped: np.ndarray, box: int = DIGIT_BOX) -> np.ndarray:
    """Resize so the longer side is ``box`` pixels, keeping the aspect ratio (a "1" stays thin).

    Pillow's resize anti-aliases, so a thick stroke becomes a few pixels with grey edges, like MNIST's.
    """
    height, width = cropped.shape
    scale = box / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))  # Pillow wants (width, height)
    resized = Image.fromarray(cropped.astype(np.float32)).resize(size, Image.Resampling.LANCZOS)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def centre_by_mass(digit: np.ndarray, size: int = MNIST_SIZE, centre: tuple[float, float] = MNIST_CENTRE) -> np.ndarray:
    """Paste ``digit`` into a ``size`` x ``size`` black field so its centre of mass lands on ``centre``.

    The shift is rounded to whole pixels (no extra blur) and kept inside the field.
    """
    height, width = digit.shape
    if height > size or width > size:
        raise ValueError(f"digit is {height}x{width}, larger than the {size}x{size} field: scale it first.")
    mass_row, mass_column = ndimage.center_of_mass(digit)
    top = int(np.clip(round(centre[0] - mass_row), 0, size - height))
    left = int(np.clip(round(centre[1] - mass_column), 0, size - width))
    field = np.zeros((size, size), dtype=np.float32)
    field[top : top + height, left : left + width] = digit
    return field


def enlarge_onto_canvas(
    digit: np.ndarray, rng: np.random.Generator, as_rgba: bool, size: int = 280, solid: bool = False
) -> np.ndarray:
    """Fake a learner's drawing from a 28x28 MNIST digit: scaled 3-8x, placed at a random spot on a big canvas.

    As RGBA: the ink in alpha, as the drawing pad sends it; otherwise RGB dark ink on light paper, as a photo.
    ``solid`` makes every pixel ink or paper, like a pen. Used to check ``to_mnist_format`` on real digits.
    """
    side = round(28 * rng.uniform(3, 8))
    if side > size:
        raise ValueError(
            f"a canvas of {size}x{size} is too small for a digit enlarged to {side}x{side}; use size >= 224."
        )
    big = np.asarray(Image.fromarray(digit).resize((side, side), Image.Resampling.BILINEAR))
    if solid:
        big = np.where(big > 127, 255, 0).astype(np.uint8)
    top, left = rng.integers(0, size - side + 1, size=2)
    ink = np.zeros((size, size), dtype=np.uint8)
    ink[top : top + side, left : left + side] = big
    if as_rgba:
        rgba = np.zeros((size, size, 4), dtype=np.uint8)
        rgba[..., 3] = ink
        return rgba
    return np.repeat((255 - ink)[..., None], 3, axis=2)


def read_image_bytes(data: bytes, source: str = "uploaded file") -> np.ndarray:
    """Decode PNG/JPEG (any format Pillow reads) bytes to a uint8 array: (h, w) grey, (h, w, 3) RGB or RGBA.

    Palette and other modes are converted, keeping transparency, so `to_mnist_format` can take the result.
    """
    try:
        with Image.open(io.BytesIO(bytes(data))) as opened:
            opened.load()
            picture = opened
    except (UnidentifiedImageError, OSError) as error:
        raise ValueError(
            f"{source}: not an image Pillow can read ({len(data)} bytes; {error}). Upload a PNG or JPEG file."
        ) from error
    return pil_to_array(picture)


def pil_to_array(picture: Image.Image) -> np.ndarray:
    """Return a PIL image's pixels as uint8: "L" stays 2-D, transparent images become RGBA, the rest RGB."""
    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        return np.asarray(picture.convert("RGBA"))
    if picture.mode == "L":
        return np.asarray(picture)
    if picture.mode in ("1", "I", "I;16", "F"):
        return np.asarray(picture.convert("L"))
    return np.asarray(picture.convert("RGB"))


def _as_float_array(image: object) -> np.ndarray:
    """Any supported image as float32 in [0, 1], shaped (h, w) or (h, w, channels)."""
    if isinstance(image, Image.Image):
        image = pil_to_array(image)
    if not isinstance(image, np.ndarray):
        raise TypeError(
            f"Expected a PIL image or a NumPy array, got {type(image).__name__}. "
            "Read a file with read_image_bytes(...) or PIL.Image.open(...) first."
        )
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (2, 3, 4))):
        raise ValueError(
            f"Image shape {image.shape} is not supported: use (height, width) for grey, "
            "(height, width, 3) for RGB or (height, width, 4) for RGBA."
        )
    if min(image.shape[:2]) == 0:
        raise ValueError(f"Image shape {image.shape} has no pixels.")
    if image.dtype == np.bool_:
        return image.astype(np.float32)
    if np.issubdtype(image.dtype, np.integer):
        low, high = int(image.min()), int(image.max())
        if low < 0 or high > 255:
            raise ValueError(f"Integer pixels must be 0-255, found {low} to {high}. Scale them to 0-255 (uint8).")
        return image.astype(np.float32) / 255.0
    if np.issubdtype(image.dtype, np.floating):
        if not np.isfinite(image).all():
            raise ValueError("Image has NaN or infinite pixels.")
        low, high = float(image.min()), float(image.max())
        if low < 0.0 or high > 1.0:
            raise ValueError(
                f"Float pixels must be in 0-1, found {low:g} to {high:g}. For 0-255 values divide by 255 first."
            )
        return image.astype(np.float32)
    raise TypeError(f"Pixel type {image.dtype} is not supported: use uint8 (0-255) or float (0-1).")


def _zero_faint(ink: np.ndarray, threshold: float = INK_THRESHOLD) -> np.ndarray:
    return np.where(ink > threshold, ink, 0.0).astype(np.float32)


def _stretch_contrast(ink: np.ndarray) -> np.ndarray:
    """Map the paper (the median: most of a picture is paper) to 0 and the strongest ink to 1."""
    paper = float(np.median(ink))
    strongest = float(ink.max())
    if strongest - paper < INK_THRESHOLD:  # flat picture: nothing stands out from the paper
        return np.zeros_like(ink, dtype=np.float32)
    return _zero_faint(np.clip((ink - paper) / (strongest - paper), 0.0, 1.0))
