"""Figures the lessons repeat: a grid of digits and training curves (lesson 04's figure, also the playground's).

Every function builds a `matplotlib.figure.Figure` without pyplot and returns it,
so nothing pops up on its own: a notebook shows the figure when it is the cell's
last value, a widget turns it into PNG bytes with `figure_to_png`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure


def plot_digit_grid(
    images: np.ndarray,
    labels: Sequence[int] | np.ndarray | None = None,
    predictions: Sequence[int] | np.ndarray | None = None,
    columns: int = 10,
    title: str | None = None,
) -> Figure:
    """Show images (28x28 or flattened 784) in a grid, with their labels and optional predictions.

    A wrong prediction is titled in red, so mistakes stand out. ``labels`` and ``predictions`` hold one digit per
    image (as many as there are images: ValueError otherwise, so no image is shown with another's label).
    """
    images = np.asarray(images)
    if images.ndim == 2 and images.shape[1] == 784:
        images = images.reshape(-1, 28, 28)
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(f"plot_digit_grid needs a non-empty stack of 28x28 images, got shape {images.shape}.")
    labels = _one_per_image(labels, "labels", len(images))
    predictions = _one_per_image(predictions, "predictions", len(images))
    columns = max(1, min(columns, len(images)))
    rows = int(np.ceil(len(images) / columns))
    figure = Figure(figsize=(1.1 * columns, 1.3 * rows + (0.4 if title else 0)), layout="constrained")
    axes = np.atleast_1d(figure.subplots(rows, columns)).ravel()
    for index, axis in enumerate(axes):
        axis.axis("off")
        if index >= len(images):
            continue
        axis.imshow(images[index], cmap="gray_r")
        axis.set_title(
            _digit_caption(index, labels, predictions), fontsize=9, color=_caption_colour(index, labels, predictions)
        )
    if title:
        figure.suptitle(title)
    return figure


def _one_per_image(values: Any, name: str, count: int) -> np.ndarray | None:
    """``values`` as an array of one digit per image; ValueError if there are more or fewer, or not single digits."""
    if values is None:
        return None
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] > 1:
        raise ValueError(
            f"plot_digit_grid needs one digit per image as {name}, got shape {array.shape}: rows of scores or one-hot "
            f"labels. Turn them into digits with np.argmax({name}, axis=1)."
        )
    if array.ndim != 1 or len(array) != count:
        found = f"{len(array)} {name}" if array.ndim == 1 else f"{name} of shape {array.shape}"
        example = "labels=y_test_digits[shown]" if name == "labels" else "predictions=predicted_digits[shown]"
        raise ValueError(
            f"plot_digit_grid got {count} images but {found}: give one per image, chosen the same way, e.g. "
            f"images=x_test_images[shown], {example}."
        )
    return array


def _digit_caption(index: int, labels: Any, predictions: Any) -> str:
    parts = []
    if labels is not None:
        parts.append(f"label {int(labels[index])}")
    if predictions is not None:
        parts.append(f"pred {int(predictions[index])}")
    return "\n".join(parts)


def _caption_colour(index: int, labels: Any, predictions: Any) -> str:
    if labels is not None and predictions is not None and int(labels[index]) != int(predictions[index]):
        return "red"
    return "black"


def plot_history(
    history: Any,
    title: str | None = None,
    *,
    previous: Any = None,
    epochs: int | None = None,
    figsize: tuple[float, float] = (11, 4),
) -> Figure:
    """The original project's figure: training vs validation accuracy and loss per epoch, side by side.

    ``history`` is what ``model.fit`` returns (a ``keras.callbacks.History``) or its ``.history`` dict; an empty
    one (no epoch yet) draws the empty frame. ``previous``: another history whose validation curves are drawn
    as grey dashed lines, to compare with. ``epochs``: the epoch axis runs from 1 to at least this, so that the
    curves of a run in progress grow into a frame that does not move (the model playground draws it that way).
    """
    curves: Mapping[str, Sequence[float]] = getattr(history, "history", history)
    missing = [key for key in ("accuracy", "loss") if key not in curves]
    if curves and missing:
        raise ValueError(
            f"plot_history needs 'accuracy' and 'loss' in the history, missing {missing}; "
            f"found {sorted(curves)}. Compile the model with metrics=['accuracy']."
        )
    earlier: Mapping[str, Sequence[float]] = getattr(previous, "history", previous) or {}
    figure = Figure(figsize=figsize, layout="constrained")
    for axis, metric in zip(figure.subplots(1, 2), ("accuracy", "loss"), strict=True):
        if earlier.get(f"val_{metric}"):
            values = earlier[f"val_{metric}"]
            axis.plot(range(1, len(values) + 1), values, "--", color="0.7", label=f"previous run: validation {metric}")
        for key, style, label in ((metric, "o-", "training"), (f"val_{metric}", "s-", "validation")):
            if curves.get(key):
                axis.plot(range(1, len(curves[key]) + 1), curves[key], style, label=f"{label} {metric}")
        if epochs is not None:
            axis.set_xlim(0.5, max(epochs, len(curves.get(metric, [])), 1) + 0.5)
        axis.set_title(f"{metric.capitalize()} per epoch")
        axis.set_xlabel("epoch")
        axis.set_ylabel(metric)
        axis.grid(alpha=0.3)
        axis.xaxis.get_major_locator().set_params(integer=True)
        if axis.lines:
            axis.legend(fontsize="small" if figsize[0] < 10 else None)
        else:
            axis.text(0.5, 0.5, "no epoch yet", ha="center", va="center", transform=axis.transAxes, color="0.5")
    if title:
        figure.suptitle(title)
    return figure


def figure_to_png(figure: Figure, dpi: int = 80) -> bytes:
    """Render a figure to PNG bytes, e.g. for ``ipywidgets.Image(value=...)``."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
