"""Lesson 02's layer-size widget, driven headlessly: set slider values, read the displayed count and summary."""

from __future__ import annotations

import re

import mnist_helpers as mh
from mnist_helpers.dense_networks import count_dense_parameters
from mnist_helpers.layer_size_explorer import LayerSizeExplorer, summary_text


def _displayed_total(explorer: LayerSizeExplorer) -> int:
    match = re.search(r"Total parameters: <b>([\d,]+)</b>", explorer.count_html.value)
    assert match, explorer.count_html.value
    return int(match.group(1).replace(",", ""))


def _summary_total(explorer: LayerSizeExplorer) -> int:
    match = re.search(r"Total params: ([\d,]+)", explorer.summary_html.value)
    assert match, explorer.summary_html.value
    return int(match.group(1).replace(",", ""))


def test_explorer_starts_on_the_original_network():
    explorer = LayerSizeExplorer()
    assert explorer.hidden_sizes == [512, 256]
    assert _displayed_total(explorer) == 535_818 == explorer.model.count_params()
    assert _summary_total(explorer) == mh.build_original_model().count_params()
    assert "784 &times; 512 + 512" in explorer.count_html.value
    assert explorer.third_slider.disabled


def test_moving_a_slider_updates_count_and_summary():
    explorer = LayerSizeExplorer()
    before_count, before_summary = explorer.count_html.value, explorer.summary_html.value

    explorer.first_slider.value = 128
    explorer.second_slider.value = 64

    assert explorer.count_html.value != before_count and explorer.summary_html.value != before_summary
    expected = count_dense_parameters(784, [128, 64], 10)
    assert _displayed_total(explorer) == expected == _summary_total(explorer) == explorer.model.count_params()
    assert "(None, 128)" in explorer.summary_html.value and "(None, 64)" in explorer.summary_html.value


def test_third_layer_checkbox_adds_and_removes_a_layer():
    explorer = LayerSizeExplorer()
    explorer.third_slider.value = 32
    assert explorer.hidden_sizes == [512, 256]  # the third slider counts only when the box is ticked

    explorer.third_layer_checkbox.value = True
    assert not explorer.third_slider.disabled
    assert explorer.hidden_sizes == [512, 256, 32]
    assert _summary_total(explorer) == _displayed_total(explorer) == count_dense_parameters(784, [512, 256, 32], 10)
    assert "(None, 32)" in explorer.summary_html.value

    explorer.third_layer_checkbox.value = False
    assert "(None, 32)" not in explorer.summary_html.value
    assert _displayed_total(explorer) == 535_818


def test_summary_text_is_escaped_for_html():
    explorer = LayerSizeExplorer(first=16, second=8)
    text = summary_text(explorer.model)
    assert text.startswith('Model: "dense_network"')
    assert "&quot;dense_network&quot;" in explorer.summary_html.value
