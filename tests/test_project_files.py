"""The project's own files: one dependency source, the README's commands, tidy notebooks."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from notebook_list import LESSONS, NOTEBOOKS
from scripts import load_script

ROOT = Path(__file__).resolve().parent.parent


def _load_tidy_module():
    return load_script(ROOT / ".ci" / "tidy_notebooks.py")


def test_environment_yml_installs_the_project_through_pip_only():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_packages = [d for d in env["dependencies"] if isinstance(d, str)]
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert sorted(re.split(r"[<>=]", d)[0] for d in conda_packages) == ["pip", "python"]
    assert any(d.startswith("python>=3.11") for d in conda_packages)
    assert pip_sections == [["-e .[lab,test]"]]


def test_pyproject_declares_dependencies_and_extras():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {re.split(r"[<>=\[ ]", d)[0] for d in project["dependencies"]}
    assert {"tensorflow", "numpy", "matplotlib", "ipywidgets"} <= names
    assert "tensorflow>=2.16" in project["dependencies"] and "ipywidgets>=7.7" in project["dependencies"]
    extras = project["optional-dependencies"]
    assert any(d.startswith("jupyterlab") for d in extras["lab"])
    assert {"pytest", "nbval"} <= {re.split(r"[<>=]", d)[0] for d in extras["test"]}


def _readme_command(name: str) -> str:
    readme = (ROOT / "README.md").read_text()
    match = re.search(rf"^\s*(make {name})\s*$", readme, re.MULTILINE)
    assert match, f"README.md must show the command `make {name}` on a line of its own"
    return match.group(1)


def test_ci_runs_the_readme_test_command():
    command = _readme_command("test")
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert command in ci_lines
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test:.*\n\tMNIST_QUICK=1 .*pytest --nbval-lax tests notebooks", makefile, re.MULTILINE)


def test_readme_lab_command_opens_the_notebooks_folder():
    _readme_command("lab")
    assert re.search(r"^lab:.*\n\t.*jupyter lab notebooks/", (ROOT / "Makefile").read_text(), re.MULTILINE)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_committed_tidy(path):
    tidy = _load_tidy_module()
    text = path.read_text(encoding="utf-8")
    notebook = json.loads(text)
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, "run: python .ci/tidy_notebooks.py"
    assert tidy.dumps(tidy.tidy(notebook)) == text, f"{path.name} is not tidy: run python .ci/tidy_notebooks.py"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_opens_with_its_title_then_setup(path):
    """Its Colab badge, right below the title, is checked in test_colab.py."""
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert "".join(cells[0]["source"]).startswith("# "), "the first cell starts with the lesson's title"
    first_code = next(c for c in cells if c["cell_type"] == "code")
    assert "setup_notebook(" in "".join(first_code["source"]), "the first code cell is the Setup cell"


def test_no_mnist_data_or_models_tracked():
    import subprocess

    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert not re.search(r"(idx[13]-ubyte|mnist\.npz|\.keras$|\.h5$)", tracked, re.MULTILINE)


def code_of(path: Path) -> str:
    return "\n".join(
        "".join(cell["source"]) for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_a_notebook_reaches_the_helpers_only_through_mh(path):
    """Lessons and solutions use `import mnist_helpers as mh` and public names, so the helpers' modules can move."""
    import mnist_helpers as mh
    from mnist_helpers.lessons import EXPORTED

    code = code_of(path)
    assert not re.findall(r"^\s*(?:from mnist_helpers\S* import|import mnist_helpers\.)", code, re.M), (
        f"{path.name} imports from inside mnist_helpers: use `import mnist_helpers as mh` and mh.<name>"
    )
    public = set(mh.__all__) | set(mh._ON_FIRST_USE) | set(EXPORTED)
    unknown = sorted(set(re.findall(r"\bmh\.(\w+)", code)) - public)
    assert not unknown, f"{path.name} uses mh.{unknown}, not public in mnist_helpers/__init__.py"


def test_the_installed_package_holds_every_module_and_browser_file():
    """What pip installs (Colab installs from git) is found from pyproject.toml: every folder of Python code under
    mnist_helpers/ and every other file there (the drawing pad's JavaScript and CSS)."""
    import fnmatch
    import subprocess

    from setuptools import find_packages

    setuptools_config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    installed = set(find_packages(str(ROOT), include=setuptools_config["packages"]["find"]["include"]))
    tracked = subprocess.run(
        ["git", "ls-files", "mnist_helpers"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    code_folders = {str(Path(name).parent).replace("/", ".") for name in tracked if name.endswith(".py")}
    assert code_folders <= installed, f"not installed: {sorted(code_folders - installed)}"
    data = setuptools_config["package-data"]
    for name in tracked:
        if not name.endswith(".py"):
            package = str(Path(name).parent).replace("/", ".")
            patterns = data.get(package, [])
            assert any(fnmatch.fnmatch(Path(name).name, p) for p in patterns), f"{name} is not package data"


@pytest.mark.parametrize("name", ["README.md", "benchmarks/README.md"])
def test_no_section_is_written_twice(name):
    """Two sections of one name in a README are a bad edit or merge: links land on the first, readers meet both."""
    headings = [line.strip() for line in (ROOT / name).read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    repeated = sorted({heading for heading in headings if headings.count(heading) > 1})
    assert not repeated, f"{name} has these headings more than once: {repeated}"
