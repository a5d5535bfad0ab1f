"""The going-further networks (lessons 07, 08) and their training recipes, shared with benchmarks/results_table.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mnist_helpers as mh
from mnist_helpers import better_dense_network, cnn
from mnist_helpers.data import NUM_CLASSES
from mnist_helpers.training_recipes import TrainingRecipe, cosine_schedule

keras = mh.import_keras_quietly()

BUILDERS = {
    "better_dense": (
        better_dense_network.build_better_dense_model,
        better_dense_network.BETTER_DENSE_TRAINING,
        better_dense_network.DENSE_INPUT_SHAPE,
    ),
    "cnn": (cnn.build_cnn_model, cnn.CNN_TRAINING, cnn.CNN_INPUT_SHAPE),
}


def dense_parameters(inputs: int, units: int, bias: bool = True) -> int:
    return inputs * units + (units if bias else 0)


def batch_norm_parameters(channels: int) -> int:
    return 4 * channels  # gamma, beta (trained), moving mean, moving variance (running averages)


def conv_parameters(kernel: int, channels_in: int, filters: int, bias: bool = True) -> int:
    return kernel * kernel * channels_in * filters + (filters if bias else 0)


@pytest.mark.parametrize("name", BUILDERS)
def test_builder_returns_a_compiled_model_with_mnist_shapes(name):
    build, _, input_shape = BUILDERS[name]
    model = build()
    assert model.compiled, f"{name}: the builder must return a compiled model"
    assert model.loss == "categorical_crossentropy"
    assert tuple(model.input_shape) == (None, *input_shape)
    assert tuple(model.output_shape) == (None, NUM_CLASSES)


def test_better_dense_parameter_count_follows_its_layers():
    expected = (
        dense_parameters(784, 512, bias=False)
        + batch_norm_parameters(512)
        + dense_parameters(512, 256, bias=False)
        + batch_norm_parameters(256)
        + dense_parameters(256, 10)
    )
    model = better_dense_network.build_better_dense_model()
    assert model.count_params() == expected
    assert model.count_params() > mh.build_original_model().count_params(), "BN adds 4 per unit, dropped biases 1"


def test_cnn_parameter_count_follows_its_layers():
    first, second, third = cnn.CNN_FILTERS
    side = ((28 - 2) // 2 - 2) // 2 - 2  # three valid 3x3 convolutions, the first two followed by 2x2 pooling
    # Batch normalisation only after the third convolution (on the big maps it cost time, see build_cnn_model).
    expected = (
        conv_parameters(3, 1, first)
        + conv_parameters(3, first, second)
        + conv_parameters(3, second, third, bias=False)
        + batch_norm_parameters(third)
        + dense_parameters(side * side * third, 10)
    )
    assert side == 3
    assert cnn.build_cnn_model().count_params() == expected


def test_cnn_does_less_arithmetic_per_image_than_the_one_it_replaced():
    """Multiply-adds of the convolutions and Dense layers: the new CNN must stay cheaper than the old (2.63 M)."""
    old = 26 * 26 * 9 * 32 + 11 * 11 * 9 * 32 * 64 + 5 * 5 * 64 * 128 + 128 * 10
    model = cnn.build_cnn_model()
    new = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            height, width, filters = layer.output.shape[1:]
            new += height * width * filters * layer.kernel.shape[0] * layer.kernel.shape[1] * layer.kernel.shape[2]
        elif isinstance(layer, keras.layers.Dense):
            new += layer.kernel.shape[0] * layer.kernel.shape[1]
    assert new < 0.75 * old, f"{new:,} multiply-adds per image, the old CNN {old:,}"


@pytest.mark.parametrize("name", BUILDERS)
def test_prediction_is_a_probability_per_digit_and_ignores_augmentation(name):
    build, _, input_shape = BUILDERS[name]
    model = build()
    images = np.random.default_rng(0).random((8, *input_shape)).astype("float32")
    first = model.predict(images, verbose=0)
    assert first.shape == (8, 10)
    np.testing.assert_allclose(first.sum(axis=1), 1.0, rtol=1e-5)
    # Random shifts and dropout act in training only: predicting twice gives the same answer.
    np.testing.assert_allclose(model.predict(images, verbose=0), first, rtol=1e-5)


@pytest.mark.parametrize("name", BUILDERS)
def test_training_settings_are_complete_and_sensible(name):
    _, settings, _ = BUILDERS[name]
    assert isinstance(settings, TrainingRecipe)
    assert isinstance(settings.epochs, int) and settings.epochs >= 1
    assert isinstance(settings.quick_epochs, int) and 1 <= settings.quick_epochs < settings.epochs
    assert isinstance(settings.batch_size, int) and settings.batch_size >= 1
    assert 0 < settings.validation_split < 1


@pytest.mark.parametrize("name", BUILDERS)
def test_make_callbacks_gives_a_fresh_schedule_and_best_epoch_restore(name):
    _, settings, _ = BUILDERS[name]
    epochs = settings.epochs
    callbacks = settings.make_callbacks(epochs)
    stoppers = [c for c in callbacks if isinstance(c, keras.callbacks.EarlyStopping)]
    schedulers = [c for c in callbacks if isinstance(c, keras.callbacks.LearningRateScheduler)]
    assert len(stoppers) == 1 and len(schedulers) == 1
    assert stoppers[0].monitor == "val_accuracy" and stoppers[0].restore_best_weights
    assert stoppers[0].patience >= epochs, "the schedule, not early stopping, decides when training ends"
    rates = [schedulers[0].schedule(epoch, 0.0) for epoch in range(epochs)]
    assert rates == sorted(rates, reverse=True) and rates[0] > rates[-1] > 0
    again = settings.make_callbacks(epochs)
    assert all(a is not b for a, b in zip(callbacks, again, strict=True)), "callbacks keep state: never share them"


def test_cosine_schedule_goes_from_peak_to_floor():
    schedule = cosine_schedule(10, 0.002, floor=0.02)
    assert math.isclose(schedule(0, 0.0), 0.002)
    assert math.isclose(schedule(9, 0.0), 0.002 * 0.02)
    assert math.isclose(schedule(0), 0.002), "Keras may call it with the epoch only"
    assert math.isclose(cosine_schedule(1, 0.003)(0), 0.003), "a single epoch trains at the peak rate"
    with pytest.raises(ValueError, match="epochs >= 1"):
        cosine_schedule(0, 0.001)


@pytest.mark.parametrize("name", BUILDERS)
def test_one_epoch_with_the_settings_trains_and_follows_the_schedule(name):
    build, settings, input_shape = BUILDERS[name]
    rng = np.random.default_rng(1)
    x = rng.random((40, *input_shape)).astype("float32")
    y = keras.utils.to_categorical(rng.integers(0, 10, 40), 10)
    model = build()
    history = model.fit(
        x,
        y,
        epochs=1,
        batch_size=settings.batch_size,
        validation_split=settings.validation_split,
        callbacks=settings.make_callbacks(1),
        verbose=0,
    )
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(history.history)
    scheduled = settings.make_callbacks(1)[0].schedule(0, 0.0)
    assert math.isclose(history.history["learning_rate"][0], scheduled, rel_tol=1e-6), "the optimizer keeps float32"


def small_cnn_data(n: int = 50) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2)
    images = rng.random((n, *cnn.CNN_INPUT_SHAPE)).astype("float32")
    return images, keras.utils.to_categorical(rng.integers(0, 10, n), 10)


def test_train_cnn_model_trains_the_lesson_cnn_for_the_epochs_asked(monkeypatch):
    monkeypatch.delenv("MNIST_QUICK", raising=False)
    x, y = small_cnn_data()
    model, history = cnn.train_cnn_model(x, y, epochs=2, verbose=0)
    assert model.name == "cnn" and model.count_params() == cnn.build_cnn_model().count_params()
    assert len(history.history["val_accuracy"]) == 2, "two epochs asked, two trained"
    assert model.predict(x[:3], verbose=0).shape == (3, 10)


def test_train_cnn_model_uses_the_recipe_epochs_by_default_and_fewer_in_quick_mode(monkeypatch):
    monkeypatch.setenv("MNIST_QUICK", "1")
    x, y = small_cnn_data()
    _, history = cnn.train_cnn_model(x, y, verbose=0)
    assert len(history.history["loss"]) == cnn.CNN_TRAINING.quick_epochs < cnn.CNN_TRAINING.epochs


@pytest.mark.parametrize(
    ("x_shape", "y_shape", "message"),
    [((10, 28, 28), (10, 10), "28, 28, 1"), ((10, 784), (10, 10), "28, 28, 1"), ((10, 28, 28, 1), (10,), "one-hot")],
)
def test_train_cnn_model_refuses_wrong_shapes_before_training(x_shape, y_shape, message):
    with pytest.raises(ValueError, match=message):
        cnn.train_cnn_model(np.zeros(x_shape, "float32"), np.zeros(y_shape, "float32"), epochs=1, verbose=0)


def test_fit_cnn_trains_a_variant_with_the_recipe(monkeypatch):
    monkeypatch.delenv("MNIST_QUICK", raising=False)
    x, y = small_cnn_data()
    variant = keras.Sequential(
        [keras.Input(cnn.CNN_INPUT_SHAPE), keras.layers.Flatten(), keras.layers.Dense(10, "softmax")]
    )
    variant.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = cnn.fit_cnn(variant, x, y, epochs=1, verbose=0)
    scheduled = cnn.CNN_TRAINING.make_callbacks(1)[0].schedule(0, 0.0)
    assert math.isclose(history.history["learning_rate"][0], scheduled, rel_tol=1e-6)
    assert "val_accuracy" in history.history


def test_train_cnn_model_refuses_zero_epochs():
    x, y = small_cnn_data(10)
    with pytest.raises(ValueError, match="epochs >= 1"):
        cnn.train_cnn_model(x, y, epochs=0, verbose=0)
