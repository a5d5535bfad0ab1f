"""Find the digit in a photo of paper the way document scanners do, before MNIST's own steps.

MNIST's digits were scanned from clean forms: white paper, even light, nothing on the page but the digit. A phone
photo has shadows, uneven light, ruled or squared paper, specks and a table around the sheet, and read with one
global ink level all of that becomes "ink". `photo_to_ink` takes it apart in steps, each a picture (`PhotoSteps`):

0. a photo is read at most 512 pixels a side; a noisy one is smoothed a little; light ink on dark (an
   MNIST-style picture) is turned round;
1. the paper: its brightness everywhere without the ink (a grey closing: the ink is narrower than the window, which
   grows if the strokes are wider), so light falling off across the page and shadows are measured, not read;
2. flattened: each pixel's darkness relative to its own paper, so ink in a shadow is as dark as ink in the light;
3. ink: what stands out from the paper more than the photo's own noise (two levels: strong ink, and the faint edges
   and pencil strokes connected to it);
4. lines: long, thin horizontal or vertical runs that cross the photo (ruled or squared paper) are taken out, and a
   stroke they cut is joined again;
5. the digit: the largest group of strokes near the centre, with the parts that belong to it (a 5's detached bar);
   specks, shadows taken for ink (nothing darker than the paper around them), and whatever runs along the photo's
   edge (a table beside the sheet, the sheet's edge) are left out;
6. the result: the digit's ink, with strokes bolder than MNIST's boldest usual ones pared down.

A picture smaller than 64 pixels a side is a digit image already: only step 3 applies to it.

Only `scipy.ndimage` and NumPy: every step is a standard filter (closing, 1-D minimum/maximum filters, labelling).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image
from scipy import ndimage

WORK_SIDE = 512  # a photo is read at most this many pixels a side: the size the drawing pad's upload sends
SMALL_PICTURE = 64  # a picture under this many pixels a side is a digit image, not a photo: read as it is
PAPER_WINDOW = 1 / 5  # the paper is measured over windows this fraction of the shorter side: wider than any stroke
DARKEST_SHADOW = 0.35  # relative to the lit paper: deeper shadows are lifted only this far (their noise would grow)
NOISE_SIGMAS = (4.0, 8.0)  # faint ink and strong ink: darker than bare paper by this many times its noise
STRONG_FRACTION = 0.4  # strong ink is also at least this fraction of the photo's darkest ink
NOISY = 0.01  # a photo whose pixel noise (standard deviation, 0-1 scale) is above this is smoothed first
FAINTEST = 0.1  # in the digit's picture, ink fainter than a tenth of its full ink counts as paper (JPEG's halos)
MIN_CONTRAST = 0.06  # ink darker than its paper by less than 6 % is not ink, however clean the photo
LINE_LENGTH = 0.2  # a ruled line runs unbroken over at least this fraction of the photo's width...
LINE_SPAN = 0.5  # ...and crosses at least this fraction of it
EDGE_CONTACT = 0.3  # a shape that runs along this fraction of one edge of the photo lies beside the paper
SPECK_SIZE = 0.08  # a blob (not strokes) smaller than this fraction of the shorter side is a speck, not a digit
PART_SIZE = 0.05  # a separate stroke joins the digit if it has at least this fraction of the digit's area...
PART_REACH = 0.25  # ...and lies within this fraction of the digit's size from it
RING = 6  # ink is darker than the paper this many pixels around it
HOLLOW_PICTURE = 0.5  # unfound pixels as dark as the ink, over found ones: above this in the picture...
HOLLOW_BOX = 0.2  # ...or in the ink's box (a normal photo's stay under 0.05), the window was too narrow
BOLDEST_STROKE = 0.2  # strokes wider than this fraction of the digit's size are thinned (9 in 10 of MNIST's are not)


class NoDigitFoundError(ValueError):
    """The photo has no digit: nothing but paper, shadows, lines or specks."""


@dataclass(frozen=True)
class PhotoSteps:
    """Each step of `photo_to_ink` as a picture at the working size (see the module's docstring)."""

    grey: np.ndarray  # the photo in grey, 0 black to 1 white, as dark ink on light paper
    paper: np.ndarray  # 1. the paper's brightness without the ink
    flattened: np.ndarray  # 2. darkness relative to the paper: 0 paper, 1 black
    ink: np.ndarray  # 3. bool: what stands out from the paper
    lines: np.ndarray  # 4. bool: the ruled or grid lines taken out
    digit: np.ndarray  # 5. bool: the strokes kept as the digit
    result: np.ndarray  # 6. float32 ink in [0, 1] within the digit's strokes: what MNIST's steps get
    dark_ink: bool  # the picture was dark ink on light paper (as taken); else light ink on dark, flipped in grey


def photo_to_ink(picture: np.ndarray, ink: Literal["auto", "dark", "light"] = "auto") -> PhotoSteps:
    """Find the digit in ``picture`` (grey floats, 0 black to 1 white) and return every step.

    ``ink`` is "dark" (dark ink on light paper), "light" (light ink on dark) or "auto" (`ink_is_dark` decides).
    Raises `NoDigitFoundError` when nothing on the paper looks like a digit.
    """
    grey = _working_size(np.asarray(picture, dtype=np.float32))
    photo = min(grey.shape) >= SMALL_PICTURE  # a smaller picture is a digit already (an MNIST-sized image)
    if photo and _noise(grey) > NOISY:  # a camera's sensor noise is smoothed away; a clean picture stays sharp
        grey = ndimage.gaussian_filter(grey, sigma=max(1.0, min(grey.shape) / 384))
    dark = ink == "dark" or (ink == "auto" and ink_is_dark(grey))
    if not dark:
        grey = 1.0 - grey
    window = _window(grey.shape)
    while True:
        paper = _paper(grey, window) if photo else np.full_like(grey, np.percentile(grey, 99))
        flattened, bare, noise = _flattened(grey, paper)
        found, faint = _ink(flattened, bare, noise)
        if not photo or window >= min(grey.shape) or not _hollow(grey, found):
            break
        window = min(2 * window + 1, min(grey.shape) | 1)  # strokes wider than the window: measure again
    lines = (_lines(found, axis=1) | _lines(found, axis=0)) if photo else np.zeros_like(found)
    strokes = _rejoin_cut_strokes(found & ~lines, lines)
    if photo:
        digit = _digit(strokes, grey)
    elif strokes.any():
        digit = strokes
    else:
        raise NoDigitFoundError("nothing in the picture stands out from its background")
    result = _result(flattened, _thinned(digit) if photo else digit, faint)
    return PhotoSteps(grey, paper, flattened, found, lines, digit, result, dark)


def _working_size(grey: np.ndarray) -> np.ndarray:
    height, width = grey.shape
    scale = WORK_SIDE / max(height, width)
    if scale >= 1:
        return grey
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(grey).resize(size, Image.Resampling.BOX), dtype=np.float32)


def _noise(grey: np.ndarray) -> float:
    """The pixel noise (a standard deviation): how far pixels stray from their neighbourhood's average, robustly
    (the median), so the few pixels at the ink's edges count little. A JPEG's blotchy noise counts too."""
    sample = _sample(grey)  # every other pixel: a quarter of the work, the same noise
    stray = sample - ndimage.gaussian_filter(sample, 1.0)
    return 1.4826 * float(np.median(np.abs(stray - np.median(stray))))


def _sample(picture: np.ndarray) -> np.ndarray:
    """Every other pixel of a photo, each way: enough for its medians and percentiles, four times faster."""
    return picture[::2, ::2] if min(picture.shape) >= SMALL_PICTURE else picture


def ink_is_dark(grey: np.ndarray) -> bool:
    """Whether ``grey`` is dark ink on light paper (a photo, a scan) rather than light ink on dark (an MNIST-style
    picture, a blackboard). The paper fills a picture's border, so the ink is light only when nearly the whole
    border (90 % of its pixels) is darker than the middle between the darkest and the lightest pixels. A shadow,
    however large, leaves some of the border lit."""
    band = max(1, min(grey.shape) // 20)
    border = np.concatenate(
        [grey[:band].ravel(), grey[-band:].ravel(), grey[:, :band].ravel(), grey[:, -band:].ravel()]
    )
    darkest, lightest = np.percentile(_sample(grey), [1, 99])
    if lightest - darkest < MIN_CONTRAST:  # a flat picture (blank paper, a JPEG's blotches): nothing to turn round
        return True
    return float(np.percentile(border, 90)) > (darkest + lightest) / 2


def _hollow(grey: np.ndarray, found: np.ndarray) -> bool:
    """Whether the ink found is only the rims of strokes wider than the paper's window: much of the picture, or
    of the box around the ink found, is as dark as the darker quarter of that ink, yet was not found (the closing
    kept it as paper). A bold digit's unfound cores lie inside its box; a dark table beside the paper need not."""
    if not found.any():
        return False
    dark = grey <= float(np.percentile(grey[found], 25))

    def unfound_over_found(region: tuple[slice, ...]) -> float:
        return int((dark[region] & ~found[region]).sum()) / int((dark[region] & found[region]).sum())

    rows, columns = np.flatnonzero(found.any(axis=1)), np.flatnonzero(found.any(axis=0))
    box = slice(rows[0], rows[-1] + 1), slice(columns[0], columns[-1] + 1)
    return unfound_over_found(np.s_[:, :]) > HOLLOW_PICTURE or unfound_over_found(box) > HOLLOW_BOX


def _window(shape: tuple[int, ...]) -> int:
    """The side of the window the paper is measured over: `PAPER_WINDOW` of the shorter side, odd."""
    return max(3, round(min(shape) * PAPER_WINDOW)) | 1


def _paper(grey: np.ndarray, window: int) -> np.ndarray:
    """The paper without the ink: a grey closing (largest, then smallest value in a ``window`` x ``window``
    square) removes every dark shape narrower than the window and keeps gentle light changes and the edge of a
    shadow or a table. Beyond the photo's edge the picture is mirrored, but never lighter than the edge itself,
    so that light falling off towards an edge or a shadow leaving the photo is not taken for ink."""
    margin = window // 2
    mirrored = np.pad(grey, margin, mode="reflect")
    edge = np.pad(grey, margin, mode="edge")
    outside = edge - np.abs(mirrored - edge)  # beyond the photo's edge: never lighter than the edge itself
    closed = ndimage.grey_closing(outside, size=(window, window))
    return closed[margin:-margin, margin:-margin]


def _flattened(grey: np.ndarray, paper: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How much darker than its own paper each pixel is, as a fraction of that paper's brightness; and, in the
    same units, how dark the bare paper itself comes out (the estimate sits on the noise's peaks) and how much
    that varies. Both are larger where the paper is darker: in a shadow the noise counts for more."""
    lit = float(np.percentile(_sample(paper), 95))
    brightness = np.maximum(paper, max(DARKEST_SHADOW * lit, 1e-3))  # a black picture has no paper to divide by
    below = paper - grey  # mostly bare paper: the ink is a small part of a photo
    level = float(np.median(_sample(below)))
    spread = 1.4826 * float(np.median(np.abs(_sample(below) - level)))
    darkness = np.clip(below / brightness, 0.0, 1.0).astype(np.float32)
    return darkness, (level / brightness).astype(np.float32), (spread / brightness).astype(np.float32)


def _ink(flattened: np.ndarray, bare: np.ndarray, noise: np.ndarray) -> tuple[np.ndarray, float]:
    """Ink, and the faint level: pixels above a faint level connected to pixels above a strong one (hysteresis),
    so the faint edges of a stroke stay and the paper's noise goes. Both levels rise with this photo's noise
    (``bare``: how dark bare paper comes out, ``noise``: how much that varies)."""
    darkest = float(np.percentile(_sample(flattened), 99.9))
    faint = np.maximum(bare + NOISE_SIGMAS[0] * noise, MIN_CONTRAST)
    strong = np.maximum(bare + NOISE_SIGMAS[1] * noise, max(STRONG_FRACTION * darkest, 2 * MIN_CONTRAST))
    candidates = flattened > faint
    labels, count = ndimage.label(candidates, structure=np.ones((3, 3)))
    typical_faint = float(np.median(_sample(faint)))
    if count == 0:
        return candidates, typical_faint
    has_strong = np.zeros(count + 1, dtype=bool)
    has_strong[np.unique(labels[flattened > strong])] = True
    has_strong[0] = False
    return has_strong[labels], typical_faint


def _lines(ink: np.ndarray, axis: int) -> np.ndarray:
    """Thin straight runs across the photo along ``axis`` (1: horizontal lines, 0: vertical ones), tilted a little.

    A run counts if it is unbroken over `LINE_LENGTH` of the photo (within a pixel up or down, so a slightly tilted
    line still counts), thinner than a pen stroke, and crosses `LINE_SPAN` of the photo or leaves it.
    """
    across = 1 - axis
    length = ink.shape[axis]
    run = max(9, round(length * LINE_LENGTH))
    widened = ndimage.maximum_filter1d(ink.view(np.uint8), 3, axis=across)
    if widened.sum(axis=axis).max() < run:  # no row (or column) holds that much ink: no line to look for
        return np.zeros_like(ink)
    long_runs = _opening1d(widened, run, axis) & ink
    thick = _opening1d(long_runs.view(np.uint8), _thickest_line(ink.shape) + 1, across)
    labels, count = ndimage.label(long_runs, np.ones((3, 3)))  # a line with the strokes it crosses: one piece
    if count == 0:
        return long_runs
    spans = np.zeros(count + 1, dtype=bool)
    for index, found in enumerate(ndimage.find_objects(labels), start=1):
        crosses = found[axis].stop - found[axis].start >= LINE_SPAN * length
        leaves = any(part.start == 0 or part.stop == size for part, size in zip(found, ink.shape, strict=True))
        spans[index] = crosses or leaves  # a tilted line leaves the photo through its edge
    return long_runs & ~thick & spans[labels]


def _thickest_line(shape: tuple[int, ...]) -> int:
    """How thick a ruled line can be, in pixels: a pen's stroke is thicker (a line is 1-4 pixels at 384-512 a side,
    blurred a little by the lens and JPEG)."""
    return max(5, round(min(shape) / 64))


def _opening1d(mask: np.ndarray, size: int, axis: int) -> np.ndarray:
    """Keep the runs of at least ``size`` pixels along ``axis`` (a morphological opening with a line, in O(n))."""
    mask = mask.view(np.uint8) if mask.dtype == bool else mask
    eroded = ndimage.minimum_filter1d(mask, size, axis=axis)
    return ndimage.maximum_filter1d(eroded, size, axis=axis, origin=-1 if size % 2 == 0 else 0).astype(bool)


def _rejoin_cut_strokes(strokes: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Where a removed line crossed a stroke, fill the gap: line pixels with stroke on both sides come back."""
    if not lines.any():
        return strokes
    gap = _thickest_line(strokes.shape) + 2
    joined = ndimage.binary_closing(strokes, structure=np.ones((gap, 1))) | ndimage.binary_closing(
        strokes, structure=np.ones((1, gap))
    )
    return strokes | (lines & joined)


def _digit(strokes: np.ndarray, grey: np.ndarray) -> np.ndarray:
    """The largest group of strokes near the centre that is darker than the paper around it, plus the separate
    strokes that belong to it."""
    labels, count = ndimage.label(strokes, structure=np.ones((3, 3)))
    if count == 0:
        raise NoDigitFoundError("nothing on the paper stands out from it")
    height, width = strokes.shape
    short_side = min(height, width)
    flat = labels.ravel()
    areas = np.bincount(flat, minlength=count + 1)[1:].astype(float)
    rows, columns = np.indices(labels.shape)
    centres = (
        np.stack(
            [np.bincount(flat, rows.ravel(), count + 1)[1:], np.bincount(flat, columns.ravel(), count + 1)[1:]], axis=1
        )
        / areas[:, None]
    )
    boxes = ndimage.find_objects(labels)
    edge_contact = _edge_contact(labels, count)
    candidates = []
    thinnest = _thickest_line(strokes.shape)
    for index, box in enumerate(boxes):
        box_height, box_width = box[0].stop - box[0].start, box[1].stop - box[1].start
        beside_the_paper = edge_contact[index] >= EDGE_CONTACT
        small = max(box_height, box_width) < SPECK_SIZE * short_side
        speck = small and (areas[index] < 30 or _blob_like(labels[box] == index + 1))
        at_the_edge = min(box[0].start, box[1].start, height - box[0].stop, width - box[1].stop) <= 2
        piece_of_a_line = min(box_height, box_width) <= thinnest and at_the_edge
        if not (beside_the_paper or speck or piece_of_a_line):
            candidates.append(index)
    if not candidates:
        raise NoDigitFoundError("only specks, lines or shadows stand out from the paper")
    offsets = (centres - [(height - 1) / 2, (width - 1) / 2]) / [height / 2, width / 2]
    nearness = 1.0 - 0.5 * np.minimum((offsets**2).sum(axis=1) / 2, 1.0)  # 1 at the centre, 0.5 in a corner
    ranked = sorted(candidates, key=lambda index: areas[index] * nearness[index], reverse=True)
    main = next((index for index in ranked if _darker_than_around(grey, labels, index + 1, boxes[index])), None)
    if main is None:
        raise NoDigitFoundError("nothing on the paper is darker than the paper around it, only shadows")
    main_box = boxes[main]
    reach = PART_REACH * max(main_box[0].stop - main_box[0].start, main_box[1].stop - main_box[1].start)
    keep = np.zeros(count + 1, dtype=bool)
    keep[main + 1] = True
    for index in candidates + [i for i in range(count) if i not in candidates and edge_contact[i] < EDGE_CONTACT]:
        if areas[index] >= PART_SIZE * areas[main] and _gap(boxes[index], main_box) <= reach:
            keep[index + 1] = True
    return keep[labels]


def _darker_than_around(grey: np.ndarray, labels: np.ndarray, label: int, box: tuple[slice, slice]) -> bool:
    """Whether a shape is ink: darker than the paper just around it (a few pixels away) on most sides. Where a
    shadow's edge meets the photo's edge at a sharp angle, the paper's estimate can take the shadow for ink; but
    that shadow is no darker than the shadowed paper beside it."""
    margin = RING + 1
    rows = slice(max(0, box[0].start - margin), box[0].stop + margin)
    columns = slice(max(0, box[1].start - margin), box[1].stop + margin)
    inside = labels[rows, columns] == label
    around = ndimage.binary_dilation(inside, iterations=RING) & ~ndimage.binary_dilation(inside, iterations=2)
    around &= labels[rows, columns] == 0
    if not around.any():
        return True
    shape, paper = grey[rows, columns][inside], grey[rows, columns][around]
    paper_level = float(np.percentile(paper, 25))  # the darker paper around it: a shadow's side, if there is one
    ink_level = float(np.percentile(shape, 25))  # the darker part of the shape: a stroke's core, not its halo
    return paper_level - ink_level > MIN_CONTRAST * max(paper_level, 1e-6)


def _blob_like(shape: np.ndarray) -> bool:
    """Whether a shape is a blob (a speck, two specks touching) rather than strokes: its thickest part is nearly
    as thick as the shape is long. A digit's strokes are far thinner than the digit, even a small bold one."""
    padded = np.pad(shape, 1)
    thickness = 2 * float(ndimage.distance_transform_edt(padded).max())
    return thickness >= 0.45 * max(shape.shape)


def _edge_contact(labels: np.ndarray, count: int) -> np.ndarray:
    """For each label, the largest fraction of one edge of the picture that it covers."""
    contact = np.zeros(count + 1)
    for edge in (labels[0], labels[-1], labels[:, 0], labels[:, -1]):
        covered = np.bincount(edge, minlength=count + 1) / edge.size
        contact = np.maximum(contact, covered)
    return contact[1:]


def _gap(box: tuple[slice, slice], other: tuple[slice, slice]) -> float:
    """The distance between two bounding boxes (0 when they overlap)."""
    rows = max(0, box[0].start - other[0].stop, other[0].start - box[0].stop)
    columns = max(0, box[1].start - other[1].stop, other[1].start - box[1].stop)
    return float(np.hypot(rows, columns))


def _thinned(digit: np.ndarray) -> np.ndarray:
    """The digit with strokes no bolder than MNIST's boldest usual ones: a very bold pen's strokes are pared down
    evenly from both sides. A stroke's width is twice its area over its outline."""
    area = int(digit.sum())
    outline = int((digit & ~ndimage.binary_erosion(digit)).sum())
    rows = np.flatnonzero(digit.any(axis=1))
    columns = np.flatnonzero(digit.any(axis=0))
    size = max(rows[-1] - rows[0], columns[-1] - columns[0]) + 1
    width = 2 * area / max(outline, 1)
    excess = width - BOLDEST_STROKE * size
    if excess < 2:
        return digit
    thinner = ndimage.binary_erosion(digit, structure=np.ones((3, 3)), iterations=round(excess / 2))
    return thinner if thinner.sum() > 0.2 * area else digit


def _result(flattened: np.ndarray, digit: np.ndarray, faint: float) -> np.ndarray:
    """The digit's ink with its soft edges (one pixel around its strokes): 0 up to the faint level (at least a tenth
    of the full ink, like a drawing's faintest ink), 1 for the strongest ink."""
    around = ndimage.binary_dilation(digit, structure=np.ones((3, 3)))
    full = float(np.percentile(flattened[digit], 90))
    floor = max(faint, FAINTEST * full)
    stretched = np.clip((flattened - floor) / max(full - floor, 1e-6), 0.0, 1.0)
    return np.where(around, stretched, 0.0).astype(np.float32)
