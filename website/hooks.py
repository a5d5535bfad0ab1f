"""MkDocs hooks (website/mkdocs.yml `hooks:`) that fix two things mkdocs-jupyter leaves wrong on notebook pages.

1. Links between notebooks: a lesson links to `solutions/01_x_solutions.ipynb`; mkdocs-jupyter renders notebooks to
   HTML itself, so MkDocs never turns such links into the pages' addresses. They are pointed at the pages here.
2. The page's table of contents: mkdocs-jupyter makes it from a Markdown copy of the notebook, whose heading ids
   lose inline code (heading "What `validation_split=0.2` takes" gets "#what-takes"), while nbconvert's headings on
   the page keep it ("#what-validation_split02-takes"). The contents are rebuilt from the page's own headings.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from mkdocs.structure.toc import get_toc

NOTEBOOK_LINK = re.compile(r'href="([^"#:]+)\.ipynb(#[^"]*)?"')
ANCHORED_HEADING = re.compile(r'<h([1-6]) id="([^"]+)">(.*?)<a class="anchor-link"', re.DOTALL)
TAG = re.compile(r"<[^>]+>")


def on_page_content(content: str, page: Any, config: Any, files: Any) -> str:
    if not page.file.src_uri.endswith(".ipynb"):
        return content
    content = _link_notebooks_to_pages(content, page, files)
    page.toc = get_toc(_toc_tokens(content))
    return content


def _link_notebooks_to_pages(content: str, page: Any, files: Any) -> str:
    folder = posixpath.dirname(page.file.src_uri)

    def to_page(match: re.Match[str]) -> str:
        target = posixpath.normpath(posixpath.join(folder, match.group(1) + ".ipynb"))
        linked = files.get_file_from_path(target)
        if linked is None or not linked.is_documentation_page():
            return match.group(0)
        return f'href="{linked.url_relative_to(page.file)}{match.group(2) or ""}"'

    return NOTEBOOK_LINK.sub(to_page, content)


def _toc_tokens(content: str) -> list[dict[str, Any]]:
    """Nested TOC tokens (as Python-Markdown's toc extension makes them) from nbconvert's anchored headings."""
    root: list[dict[str, Any]] = []
    stack: list[dict[str, Any]] = []
    for level, anchor, inner in ANCHORED_HEADING.findall(content):
        # As in Python-Markdown's tokens, the name stays HTML (entities escaped); the id is the attribute's text.
        token = {"level": int(level), "id": anchor, "name": TAG.sub("", inner).strip(), "html": "",
                 "data-toc-label": "", "children": []}  # fmt: skip
        while stack and stack[-1]["level"] >= token["level"]:
            stack.pop()
        (stack[-1]["children"] if stack else root).append(token)
        stack.append(token)
    return root
