"""Colab portability: every notebook opens from, and installs from, the one repository in pyproject.toml; its
Setup cell installs quietly there (one line, or an error that says what to check); the package installs
non-editable from a clean clone (as the Setup cell does in Colab) with working imports; and pyproject.toml accepts
Colab's own versions, listed in .ci/colab-pins.txt (`make colab-test` runs every notebook with them).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
import types
from pathlib import Path

import pytest
from notebook_list import NOTEBOOKS, notebooks_in
from packaging.requirements import Requirement
from scripts import load_script

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
REPOSITORY = PROJECT["urls"]["Repository"]
COLAB_PINS = ROOT / ".ci" / "colab-pins.txt"


def _colab_pins() -> dict[str, str]:
    """Colab's versions from .ci/colab-pins.txt: ``name==version`` lines, and ``# python==3.13``."""
    pins = {}
    for line in COLAB_PINS.read_text(encoding="utf-8").splitlines():
        if match := re.fullmatch(r"(?:# )?([A-Za-z0-9_.-]+)==([0-9][^\s#]*)", line.strip()):
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


COLAB_VERSIONS = _colab_pins()
# The Setup cell (cell 1) of every notebook, word for word: in Colab it installs the helpers from the repository
# (one line on success, a RuntimeError saying what to check on failure); elsewhere it only imports and sets up.
SETUP_CELL = textwrap.dedent(
    r"""
    # Setup: run this cell first. In Google Colab it also installs the lesson helpers.
    import sys

    if "google.colab" in sys.modules:
        import subprocess

        repository = "REPOSITORY"
        pip = [sys.executable, "-m", "pip", "install", "--quiet", f"mnist-helpers @ git+{repository}"]
        installed = subprocess.run(pip, capture_output=True, text=True)
        if installed.returncode != 0:
            pip_said = "\n".join(installed.stderr.strip().splitlines()[-20:])
            raise RuntimeError(
                f"Could not install the lesson helpers from {repository}\n\npip said:\n{pip_said}\n\n"
                "Check that Colab is connected to the internet and that the address above opens in your browser, "
                "then run this cell again."
            )
        print("Lesson helpers installed.")

    import mnist_helpers as mh

    mh.setup_notebook(seed=42)  # quiet TensorFlow's start-up logs, fix random seeds, report quick mode
    """
).strip()


def _set_repository_module():
    return load_script(ROOT / ".ci" / "set_repository.py")


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


def test_every_notebook_has_the_same_quiet_setup_cell():
    setups = {path.relative_to(ROOT).as_posix(): _source(_cells(path)[1]) for path in NOTEBOOKS}
    assert len(setups) == 20, f"expected 10 lessons and 10 solutions, found {sorted(setups)}"
    expected = SETUP_CELL.replace("REPOSITORY", REPOSITORY)
    different = sorted(name for name, source in setups.items() if source != expected)
    assert not different, f"cell 1 (Setup) differs from tests/test_colab.py's SETUP_CELL in {different}"


def test_setup_cell_is_the_only_cell_that_installs():
    for path in NOTEBOOKS:
        installs = [i for i, c in enumerate(_cells(path)) if c["cell_type"] == "code" and "pip" in _source(c)]
        assert installs == [1], f"{path.name}: only the Setup cell (1) may install packages, found pip in {installs}"


def test_setup_cell_never_upgrades_what_colab_has():
    assert not re.search(r'"(--upgrade|-U|--force-reinstall)"', SETUP_CELL), "it would replace Colab's TensorFlow"


def _run_setup_cell(monkeypatch, in_colab: bool, pip_result=None, source: str | None = None) -> list[list[str]]:
    """Execute the Setup cell as written in lesson 01, with a stand-in ``google.colab`` when ``in_colab``.

    ``pip_result(command)`` (if given) replaces ``subprocess.run``; ``setup_notebook`` is replaced by a stub
    that prints nothing, so what is printed is the install's alone. Returns the commands the cell ran.
    """
    import mnist_helpers

    commands = []
    if pip_result is not None:

        def fake_run(command, **kwargs):
            commands.append(command)
            assert kwargs == {"capture_output": True, "text": True}
            return pip_result(command)

        monkeypatch.setattr(subprocess, "run", fake_run)
    if in_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    seeds = []
    monkeypatch.setattr(mnist_helpers, "setup_notebook", lambda seed: seeds.append(seed))
    exec(compile(source or _source(_cells(NOTEBOOKS[0])[1]), "<Setup cell>", "exec"), {"__name__": "__main__"})
    assert seeds == [42], "the cell must end by calling mh.setup_notebook(seed=42)"
    return commands


def test_setup_cell_outside_colab_installs_nothing_and_prints_nothing(monkeypatch, capsys):
    commands = _run_setup_cell(monkeypatch, in_colab=False, pip_result=lambda c: pytest.fail(f"ran {c}"))
    assert commands == []
    assert capsys.readouterr() == ("", "")


def test_setup_cell_in_colab_shows_one_line_when_the_install_works(monkeypatch, capsys):
    def pip_works(command):
        noise = "WARNING: Running pip as the 'root' user can result in broken permissions\n"
        return subprocess.CompletedProcess(command, 0, stdout="", stderr=noise)

    commands = _run_setup_cell(monkeypatch, in_colab=True, pip_result=pip_works)
    assert commands == [[sys.executable, "-m", "pip", "install", "--quiet", f"mnist-helpers @ git+{REPOSITORY}"]]
    assert capsys.readouterr() == ("Lesson helpers installed.\n", "")


def test_setup_cell_in_colab_says_what_failed_and_what_to_check(monkeypatch, capsys):
    pip_output = [f"pip line {i}" for i in range(30)] + [
        f"fatal: repository '{REPOSITORY}/' not found",
        "error: subprocess-exited-with-error",
    ]

    def pip_fails(command):
        return subprocess.CompletedProcess(command, 1, stdout="", stderr="\n".join(pip_output) + "\n")

    with pytest.raises(RuntimeError) as raised:
        _run_setup_cell(monkeypatch, in_colab=True, pip_result=pip_fails)
    message = str(raised.value)
    assert message.startswith(f"Could not install the lesson helpers from {REPOSITORY}\n")
    assert "\n".join(pip_output[-20:]) in message and "pip line 11\n" not in message, "pip's last 20 lines"
    assert message.endswith("opens in your browser, then run this cell again.")
    assert capsys.readouterr() == ("", ""), "nothing but the error: no 'installed' line"


def test_setup_cell_in_colab_reports_a_real_pip_failure(monkeypatch, capsys, tmp_path):
    """Real pip, no network: a repository that is not there (a local folder that does not exist)."""
    if shutil.which("git") is None:
        pytest.skip("pip needs git to install from a git URL")
    missing = f"file://{tmp_path / 'no-such-repository'}"
    source = _source(_cells(NOTEBOOKS[0])[1]).replace(f'repository = "{REPOSITORY}"', f'repository = "{missing}"')
    assert missing in source
    with pytest.raises(RuntimeError) as raised:
        _run_setup_cell(monkeypatch, in_colab=True, source=source)
    message = str(raised.value)
    assert f"Could not install the lesson helpers from {missing}\n\npip said:\n" in message
    assert "git clone" in message and "did not run successfully" in message, message
    assert capsys.readouterr() == ("", "")


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


def test_colab_pins_name_their_evidence_and_the_lessons_packages():
    header = COLAB_PINS.read_text(encoding="utf-8")
    assert "googlecolab/backend-info" in header and re.search(r"\b20\d\d-\d\d-\d\d\b", header), (
        "say where Colab's versions come from and when"
    )
    dependencies = {Requirement(d).name for d in PROJECT["dependencies"]}
    assert dependencies <= set(COLAB_VERSIONS), f"pin Colab's version of {dependencies - set(COLAB_VERSIONS)} too"
    assert {"python", "keras", "ipykernel", "ipython", "notebook", "widgetsnbextension"} <= set(COLAB_VERSIONS)


def test_colab_check_uses_the_pins_file():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^\$\(COLAB_STAMP\): \.ci/colab-pins\.txt$", makefile, re.MULTILINE), "rebuild on a new pin"
    assert "make colab-test" in [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]


@pytest.mark.parametrize("package", sorted({Requirement(d).name for d in PROJECT["dependencies"]} | {"python"}))
def test_dependencies_accept_what_colab_already_has(package):
    if package == "python":
        requirement = Requirement(f"python{PROJECT['requires-python']}")
    else:
        requirement = next(Requirement(d) for d in PROJECT["dependencies"] if Requirement(d).name == package)
    colab = COLAB_VERSIONS[package]
    assert requirement.specifier.contains(colab), (
        f"{requirement} would make pip replace Colab's {package} {colab}: use a lower bound only"
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


def test_package_holds_every_tracked_helper_file(clean_install):
    """Every tracked file of the package is installed: the modules and the drawing pad's JavaScript and CSS."""
    clone, site = clean_install
    listed = _run(["git", "ls-files", "mnist_helpers"], cwd=clone).stdout.split()
    tracked = {Path(p).relative_to("mnist_helpers").as_posix() for p in listed}
    packaged = {p.relative_to(site / "mnist_helpers").as_posix() for p in (site / "mnist_helpers").rglob("*.*")}
    assert {name for name in tracked if name.endswith(".py")}, "no mnist_helpers modules tracked in the clone"
    assert {name for name in tracked if name.endswith(".js")}, "the drawing pad's JavaScript should be tracked"
    assert tracked <= packaged, (
        f"missing from the installed package (add them to [tool.setuptools] or its package-data): {tracked - packaged}"
    )


def test_the_installed_drawing_pad_serves_its_javascript_and_css(clean_install, tmp_path):
    """anywidget reads the pad's files from beside the installed module: they reach the browser as text."""
    _, site = clean_install
    script = "\n".join(
        [
            "import os",
            "os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'",
            "from mnist_helpers.drawing_pad import DrawingCanvas, PhotoUpload",
            "canvas, upload = DrawingCanvas(), PhotoUpload()",
            "assert 'export default' in canvas._esm and 'pointerdown' in canvas._esm, canvas._esm[:200]",
            "assert '.mnist-drawing-canvas' in canvas._css, canvas._css[:200]",
            "assert 'export default' in upload._esm and 'toDataURL' in upload._esm, upload._esm[:200]",
            "import mnist_helpers.drawing_pad as pad",
            f"assert pad.__file__.startswith({str(site)!r}), pad.__file__",
            "print('served')",
        ]
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = _run([sys.executable, "-c", script], cwd=tmp_path, env=env)
    assert result.returncode == 0 and "served" in result.stdout, result.stderr[-2000:]


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
    committed = notebooks_in(clone)
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
