"""Write the code the lessons teach into ``mnist_helpers/lessons/``: each lesson is the one source of its code.

A lesson cell whose first line is ``#| export: NAME`` is copied, word for word, into ``mnist_helpers/lessons/NAME.py``
(several cells, even of several lessons, may share one NAME; they are written in lesson order). Later lessons,
solutions, the widgets, benchmarks and tests use those modules, never a second copy of the code. The imports a module
needs are taken from the import lines of the lessons it comes from. ``mnist_helpers/lessons/__init__.py`` lists every
exported name and its module, so that ``mh.NAME`` finds it. A solutions notebook's cell whose first line is
``#| solution: NN.K`` (lesson NN, exercise K) becomes ``SOLUTIONS["NN.K"]`` in ``mnist_helpers/lessons/solutions.py``,
which an exercise's ``solution()`` prints: the solutions notebooks are the one source of the solutions.

Run it after changing a marked cell:  python .ci/export_lessons.py
With --check it writes nothing and exits 1 if a module is stale (tests/test_lesson_code.py runs the check).
"""

from __future__ import annotations

import ast
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TARGET = ROOT / "mnist_helpers" / "lessons"
MARKER = re.compile(r"#\| export: ([a-z][a-z0-9_]*)\s*$")
SOLUTION_MARKER = re.compile(r"#\| solution: (\d\d\.\d+)\s*$")
FIRST_PARTY = "mnist_helpers"
HOW_TO_CHANGE = "Do not edit: change the lesson's cell, then run  python .ci/export_lessons.py"


@dataclass(frozen=True)
class ExportedCell:
    notebook: Path
    module: str
    code: str  # without the marker line


def code_lines(source: str) -> str:
    """The cell's Python: IPython magics (``%matplotlib inline``) and shell lines (``!pip``) left out."""
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))


def lesson_paths(notebooks: Path) -> list[Path]:
    """The lessons (``NN_name.ipynb`` directly in notebooks/), in order."""
    return sorted(path for path in notebooks.glob("[0-9][0-9]_*.ipynb"))


def solution_cells(notebooks: Path) -> dict[str, str]:
    """Exercise key ("04.2") -> the code of the solutions notebook's cells marked ``#| solution: 04.2``, in order."""
    solutions: dict[str, str] = {}
    for path in sorted((notebooks / "solutions").glob("[0-9][0-9]_*.ipynb")):
        for source in code_cells(path):
            first, _, rest = source.partition("\n")
            match = SOLUTION_MARKER.match(first.strip())
            if match is None:
                if first.strip().startswith("#| solution"):
                    raise SystemExit(f"{path.name}: a cell starts with {first.strip()!r}; write '#| solution: 04.2'.")
                continue
            key = match.group(1)
            if key[:2] != path.name[:2]:
                raise SystemExit(f"{path.name}: '#| solution: {key}' names another lesson's exercise.")
            code = rest.strip("\n")
            solutions[key] = f"{solutions[key]}\n\n{code}" if key in solutions else code  # cells in order
    return solutions


def code_cells(path: Path) -> list[str]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]


def exported_cells(path: Path) -> list[ExportedCell]:
    cells = []
    for source in code_cells(path):
        first, _, rest = source.partition("\n")
        match = MARKER.match(first.strip())
        if match:
            cells.append(ExportedCell(path, match.group(1), rest.strip("\n")))
        elif first.strip().startswith("#| export"):
            raise SystemExit(f"{path.name}: a cell starts with {first.strip()!r}; write '#| export: module_name'.")
    return cells


def check_definitions_only(cell: ExportedCell) -> ast.Module:
    """An exported cell may only define (functions, classes, constants): importing a module must not train or print."""
    tree = ast.parse(cell.code)
    allowed = (ast.FunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign, ast.Import, ast.ImportFrom)
    for node in tree.body:
        if not isinstance(node, allowed):
            raise SystemExit(
                f"{cell.notebook.name}: a cell marked '#| export: {cell.module}' runs code at line {node.lineno} "
                f"({ast.unparse(node)[:60]!r}). Exported cells only define functions and constants; move the rest to "
                "the next cell."
            )
    return tree


def defined_names(tree: ast.Module) -> list[str]:
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [target.id for target in node.targets if isinstance(target, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return names


def used_names(tree: ast.Module) -> set[str]:
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def lesson_imports(path: Path) -> dict[str, ast.stmt]:
    """Each name a lesson binds with a top-level import, and a one-name import statement that binds it."""
    bound: dict[str, ast.stmt] = {}
    for source in code_cells(path):
        try:
            tree = ast.parse(code_lines(source))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    bound[alias.asname or alias.name.split(".")[0]] = ast.Import(names=[alias])
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                for alias in node.names:
                    bound[alias.asname or alias.name] = ast.ImportFrom(module=node.module, names=[alias], level=0)
    return bound


def _section(statement: ast.stmt) -> int:
    module = statement.names[0].name if isinstance(statement, ast.Import) else statement.module
    top = module.split(".")[0]
    return 0 if top in sys.stdlib_module_names else 2 if top == FIRST_PARTY else 1


def imports_text(statements: list[ast.stmt]) -> str:
    """The import block as ruff's isort sorts it: stdlib, third party, first party; ``import`` lines before ``from``."""
    merged: dict[tuple[int, int, str], set[str]] = {}
    for statement in statements:
        if isinstance(statement, ast.Import):
            merged.setdefault((_section(statement), 0, ast.unparse(statement)), set())
        else:
            merged.setdefault((_section(statement), 1, statement.module), set()).add(ast.unparse(statement.names[0]))
    blocks: dict[int, list[str]] = {}
    for section, kind, text in sorted(merged, key=lambda key: (key[0], key[1], key[2].lower())):
        names = merged[(section, kind, text)]
        line = text if kind == 0 else f"from {text} import {', '.join(sorted(names, key=str.lower))}"
        blocks.setdefault(section, []).append(line)
    return "\n\n".join("\n".join(lines) for _, lines in sorted(blocks.items()))


def module_text(module: str, cells: list[ExportedCell]) -> tuple[str, list[str]]:
    """The generated module's source, and the functions and classes it defines (constants stay in the module)."""
    trees = [check_definitions_only(cell) for cell in cells]
    names = [name for tree in trees for name in defined_names(tree)]
    needed = set().union(*(used_names(tree) for tree in trees)) - set(names)
    callables = [node.name for tree in trees for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)]
    statements = []
    for path in dict.fromkeys(cell.notebook for cell in cells):
        available = lesson_imports(path)
        for name in sorted(needed & available.keys()):
            statements.append(available.pop(name))
    sources = "".join(f"- notebooks/{path.name}\n" for path in dict.fromkeys(cell.notebook for cell in cells))
    header = f'"""The code these lessons teach, as they write it:\n\n{sources}\n{HOW_TO_CHANGE}\n"""\n'
    body = "\n\n\n".join(cell.code for cell in cells)
    imports = imports_text(statements)
    text = f"{header}\n{imports}\n\n\n{body}\n" if imports else f"{header}\n\n{body}\n"
    return text, callables


def generated_files(notebooks: Path | None = None) -> dict[str, str]:
    """File name in mnist_helpers/lessons/ -> its text, for every module the lessons export, and the index."""
    notebooks = notebooks or NOTEBOOKS
    by_module: dict[str, list[ExportedCell]] = {}
    for path in lesson_paths(notebooks):
        for cell in exported_cells(path):
            by_module.setdefault(cell.module, []).append(cell)
    files: dict[str, str] = {}
    index: dict[str, str] = {}
    for module, cells in sorted(by_module.items()):
        files[f"{module}.py"], names = module_text(module, cells)
        for name in names:
            if name in index and index[name] != module:
                raise SystemExit(f"{name} is exported to {index[name]} and {module}: rename one of the two.")
            index[name] = module
    solutions = solution_cells(notebooks)
    if solutions:
        items = "".join(f"    {key!r}: {code!r},\n" for key, code in sorted(solutions.items()))
        files["solutions.py"] = (
            '"""The exercises\' solutions, as the solutions notebooks write them (cells marked ``#| solution: NN.K``)'
            ".\n\n"
            "Do not edit: change the solutions notebook's cell, then run  python .ci/export_lessons.py\n"
            f'"""\n\nSOLUTIONS = {{\n{items}}}\n'
        )
    entries = "".join(f'    "{name}": "{module}",\n' for name, module in sorted(index.items()))
    files["__init__.py"] = (
        '"""The code the lessons teach, written once in the lessons\' cells marked ``#| export: module``.\n\n'
        f"{HOW_TO_CHANGE}\n"
        '"""\n\n#: Every function the lessons export, and the module (in this package) that holds it.\n'
        f"EXPORTED = {{\n{entries}}}\n"
    )
    return files


def main(check: bool) -> int:
    files = generated_files()
    stale = []
    on_disk = {path.name for path in TARGET.glob("*.py")} if TARGET.exists() else set()
    for name, text in files.items():
        path = TARGET / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
            if not check:
                TARGET.mkdir(exist_ok=True)
                temporary = path.with_name(f".{name}.tmp")
                temporary.write_text(text, encoding="utf-8")
                temporary.replace(path)
    for name in sorted(on_disk - files.keys()):
        stale.append(name)
        if not check:
            (TARGET / name).unlink()
    for name in stale:
        print(("stale: " if check else "written: ") + f"mnist_helpers/lessons/{name}")
    if check and stale:
        print("Run  python .ci/export_lessons.py  to write the lessons' code into mnist_helpers/lessons/.")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv[1:]))
