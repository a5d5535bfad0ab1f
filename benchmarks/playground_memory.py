"""Memory of the model playground over a long session: the process's resident memory (RSS) after each of many runs,
and for comparison the same runs as plain Keras fits (a new model each time, nothing of the playground).

    MNIST_DATA_DIR=... .venv/bin/python benchmarks/playground_memory.py --runs 40 --units 1024 1024 1024 1024
    MNIST_DATA_DIR=... PYTHONPATH=/path/to/other/checkout .venv/bin/python benchmarks/playground_memory.py ...

The second form measures another version of ``mnist_helpers`` (e.g. the code before a change): each measurement
runs in a fresh process that imports ``mnist_helpers`` from ``PYTHONPATH`` first. Prints MB per run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys

from benchmarking import json_from_fresh_process


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _measure(runs: int, units: list[int], examples: int, plain: bool) -> dict:
    import gc

    import mnist_helpers as mh
    from mnist_helpers.playground import ModelPlayground

    mh.setup_notebook(seed=42)
    (x_train, y_train), (x_test, y_test) = mh.load_mnist()
    x_train, y_train = mh.prepare_for_dense(x_train[:examples], y_train[:examples])
    x_test, y_test = mh.prepare_for_dense(x_test[:1000], y_test[:1000])
    playground = ModelPlayground(x_train, y_train, x_test, y_test)
    playground.configure(units=units, epochs=1, batch_size=256)
    memory = [_rss_mb()]
    for _ in range(runs):
        if plain:  # what a notebook cell does: build, fit, test, keep nothing
            model = playground.build_model()
            model.fit(x_train, y_train, epochs=1, batch_size=256, validation_split=0.2, verbose=0)
            model.evaluate(x_test, y_test, verbose=0)
            del model
        else:
            playground.train()
        gc.collect()
        memory.append(_rss_mb())
    return {"memory": memory, "code": os.path.dirname(mh.__file__)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--units", type=int, nargs="+", default=[1024, 1024, 1024, 1024])
    parser.add_argument("--examples", type=int, default=6000, help="training examples per run (default 6000)")
    parser.add_argument("--plain", action="store_true", help="also measure plain Keras fits for comparison")
    parser.add_argument("--child", choices=["playground", "plain"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(args.runs, args.units, args.examples, args.child == "plain")))
        return
    print(f"Python {sys.version.split()[0]}; {args.runs} runs of 784 -> {' -> '.join(map(str, args.units))} -> 10, "
          f"1 epoch on {args.examples} examples, batch 256")  # fmt: skip
    for mode in ("playground", "plain") if args.plain else ("playground",):
        arguments = ["--runs", str(args.runs), "--examples", str(args.examples),
                     "--units", *map(str, args.units), "--child", mode]  # fmt: skip
        result = json_from_fresh_process(__file__, arguments, f"Measuring the memory of {mode} runs")
        memory = result["memory"]
        per_run = (memory[-1] - memory[1]) / (len(memory) - 2)
        print(f"{mode} ({result['code']}): {memory[0]:.0f} MB before, {memory[1]:.0f} MB after run 1, "
              f"{memory[len(memory) // 2]:.0f} MB after run {len(memory) // 2}, {memory[-1]:.0f} MB after run "
              f"{args.runs}: {per_run:.1f} MB per run after the first")  # fmt: skip


if __name__ == "__main__":
    main()
