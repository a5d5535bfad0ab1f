"""The static site (website/build_site.py, `make site`): its parts, and the built site as a reader sees it.

The checks of the built site need `make site-quick` (or `make site`) first: without a site they skip locally and
fail under CI (CI=true), where .ci/run builds it before the tests. SITE_DIR checks another built site.
A headless-Chromium screenshot of lesson 04's page goes to artifacts/site/.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from notebook_list import NOTEBOOKS
from scripts import load_script

ROOT = Path(__file__).resolve().parent.parent
README_TEXT = (ROOT / "README.md").read_text(encoding="utf-8")
SITE = Path(os.environ.get("SITE_DIR", ROOT / "build" / "site"))
ARTIFACTS = ROOT / "artifacts" / "site"
TRACEBACK = "Traceback (most recent call last)"


build_site = load_script(ROOT / "website" / "build_site.py")
widget_snapshot = load_script(ROOT / "website" / "widget_snapshot.py")


# ---------------------------------------------------------------- reading a built site


class _PageParser(HTMLParser):
    """Links (href/src), element ids, output images and the visible text of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.images: list[str] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._skip = 0  # inside <script> or <style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        if tag in {"script", "style"}:
            self._skip += 1
            if values.get("src"):
                self.scripts.append(values["src"])
        for name in ("href", "src"):
            if values.get(name):
                self.links.append(values[name])
        if tag == "img" and values.get("src", "").startswith("data:image/"):
            self.images.append(values["src"])

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def parse_page(path: Path) -> _PageParser:
    return _parse(path, path.stat().st_mtime_ns)  # parsed once per version of the file


@functools.cache
def _parse(path: Path, mtime_ns: int) -> _PageParser:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def page_for(notebook: str, site: Path = SITE) -> Path:
    """The page of ``notebook`` (relative to notebooks/, e.g. "solutions/01_x_solutions.ipynb")."""
    return site / "notebooks" / Path(notebook).with_suffix(".html")


def pages_showing_errors(site: Path) -> dict[str, str]:
    """Pages whose text shows a Python traceback (a cell that raised), with the line that names the error."""
    found = {}
    for path in sorted(site.rglob("*.html")):
        text = "".join(parse_page(path).text)
        if TRACEBACK in text:
            tail = text[text.index(TRACEBACK) :]
            error = next((line for line in tail.splitlines() if re.match(r"^\w+(Error|Exception)\b", line)), "")
            found[str(path.relative_to(site))] = error or tail[:200]
    return found


def broken_links(site: Path) -> list[str]:
    """Links between the site's own files whose target file (or #anchor in it) does not exist.

    Root-absolute links (only the 404 page has them) start with the path of the site's published address.
    """
    base = urlsplit(json.loads((site / "site-info.json").read_text(encoding="utf-8"))["site_url"]).path
    broken = []
    for path in sorted(site.rglob("*.html")):
        for link in parse_page(path).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("data:", "mailto:", "javascript:")):
                continue
            if parts.path.startswith("/"):
                if not parts.path.startswith(base):
                    broken.append(f"{path.relative_to(site)} -> {link} (outside the site's address {base})")
                    continue
                target = site / unquote(parts.path.removeprefix(base))
            else:
                target = path if not parts.path else (path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{path.relative_to(site)} -> {link} (no such file)")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in parse_page(target).ids:
                broken.append(f"{path.relative_to(site)} -> {link} (no such anchor)")
    return broken


def expected_notebooks() -> list[str]:
    """Every lesson and solution in notebooks/, relative to it."""
    return [path.relative_to(ROOT / "notebooks").as_posix() for path in NOTEBOOKS]


@pytest.fixture(scope="module")
def site() -> Path:
    if not (SITE / "index.html").is_file():
        reason = f"No built site in {SITE}: run `make site-quick` (or `make site`) first."
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " Under CI the site must be built before the tests (.ci/run does it).")
        pytest.skip(reason)
    return SITE


# ---------------------------------------------------------------- the built site


def test_every_lesson_and_solution_has_a_page_with_colab_and_download_links(site):
    repository = build_site.repository_url(ROOT / "pyproject.toml")
    missing = [name for name in expected_notebooks() if not page_for(name, site).is_file()]
    assert not missing, f"No page in {site} for {missing}: rebuild the site (make site-quick)."
    for name in expected_notebooks():
        page = parse_page(page_for(name, site))
        colab = f"https://colab.research.google.com/github/{repository.split('github.com/')[-1]}/blob/main/notebooks/"
        assert colab + name in page.links, f"{name}: no Open in Colab link to {colab + name}"
        download = [link for link in page.links if link.endswith(f"downloads/{Path(name).name}")]
        assert download, f"{name}: no Download notebook link"
        downloaded = (page_for(name, site).parent / download[0]).resolve()
        assert downloaded.read_bytes() == (ROOT / "notebooks" / name).read_bytes(), f"{name}: not the clean notebook"


def test_each_lesson_page_shows_an_output_image(site):
    lessons = [name for name in expected_notebooks() if "/" not in name]
    without = [name for name in lessons if not parse_page(page_for(name, site)).images]
    assert not without, f"These lesson pages show no figure (no data: image in their outputs): {without}"


def test_no_page_shows_an_error_or_traceback(site):
    errors = pages_showing_errors(site)
    assert not errors, f"Pages showing a traceback (a cell raised when the site was built): {errors}"
    info = json.loads((site / "site-info.json").read_text(encoding="utf-8"))
    assert info["failed"] == [], f"Notebooks that failed when the site was built: {info['failed']}"


def test_no_internal_link_is_broken(site):
    assert not broken_links(site), "Broken links:\n" + "\n".join(broken_links(site))


def test_pages_load_no_script_from_the_network_and_search_is_built_in(site):
    for path in sorted(site.rglob("*.html")):
        external = [src for src in parse_page(path).scripts if urlsplit(src).scheme in {"http", "https"}]
        assert not external, f"{path.relative_to(site)} loads scripts from the network: {external}"
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    locations = {doc["location"].split("#")[0] for doc in index["docs"]}
    assert "notebooks/04_training_the_original.html" in locations, "lesson 04 is not in the search index"


def test_widgets_are_shown_as_a_static_snapshot_with_a_note(site):
    page = page_for("07_model_playground.ipynb", site)
    text = "".join(parse_page(page).text)
    assert widget_snapshot.NOTE in text, "lesson 07's widgets carry no note saying they are interactive elsewhere"
    assert "widget-view+json" not in page.read_text(encoding="utf-8"), "a widget output was left unconverted"


def test_landing_page_has_the_lesson_table_how_to_run_and_results(site):
    text = "".join(parse_page(site / "index.html").text)
    for heading in ("Run the lessons on your computer", "The results table", "Google Colab", "Credits"):
        assert heading in text, f"the landing page lacks {heading!r}"
    links = parse_page(site / "index.html").links
    assert "notebooks/04_training_the_original.html" in links, "the lesson table does not link to lesson 04's page"


# ---------------------------------------------------------------- a real browser: lesson 04's page


@pytest.fixture(scope="module")
def served_site(site) -> Iterator[str]:
    """The site over HTTP on loopback (as GitHub Pages would serve it; search's worker needs http)."""
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def test_lesson_03_page_in_chromium_shows_the_learning_curves_and_search_finds_it(served_site):
    from lab_browser import chromium_page

    # Reduced motion: the header's title would otherwise be caught mid-fade in the screenshot.
    with chromium_page(ARTIFACTS, width=1280, reduced_motion="reduce") as page:
        page.goto(f"{served_site}/notebooks/04_training_the_original.html")
        page.get_by_role("link", name="Open in Colab").first.wait_for()
        page.screenshot(path=ARTIFACTS / "lesson04_top.png")
        figure = page.locator(".jp-Cell", has_text="plot_history(history").locator("img").first
        figure.scroll_into_view_if_needed()
        box = figure.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100, f"the learning curves are not shown: {box}"
        assert figure.evaluate("img => img.complete && img.naturalWidth > 0"), "the learning curves did not load"
        page.screenshot(path=ARTIFACTS / "lesson04_learning_curves.png")
        assert page.locator(".md-footer__link--next").count() == 1, "no link to the next lesson"
        assert page.locator(".md-footer__link--prev").count() == 1, "no link to the previous lesson"

        page.locator("input.md-search__input").click()
        page.keyboard.type("EarlyStopping")  # typed: Material's search listens to key events
        result = page.locator(".md-search-result__item").first
        result.wait_for(timeout=30_000)
        page.screenshot(path=ARTIFACTS / "search.png")
        assert page.locator(".md-search-result__item").count() >= 1


# ---------------------------------------------------------------- the parts, and a lesson that raises


def _notebook(*sources: str) -> dict:
    cells = [{"cell_type": "markdown", "id": "title", "metadata": {}, "source": "# A tiny lesson"}]
    for number, source in enumerate(sources):
        cells.append({"cell_type": "code", "execution_count": None, "id": f"c{number}", "metadata": {},
                      "outputs": [], "source": source})  # fmt: skip
    metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def _readme() -> str:
    """A README with two parts marked for the site around a section that is not."""
    return (
        "<!-- site:start -->\n# Tiny\n\nIntro.\n\n- [Lesson one](notebooks/01_fine.ipynb)\n- [licence](LICENSE)\n\n"
        "## The data\n\nText of the data.\n<!-- site:end -->\n\n## For contributors\n\nmake test\n\n"
        "<!-- site:start -->\n## Results\n\n### The results table\n\nText of the results.\n<!-- site:end -->\n"
    )


def test_a_lesson_that_raises_fails_the_build_and_its_page_shows_the_traceback(tmp_path, monkeypatch):
    """What CI relies on: build_site exits 1 and the checks above find the error on the lesson's page."""
    monkeypatch.setenv("MNIST_QUICK", "1")  # build_site sets these; monkeypatch restores them afterwards
    monkeypatch.setenv("MNIST_MODELS_DIR", str(tmp_path / "models"))
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "01_fine.ipynb").write_text(json.dumps(_notebook("print('fine')")))
    (notebooks / "02_broken.ipynb").write_text(json.dumps(_notebook("print('before')", "1 / 0")))
    (tmp_path / "README.md").write_text(_readme())

    code = build_site.main(["--quick", "--notebooks", str(notebooks), "--build", str(tmp_path / "build"),
                            "--readme", str(tmp_path / "README.md"), "--timeout", "120"])  # fmt: skip

    site = tmp_path / "build" / "site"
    assert code == 1, "a lesson that raised must fail the site build"
    errors = pages_showing_errors(site)
    assert list(errors) == ["notebooks/02_broken.html"], errors
    assert "ZeroDivisionError" in errors["notebooks/02_broken.html"]
    assert json.loads((site / "site-info.json").read_text())["failed"] == ["02_broken.ipynb"]
    assert not broken_links(site), broken_links(site)

    # Fixed, only the fixed lesson runs again: the other executed copy is current and reused.
    (notebooks / "02_broken.ipynb").write_text(json.dumps(_notebook("print('fixed')")))
    stamp_before = (tmp_path / "build" / "quick" / "executed" / "01_fine.ipynb").stat().st_mtime_ns
    assert build_site.main(["--quick", "--notebooks", str(notebooks), "--build", str(tmp_path / "build"),
                            "--readme", str(tmp_path / "README.md")]) == 0  # fmt: skip
    assert (tmp_path / "build" / "quick" / "executed" / "01_fine.ipynb").stat().st_mtime_ns == stamp_before
    assert pages_showing_errors(site) == {}


def test_an_executed_copy_is_current_only_for_the_same_source_mode_helpers_and_success(tmp_path):
    source = tmp_path / "01_x.ipynb"
    source.write_text("{}")
    executed = tmp_path / "executed.ipynb"
    import hashlib

    def write_stamp(**changes):
        stamp = {"mode": "full", "ok": True, "source_sha256": hashlib.sha256(b"{}").hexdigest(),
                 "helpers_sha256": "h", **changes}  # fmt: skip
        executed.write_text(json.dumps({"metadata": {build_site.STAMP_KEY: stamp}}))

    assert not build_site.is_current(source, executed, "full", "h")  # no executed copy
    write_stamp()
    assert build_site.is_current(source, executed, "full", "h")
    assert not build_site.is_current(source, executed, "quick", "h")
    assert not build_site.is_current(source, executed, "full", "other helpers")
    write_stamp(ok=False)
    assert not build_site.is_current(source, executed, "full", "h")
    write_stamp()
    source.write_text('{"edited": true}')
    assert not build_site.is_current(source, executed, "full", "h")


def test_widget_snapshot_shows_values_choices_images_and_captured_output():
    def model(name, module="@jupyter-widgets/controls", **state):
        return {"model_name": name, "model_module": module, "state": state}

    pixel = "iVBORw0KGgo="
    states = {
        "box": model("VBoxModel", children=["IPY_MODEL_slider", "IPY_MODEL_choice", "IPY_MODEL_out", "IPY_MODEL_img",
                                            "IPY_MODEL_pad", "IPY_MODEL_gone", "IPY_MODEL_unused"]),
        "slider": model("IntSliderModel", description="units", value=128),
        "choice": model("DropdownModel", description="activation", _options_labels=["relu", "tanh"], index=1),
        "out": model("OutputModel", outputs=[{"output_type": "stream", "name": "stdout", "text": "epoch 1 <ok>"}]),
        "img": {**model("ImageModel", format="png"), "buffers": [{"path": ["value"], "encoding": "base64",
                                                                 "data": pixel}]},
        "pad": model("AnyModel", module="anywidget"),
        "unused": model("IntSliderModel", description="layer 3", value=64, layout="IPY_MODEL_hiding"),
        "hiding": model("LayoutModel", display="none"),
    }  # fmt: skip
    notebook = {
        "metadata": {"widgets": {widget_snapshot.WIDGET_STATE: {"state": states}}},
        "cells": [{"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {
            widget_snapshot.WIDGET_VIEW: {"model_id": "box"}, "text/plain": "VBox(...)"}}]}],
    }  # fmt: skip

    assert widget_snapshot.replace_widget_outputs(notebook) == 1
    shown = notebook["cells"][0]["outputs"][0]["data"]
    assert list(shown) == ["text/html"] and "widgets" not in notebook["metadata"]
    html = shown["text/html"]
    assert 'units</span> <span class="widget-value">128' in html
    assert 'activation</span> <span class="widget-value">tanh' in html
    assert "epoch 1 &lt;ok&gt;" in html  # captured text, escaped
    assert f"data:image/png;base64,{pixel}" in html
    assert "interactive canvas" in html and "state was not saved" in html
    assert widget_snapshot.NOTE in html
    assert "layer 3" not in html  # hidden by its layout, as in the notebook


def test_landing_page_takes_the_marked_parts_of_readme_and_fixes_links():
    page = build_site.landing_page(_readme(), "https://github.com/o/r", "quick", failed=[])
    assert page.startswith("# Tiny\n\n!!! info")  # the note on how the site was made comes after the title
    assert "quick mode" in page
    assert "](notebooks/01_fine.ipynb)" in page  # the site mirrors notebooks/
    assert "](https://github.com/o/r/blob/main/LICENSE)" in page  # other files: on GitHub
    assert "Text of the data.\n\n## Results\n\n### The results table\n\nText of the results.\n" in page
    assert "For contributors" not in page and "make test" not in page and "site:" not in page


def test_landing_page_follows_renamed_headings():
    renamed = re.sub(r"^(#+ .*)$", r"\1, renamed", README_TEXT, flags=re.MULTILINE)
    page = build_site.landing_page(renamed, "https://github.com/o/r", "full", failed=["02_x.ipynb"])
    headings = re.findall(r"^#+ .*$", page, flags=re.MULTILINE)
    assert headings and all(heading.endswith(", renamed") for heading in headings), headings
    assert "02_x.ipynb" in page  # the note on failed notebooks


def test_the_real_landing_page_shows_the_lessons_how_to_run_them_results_and_credits():
    page = build_site.landing_page(README_TEXT, "https://github.com/o/r", "full", failed=[])
    headings = re.findall(r"^#+ (.*)$", page, flags=re.MULTILINE)
    assert headings[0].startswith("MNIST lessons") and headings[-1] == "Credits", headings
    assert "](notebooks/04_training_the_original.ipynb)" in page and "make lab" in page
    assert "| Model | Parameters |" in page, "the results table is not on the landing page"
    assert "For contributors" not in headings and "make colab-test" not in page, "contributors' notes are for GitHub"


@pytest.mark.parametrize(
    ("readme", "message"),
    [
        ("# Tiny\n\nNo markers.\n", "marks nothing"),
        ("<!-- site:start -->\n# Tiny\n", "line 1: this <!-- site:start --> is never closed"),
        ("# Tiny\n<!-- site:end -->\n", "line 2: <!-- site:end --> without"),
        ("<!-- site:start -->\n# A\n<!-- site:start -->\n# B\n<!-- site:end -->\n", "line 3: a second"),
    ],
)
def test_badly_marked_readme_is_refused_naming_the_line(readme, message):
    with pytest.raises(SystemExit, match=re.escape(message)):
        build_site.landing_page(readme, "https://github.com/o/r", "full", [])


def test_a_lesson_s_link_to_a_file_the_site_does_not_hold_goes_to_github():
    repository = "https://github.com/owner/name"
    notebook = {"cells": [
        {"cell_type": "markdown", "source": "about 45 minutes ([how](../benchmarks/README.md#lesson-times)); "
                                            "[lesson 05](05_evaluation.ipynb), [solutions](solutions/x.ipynb)"},
        {"cell_type": "code", "source": "print('[a](../benchmarks/README.md)')"},
    ]}  # fmt: skip
    build_site.relink_markdown(notebook, "notebooks/01_data_preparation.ipynb", repository)
    text = notebook["cells"][0]["source"]
    assert "](https://github.com/owner/name/blob/main/benchmarks/README.md#lesson-times)" in text
    assert "](05_evaluation.ipynb)" in text and "](solutions/x.ipynb)" in text, "links between notebooks stay"
    assert notebook["cells"][1]["source"] == "print('[a](../benchmarks/README.md)')", "code is left alone"
    solution = {"cells": [{"cell_type": "markdown", "source": "[seeds](../../benchmarks/README.md#seeds)"}]}
    build_site.relink_markdown(solution, "notebooks/solutions/04_x_solutions.ipynb", repository)
    assert solution["cells"][0]["source"] == "[seeds](https://github.com/owner/name/blob/main/benchmarks/README.md#seeds)"
