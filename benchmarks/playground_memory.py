"""Memory of the model playground over many runs: the process's resident memory after each run, with the
playground keeping only its newest trained models (``KEPT_MODELS``) and, for comparison, keeping all of them.

    MNIST_DATA_DIR=... .venv/bin/python benchmarks/playground_memory.py --runs 12 --units 1024 1024 1024 1024

Each mode runs in a fresh process, so the two do not share Keras' caches. Prints MB per run.
"""

from __future__ import annotations

import argparse
import json
import resource

from benchmarking import json_from_fresh_process


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _measure(runs: int, units: list[int], keep_all: bool, examples: int) -> list[float]:
    import gc

    import mnist_helpers as mh
    import mnist_helpers.playground as playground_module

    mh.setup_notebook(seed=42)
    if keep_all:
        playground_module.KEPT_MODELS = runs + 1  # what the playground did before: every model stays
    (x_train, y_train), (x_test, y_test) = mh.load_mnist()
    x_train, y_train = mh.prepare_for_dense(x_train[:examples], y_train[:examples])
    x_test, y_test = mh.prepare_for_dense(x_test[:1000], y_test[:1000])
    playground = playground_module.ModelPlayground(x_train, y_train, x_test, y_test)
    playground.configure(units=units, epochs=1, batch_size=256)
    memory = [_rss_mb()]
    for _ in range(runs):
        playground.train()
        gc.collect()
        memory.append(_rss_mb())
    return memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--units", type=int, nargs="+", default=[1024, 1024, 1024, 1024])
    parser.add_argument("--examples", type=int, default=6000, help="training examples per run (default 6000)")
    parser.add_argument("--child", choices=["kept", "all"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(args.runs, args.units, args.child == "all", args.examples)))
        return
    for mode in ("all", "kept"):
        arguments = ["--runs", str(args.runs), "--examples", str(args.examples),
                     "--units", *map(str, args.units), "--child", mode]  # fmt: skip
        memory = json_from_fresh_process(__file__, arguments, f"Measuring the playground's memory ({mode} kept)")
        growth = (memory[-1] - memory[1]) / (len(memory) - 2)
        label = "every model kept (before)" if mode == "all" else "newest models kept (now)"
        print(f"{label}: {memory[1]:.0f} MB after run 1, {memory[-1]:.0f} MB after run {args.runs}: "
              f"{growth:.1f} MB per further run")  # fmt: skip


if __name__ == "__main__":
    main()
