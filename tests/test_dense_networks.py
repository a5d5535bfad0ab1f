"""dense_networks: build a Dense network from hidden sizes, count its parameters by hand, describe it."""

from __future__ import annotations

import pytest

import mnist_helpers as mh
from mnist_helpers.dense_networks import (
    DenseNetwork,
    architecture_text,
    build_dense_network,
    count_dense_parameters,
    dense_layer_shapes,
)
from mnist_helpers.original_network import ORIGINAL_NETWORK, ORIGINAL_TRAINING


def test_formula_gives_the_original_networks_count_by_hand():
    assert count_dense_parameters(784, [512, 256], 10) == (784 * 512 + 512) + (512 * 256 + 256) + (256 * 10 + 10)
    assert count_dense_parameters(784, [], 10) == 7850  # no hidden layer: logistic regression
    assert count_dense_parameters(3, [2], 1) == 3 * 2 + 2 + 2 * 1 + 1
    assert dense_layer_shapes(784, [512, 256]) == [(784, 512), (512, 256), (256, 10)], "10 classes by default"


@pytest.mark.parametrize("dropout_rate", [0.0, 0.5])
def test_formula_matches_keras_for_several_shapes(dropout_rate):
    for sizes in ([512, 256], [8], [32, 16, 8, 4]):
        model = build_dense_network(sizes, dropout_rate=dropout_rate)
        assert count_dense_parameters(784, sizes, 10) == model.count_params()
        dropouts = [layer.rate for layer in model.layers if type(layer).__name__ == "Dropout"]
        assert dropouts == ([dropout_rate] * len(sizes) if dropout_rate else [])


@pytest.mark.parametrize("bad", [[0, 256], [512, -1], [512.0, 256], [True, 256]])
def test_formula_rejects_sizes_that_are_not_positive_whole_numbers(bad):
    with pytest.raises(ValueError, match=r"hidden_sizes\[\d\] must be a positive whole number"):
        count_dense_parameters(784, bad, 10)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [({"hidden_units": []}, "at least one hidden layer"), ({"hidden_units": [8], "dropout_rate": 1.0}, "below 1")],
)
def test_builder_refuses_no_hidden_layer_and_a_dropout_of_one(arguments, message):
    with pytest.raises(ValueError, match=message):
        build_dense_network(**arguments)


def test_builder_names_layers_and_follows_the_arguments():
    model = build_dense_network([32, 16], activation="tanh", input_size=20, num_classes=3, name="small")
    assert model.name == "small" and model.input_shape == (None, 20) and model.output_shape == (None, 3)
    assert [layer.name for layer in model.layers] == ["hidden_1", "hidden_2", "output"]
    assert [layer.activation.__name__ for layer in model.layers] == ["tanh", "tanh", "softmax"]


def test_architecture_text():
    assert architecture_text(784, [32, 16]) == "784 → 32 → 16 → 10"
    assert architecture_text(20, [8], num_classes=3) == "20 → 8 → 3"


def test_the_original_is_a_named_dense_network():
    assert ORIGINAL_NETWORK == DenseNetwork(hidden_units=(512, 256), activation="relu", dropout_rate=0.0)
    assert ORIGINAL_NETWORK.text() == "784 → 512 → 256 → 10"
    assert ORIGINAL_NETWORK.parameter_count() == 535_818 == ORIGINAL_NETWORK.build().count_params()
    original = mh.build_original_model()
    assert original.name == "original_mlp" and original.compiled and original.count_params() == 535_818
    assert [layer.units for layer in original.layers] == [512, 256, 10]


def test_the_original_recipe_is_the_original_projects_fit(monkeypatch, tmp_path):
    recipe = ORIGINAL_TRAINING
    assert (recipe.epochs, recipe.batch_size, recipe.validation_split) == (20, 64, 0.2)
    monkeypatch.setenv("MNIST_QUICK", "0")
    assert recipe.epochs_now() == 20
    monkeypatch.setenv("MNIST_QUICK", "1")
    assert recipe.epochs_now() == recipe.quick_epochs == 2
    stopping, checkpoint = recipe.make_callbacks(20, tmp_path / mh.ORIGINAL_CHECKPOINT_FILE)
    assert (stopping.monitor, stopping.patience, stopping.restore_best_weights) == ("val_loss", 5, True)
    assert checkpoint.monitor == "val_loss" and checkpoint.save_best_only
    assert checkpoint.filepath == str(tmp_path / "original_mlp_checkpoint.keras")
    assert len(recipe.make_callbacks(20)) == 1, "without a path, no checkpoint"
