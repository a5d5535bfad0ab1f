"""Load a project script (a benchmark, a CI helper, the site builder) as a module, the one way tests do it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_script(path: Path) -> ModuleType:
    """Import ``path`` under its file name, as running it would: its folder on ``sys.path`` (so its sibling imports,
    e.g. benchmarks' ``import benchmarking``, work) and registered in ``sys.modules`` (dataclasses look it up there).
    """
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
