"""Turn a learner's own digit (a drawing, a photo, a scan) into what an MNIST model expects.

MNIST's digits were not just shrunk to 28x28. Each was cropped to its ink, scaled to fit a
20x20 box keeping its aspect ratio (with anti-aliasing, which makes the grey edges), and
pasted into a 28x28 field so that its centre of mass sits at the centre. The ink is white
(1.0) on black (0.0). A model trained on MNIST has only ever seen digits made that way, so
`to_mnist_format` repeats those steps; `preprocessing_steps` returns each intermediate
picture, for the lesson that explains them.

Two ways in: a drawing (strokes on transparent paper: the alpha channel is the ink, as it is),
and everything else, read as a photo of paper by `photo_ink.photo_to_ink` (shadows, lines,
specks and the table around the sheet are taken out first). Reading picture files is here too.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from scipy import ndimage

from mnist_helpers.photo_ink import NoDigitFoundError, PhotoSteps, photo_to_ink

MNIST_SIZE = 28
DIGIT_BOX = 20  # MNIST scaled every digit to fit a 20x20 box...
MNIST_CENTRE = (14.0, 14.0)  # ...and put its centre of mass here (row, column): MNIST's mean is (13.99, 14.00)
INK_THRESHOLD = 0.1  # fainter than 10 % of full ink counts as paper (sensor noise, paper texture)
MAX_UPLOAD_PIXELS = 40_000_000  # decoded at most; larger JPEGs are decoded at 1/2, 1/4 or 1/8 size, others refused
WORKING_SIDE = 2048  # a picture is shrunk to at most this many pixels a side before it becomes float ink
MAX_ANIMATION_PIXELS = 100_000_000  # an animation is searched for its first frame with ink up to this many pixels
DRAWING_COLOUR_SPREAD = 0.1  # a drawing's strokes are one colour: their greys differ by less than this

InkColour = Literal["auto", "dark", "light"]


class EmptyDrawingError(ValueError):
    """The image has no ink: there is no digit to read."""


class ImageReadError(ValueError):
    """A file or canvas picture could not be decoded: not an image, damaged, or too large. The message says which."""


@dataclass(frozen=True)
class PreprocessingSteps:
    """Every stage of `to_mnist_format`, each as float32 ink in [0, 1] (1 = ink), for pictures in the lesson."""

    ink: np.ndarray  # the whole image as ink (a photo: its digit alone, at most 512 pixels a side)
    cropped: np.ndarray  # cut to the bounding box of the ink
    scaled: np.ndarray  # resized to fit a 20x20 box, aspect ratio kept
    centred: np.ndarray  # pasted into 28x28 with the centre of mass at (14, 14): the model's input
    inverted: bool  # True when the image was dark ink on light paper (a photo or scan) and was inverted
    photo: PhotoSteps | None = None  # how the digit was found in a photo, step by step (None for a drawing)


def to_mnist_format(image: object, ink: InkColour = "auto") -> np.ndarray:
    """Return ``image`` as an MNIST-style float32 (28, 28) array in [0, 1]: white ink on black, centred.

    ``image`` is a PIL image or a NumPy array: RGBA (a drawing canvas: the ink is in the alpha
    channel), RGB or greyscale (a photo or scan), or a plain 2-D array. ``ink`` says which way round
    the picture is: "dark" (dark ink on light paper: inverted), "light" (light ink on dark), or
    "auto" (ink is made of thin strokes: `photo_ink.ink_is_dark` sees which way round they stand out).
    A drawing's ink is always its alpha channel. Raises `EmptyDrawingError` if there is no ink (or, in a
    photo, no digit), `TypeError`/`ValueError` for images it cannot read.
    """
    return preprocessing_steps(image, ink=ink).centred


def preprocessing_steps(image: object, ink: InkColour = "auto") -> PreprocessingSteps:
    """Like `to_mnist_format`, but return every intermediate image (see `PreprocessingSteps`)."""
    ink_image, inverted, photo = image_to_ink(image, ink=ink)
    cropped = crop_to_ink(ink_image)
    scaled = scale_to_box(cropped)
    centred = centre_by_mass(scaled)
    return PreprocessingSteps(ink_image, cropped, scaled, centred, inverted, photo)


def image_to_ink(image: object, ink: InkColour = "auto") -> tuple[np.ndarray, bool, PhotoSteps | None]:
    """Return ``(ink, inverted, photo)``: float32 ink (1 strongest, 0 paper), whether it was inverted, and the
    photo's steps.

    A drawing (`is_drawing`) is its alpha channel, whatever it covers. Anything else is put on white paper, made
    grey and read as a photo by `photo_to_ink` (which also tells dark ink on light paper from light ink on dark).
    """
    if ink not in ("auto", "dark", "light"):
        raise ValueError(f"ink={ink!r}: use 'auto', 'dark' (dark ink on light paper) or 'light' (light ink on dark).")
    array = _as_float_array(image)
    if is_drawing(array):
        return _zero_faint(array[..., -1]), False, None
    try:
        photo = photo_to_ink(_grey_on_white(array), ink=ink)
    except NoDigitFoundError as error:
        raise EmptyDrawingError(
            f"No ink found: {error}, so there is no digit to read (shadows, ruled lines and specks are left out). "
            "Draw a digit first; for a photo, write it large with a dark pen and take the photo in good light."
        ) from error
    return photo.result, photo.dark_ink, photo


def is_drawing(image: np.ndarray) -> bool:
    """Whether ``image`` (floats in 0-1) is strokes on transparent paper, as a drawing canvas makes them.

    An image with an alpha channel is a drawing when most of it is transparent, or when some of it is and all
    its visible pixels have one colour (the pen's), however much they cover. A photo with a few transparent
    pixels (cut-out corners) has many colours: it is read as a photo.
    """
    if image.ndim != 3 or image.shape[2] not in (2, 4):
        return False
    alpha = image[..., -1]
    transparent = float(np.mean(alpha < 0.5))
    if transparent >= 0.5:
        return True
    if transparent == 0.0:
        return False
    greys = image[..., :-1][alpha >= 0.5].mean(axis=1)
    return float(np.percentile(greys, 99) - np.percentile(greys, 1)) < DRAWING_COLOUR_SPREAD


def _grey_on_white(array: np.ndarray) -> np.ndarray:
    """The picture in grey (0 black, 1 white), with anything transparent put on white paper."""
    if array.ndim == 2:
        return array
    channels = array.shape[2]
    if channels in (2, 4):
        alpha = array[..., -1:]
        array = array[..., :-1] * alpha + (1.0 - alpha)
        channels -= 1
    if channels >= 3:
        return array[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return array[..., 0]


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


def draw_digit_on_canvas(
    digit: np.ndarray,
    side: int,
    top: int,
    left: int,
    canvas_size: int = 280,
    solid: bool = True,
    as_rgba: bool = True,
) -> np.ndarray:
    """A pretend drawing: a 28x28 MNIST digit blown up to ``side`` x ``side`` and put at (``top``, ``left``)
    on a ``canvas_size`` x ``canvas_size`` canvas.

    ``solid`` (the default) makes every pixel ink or paper, like a pen. As RGBA (the default) the ink is in the
    alpha channel, black on transparent, exactly as the drawing pad sends it; otherwise RGB dark ink on light
    paper, like a photo. Lesson 10 uses it to try its preprocessing without a mouse.
    """
    if side < 1 or top < 0 or left < 0 or top + side > canvas_size or left + side > canvas_size:
        raise ValueError(
            f"a digit of {side}x{side} pixels at top={top}, left={left} does not fit on a canvas of "
            f"{canvas_size}x{canvas_size}: make it smaller, move it, or use a bigger canvas_size."
        )
    big = np.asarray(Image.fromarray(digit).resize((side, side), Image.Resampling.BILINEAR))
    if solid:
        big = np.where(big > 127, 255, 0).astype(np.uint8)
    ink = np.zeros((canvas_size, canvas_size), dtype=np.uint8)
    ink[top : top + side, left : left + side] = big
    if as_rgba:
        rgba = np.zeros((canvas_size, canvas_size, 4), dtype=np.uint8)
        rgba[..., 3] = ink
        return rgba
    return np.repeat((255 - ink)[..., None], 3, axis=2)


def read_image_bytes(data: bytes, source: str = "uploaded file") -> np.ndarray:
    """Decode image bytes (PNG, JPEG, GIF, TIFF... any format Pillow reads) to a uint8 array.

    The result is (h, w) grey, (h, w, 3) RGB or (h, w, 4) RGBA, turned upright as the camera's EXIF
    orientation says, with 16-bit and float pixels scaled by their range, and at most `WORKING_SIDE`
    pixels a side. The size is checked from the file's header before anything is decoded: a JPEG larger
    than `MAX_UPLOAD_PIXELS` is decoded at a reduced scale, any other such picture is refused. Of an
    animated picture, the first frame that shows anything is read. Every failure raises `ImageReadError`, its
    message starting with ``source``.
    """
    data = bytes(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # we check the size ourselves
            with Image.open(io.BytesIO(data)) as opened:
                _limit_pixels(opened, source)
                return _first_frame_with_ink(opened, source)
    except ImageReadError as error:
        if str(error).startswith(f"{source}:"):
            raise
        raise ImageReadError(f"{source}: {error}") from error
    except Exception as error:  # Pillow's plugins raise many types for damaged files: OSError, SyntaxError, ...
        raise ImageReadError(_decode_problem(error, source, len(data))) from error


def pil_to_array(picture: Image.Image) -> np.ndarray:
    """Return a PIL image's pixels as uint8: upright by EXIF, at most `WORKING_SIDE` a side.

    "L" stays 2-D, images with transparency become RGBA, the rest RGB; 16-bit and float pixels are
    scaled by their range (a 16-bit scan's 0-65535, a float image's 0-1) rather than clipped to 255.
    """
    picture = ImageOps.exif_transpose(picture)
    if picture.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
        picture = Image.fromarray(_scaled_to_uint8(np.asarray(picture), picture.mode))
    elif picture.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in picture.info:
        picture = picture.convert("RGBA")
    elif picture.mode != "L":
        picture = picture.convert("L" if picture.mode == "1" else "RGB")
    picture.thumbnail((WORKING_SIDE, WORKING_SIDE), Image.Resampling.LANCZOS)
    return np.asarray(picture)


def _limit_pixels(opened: Image.Image, source: str) -> None:
    """Refuse a picture over `MAX_UPLOAD_PIXELS` from its header alone; a JPEG is first decoded at a smaller scale."""
    width, height = opened.size
    if width * height > MAX_UPLOAD_PIXELS:
        scale = 2 ** math.ceil(math.log2(math.sqrt(width * height / MAX_UPLOAD_PIXELS)))
        if scale <= 8:  # JPEG decodes at 1/2, 1/4 or 1/8 size directly (Image.draft); other formats ignore it
            opened.draft(opened.mode, (math.ceil(width / scale), math.ceil(height / scale)))
    if opened.size[0] * opened.size[1] > MAX_UPLOAD_PIXELS:
        raise ImageReadError(_too_large(source, width * height))


def _too_large(source: str, pixels: int) -> str:
    return (
        f"{source}: the picture has {pixels / 1e6:,.0f} megapixels, more than the {MAX_UPLOAD_PIXELS / 1e6:.0f} "
        "megapixels this lesson reads. Crop it or save it smaller (a digit needs only a few hundred pixels a side), "
        "then try again."
    )


def _first_frame_with_ink(opened: Image.Image, source: str) -> np.ndarray:
    """The pixels of the first frame that shows anything (frame 1 if none does: the caller then says there is no ink).

    An animation is searched frame by frame, up to `MAX_ANIMATION_PIXELS` decoded pixels; one whose frames are
    still blank after that is refused, naming the file.
    """
    animated = getattr(opened, "is_animated", False)  # cheap: unlike n_frames, it does not scan every frame
    first, decoded, index = None, 0, 0
    while True:
        try:
            opened.seek(index)
        except EOFError:
            return first
        opened.load()
        pixels = pil_to_array(opened)
        if not animated or _shows_something(pixels):
            return pixels
        first = pixels if first is None else first
        decoded += opened.size[0] * opened.size[1]
        index += 1
        if decoded >= MAX_ANIMATION_PIXELS:
            raise ImageReadError(
                f"{source}: the first {index} frames of this animation are blank, and this lesson searches no "
                "further. Save the frame with your digit as a PNG or JPEG and upload that."
            )


def _shows_something(pixels: np.ndarray) -> bool:
    """Whether a frame is more than one flat colour (by more than `INK_THRESHOLD`), counting transparency."""
    values = pixels.reshape(-1, pixels.shape[2]) if pixels.ndim == 3 else pixels.reshape(-1, 1)
    if values.shape[1] in (2, 4):  # transparent pixels' colours are invisible: compare the visible ones
        visible = values[values[:, -1] >= 128]
        alpha = values[:, -1]
        if int(alpha.max()) - int(alpha.min()) > 255 * INK_THRESHOLD:
            return True
        values = visible[:, :-1] if len(visible) else values[:0, :-1]
        if len(values) == 0:
            return False
    spread = values.max(axis=0).astype(np.int16) - values.min(axis=0)
    return int(spread.max()) > 255 * INK_THRESHOLD


def _decode_problem(error: Exception, source: str, size: int) -> str:
    """A learner's explanation of why Pillow could not decode a picture."""
    if isinstance(error, Image.DecompressionBombError):
        found = re.search(r"\((\d+) pixels\)", str(error))
        return _too_large(source, int(found.group(1))) if found else f"{source}: the picture is far too large. {error}"
    if isinstance(error, UnidentifiedImageError):
        return (
            f"{source}: not an image this lesson can read ({size:,} bytes, not in a picture format Pillow knows). "
            "Upload a PNG or JPEG photo, scan or drawing of your digit."
        )
    if isinstance(error, MemoryError):
        return f"{source}: not enough memory to decode this picture. Save it smaller and try again."
    return (
        f"{source}: the picture is damaged or incomplete ({type(error).__name__}: {error}). "
        "Save or export it again (as PNG or JPEG) and upload the new file."
    )


def _scaled_to_uint8(values: np.ndarray, mode: str) -> np.ndarray:
    """16-bit, 32-bit and float pixels to 0-255 by their range: 16-bit by 65535, float by 0-1 (or 0-255)."""
    values = values.astype(np.float64)
    if not np.isfinite(values).all():
        raise ImageReadError("this picture has NaN or infinite pixel values: it is not a photo or drawing of a digit.")
    low, high = float(values.min()), float(values.max())
    if mode.startswith("I;16"):
        top = 65535.0
    elif low >= 0.0 and high <= (1.0 if mode == "F" else 255.0):
        top = 1.0 if mode == "F" else 255.0
    elif low >= 0.0 and high <= (255.0 if mode == "F" else 65535.0):
        top = 255.0 if mode == "F" else 65535.0
    else:  # an unusual range (negative, or beyond 16 bits): stretch what is there
        values, top = values - low, max(high - low, 1.0)
    return np.round(np.clip(values / top, 0.0, 1.0) * 255.0).astype(np.uint8)


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
