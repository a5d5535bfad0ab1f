"""One row per playground run, and the HTML table that compares them (pure Python, no widgets, no Keras)."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class RunResult:
    """What one training run used and reached. ``val_accuracy`` is the last epoch's; the model is the final one."""

    number: int
    architecture: str
    activation: str
    dropout_rate: float
    learning_rate: float
    batch_size: int
    epochs_planned: int
    epochs_run: int
    parameters: int
    seconds: float
    val_accuracy: float
    test_accuracy: float
    test_loss: float
    stopped: bool = False
    history: dict[str, list[float]] = field(default_factory=dict, repr=False)
    model: Any = field(default=None, repr=False, compare=False)

    @property
    def epochs_text(self) -> str:
        """``"5"``, or ``"2 of 10 (stopped)"`` when the Stop button ended the run early."""
        if self.stopped or self.epochs_run != self.epochs_planned:
            return f"{self.epochs_run} of {self.epochs_planned} (stopped)"
        return str(self.epochs_run)


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
    """An HTML table with one row per run, oldest first; the best test accuracy is in bold."""
    if not runs:
        return "<p><i>No runs yet: choose settings and press <b>Train</b>. Each run adds a row here.</i></p>"
    scored = [run for run in runs if not math.isnan(run.test_accuracy)]
    best = max(scored, key=lambda run: run.test_accuracy).number if scored else None
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
