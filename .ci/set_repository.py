"""Point the whole project at one GitHub repository: pyproject's Repository URL, every notebook's
Open-in-Colab badge and every Setup cell's ``repository = "..."`` (what it installs from in Colab).

pyproject.toml's ``[project.urls] Repository`` is the one place the URL lives; notebooks copy it
(Colab opens a notebook on its own, so each one must name the repository literally). After forking:

    python .ci/set_repository.py your-name/your-fork     # rewrite pyproject.toml and all notebooks
    python .ci/set_repository.py --check                 # exit 1 if a notebook disagrees with pyproject.toml

Badges always point at the notebook's own path on the ``main`` branch. Only those two links are touched;
cell outputs and everything else stay as they are.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BRANCH = "main"
OWNER_NAME = r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+"
BADGE_LINK = re.compile(rf"https://colab\.research\.google\.com/github/{OWNER_NAME}/blob/[^/\s)]+/[^\s)]+\.ipynb")
# The Setup cell installs ``mnist-helpers @ git+{repository}`` in Colab, from the line ``repository = "..."``.
INSTALL_URL = re.compile(rf'(?<=repository = ")https://github\.com/{OWNER_NAME}(?=")')
REPOSITORY_LINE = re.compile(r'^(Repository\s*=\s*)"[^"]*"', re.MULTILINE)


def repository_url(root: Path = ROOT) -> str:
    """The ``[project.urls] Repository`` of pyproject.toml, e.g. ``https://github.com/owner/name``."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    url = project.get("urls", {}).get("Repository", "")
    if not re.fullmatch(rf"https://github\.com/{OWNER_NAME}", url):
        raise SystemExit(
            f"{root / 'pyproject.toml'}: [project.urls] Repository is {url!r}; expected https://github.com/OWNER/NAME. "
            "Set it with: python .ci/set_repository.py OWNER/NAME"
        )
    return url


def notebooks(root: Path = ROOT) -> list[Path]:
    return sorted(p for p in (root / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def badge_link(url: str, notebook: Path, root: Path = ROOT) -> str:
    """The Colab link that opens ``notebook`` (its own path) from the repository at ``url``."""
    owner_name = url.removeprefix("https://github.com/")
    return (
        f"https://colab.research.google.com/github/{owner_name}/blob/{BRANCH}/{notebook.relative_to(root).as_posix()}"
    )


def install_spec(url: str) -> str:
    """What a Setup cell's ``repository = "..."`` line holds: the repository URL itself."""
    return url


def rewrite_notebook(path: Path, url: str, root: Path = ROOT) -> bool:
    """Set the badge and the install line of one notebook; return True if the file changed."""
    text = path.read_text(encoding="utf-8")
    notebook = json.loads(text)
    for cell in notebook["cells"]:
        source = cell["source"]
        joined = "".join(source) if isinstance(source, list) else source
        new = BADGE_LINK.sub(badge_link(url, path, root), joined)
        new = INSTALL_URL.sub(lambda _: install_spec(url), new)
        if new != joined:
            cell["source"] = new.splitlines(keepends=True) if isinstance(source, list) else new
    new_text = json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if new_text == text:
        return False
    path.write_text(new_text, encoding="utf-8")
    return True


def problems(url: str, root: Path = ROOT) -> list[str]:
    """Every place where a notebook's badge or install line does not match ``url``."""
    found = []
    for path in notebooks(root):
        sources = ["".join(c["source"]) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]]
        where = path.relative_to(root)
        badges = [link for source in sources for link in BADGE_LINK.findall(source)]
        if badges != [badge_link(url, path, root)]:
            found.append(f"{where}: badge links {badges or 'missing'}, expected [{badge_link(url, path, root)}]")
        installs = [spec for source in sources for spec in INSTALL_URL.findall(source)]
        if installs != [install_spec(url)]:
            found.append(f"{where}: Setup cell installs from {installs or 'nowhere'}, expected ['{install_spec(url)}']")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repository", nargs="?", help="OWNER/NAME on GitHub, e.g. your-name/mnist-keras-lessons")
    parser.add_argument("--check", action="store_true", help="only check that notebooks match pyproject.toml")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if args.check:
        url = repository_url(root)
        found = problems(url, root)
        for problem in found:
            print(problem)
        print(f"{len(found)} problem(s); repository {url}" if found else f"All notebooks point at {url}")
        return 1 if found else 0
    if not args.repository or not re.fullmatch(OWNER_NAME, args.repository):
        parser.error("give the repository as OWNER/NAME, e.g. your-name/mnist-keras-lessons (or use --check)")
    url = f"https://github.com/{args.repository.removesuffix('.git')}"
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    if not REPOSITORY_LINE.search(text):
        raise SystemExit(f"{pyproject}: no 'Repository = \"...\"' line under [project.urls] to rewrite.")
    pyproject.write_text(REPOSITORY_LINE.sub(lambda m: f'{m.group(1)}"{url}"', text, count=1), encoding="utf-8")
    changed = [path for path in notebooks(root) if rewrite_notebook(path, url, root)]
    print(f"Repository is now {url}: pyproject.toml and {len(changed)} notebook(s) updated.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
