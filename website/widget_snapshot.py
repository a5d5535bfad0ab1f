"""Static HTML for a Jupyter widget, drawn from the widget state that nbclient saves in an executed notebook.

A static site has no kernel, so a widget cannot work there. nbconvert's answer, the ipywidgets HTML manager,
loads its JavaScript from a CDN when the page is viewed, which an offline reader (and this project's CI) does not
have, and it cannot draw anywidget's drawing pad. So each widget output becomes plain HTML showing the state the
widget was left in by the run (slider values, the selected option, captions, the figures and text its Output
widgets captured), under a line saying that it is interactive in JupyterLab and Colab.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
MODEL_REFERENCE = "IPY_MODEL_"
NOTE = (
    "Interactive in JupyterLab and Colab: open this notebook there to use it. Shown here: the state the run left it in."
)
CONTAINERS = {"VBoxModel", "HBoxModel", "BoxModel", "GridBoxModel", "AccordionModel", "TabModel", "StackModel"}
SELECTIONS = {"DropdownModel", "RadioButtonsModel", "ToggleButtonsModel", "SelectModel", "SelectionSliderModel"}
MAX_DEPTH = 30  # widget trees are shallow; this only stops a cycle in damaged state


def widget_states(notebook: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The saved widget models of an executed notebook, by model id ({} when none were saved)."""
    saved = notebook.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {})
    return saved.get("state", {})


def snapshot_html(model_id: str, states: Mapping[str, Mapping[str, Any]]) -> str:
    """The widget ``model_id`` and its children as static HTML, with the note that it is interactive elsewhere."""
    body = _render(model_id, states, depth=0)
    return f'<div class="widget-snapshot">{body}<p class="widget-note">{html.escape(NOTE)}</p></div>'


def replace_widget_outputs(notebook: dict[str, Any]) -> int:
    """Turn every widget output of ``notebook`` into a static snapshot (text/html) in place; return how many.

    The saved widget state is removed afterwards, so that no page asks a CDN for the widget manager.
    """
    states = widget_states(notebook)
    count = 0
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is None:
                continue
            output["data"] = {"text/html": snapshot_html(view.get("model_id", ""), states)}
            count += 1
    notebook.get("metadata", {}).pop("widgets", None)
    return count


def _render(model_id: str, states: Mapping[str, Mapping[str, Any]], depth: int) -> str:
    model = states.get(model_id)
    if model is None or depth > MAX_DEPTH:
        return '<div class="widget-missing">(a widget whose state was not saved)</div>'
    name = model.get("model_name", "")
    state = model.get("state", {})
    if _hidden(state, states):
        return ""
    description = _description(state)
    if name in CONTAINERS:
        children = "".join(_render(_model_id(child), states, depth + 1) for child in state.get("children", []))
        direction = "row" if name == "HBoxModel" else "column"
        return f'<div class="widget-box widget-{direction}">{children}</div>'
    if name == "OutputModel":
        outputs = "".join(_output_html(o, states, depth) for o in state.get("outputs", []))
        return f'<div class="widget-output">{outputs}</div>'
    if name == "ImageModel":
        return _image_html(model, state)
    if name in {"HTMLModel", "HTMLMathModel"}:
        return f'<div class="widget-html">{description}{state.get("value", "")}</div>'  # the lesson's own HTML
    if name == "LabelModel":
        return f'<div class="widget-label">{html.escape(str(state.get("value", "")))}</div>'
    if name == "ButtonModel":
        return f'<button class="widget-button" disabled>{html.escape(str(state.get("description", "")))}</button>'
    if name in {"CheckboxModel", "ToggleButtonModel"}:
        checked = " checked" if state.get("value") else ""
        return f'<label class="widget-field"><input type="checkbox" disabled{checked}> {description}</label>'
    if name in SELECTIONS:
        return _field(description, _selected_labels(state))
    if name in {"IntProgressModel", "FloatProgressModel"}:
        value, top = state.get("value", 0), state.get("max", 100)
        return _field(description, f'<progress value="{value}" max="{top}"></progress> {value} / {top}')
    if "value" in state and not isinstance(state["value"], dict | list):  # sliders, text boxes, numbers
        return _field(description, html.escape(_format_value(state["value"])))
    if "value" in state and isinstance(state["value"], list):  # range sliders
        return _field(description, html.escape(" to ".join(_format_value(v) for v in state["value"])))
    if model.get("model_module") == "anywidget":
        return '<div class="widget-custom">(an interactive canvas: it needs a live notebook)</div>'
    return f'<div class="widget-custom">({html.escape(name.removesuffix("Model") or "a widget")})</div>'


def _hidden(state: Mapping[str, Any], states: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether the widget's layout hid it (display none, visibility hidden), as the notebook then showed it."""
    layout = states.get(_model_id(state.get("layout", "")), {}).get("state", {})
    return layout.get("display") == "none" or layout.get("visibility") == "hidden"


def _model_id(reference: str) -> str:
    return reference.removeprefix(MODEL_REFERENCE) if isinstance(reference, str) else ""


def _description(state: Mapping[str, Any]) -> str:
    text = state.get("description", "")
    return f'<span class="widget-description">{html.escape(str(text))}</span> ' if text else ""


def _field(description: str, value_html: str) -> str:
    return f'<div class="widget-field">{description}<span class="widget-value">{value_html}</span></div>'


def _format_value(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _selected_labels(state: Mapping[str, Any]) -> str:
    labels = state.get("_options_labels", [])
    chosen = state.get("index")
    indices = chosen if isinstance(chosen, list) else [chosen]
    picked = [labels[i] for i in indices if isinstance(i, int) and 0 <= i < len(labels)]
    return html.escape(", ".join(picked) if picked else "(nothing selected)")


def _image_html(model: Mapping[str, Any], state: Mapping[str, Any]) -> str:
    """An Image widget: its bytes are saved base64-encoded in the model's "buffers", under the path ["value"]."""
    for buffer in model.get("buffers", []):
        if buffer.get("path") == ["value"] and buffer.get("encoding") == "base64":
            kind = html.escape(str(state.get("format", "png")))
            return f'<img class="widget-image" alt="widget image" src="data:image/{kind};base64,{buffer["data"]}">'
    return '<div class="widget-custom">(an image that was not saved)</div>'


def _output_html(output: Mapping[str, Any], states: Mapping[str, Mapping[str, Any]], depth: int) -> str:
    """One output captured by an Output widget, as nbconvert would show it (images, HTML, text)."""
    if output.get("output_type") == "stream":
        return f'<pre class="widget-stream">{html.escape(_text(output.get("text", "")))}</pre>'
    if output.get("output_type") == "error":
        traceback = "\n".join(output.get("traceback", []))
        return f'<pre class="widget-error">{html.escape(traceback)}</pre>'
    data = output.get("data", {})
    if "image/png" in data:
        return f'<img alt="figure" src="data:image/png;base64,{_text(data["image/png"]).strip()}">'
    if "image/svg+xml" in data:
        return _text(data["image/svg+xml"])
    if "text/html" in data:
        return _text(data["text/html"])
    if WIDGET_VIEW in data:
        return _render(data[WIDGET_VIEW].get("model_id", ""), states, depth + 1)
    if "text/plain" in data:
        return f"<pre>{html.escape(_text(data['text/plain']))}</pre>"
    return ""


def _text(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else value
