"""Load a project script (a benchmark, a CI helper, the site builder) as a module, the one way tests do it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_script(path: Path) -> ModuleType:
    """Import ``path`` under its file name; registered in ``sys.modules`` because dataclasses look it up there."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
