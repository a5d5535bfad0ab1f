"""Execute the lesson notebooks (full mode by default) and report time, test accuracy and test loss per lesson.

    MNIST_DATA_DIR=/path/to/mnist .venv/bin/python .ci/run_lessons.py               # all NN_*.ipynb, full mode
    MNIST_DATA_DIR=/path/to/mnist .venv/bin/python .ci/run_lessons.py --only 03 04  # just these lessons
    ... --include-solutions    also run notebooks/solutions/NN_*_solutions.ipynb (after the lessons)
    ... --quick                quick mode (MNIST_QUICK=1), as the tests use

Each notebook runs on a fresh kernel whose working folder is the notebook's own folder, as in JupyterLab.
Saved models go to build/saved_models (MNIST_MODELS_DIR), emptied at the start of each run, so a run never
reuses a model from an earlier one (lessons later in the same run reuse lesson 04's model, as learners would).
Executed copies go to build/executed/, each stamped (metadata "mnist_lessons_run") with its mode, whether it ran
without error and the SHA-256 of its source notebook and of mnist_helpers/*.py, so that `make site` can tell whether
a copy is still current (website/build_site.py imports this file for that, and to execute what is stale).
The results go to build/results.json, with the machine they ran on, and a printed markdown table. Test
figures come from the LAST "Test accuracy: x" / "Test loss: x" lines that a notebook printed. A failing
notebook is reported and the run goes on; the exit code is 1 if any notebook failed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LESSON_PATTERN = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
ACCURACY_LINE = re.compile(r"^Test accuracy: ([-+0-9.eE]+|nan)\s*$", re.MULTILINE)
LOSS_LINE = re.compile(r"^Test loss: ([-+0-9.eE]+|nan)\s*$", re.MULTILINE)
ANSI_CODE = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class LessonResult:
    notebook: str
    ok: bool
    seconds: float
    test_accuracy: float | None
    test_loss: float | None
    error: str | None = None


def find_notebooks(notebooks_dir: Path, include_solutions: bool = False, only: Iterable[str] = ()) -> list[Path]:
    """Top-level lessons ``NN_slug.ipynb`` in number order, then (optionally) ``solutions/NN_*`` likewise.

    ``only`` keeps the notebooks whose two-digit number is listed (e.g. ``["03", "4"]``).
    """
    wanted = {number.zfill(2) for number in only}

    def lessons_in(folder: Path) -> list[Path]:
        if not folder.is_dir():
            return []
        found = [p for p in folder.glob("*.ipynb") if LESSON_PATTERN.match(p.name)]
        if wanted:
            found = [p for p in found if p.name[:2] in wanted]
        return sorted(found, key=lambda p: p.name)

    return lessons_in(notebooks_dir) + (lessons_in(notebooks_dir / "solutions") if include_solutions else [])


def _stdout_text(notebook: dict[str, Any]) -> str:
    chunks = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                text = output.get("text", "")
                chunks.append("".join(text) if isinstance(text, list) else text)
    return "".join(chunks)


def parse_test_metrics(notebook: dict[str, Any]) -> tuple[float | None, float | None]:
    """Return ``(test_accuracy, test_loss)`` from the last such lines the notebook printed; None where absent.

    Only stdout stream outputs count, and only lines that start with exactly "Test accuracy: " or "Test loss: ".
    """
    text = _stdout_text(notebook)
    accuracies = ACCURACY_LINE.findall(text)
    losses = LOSS_LINE.findall(text)
    return (float(accuracies[-1]) if accuracies else None, float(losses[-1]) if losses else None)


def _format_number(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def markdown_table(results: Sequence[LessonResult]) -> str:
    """The results as a markdown table: lesson, seconds, test accuracy, test loss, result."""
    lines = ["| lesson | seconds | test accuracy | test loss | result |", "|---|---:|---:|---:|---|"]
    for r in results:
        lines.append(
            f"| {r.notebook} | {r.seconds:.0f} | {_format_number(r.test_accuracy, 4)} "
            f"| {_format_number(r.test_loss, 4)} | {'ok' if r.ok else 'FAILED'} |"
        )
    return "\n".join(lines)


def helpers_sha256(root: Path = ROOT) -> str:
    """One SHA-256 over the package's sources (file names and contents, in name order)."""
    digest = hashlib.sha256()
    for source in sorted((root / "mnist_helpers").glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def run_stamp(path: Path, ok: bool) -> dict[str, Any]:
    """What an executed copy was made from: mode (from MNIST_QUICK), outcome, and hashes of its sources."""
    return {
        "mode": "quick" if os.environ.get("MNIST_QUICK") == "1" else "full",
        "ok": ok,
        "source_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "helpers_sha256": helpers_sha256(),
    }


def execute_notebook(path: Path, executed_path: Path, timeout: int) -> LessonResult:
    """Run one notebook on a fresh kernel in its own folder; write the executed copy even if a cell fails."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    notebook = nbformat.read(path, as_version=4)
    stamp = run_stamp(path, ok=False)  # hashed before running: an edit made meanwhile makes the copy stale
    # The kernel talks to this process over local sockets (ipc), not TCP: nothing leaves the machine, and the kernel
    # has no reason to print its "running over TCP without encryption" warning for every lesson. The sockets get an
    # absolute path: the kernel runs in the notebook's folder, this process elsewhere.
    sockets = tempfile.mkdtemp(prefix="kernel-")
    kernel = KernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "ipc"))
    client = NotebookClient(notebook, km=kernel, timeout=timeout, resources={"metadata": {"path": str(path.parent)}})
    error = None
    start = time.perf_counter()
    try:
        client.execute(cleanup_kc=True)  # shut the kernel down after its notebook: given our own manager, nbclient
        # would leave it running until this process exits (every lesson's kernel and memory held to the end)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as failure:
        error = f"{type(failure).__name__}: {_last_lines(str(failure))}"
    except Exception as failure:  # kernel failed to start, unreadable notebook...: report, go on with the next
        error = f"{type(failure).__name__}: {failure}"
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    seconds = time.perf_counter() - start
    notebook.metadata["mnist_lessons_run"] = {**stamp, "ok": error is None}
    executed_path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, executed_path)
    accuracy, loss = parse_test_metrics(notebook)
    name = str(path.relative_to(path.parents[1] if path.parent.name == "solutions" else path.parent))
    return LessonResult(name, error is None, round(seconds, 1), accuracy, loss, error)


def machine() -> dict[str, Any]:
    """The machine the lessons ran on, for results.json: processor, cores, GPUs, TensorFlow and Keras versions, and
    the load averages (1, 5, 15 minutes) at the end: above the core count, other programs shared the CPU."""
    import mnist_helpers as mh

    keras = mh.import_keras_quietly()  # TensorFlow without its start-up logs
    import tensorflow as tf

    return {
        "processor": platform.processor() or platform.machine(),
        "cpu_cores": os.cpu_count(),
        "gpus": len(tf.config.list_physical_devices("GPU")),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }


def write_report(path: Path, report: dict[str, Any]) -> None:
    """Write ``report`` as JSON through a temporary file and a rename, so that a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)


def use_mode_and_models(quick: bool, models: Path) -> None:
    """Set quick or full mode and the saved-models folder for the notebooks about to run (kernels inherit them)."""
    os.environ["MNIST_QUICK"] = "1" if quick else "0"
    os.environ["MNIST_MODELS_DIR"] = str(models)
    if not os.environ.get("MNIST_DATA_DIR"):
        print("Warning: MNIST_DATA_DIR is not set, so the lessons will try to download MNIST through Keras.")


def execute_notebooks(
    paths: Sequence[Path], notebooks_dir: Path, executed_dir: Path, timeout: int
) -> list[LessonResult]:
    """Run each notebook on a fresh kernel, in order, saying how each went; executed copies under ``executed_dir``."""
    results = []
    for path in paths:
        relative = path.relative_to(notebooks_dir)
        print(f"- {relative}: running", flush=True)
        result = execute_notebook(path, executed_dir / relative, timeout)
        print(f"  {'ok' if result.ok else 'FAILED'} in {result.seconds:.0f} s", flush=True)
        if result.error:
            print("  " + result.error.replace("\n", "\n  "))
        results.append(result)
    return results


def exit_code(results: Sequence[LessonResult], note: str = "") -> int:
    """0 if every notebook ran without error; else 1, after naming the failed ones (and ``note``) on stderr."""
    failed = [r.notebook for r in results if not r.ok]
    if not failed:
        return 0
    print(f"FAILED{note}: {', '.join(failed)}", file=sys.stderr)
    return 1


def _last_lines(text: str, count: int = 6) -> str:
    text = ANSI_CODE.sub("", text)  # tracebacks arrive coloured for a terminal
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[-count:])


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="quick mode (MNIST_QUICK=1); default is full mode")
    parser.add_argument("--include-solutions", action="store_true", help="also run notebooks/solutions/NN_*.ipynb")
    parser.add_argument("--only", nargs="+", default=[], metavar="NN", help="only these lesson numbers, e.g. 03 04")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell (default 1800)")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks", help="folder with the lessons")
    parser.add_argument("--build", type=Path, default=ROOT / "build", help="output folder (git-ignored)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    notebooks_dir = args.notebooks.resolve()
    build = args.build.resolve()
    paths = find_notebooks(notebooks_dir, args.include_solutions, args.only)
    if not paths:
        print(f"No notebooks named NN_slug.ipynb found in {notebooks_dir} (--only {args.only}).", file=sys.stderr)
        return 2

    models = build / "saved_models"
    shutil.rmtree(models, ignore_errors=True)  # this run's own models only: no stale model is reused
    use_mode_and_models(args.quick, models)

    mode = "quick" if args.quick else "full"
    print(f"Running {len(paths)} notebook(s) in {mode} mode; models in {models}")
    results = execute_notebooks(paths, notebooks_dir, build / "executed", args.timeout)

    report = {
        "mode": mode,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "python": platform.python_version(),
        "mnist_data_dir": os.environ.get("MNIST_DATA_DIR"),
        "results": [asdict(r) for r in results],
    }
    write_report(build / "results.json", report)
    print()
    print(markdown_table(results))
    print(f"\nExecuted notebooks: {build / 'executed'}; results: {build / 'results.json'}")
    return exit_code(results)


if __name__ == "__main__":
    sys.exit(main())
