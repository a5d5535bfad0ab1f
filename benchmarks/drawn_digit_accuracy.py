"""How well does MNIST-style preprocessing bring back "drawn" digits? Measures and prints, asserts nothing.

Every MNIST test digit is blown up 3-8x and put at a random place on a 280x280 canvas, once as a drawing
pad gives it (RGBA, ink in alpha) and once as a photo gives it (RGB, dark ink on light paper). Each canvas
goes through `to_mnist_format`, and the original network's accuracy is compared with its accuracy on the
untouched test digits. The model is saved_models/original_mlp.keras (trained now, in full, if missing).

    MNIST_DATA_DIR=/path/to/mnist .venv/bin/python benchmarks/drawn_digit_accuracy.py [--limit N]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from benchmarking import dense_accuracy, original_model_and_test_digits

from mnist_helpers.digit_image import draw_digit_on_canvas, to_mnist_format

CANVAS = 280


def random_drawing(digit: np.ndarray, rng: np.random.Generator, as_rgba: bool, solid: bool) -> np.ndarray:
    """The digit scaled 3-8x and put at a random place on the canvas."""
    side = round(28 * rng.uniform(3, 8))
    top, left = rng.integers(0, CANVAS - side + 1, size=2)
    return draw_digit_on_canvas(digit, side, int(top), int(left), CANVAS, solid=solid, as_rgba=as_rgba)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="use only the first N test digits")
    args = parser.parse_args()

    model, digits, labels = original_model_and_test_digits(args.limit)

    def accuracy(images: np.ndarray) -> float:
        return dense_accuracy(model, images, labels)

    print(f"{len(digits)} test digits, enlarged 3-8x onto a {CANVAS}x{CANVAS} canvas at random places")
    print(f"original test digits:                       {accuracy(digits / 255.0):.4f}")
    variants = [
        (True, False, "drawing pad (RGBA, ink in alpha)"),
        (False, False, "photo (RGB, dark on light)"),
        (True, True, "drawing pad, solid strokes"),
    ]
    for as_rgba, solid, name in variants:
        rng = np.random.default_rng(0)
        start = time.perf_counter()
        canvases = (random_drawing(d, rng, as_rgba, solid) for d in digits)
        preprocessed = np.stack([to_mnist_format(canvas) for canvas in canvases])
        seconds = time.perf_counter() - start
        print(
            f"{name:<34} preprocessed: {accuracy(preprocessed):.4f}  "
            f"({1000 * seconds / len(digits):.1f} ms per image, including making the canvas)"
        )


if __name__ == "__main__":
    main()
