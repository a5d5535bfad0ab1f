"""What the playground shows, as plain HTML text and matplotlib figures (no widgets, no Keras): the runs table,
the accuracy and loss curves, and the status lines."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from matplotlib.figure import Figure

from mnist_helpers.playground_runs import RunResult

COLUMNS = (
    "Run",
    "Architecture",
    "Activation",
    "Dropout",
    "Learning rate",
    "Batch",
    "Epochs",
    "Parameters",
    "Seconds",
    "Val accuracy",
    "Test accuracy",
)
READY_TEXT = "Choose settings, then press <b>Train</b>."


def _accuracy(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2%}"


def _row_cells(run: RunResult) -> list[str]:
    return [
        str(run.number),
        run.architecture,
        run.activation,
        f"{run.dropout_rate:g}",
        f"{run.learning_rate:.2g}",
        str(run.batch_size),
        run.epochs_text,
        f"{run.parameters:,}",
        f"{run.seconds:.1f}",
        _accuracy(run.val_accuracy),
        _accuracy(run.test_accuracy),
    ]


def runs_table_html(runs: Sequence[RunResult]) -> str:
    """An HTML table with one row per run, oldest first; the best validation accuracy (what to choose by) in bold."""
    if not runs:
        return "<p><i>No runs yet: choose settings and press <b>Train</b>. Each run adds a row here.</i></p>"
    scored = [run for run in runs if not math.isnan(run.val_accuracy)]
    best = max(scored, key=lambda run: run.val_accuracy).number if scored else None
    head = "".join(f"<th style='padding:2px 8px'>{html.escape(name)}</th>" for name in COLUMNS)
    rows = []
    for run in runs:
        cells = [html.escape(text) for text in _row_cells(run)]
        if run.number == best:
            cells = [f"<b>{text}</b>" for text in cells]
        # The architecture reads as one line ("784 → 32 → 16 → 10"); the other cells may wrap.
        styles = [
            "padding:2px 8px; white-space:nowrap" if column == 1 else "padding:2px 8px" for column in range(len(cells))
        ]
        rows.append(
            "<tr>"
            + "".join(f"<td style='{style}'>{text}</td>" for style, text in zip(styles, cells, strict=True))
            + "</tr>"
        )
    return (
        "<table class='playground-runs' style='border-collapse:collapse'>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def training_text(architecture: str) -> str:
    return f"Training {html.escape(architecture)} ..."


def epoch_text(epoch: int, epochs: int, history: dict[str, list[float]], stopping: bool) -> str:
    """``"Epoch 2/5: validation accuracy 91.20 %"`` after each epoch (``epoch`` counts from 0, as Keras does)."""
    val = (history.get("val_accuracy") or [math.nan])[-1]
    return f"Epoch {epoch + 1}/{epochs}: validation accuracy {_accuracy(val)}" + (" (stopping)" if stopping else "")


def finished_text(result: RunResult) -> str:
    """The status line after a run: finished, stopped, or diverged (then no accuracy is claimed)."""
    if result.diverged:
        return (
            f"<span style='color:#b00'>Diverged after {result.epochs_run} of {result.epochs_planned} epochs: the "
            "loss became NaN or infinite, so the weights are no longer numbers and the run has no accuracy. "
            f"Try a smaller learning rate</span> (run {result.number} in the table below)."
        )
    how = f"Stopped after {result.epochs_run} of {result.epochs_planned} epochs" if result.stopped else "Finished"
    return (
        f"{how} in {result.seconds:.1f} s: validation accuracy {_accuracy(result.val_accuracy)}, "
        f"<b>test accuracy {_accuracy(result.test_accuracy)}</b> (run {result.number} in the table below)."
    )


def failed_text(error: BaseException) -> str:
    return f"<span style='color:#b00'>Training failed: {html.escape(repr(error))}</span>"


def curves_figure(history: dict[str, list[float]], epochs: int, previous: dict | None) -> Figure:
    """Accuracy and loss per epoch, in a frame as wide as the planned epochs; the previous run's validation in grey."""
    figure = Figure(figsize=(8, 3), layout="constrained")
    for axis, metric in zip(figure.subplots(1, 2), ("accuracy", "loss"), strict=True):
        if previous and previous.get(f"val_{metric}"):
            values = previous[f"val_{metric}"]
            axis.plot(range(1, len(values) + 1), values, "--", color="0.7", label="previous run (validation)")
        for key, style, label in ((metric, "o-", "training"), (f"val_{metric}", "s-", "validation")):
            values = history.get(key, [])
            if values:
                axis.plot(range(1, len(values) + 1), values, style, label=label)
        axis.set_xlim(0.5, max(epochs, len(history.get(metric, [])), 1) + 0.5)
        axis.xaxis.get_major_locator().set_params(integer=True)
        axis.set_title(metric.capitalize() + " per epoch")
        axis.set_xlabel("epoch")
        axis.grid(alpha=0.3)
        if axis.get_legend_handles_labels()[0]:
            axis.legend(fontsize=8)
        else:
            axis.text(0.5, 0.5, "press Train", ha="center", va="center", transform=axis.transAxes, color="0.5")
    return figure
