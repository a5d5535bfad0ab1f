"""The networks and training the lessons teach (mnist_helpers.lessons, exported from the lessons' cells) behave as
the later lessons, the playground and the benchmarks rely on: right shapes, a schedule that decays, the best epoch
kept, a checkpoint written, and augmentation that never acts on a prediction."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mnist_helpers as mh
from mnist_helpers.lessons import better_dense_network, cnn, original_network

keras = mh.import_keras_quietly()

#: builder, input shape of one example
NETWORKS = {
    "original": (lambda: original_network.compile_like_the_original(original_network.build_original_model()), (784,)),
    "better_dense": (better_dense_network.build_better_dense_model, (784,)),
    "cnn": (cnn.build_cnn_model, (28, 28, 1)),
    "playground": (lambda: mh.build_dense_model([32, 16], dropout_rate=0.5), (784,)),
}


def random_data(input_shape: tuple[int, ...], n: int = 50, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((n, *input_shape)).astype("float32"), keras.utils.to_categorical(rng.integers(0, 10, n), 10)


@pytest.mark.parametrize("name", NETWORKS)
def test_each_network_is_compiled_for_one_hot_labels_and_answers_ten_probabilities(name):
    build, input_shape = NETWORKS[name]
    model = build()
    assert model.compiled and model.loss == "categorical_crossentropy"
    assert tuple(model.input_shape) == (None, *input_shape)
    images, _ = random_data(input_shape, n=8)
    first = model.predict(images, verbose=0)
    np.testing.assert_allclose(first.sum(axis=1), 1.0, rtol=1e-5)
    # Random shifts and dropout act while training only: predicting twice gives the same answer.
    np.testing.assert_allclose(model.predict(images, verbose=0), first, rtol=1e-5)


def test_the_original_network_is_lesson_02s_and_not_compiled_until_lesson_03_compiles_it():
    model = mh.build_original_model()
    assert [layer.units for layer in model.layers] == [512, 256, 10] and model.count_params() == 535_818
    assert not model.compiled, "lesson 02 builds it; lesson 04 compiles it"
    assert mh.compile_like_the_original(model) is model and model.compiled


def test_the_playground_builder_adds_dropout_only_when_asked():
    with_dropout = mh.build_dense_model([64, 32], dropout_rate=0.25, learning_rate=0.01)
    kinds = [type(layer).__name__ for layer in with_dropout.layers]
    assert kinds == ["Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert math.isclose(float(with_dropout.optimizer.learning_rate.numpy()), 0.01, rel_tol=1e-6)
    assert [type(layer).__name__ for layer in mh.build_dense_model([64]).layers] == ["Dense", "Dense"]


def test_cosine_schedule_glides_from_the_peak_to_two_percent_of_it():
    schedule = mh.cosine_schedule(10, 0.002)
    rates = [schedule(epoch) for epoch in range(10)]
    assert math.isclose(rates[0], 0.002) and math.isclose(rates[-1], 0.002 * 0.02)
    assert rates == sorted(rates, reverse=True)
    assert math.isclose(mh.cosine_schedule(1, 0.003)(0), 0.003), "a single epoch trains at the peak rate"


def test_the_callbacks_are_fresh_each_call_and_keep_the_best_val_accuracy_epoch():
    first = mh.schedule_and_best_epoch_callbacks(4, 0.003)
    stopper = next(c for c in first if isinstance(c, keras.callbacks.EarlyStopping))
    assert stopper.monitor == "val_accuracy" and stopper.restore_best_weights and stopper.patience >= 4
    again = mh.schedule_and_best_epoch_callbacks(4, 0.003)
    assert all(a is not b for a, b in zip(first, again, strict=True)), "callbacks keep state: never share them"


@pytest.mark.parametrize(
    ("fit", "build", "input_shape", "peak"),
    [
        (better_dense_network.fit_better_dense_model, better_dense_network.build_better_dense_model, (784,), 0.002),
        (cnn.fit_cnn, cnn.build_cnn_model, (28, 28, 1), 0.003),
    ],
    ids=["better_dense", "cnn"],
)
def test_the_lessons_fit_follows_the_schedule_and_validates_on_the_last_fifth(fit, build, input_shape, peak):
    x, y = random_data(input_shape)
    history = fit(build(), x, y, epochs=2)
    expected = [mh.cosine_schedule(2, peak)(epoch) for epoch in range(2)]
    np.testing.assert_allclose(history.history["learning_rate"], expected, rtol=1e-6)
    assert len(history.history["val_accuracy"]) == 2


def test_fit_cnn_takes_other_callbacks_for_an_exercise():
    x, y = random_data((28, 28, 1))
    seen = []
    watch = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(float(model.optimizer.learning_rate.numpy()))
    )
    model = cnn.build_cnn_model()
    cnn.fit_cnn(model, x, y, epochs=2, callbacks=[watch])
    assert seen == pytest.approx([0.001, 0.001]), "the given callbacks replace the schedule: Adam's default rate"


def test_the_original_training_checkpoints_its_best_epoch_and_restores_it(tmp_path):
    x, y = random_data((784,), n=60)
    model = mh.compile_like_the_original(mh.build_original_model())
    checkpoint_path = tmp_path / mh.ORIGINAL_CHECKPOINT_FILE
    callbacks = mh.original_callbacks(checkpoint_path)
    history = mh.fit_original_model(model, x, y, callbacks=callbacks, epochs=2)
    assert checkpoint_path.is_file(), "ModelCheckpoint saves the best epoch as it goes"
    val_loss_now = model.evaluate(x[48:], y[48:], verbose=0)[0]  # validation_split=0.2: the last 12 of 60
    assert math.isclose(val_loss_now, min(history.history["val_loss"]), rel_tol=1e-3)


def test_the_cnn_never_sees_the_last_two_rows_and_columns():
    """No padding, and poolings that round down: the last rows and columns of a 28x28 image reach no output."""
    import tensorflow as tf

    model = cnn.build_cnn_model()
    image = tf.Variable(np.random.default_rng(0).random((1, 28, 28, 1)).astype("float32"))
    with tf.GradientTape() as tape:
        score = model(image, training=False)[0, 3]  # one digit's probability (all ten always add up to 1)
    gradient = np.abs(tape.gradient(score, image).numpy()[0, :, :, 0])
    assert gradient[26:, :].max() == 0 and gradient[:, 26:].max() == 0
    assert gradient[:26, :26].max() > 0
