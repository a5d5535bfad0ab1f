"""What the playground shows, as plain HTML text (no widgets, no Keras): the runs table and the status lines.
Its curves are ``plots.plot_history``."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

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
COLAB_READY_TEXT = (
    "Choose settings, then run the cell below the playground, <code>playground.train(show=True)</code>, to train; "
    "<i>Runtime &gt; Interrupt execution</i> stops a run."
)


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


def training_text(architecture: str, warning: str | None = None) -> str:
    """The status line while a run starts; ``warning``: why Stop cannot reach this run (then say how to stop)."""
    text = f"Training {html.escape(architecture)} ... (the settings are locked until the run ends)"
    return text + (f"<br>{stop_warning_text(warning)}" if warning else "")


def stop_warning_text(problem: str) -> str:
    return (
        f"<span style='color:#b00'><b>The Stop button cannot reach this run</b>: {html.escape(problem)}. "
        "Stop it with the notebook's interrupt button (■, <i>Kernel &gt; Interrupt</i>; in Colab <i>Runtime &gt; "
        "Interrupt execution</i>): the run then ends as Stop ends it.</span>"
    )


def nothing_to_stop_text(last: RunResult | None) -> str:
    """What Stop says when no run is training, followed by the last run's result, if any."""
    text = "<i>No run is training, so there is nothing to stop.</i> "
    return text + (finished_text(last) if last is not None else READY_TEXT)


def refused_text(error: BaseException) -> str:
    """The status line when Train refuses the data (``error`` says what is wrong and how to fix it)."""
    return f"<span style='color:#b00'>Cannot train: {html.escape(str(error))}</span>"


def epoch_text(epoch: int, epochs: int, history: dict[str, list[float]], stopping: bool) -> str:
    """``"Epoch 2/5: validation accuracy 91.20 %"`` after each epoch (``epoch`` counts from 0, as Keras does)."""
    val = (history.get("val_accuracy") or [math.nan])[-1]
    return f"Epoch {epoch + 1}/{epochs}: validation accuracy {_accuracy(val)}" + (" (stopping)" if stopping else "")


def finished_text(result: RunResult) -> str:
    """The status line after a run: finished, stopped, or diverged (then no accuracy is claimed)."""
    if result.diverged:
        return (
            f"<span style='color:#b00'>Diverged after {result.epochs_run} of {result.epochs_planned} epochs: the "
            "loss or the weights became NaN or infinite, so they are no longer numbers and the run has no accuracy. "
            f"Try a smaller learning rate</span> (run {result.number} in the table below)."
        )
    how = f"Stopped after {result.epochs_run} of {result.epochs_planned} epochs" if result.stopped else "Finished"
    tested = (
        f"<b>test accuracy {_accuracy(result.test_accuracy)}</b>"
        if not math.isnan(result.test_accuracy)
        else "not tested (interrupted during the test)"
    )
    return (
        f"{how} in {result.seconds:.1f} s: validation accuracy {_accuracy(result.val_accuracy)}, "
        f"{tested} (run {result.number} in the table below)."
    )


def failed_text(error: BaseException) -> str:
    return f"<span style='color:#b00'>Training failed: {html.escape(repr(error))}</span>"
