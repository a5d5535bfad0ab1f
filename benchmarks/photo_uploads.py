"""Are uploaded photos of digits read the right way up, and with transparency? Measures and prints, asserts nothing.

Real MNIST test digits are enlarged onto a 280x280 sheet of paper (dark ink on light, as a photo sees it,
with `digit_image.draw_digit_on_canvas`) and saved as files a learner might upload:
- an upright JPEG;
- the same photo as a phone stores a portrait shot: pixels turned 90 degrees and EXIF orientation 6;
- an opaque PNG whose four 20x20 corners are transparent.
Each file goes through `read_image_bytes` and `to_mnist_format` (what the drawing pad's upload does), and
lesson 04's network (saved_models/original_mlp.keras, trained now in full if missing) reads it.

    MNIST_DATA_DIR=/path/to/mnist MNIST_MODELS_DIR=/tmp/models .venv/bin/python benchmarks/photo_uploads.py [--limit N]
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable

import numpy as np
from benchmarking import dense_accuracy, lesson_03_model_and_test_digits
from PIL import Image

from mnist_helpers.digit_image import draw_digit_on_canvas, read_image_bytes, to_mnist_format

EXIF_ORIENTATION = 0x0112
CORNER = 20


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=200, help="how many test digits (default 200)")
    args = parser.parse_args()

    model, digits, labels = lesson_03_model_and_test_digits(args.limit)
    rng = np.random.default_rng(0)
    photos = [random_photo(digit, rng) for digit in digits]

    def accuracy(images: np.ndarray) -> float:
        return dense_accuracy(model, images, labels)

    def read_files(save: Callable[[np.ndarray], bytes]) -> tuple[float, int]:
        inputs, failures = [], 0
        for photo in photos:
            try:
                inputs.append(to_mnist_format(read_image_bytes(save(photo))))
            except ValueError:
                inputs.append(np.zeros((28, 28), np.float32))  # counted as read wrongly
                failures += 1
        return accuracy(np.stack(inputs)), failures

    print(f"{len(digits)} MNIST test digits as photos (dark ink on light paper, 280x280), read by lesson 04's network")
    print(f"{'original 28x28 test digits':<44} {accuracy(digits / 255.0):6.1%}")
    for name, save in [
        ("upright JPEG", upright_jpeg),
        ("JPEG turned 90 degrees, EXIF orientation 6", exif_rotated_jpeg),
        ("PNG with transparent 20x20 corners", png_with_transparent_corners),
    ]:
        correct, failures = read_files(save)
        print(f"{name:<44} {correct:6.1%}" + (f"  ({failures} could not be read)" if failures else ""))


if __name__ == "__main__":
    main()
