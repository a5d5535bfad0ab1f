"""Colab portability: every notebook opens from, and installs from, the one repository in pyproject.toml,
and the package installs non-editable from a clean clone (as Colab's %pip does) with working imports.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
REPOSITORY = PROJECT["urls"]["Repository"]
COLAB_GUARD = 'if "google.colab" in sys.modules:'
# What Colab ships (2025: ipywidgets 7.7.1, TensorFlow 2.19): our lower bounds must accept them, never force a change.
COLAB_VERSIONS = {"ipywidgets": "7.7.1", "tensorflow": "2.19.0"}


def _set_repository_module():
    spec = importlib.util.spec_from_file_location("set_repository", ROOT / ".ci" / "set_repository.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _python_without_magics(source: str) -> str:
    """Cell source with IPython magics and shell lines (``%...``, ``!...``) replaced by ``pass``."""
    return "\n".join(
        re.sub(r"^(\s*)[%!].*$", r"\1pass", line) for line in source.splitlines()
    )  # keeps indentation, so an `if` whose body was a magic stays valid


def test_pyproject_names_one_github_repository():
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", REPOSITORY), REPOSITORY


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_badge_opens_this_notebook_from_the_repository(path):
    owner_name = REPOSITORY.removeprefix("https://github.com/")
    expected = (
        "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
        f"(https://colab.research.google.com/github/{owner_name}/blob/main/{path.relative_to(ROOT).as_posix()})"
    )
    opening = _source(_cells(path)[0])
    assert expected in opening.splitlines(), f"the first cell needs this badge on a line of its own:\n{expected}"
    links = re.findall(r"https://colab\.research\.google\.com/github/[^)\s]+", "".join(map(_source, _cells(path))))
    assert len(links) == 1, f"one Colab link per notebook, found {links}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_setup_cell_installs_from_the_repository_only_in_colab(path):
    setup = _source(next(c for c in _cells(path) if c["cell_type"] == "code"))
    lines = setup.splitlines()
    pip_lines = [i for i, line in enumerate(lines) if re.search(r"\bpip\b.*\binstall\b", line)]
    assert len(pip_lines) == 1, f"the Setup cell needs exactly one pip install line, found {len(pip_lines)}"
    index = pip_lines[0]
    line = lines[index]
    assert line.strip().startswith("%pip install"), "use %pip (installs into the running kernel), not !pip"
    assert f'"mnist-helpers @ git+{REPOSITORY}"' in line, f"install from pyproject's repository: {REPOSITORY}"
    assert not re.search(r"(\s|^)(--upgrade|-U)(\s|$)", line), "never --upgrade: it would replace Colab's TensorFlow"
    guard = next(lines[i] for i in range(index - 1, -1, -1) if lines[i].strip())
    assert guard == COLAB_GUARD and line.startswith("    "), f"the %pip line must sit inside `{COLAB_GUARD}`"
    assert "import sys" in lines[:index], "import sys before testing sys.modules"
    others = [
        (i, _source(c))
        for i, c in enumerate(_cells(path))
        if c["cell_type"] == "code" and c["source"] and _source(c) != setup and re.search(r"[%!]\s*pip", _source(c))
    ]
    assert not others, f"only the Setup cell may install packages, found pip in cells {[i for i, _ in others]}"


def test_set_repository_check_passes():
    assert _set_repository_module().main(["--check"]) == 0


def test_set_repository_rewrites_a_fork_and_check_catches_a_stray_notebook(tmp_path):
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns("saved_models"))
    module = _set_repository_module()
    assert module.main(["--root", str(tmp_path), "learner/my-fork"]) == 0
    assert 'Repository = "https://github.com/learner/my-fork"' in (tmp_path / "pyproject.toml").read_text()
    assert module.main(["--root", str(tmp_path), "--check"]) == 0
    for path in module.notebooks(tmp_path):
        text = path.read_text(encoding="utf-8")
        assert "mnist-lessons/mnist-keras-lessons" not in text
        assert f"github/learner/my-fork/blob/main/{path.relative_to(tmp_path).as_posix()}" in text
    stray = module.notebooks(tmp_path)[0]
    stray.write_text(stray.read_text(encoding="utf-8").replace("learner/my-fork", "someone/else"), encoding="utf-8")
    assert module.main(["--root", str(tmp_path), "--check"]) == 1


@pytest.mark.parametrize("package", sorted(COLAB_VERSIONS))
def test_dependencies_accept_what_colab_already_has(package):
    requirement = next(Requirement(d) for d in PROJECT["dependencies"] if Requirement(d).name == package)
    assert requirement.specifier.contains(COLAB_VERSIONS[package]), (
        f"{requirement} would make pip replace Colab's {package} {COLAB_VERSIONS[package]}: use a lower bound only"
    )


# ----- a non-editable install from a clean clone, as Colab's %pip does --------------------------------------------


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def clean_install(tmp_path_factory):
    """Clone the repository (committed files only, like CI and Colab), then pip install it --no-deps into a folder."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    work = tmp_path_factory.mktemp("colab")
    clone, site = work / "clone", work / "site"
    cloned = _run(["git", "clone", "--quiet", str(ROOT), str(clone)])
    assert cloned.returncode == 0, cloned.stderr
    installed = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-cache-dir",
            "--target",
            str(site),
            str(clone),
        ]
    )
    if installed.returncode != 0 and re.search(
        r"(?i)(connection|network|resolve|Could not find a version)", installed.stderr
    ):
        pytest.skip(f"building the wheel needs setuptools from PyPI, which is unreachable: {installed.stderr[-300:]}")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return clone, site


def test_package_holds_every_tracked_helper_module(clean_install):
    clone, site = clean_install
    tracked = _run(["git", "ls-files", "mnist_helpers"], cwd=clone).stdout.split()
    modules = {Path(p).relative_to("mnist_helpers").as_posix() for p in tracked if p.endswith(".py")}
    packaged = {p.relative_to(site / "mnist_helpers").as_posix() for p in (site / "mnist_helpers").rglob("*.py")}
    assert modules, "no mnist_helpers modules tracked in the clone"
    assert modules <= packaged, (
        f"missing from the installed package (add them to [tool.setuptools]): {modules - packaged}"
    )


def test_installing_does_not_change_tensorflow_or_ipywidgets(clean_install, tmp_path):
    clone, _ = clean_install
    report = tmp_path / "report.json"
    result = _run([sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--report", str(report), str(clone)])
    if result.returncode != 0 and re.search(r"(?i)(connection|network|Could not find a version)", result.stderr):
        pytest.skip(f"pip could not reach PyPI to resolve: {result.stderr[-300:]}")
    assert result.returncode == 0, result.stderr
    would_install = {item["metadata"]["name"].lower() for item in json.loads(report.read_text())["install"]}
    protected = {"tensorflow", "keras", "ipywidgets", "numpy", "matplotlib", "jupyterlab_widgets", "widgetsnbextension"}
    assert not would_install & protected, f"installing the helpers would replace {would_install & protected}"
    assert "mnist-helpers" in would_install


def _notebook_imports(notebook: Path) -> list[str]:
    statements = []
    for cell in _cells(notebook):
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse(_python_without_magics(_source(cell)))
        statements += [ast.unparse(n) for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    return statements


def test_notebook_imports_work_from_the_installed_package(clean_install, tmp_path):
    clone, site = clean_install
    committed = sorted((clone / "notebooks").rglob("*.ipynb"))
    if not committed:
        pytest.skip("no notebooks committed yet: nothing to import")
    statements = sorted({s for notebook in committed for s in _notebook_imports(notebook)})
    assert "import mnist_helpers as mh" in statements
    script = "\n".join(
        [
            "import os, sys",
            "os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'",
            "import mnist_helpers",
            f"assert mnist_helpers.__file__.startswith({str(site)!r}), mnist_helpers.__file__",
            *statements,
            "print('imported', len(sys.modules), 'modules')",
        ]
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = _run([sys.executable, "-c", script], cwd=tmp_path, env=env)
    assert result.returncode == 0, f"{result.stderr[-2000:]}\n--- imports tried:\n" + "\n".join(statements)
