"""Do other notebooks ever see half a saved model? Measures and prints, asserts nothing.

Two figures, each for Keras' `model.save(path)` (writes the file in place) and for
`mh.save_model_atomically(model, path)` (writes a temporary file, then renames it onto the path):
- a reader: another process reads the file over and over while this one saves the original
  network (with its Adam state, about 6.4 MB) 30 times; how many reads found an incomplete file;
- two writers: two processes save to the same path at the same moment, 20 rounds; after how many
  rounds the file could not be loaded.

    .venv/bin/python benchmarks/atomic_saves.py [--saves 30] [--rounds 20]
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import tempfile
import zipfile
from pathlib import Path

import numpy as np

import mnist_helpers as mh

KERAS_FILE_PARTS = {"config.json", "metadata.json", "model.weights.h5"}


def is_complete(path: Path) -> bool:
    """True when the file is a whole `.keras` archive: all three parts present and every CRC right."""
    try:
        data = path.read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return KERAS_FILE_PARTS <= set(archive.namelist()) and archive.testzip() is None
    except (OSError, zipfile.BadZipFile, EOFError, ValueError):
        return False


def trained_original_model():
    """The original network after one training step, so the file holds Adam's state as lesson 04's does."""
    mh.import_keras_quietly()
    model = mh.compile_original_model(mh.build_original_model())
    rng = np.random.default_rng(0)
    model.fit(rng.random((64, 784), np.float32), np.eye(10, dtype=np.float32)[rng.integers(0, 10, 64)], verbose=0)
    return model


def save(model, path: Path, atomic: bool) -> None:
    if atomic:
        mh.save_model_atomically(model, path)
    else:
        model.save(path)


def reader(path: str, stop, results) -> None:
    reads = incomplete = 0
    while not stop.is_set():
        reads += 1
        incomplete += not is_complete(Path(path))
    results.put((reads, incomplete))


def writer(path: str, atomic: bool, rounds: int, barrier) -> None:
    model = trained_original_model()
    for _ in range(rounds):
        barrier.wait()
        save(model, Path(path), atomic)
        barrier.wait()


def reads_during_saves(model, folder: Path, atomic: bool, saves: int) -> tuple[int, int]:
    path = folder / f"read_{atomic}.keras"
    save(model, path, atomic)
    context = multiprocessing.get_context("spawn")
    stop, results = context.Event(), context.Queue()
    process = context.Process(target=reader, args=(str(path), stop, results))
    process.start()
    while not is_complete(path):  # the reader is running once it has read at least once; give it a head start
        pass
    for _ in range(saves):
        save(model, path, atomic)
    stop.set()
    reads, incomplete = results.get()
    process.join()
    return reads, incomplete


def concurrent_writers(folder: Path, atomic: bool, rounds: int) -> int:
    path = folder / f"write_{atomic}.keras"
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(3)
    writers = [context.Process(target=writer, args=(str(path), atomic, rounds, barrier)) for _ in range(2)]
    for process in writers:
        process.start()
    unloadable = 0
    for _ in range(rounds):
        barrier.wait()  # both writers start saving
        barrier.wait()  # both have finished
        unloadable += not is_complete(path)
    for process in writers:
        process.join()
    return unloadable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    model = trained_original_model()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for atomic, label in [(False, "model.save (in place)"), (True, "mh.save_model_atomically")]:
            reads, incomplete = reads_during_saves(model, folder, atomic, args.saves)
            unloadable = concurrent_writers(folder, atomic, args.rounds)
            print(
                f"{label:<28} reader during {args.saves} saves: {incomplete:,} of {reads:,} reads incomplete; "
                f"two writers at once: {unloadable} of {args.rounds} rounds left an unloadable file"
            )


if __name__ == "__main__":
    main()
