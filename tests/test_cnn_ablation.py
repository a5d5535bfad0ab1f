"""The CNN ablation's variants stay lesson 08's CNN with one thing changed (building only, no training)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scripts import load_script

from mnist_helpers.cnn import build_cnn_model

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def ablation():
    return load_script(ROOT / "benchmarks" / "cnn_ablation.py")


@pytest.fixture(scope="module")
def results_table():
    return load_script(ROOT / "benchmarks" / "results_table.py")


def kinds(model, *names):
    return [type(layer).__name__ for layer in model.layers if type(layer).__name__ in names]


def test_bn_last_is_the_lesson_cnn(ablation):
    variant, lesson = ablation.build_variant("bn-last"), build_cnn_model()
    assert variant.count_params() == lesson.count_params()
    wanted = ("Conv2D", "BatchNormalization", "MaxPooling2D", "RandomTranslation", "RandomRotation", "Dropout")
    assert kinds(variant, *wanted) == kinds(lesson, *wanted)


def test_bn_all_is_the_results_tables_cnn_bn(ablation, results_table):
    variant, cnn_bn = ablation.build_variant("bn-all"), results_table.build_cnn_bn()
    assert variant.count_params() == cnn_bn.count_params()
    assert kinds(variant, "Conv2D", "BatchNormalization") == kinds(cnn_bn, "Conv2D", "BatchNormalization")


@pytest.mark.parametrize("name", ["bn-none", "bn-last-xla", "zoom", "batch-256"])
def test_each_variant_changes_one_thing(ablation, name):
    model = ablation.build_variant(name)
    lesson = build_cnn_model()
    if name == "bn-none":
        assert "BatchNormalization" not in kinds(model, "BatchNormalization")
    elif name == "bn-last-xla":
        assert model.jit_compile is True and not kinds(model, "RandomTranslation", "RandomRotation")
    elif name == "zoom":
        assert kinds(model, "RandomZoom") == ["RandomZoom"]
    else:
        assert model.count_params() == lesson.count_params() and ablation.VARIANTS[name]["batch_size"] == 256


def test_bfloat16_variant_computes_in_bfloat16_and_leaves_the_global_policy_float32(ablation):
    import keras

    model = ablation.build_variant("bn-last-bf16")
    convolution = next(layer for layer in model.layers if type(layer).__name__ == "Conv2D")
    assert convolution.dtype_policy.compute_dtype == "bfloat16"
    assert model.layers[-1].dtype_policy.name == "float32"  # probabilities in float32
    assert keras.mixed_precision.global_policy().name == "float32"  # later models (other tests) are not affected


@pytest.mark.parametrize("name", ["f-16-48-96", "f-24-32-96", "f-16-32-96", "f-16-32-64"])
def test_filter_variants_change_only_the_convolutions_filters(ablation, name):
    model, lesson = ablation.build_variant(name), build_cnn_model()
    wanted = tuple(int(part) for part in name.split("-")[1:])
    convolutions = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert tuple(layer.filters for layer in convolutions) == wanted
    others = ("BatchNormalization", "MaxPooling2D", "RandomTranslation", "RandomRotation", "Dropout", "Dense")
    assert kinds(model, *others) == kinds(lesson, *others)


def test_rotation_variant_adds_only_a_random_rotation_after_the_shifts(ablation):
    model, lesson = ablation.build_variant("rotation"), build_cnn_model()
    assert kinds(lesson, "RandomRotation") == []
    assert [type(layer).__name__ for layer in model.layers][:2] == ["RandomTranslation", "RandomRotation"]
    assert model.count_params() == lesson.count_params()
    others = ("Conv2D", "BatchNormalization", "MaxPooling2D", "RandomTranslation", "Dropout", "Dense")
    assert kinds(model, *others) == kinds(lesson, *others)


def test_stride_variant_replaces_the_first_pooling_with_a_stride(ablation):
    model, lesson = ablation.build_variant("stride-1"), build_cnn_model()
    convolutions = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert [layer.strides for layer in convolutions] == [(2, 2), (1, 1), (1, 1)]
    assert len(kinds(model, "MaxPooling2D")) == len(kinds(lesson, "MaxPooling2D")) - 1 == 1
    assert model.output_shape == lesson.output_shape and model.count_params() == lesson.count_params()
