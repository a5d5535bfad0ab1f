"""Build the lessons' static site (build/site/) from executed copies of every lesson and solution.

    .venv/bin/python website/build_site.py            # full mode: reuses `make full-run`'s build/executed/
    .venv/bin/python website/build_site.py --quick    # quick mode (MNIST_QUICK=1), executed into build/quick/

An executed copy is current when .ci/run_lessons.py (the runner of `make full-run`) stamped it (metadata
"mnist_lessons_run") in the same mode, without error, from a notebook and a mnist_helpers/ whose SHA-256 still
match. Whatever is missing or stale is executed with the runner's `execute_notebooks`, in order, on fresh kernels;
the others are reused. Then MkDocs (Material theme, mkdocs-jupyter) renders website/mkdocs.yml: a landing page
made from the parts of README.md between `<!-- site:start -->` and `<!-- site:end -->` lines, a page per notebook
with its outputs, widgets as static snapshots (website/widget_snapshot.py), and the clean notebooks to download.
Nothing is downloaded. The exit code is 1 if a notebook raised (its page then shows the error), 2 if the site could
not be built.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import posixpath
import re
import shutil
import sys
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RUN_LESSONS = ROOT / ".ci" / "run_lessons.py"
STAMP_KEY = "mnist_lessons_run"
# README.md's lines that open and close a part of the landing page, e.g. "<!-- site:start -->" (a comment: GitHub
# shows nothing). Headings between them can change freely.
SITE_MARKER = re.compile(r"^<!-- site:(start|end)\b.*-->\s*$")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


def load_run_lessons() -> ModuleType:
    """The notebook runner, .ci/run_lessons.py, imported from its file: .ci/ is a folder of scripts, not a package."""
    spec = importlib.util.spec_from_file_location("run_lessons", RUN_LESSONS)
    run_lessons = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = run_lessons  # its dataclass looks its module up there
    spec.loader.exec_module(run_lessons)
    return run_lessons


def is_current(source: Path, executed: Path, mode: str, helpers_sha256: str) -> bool:
    """Whether ``executed`` is a successful run, in ``mode``, of ``source`` as it is now and of today's helpers."""
    import hashlib

    if not executed.is_file():
        return False
    try:
        stamp = json.loads(executed.read_text(encoding="utf-8")).get("metadata", {}).get(STAMP_KEY, {})
    except (OSError, ValueError):
        return False
    return (
        stamp.get("mode") == mode
        and stamp.get("ok") is True
        and stamp.get("source_sha256") == hashlib.sha256(source.read_bytes()).hexdigest()
        and stamp.get("helpers_sha256") == helpers_sha256
    )


def site_parts(readme: str) -> str:
    """README's parts marked for the site, in order, without the marker lines.

    Each part starts after a ``<!-- site:start -->`` line and ends before the next ``<!-- site:end -->`` line.
    """
    parts: list[str] = []
    part: list[str] | None = None
    opened = 0
    for number, line in enumerate(readme.splitlines(), start=1):
        marker = SITE_MARKER.match(line)
        if not marker:
            if part is not None:
                part.append(line)
        elif marker.group(1) == "start":
            if part is not None:
                raise SystemExit(f"README.md, line {number}: a second <!-- site:start --> before the part opened on "
                                 f"line {opened} was closed. Put <!-- site:end --> before it.")  # fmt: skip
            part, opened = [], number
        else:
            if part is None:
                raise SystemExit(f"README.md, line {number}: <!-- site:end --> without a <!-- site:start --> "
                                 "before it. Remove it, or open the part it should close.")  # fmt: skip
            parts.append("\n".join(part).strip())
            part = None
    if part is not None:
        raise SystemExit(f"README.md, line {opened}: this <!-- site:start --> is never closed. Put "
                         "<!-- site:end --> after the last line the site's landing page should show.")  # fmt: skip
    if not any(parts):
        raise SystemExit("README.md marks nothing for the site's landing page: put <!-- site:start --> and "
                         "<!-- site:end --> lines around the sections it should show.")  # fmt: skip
    return "\n\n".join(part for part in parts if part) + "\n"


def rewrite_link(target: str, repository: str) -> str:
    """A README link as the landing page needs it: notebooks stay (the site mirrors notebooks/), files go to GitHub."""
    if re.match(r"^[a-z]+:|^#", target):
        return target
    if target.rstrip("/") == "notebooks/solutions":
        return "notebooks/solutions/index.md"
    if target.startswith("notebooks/") and target.endswith(".ipynb"):
        return target
    return f"{repository}/blob/main/{target}"


def link_out_of_the_site(target: str, page: str, repository: str) -> str:
    """A lesson's link as its site page needs it: a file outside notebooks/ (benchmarks/README.md#lesson-times) is not
    on the site, so it goes to GitHub; links between notebooks, anchors and web addresses stay. ``page`` is the
    notebook's path in the repository, e.g. ``notebooks/04_training_the_original.ipynb``."""
    if re.match(r"^[a-z]+:|^#", target):
        return target
    path, hash_, fragment = target.partition("#")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
    if resolved.startswith(("notebooks/", "../")):
        return target
    return rewrite_link(f"{resolved}{hash_}{fragment}", repository)  # from the repository's root, as README's are


def relink_markdown(notebook: dict, page: str, repository: str) -> None:
    """Point the markdown cells' links to files the site does not hold at GitHub (see `link_out_of_the_site`)."""
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"])
            cell["source"] = MARKDOWN_LINK.sub(
                lambda m: f"]({link_out_of_the_site(m.group(1), page, repository)})", source
            )


def landing_page(readme: str, repository: str, mode: str, failed: Sequence[str]) -> str:
    """index.md: README's parts marked for the site, its links fixed, and after its title a note on how the site
    was made."""
    note = (
        f'!!! info "About this site"\n    Every lesson and solution below was executed in **{mode} mode** '
        "when the site was built, so each page shows the figures, tables and printed results of that run. "
        "Each page has *Open in Colab* and *Download notebook* buttons. Widgets appear as a static snapshot "
        "of their state: they are interactive in JupyterLab and Colab.\n"
    )
    if mode == "quick":
        note += "    Quick mode uses less data and fewer epochs, so its accuracies are lower than a learner gets.\n"
    if failed:
        note += f'\n!!! failure "These notebooks raised an error when the site was built"\n    {", ".join(failed)}\n'
    page = MARKDOWN_LINK.sub(lambda m: f"]({rewrite_link(m.group(1), repository)})", site_parts(readme))
    title, _, rest = page.partition("\n") if page.startswith("# ") else ("", "", page)
    return "\n\n".join(part for part in (title, note, rest.strip()) if part) + "\n"


def solutions_index(solutions: Sequence[Path]) -> str:
    """notebooks/solutions/index.md: the README links to the solutions folder; this is its page."""
    lines = ["# Solutions", "", "The exercises' solutions, one notebook per lesson:", ""]
    lines += [f"- [{path.stem.replace('_', ' ')}]({path.name})" for path in solutions]
    return "\n".join(lines) + "\n"


def repository_url(pyproject: Path) -> str:
    """The repository's address: `[project.urls] Repository` in pyproject.toml, its one home."""
    return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["urls"]["Repository"].rstrip("/")


def stage_docs(notebooks: Path, paths: Sequence[Path], executed: Path, docs: Path, readme: Path,
               repository: str, mode: str, failed: Sequence[str]) -> None:  # fmt: skip
    """Lay out MkDocs' docs folder: landing page, executed notebooks (widgets made static), clean downloads."""
    import widget_snapshot

    shutil.rmtree(docs, ignore_errors=True)
    (docs / "downloads").mkdir(parents=True)
    shutil.copytree(HERE / "assets", docs / "assets")
    for path in paths:
        relative = path.relative_to(notebooks)
        notebook = json.loads((executed / relative).read_text(encoding="utf-8"))
        widget_snapshot.replace_widget_outputs(notebook)
        relink_markdown(notebook, f"notebooks/{relative.as_posix()}", repository)
        target = docs / "notebooks" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")
        shutil.copyfile(path, docs / "downloads" / path.name)  # the clean notebook, as committed
    solutions = [path for path in paths if path.parent.name == "solutions"]
    if solutions:
        (docs / "notebooks" / "solutions" / "index.md").write_text(solutions_index(solutions), encoding="utf-8")
    page = landing_page(readme.read_text(encoding="utf-8"), repository, mode, failed)
    (docs / "index.md").write_text(page, encoding="utf-8")


def pages_url(repository: str) -> str:
    """Where GitHub Pages publishes the repository's site: https://OWNER.github.io/NAME/."""
    owner, name = repository.split("github.com/")[-1].split("/")[:2]
    return f"https://{owner.lower()}.github.io/{name}/"


def navigation(pages: Sequence[str]) -> list[dict[str, Any]]:
    """The menu (and so the previous/next order): home, the lessons, then the solutions, each in number order."""
    lessons = [page for page in pages if not page.startswith("notebooks/solutions/")]
    solutions = [page for page in pages if page.startswith("notebooks/solutions/")]
    menu: list[dict[str, Any]] = [{"Home": "index.md"}, {"Lessons": lessons}]
    if solutions:
        menu.append({"Solutions": ["notebooks/solutions/index.md", *solutions]})
    return menu


def render_site(docs: Path, site: Path, repository: str, mode: str, cache: Path, pages: Sequence[str]) -> None:
    """MkDocs build (strict: a broken link between pages fails it) of website/mkdocs.yml into ``site``."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(
        str(HERE / "mkdocs.yml"),
        docs_dir=str(docs),
        site_dir=str(site),
        nav=navigation(pages),
        site_url=pages_url(repository),  # the 404 page links to the site's root by this address's path
        repo_url=repository,
        strict=True,
        extra={"colab_url": f"https://colab.research.google.com/github/{repository.split('github.com/')[-1]}/blob/main",
               "mode": mode},
    )  # fmt: skip
    for plugin in config.plugins.values():  # mkdocs-jupyter's render cache: under build/, not the working folder
        if hasattr(plugin, "config") and "cache_dir" in plugin.config:
            plugin.config["cache_dir"] = str(cache)
    build(config)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="quick mode (MNIST_QUICK=1); default is full mode")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks", help="folder with the lessons")
    parser.add_argument("--build", type=Path, default=ROOT / "build", help="build folder (git-ignored)")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md", help="source of the landing page")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell (default 1800)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    start = time.perf_counter()
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", level=logging.WARNING)  # MkDocs' warnings
    # nbconvert warns of every figure without alt text (it then gives them a generic one): noise on each build.
    logging.getLogger("traitlets").addFilter(lambda record: "Alternative text is missing" not in record.getMessage())
    run_lessons = load_run_lessons()
    notebooks, build = args.notebooks.resolve(), args.build.resolve()
    mode = "quick" if args.quick else "full"
    runs = build / "quick" if args.quick else build  # full mode shares `make full-run`'s folders
    executed = runs / "executed"
    paths = run_lessons.find_notebooks(notebooks, include_solutions=True)
    if not paths:
        print(f"No notebooks named NN_slug.ipynb found in {notebooks}.", file=sys.stderr)
        return 2

    helpers = run_lessons.helpers_sha256()
    stale = [p for p in paths if not is_current(p, executed / p.relative_to(notebooks), mode, helpers)]
    print(f"Site in {mode} mode: {len(paths) - len(stale)} executed copies current in {executed}, "
          f"{len(stale)} to execute", flush=True)  # fmt: skip
    run_lessons.use_mode_and_models(args.quick, runs / "saved_models")
    results = run_lessons.execute_notebooks(stale, notebooks, executed, args.timeout)
    failed = [r.notebook for r in results if not r.ok]
    if results:
        print(run_lessons.markdown_table(results))

    repository = repository_url(ROOT / "pyproject.toml")
    docs, site = build / "site-docs", build / "site"
    stage_docs(notebooks, paths, executed, docs, args.readme, repository, mode, failed)
    try:
        pages = [f"notebooks/{path.relative_to(notebooks)}" for path in paths]
        render_site(docs, site, repository, mode, build / "mkdocs-jupyter-cache", pages)
    except Exception as failure:  # mkdocs reports the page and link; say where the site would have been
        print(f"The site could not be built into {site}: {type(failure).__name__}: {failure}", file=sys.stderr)
        return 2
    info = {
        "mode": mode,
        "site_url": pages_url(repository),
        "notebooks": [str(p.relative_to(notebooks)) for p in paths],
        "failed": failed,
    }
    (site / "site-info.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    print(f"Site: {site / 'index.html'} ({mode} mode, {time.perf_counter() - start:.0f} s)")
    return run_lessons.exit_code(results, note=" (their pages show the error)")


if __name__ == "__main__":
    sys.exit(main())
