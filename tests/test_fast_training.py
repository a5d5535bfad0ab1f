"""make_datasets holds out exactly what validation_split holds out, loses nothing, and shuffles reproducibly."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_helpers.fast_training import make_datasets, validation_split_index


def numbered_examples(count: int) -> tuple[np.ndarray, np.ndarray]:
    """Examples whose pixels and label both say which example they are, so we can track each one."""
    x = np.repeat(np.arange(count, dtype="float32")[:, None], 3, axis=1)
    y = np.arange(count, dtype="float32")
    return x, y


def ids_per_batch(dataset) -> list[np.ndarray]:
    batches = []
    for images, labels in dataset:
        images, labels = images.numpy(), labels.numpy()
        assert (images == labels[:, None]).all(), "an image was paired with another example's label"
        batches.append(labels.astype(int))
    return batches


@pytest.mark.parametrize(("count", "fraction"), [(60000, 0.2), (6000, 0.2), (1001, 0.2), (10, 0.3), (7, 0.5)])
def test_split_index_is_where_fit_validation_split_cuts(count, fraction):
    """Keras' fit with validation_split validates on exactly the examples from validation_split_index on."""
    import keras

    class Tally(keras.metrics.Metric):
        """The number, smallest or largest label of the examples fit validated on (each label is its example's
        number)."""

        def __init__(self, name):
            super().__init__(name=name)
            self.start = {"count": 0.0, "smallest": float(count), "largest": -1.0}[name]
            self.total = self.add_variable(shape=(), initializer="zeros", name="total")
            self.reset_state()

        def reset_state(self):
            self.total.assign(self.start)

        def update_state(self, y_true, y_pred, sample_weight=None):
            labels = keras.ops.reshape(y_true, (-1,))
            if self.name == "count":
                self.total.assign_add(keras.ops.cast(keras.ops.size(labels), self.total.dtype))
            elif self.name == "smallest":
                self.total.assign(keras.ops.minimum(self.total, keras.ops.min(labels)))
            else:
                self.total.assign(keras.ops.maximum(self.total, keras.ops.max(labels)))

        def result(self):
            return self.total * 1.0  # a tensor: Keras turns a bare variable into a number with a NumPy warning

    x, y = numbered_examples(count)
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=[Tally("count"), Tally("smallest"), Tally("largest")])
    history = model.fit(x, y, validation_split=fraction, batch_size=1024, epochs=1, verbose=0)
    split_at = validation_split_index(count, fraction)
    validated = {name: history.history[f"val_{name}"][0] for name in ("count", "smallest", "largest")}
    assert validated == {"count": count - split_at, "smallest": split_at, "largest": count - 1}


def test_validation_set_is_the_last_fraction_in_order():
    x, y = numbered_examples(1001)
    _, val_ds = make_datasets(x, y, batch_size=64, validation_fraction=0.2, validation_batch_size=100)
    batches = ids_per_batch(val_ds)
    assert np.array_equal(np.concatenate(batches), np.arange(800, 1001))  # floor(1001 * 0.8) = 800
    assert [len(batch) for batch in batches] == [100, 100, 1]


def test_training_set_has_every_example_once_per_epoch_in_batches_of_64():
    x, y = numbered_examples(1001)
    train_ds, _ = make_datasets(x, y, batch_size=64, validation_fraction=0.2)
    for _ in range(2):  # two epochs
        batches = ids_per_batch(train_ds)
        assert [len(batch) for batch in batches] == [64] * 12 + [800 - 64 * 12]
        assert np.array_equal(np.sort(np.concatenate(batches)), np.arange(800))


def test_shuffling_is_seeded_and_new_each_epoch():
    x, y = numbered_examples(500)

    def two_epochs(seed):
        train_ds, _ = make_datasets(x, y, batch_size=50, seed=seed)
        return [np.concatenate(ids_per_batch(train_ds)) for _ in range(2)]

    first, second = two_epochs(seed=7)
    again_first, again_second = two_epochs(seed=7)
    other_first, _ = two_epochs(seed=8)
    assert not np.array_equal(first, np.arange(400)), "the training examples were not shuffled"
    assert np.array_equal(first, again_first) and np.array_equal(second, again_second), "same seed, different order"
    assert not np.array_equal(first, second), "every epoch should see a new order"
    assert not np.array_equal(first, other_first), "another seed should give another order"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"validation_fraction": 0.0}, "between 0 and 1"),
        ({"validation_fraction": 1.5}, "between 0 and 1"),
        ({"batch_size": 0}, "batch_size"),
        ({"validation_batch_size": 2.5}, "validation_batch_size"),
    ],
)
def test_bad_settings_are_refused(kwargs, message):
    x, y = numbered_examples(100)
    with pytest.raises(ValueError, match=message):
        make_datasets(x, y, **kwargs)


def test_mismatched_lengths_and_too_few_examples_are_refused():
    x, y = numbered_examples(100)
    with pytest.raises(ValueError, match="100 examples and 99 labels"):
        make_datasets(x, y[:99])
    with pytest.raises(ValueError, match="too few"):
        make_datasets(x[:1], y[:1], validation_fraction=0.2)


def test_fast_compile_options_keep_epoch_callbacks_working(tmp_path, recwarn):
    """With steps_per_execution, EarlyStopping and ModelCheckpoint still act once per epoch."""
    import keras

    rng = np.random.default_rng(0)
    x = rng.random((640, 8), dtype="float32")
    y = keras.utils.to_categorical(rng.integers(0, 2, 640), 2)
    train_ds, val_ds = make_datasets(x, y, batch_size=16, seed=0)  # 32 training batches, not a multiple of 50
    model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(2, activation="softmax")])
    fast = {"jit_compile": True, "steps_per_execution": 50}
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"], **fast)
    checkpoint = tmp_path / "best.keras"
    history = model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=6,
        shuffle=False,
        verbose=0,
        callbacks=[
            # min_delta this large: no epoch after the first counts as better, so it stops after epoch 2.
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=1, min_delta=1e9, restore_best_weights=True),
            keras.callbacks.ModelCheckpoint(str(checkpoint), monitor="val_loss", save_best_only=True),
        ],
    )
    assert len(history.history["val_loss"]) == 2, "EarlyStopping did not stop after the second epoch"
    assert model.optimizer.iterations.numpy() == 2 * 32, "every batch should be one optimizer step"
    assert checkpoint.exists(), "ModelCheckpoint did not save the best epoch"
    assert keras.models.load_model(checkpoint).count_params() == model.count_params()
    assert not [w for w in recwarn if "shuffle" in str(w.message)], "fit(..., shuffle=False) should not warn"
