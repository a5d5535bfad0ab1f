"""Measure how long load_mnist takes for all 70,000 images, split into reading, decompressing and the rest.

MNIST_DATA_DIR=../shared/data/mnist .venv/bin/python benchmarks/load_time.py
"""

from __future__ import annotations

import gzip
import hashlib
import os
import statistics
import sys
import time
from pathlib import Path

from mnist_helpers import load_mnist
from mnist_helpers.data import PUBLISHED_SHA256, parse_idx


def main(repeats: int = 5) -> None:
    folder = os.environ.get("MNIST_DATA_DIR")
    if not folder:
        sys.exit("Set MNIST_DATA_DIR to the folder with the four MNIST IDX files.")
    files = {name: (Path(folder) / f"{name}.gz").read_bytes() for name in PUBLISHED_SHA256}  # warm the OS cache
    totals, unzip, hashing, parsing = [], [], [], []
    for _ in range(repeats):
        start = time.perf_counter()
        load_mnist(folder)
        totals.append(time.perf_counter() - start)
        t0 = time.perf_counter()
        raw = {name: gzip.decompress(data) for name, data in files.items()}
        t1 = time.perf_counter()
        for data in raw.values():
            hashlib.sha256(data).hexdigest()
        t2 = time.perf_counter()
        for name, data in raw.items():
            parse_idx(data, name)
        t3 = time.perf_counter()
        unzip.append(t1 - t0)
        hashing.append(t2 - t1)
        parsing.append(t3 - t2)
    print(
        f"load_mnist, 70,000 images, median of {repeats}: {statistics.median(totals):.3f} s (min {min(totals):.3f} s)"
    )
    print(
        f"  of which gunzip {statistics.median(unzip):.3f} s, SHA-256 {statistics.median(hashing):.3f} s, "
        f"parse to arrays {statistics.median(parsing):.4f} s"
    )


if __name__ == "__main__":
    main()
