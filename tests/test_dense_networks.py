"""dense_networks: count a Dense stack's parameters by hand (as Keras counts them) and describe it."""

from __future__ import annotations

import pytest

import mnist_helpers as mh
from mnist_helpers.dense_networks import architecture_text, count_dense_parameters, dense_layer_shapes


def test_formula_gives_the_original_networks_count_by_hand():
    assert count_dense_parameters(784, [512, 256], 10) == (784 * 512 + 512) + (512 * 256 + 256) + (256 * 10 + 10)
    assert count_dense_parameters(784, [], 10) == 7850  # no hidden layer: logistic regression
    assert count_dense_parameters(3, [2], 1) == 3 * 2 + 2 + 2 * 1 + 1
    assert dense_layer_shapes(784, [512, 256]) == [(784, 512), (512, 256), (256, 10)], "10 classes by default"


@pytest.mark.parametrize("dropout_rate", [0.0, 0.5])
def test_formula_matches_keras_for_the_playgrounds_networks(dropout_rate):
    for sizes in ([512, 256], [8], [32, 16, 8, 4]):
        model = mh.build_dense_model(sizes, dropout_rate=dropout_rate)
        assert count_dense_parameters(784, sizes, 10) == model.count_params()


@pytest.mark.parametrize("bad", [[0, 256], [512, -1], [512.0, 256], [True, 256]])
def test_formula_rejects_sizes_that_are_not_positive_whole_numbers(bad):
    with pytest.raises(ValueError, match=r"hidden_sizes\[\d\] must be a positive whole number"):
        count_dense_parameters(784, bad, 10)


def test_architecture_text():
    assert architecture_text(784, [32, 16]) == "784 → 32 → 16 → 10"
    assert architecture_text(20, [8], num_classes=3) == "20 → 8 → 3"
