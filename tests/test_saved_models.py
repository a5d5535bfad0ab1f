"""Saving models atomically and reusing a saved model only when it is usable."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

import mnist_helpers as mh
from mnist_helpers import original_network, saved_models

keras = mh.import_keras_quietly()


def digit_classifier(strength: float = 10.0, inputs: int = 784, outputs: int = 10) -> keras.Model:
    """A one-layer model that reads the digit from which of the first 10 inputs is 1 (strength 0: untrained)."""
    model = keras.Sequential([keras.Input(shape=(inputs,)), keras.layers.Dense(outputs, activation="softmax")])
    kernel = np.zeros((inputs, outputs), np.float32)
    kernel[:outputs, :outputs] = np.eye(outputs) * strength
    model.layers[0].set_weights([kernel, np.zeros(outputs, np.float32)])
    return model


def digit_sample(n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    digits = np.arange(n) % 10
    x = np.zeros((n, 784), np.float32)
    x[np.arange(n), digits] = 1.0
    return x, digits


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    return mh.save_model_atomically(digit_classifier(), tmp_path / "model.keras")


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- save_model_atomically -------------------------------------------------------------------------------------


def test_save_model_atomically_writes_a_loadable_file_and_no_temporary(tmp_path):
    path = mh.save_model_atomically(digit_classifier(), str(tmp_path / "model.keras"))
    assert path == tmp_path / "model.keras"
    assert files_in(tmp_path) == ["model.keras"]
    x, digits = digit_sample()
    assert (keras.models.load_model(path).predict(x, verbose=0).argmax(axis=1) == digits).all()


def test_save_model_atomically_replaces_an_existing_file(saved):
    mh.save_model_atomically(digit_classifier(strength=0.0), saved)
    assert not np.any(keras.models.load_model(saved).layers[0].get_weights()[0])
    assert files_in(saved.parent) == ["model.keras"]


class SaveThatChecksItsTarget:
    """Records where Keras was asked to write, and what the real file held at that moment."""

    def __init__(self, real_path: Path, fail: bool = False) -> None:
        self.real_path, self.fail, self.targets = real_path, fail, []

    def save(self, target) -> None:
        target = Path(target)
        self.targets.append((target, self.real_path.read_bytes() if self.real_path.exists() else None))
        target.write_bytes(b"PK half a zip")
        if self.fail:
            raise OSError(28, "No space left on device")
        target.write_bytes(b"PK a whole zip")


def test_save_model_atomically_never_writes_under_the_real_name(tmp_path):
    real = tmp_path / "model.keras"
    real.write_bytes(b"old model")
    model = SaveThatChecksItsTarget(real)
    mh.save_model_atomically(model, real)
    [(target, real_during_save)] = model.targets
    assert target != real and target.parent == tmp_path and target.suffix == ".keras"
    assert real_during_save == b"old model"
    assert real.read_bytes() == b"PK a whole zip"
    assert files_in(tmp_path) == ["model.keras"]


def test_a_failed_save_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    real = tmp_path / "model.keras"
    real.write_bytes(b"old model")
    with pytest.raises(OSError, match="No space left"):
        mh.save_model_atomically(SaveThatChecksItsTarget(real, fail=True), real)
    assert real.read_bytes() == b"old model"
    assert files_in(tmp_path) == ["model.keras"]


def test_save_model_atomically_wants_a_keras_name(tmp_path):
    with pytest.raises(ValueError, match=r"must end in \.keras.*model\.keras"):
        mh.save_model_atomically(digit_classifier(), tmp_path / "model.h5")
    assert files_in(tmp_path) == []


# --- load_model_if_usable --------------------------------------------------------------------------------------


def test_a_missing_file_is_none_and_silent(tmp_path, capsys):
    assert mh.load_model_if_usable(tmp_path / "model.keras", input_shape=(784,)) is None
    assert capsys.readouterr().out == ""


def test_a_usable_model_is_loaded_and_left_in_place(saved, capsys):
    model = mh.load_model_if_usable(saved, input_shape=(784,), check=digit_sample())
    assert model is not None and model.output_shape == (None, 10)
    assert files_in(saved.parent) == ["model.keras"]
    assert capsys.readouterr().out == ""


def test_one_hot_labels_work_as_the_check(saved):
    x, digits = digit_sample()
    assert mh.load_model_if_usable(saved, input_shape=(784,), check=(x, np.eye(10)[digits])) is not None


def zip_without_a_model() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not a model")
    return buffer.getvalue()


DAMAGES = {
    "truncated": lambda whole: whole[: len(whole) // 2],
    "empty": lambda whole: b"",
    "random": lambda whole: np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes(),
    "zip of something else": lambda whole: zip_without_a_model(),
    "json text": lambda whole: b'{"class_name": "Sequential"}',
}


def assert_moved_aside(path: Path, message: str, reason: str) -> None:
    assert str(path) in message and reason in message, message
    assert len(message.strip().splitlines()) == 1, message
    assert not path.exists()
    [aside] = [p for p in path.parent.iterdir() if ".unusable-" in p.name]
    assert aside.name.startswith("model.unusable-") and aside.suffix == ".keras"
    assert aside.name in message


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_file_is_named_moved_aside_and_none(saved, capsys, damage):
    saved.write_bytes(DAMAGES[damage](saved.read_bytes()))
    assert mh.load_model_if_usable(saved, input_shape=(784,)) is None
    assert_moved_aside(saved, capsys.readouterr().out, "damaged or not a Keras model file")


def test_a_folder_under_the_model_name_is_moved_aside(tmp_path, capsys):
    path = tmp_path / "model.keras"
    path.mkdir()
    assert mh.load_model_if_usable(path, input_shape=(784,)) is None
    assert_moved_aside(path, capsys.readouterr().out, "damaged or not a Keras model file")


def small_cnn() -> keras.Model:
    return keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])


#: Networks a lesson expecting the dense network (inputs (784,), 10 outputs) must refuse, and the reason it gives.
DIFFERENT_NETWORKS = {
    "another input shape": (lambda: digit_classifier(inputs=100), "expects inputs of shape (100,), not (784,)"),
    "a CNN's input shape": (small_cnn, "expects inputs of shape (28, 28, 1), not (784,)"),
    "not ten outputs": (lambda: digit_classifier(outputs=5), "outputs of shape (5,), not (10,)"),
}


@pytest.mark.parametrize("network", DIFFERENT_NETWORKS)
def test_a_different_network_is_named_moved_aside_and_none(tmp_path, capsys, network):
    build, reason = DIFFERENT_NETWORKS[network]
    path = mh.save_model_atomically(build(), tmp_path / "model.keras")
    assert mh.load_model_if_usable(path, input_shape=(784,)) is None
    assert_moved_aside(path, capsys.readouterr().out, reason)


def test_a_cnn_is_usable_where_its_input_shape_is_expected_given_as_a_list(tmp_path):
    path = mh.save_model_atomically(small_cnn(), tmp_path / "model.keras")
    assert mh.load_model_if_usable(path, input_shape=[28, 28, 1]) is not None
    assert path.exists()


def test_an_untrained_model_fails_the_check(tmp_path, capsys):
    path = mh.save_model_atomically(digit_classifier(strength=0.0), tmp_path / "model.keras")
    assert mh.load_model_if_usable(path, input_shape=(784,)) is not None, "without check only the shape is checked"
    assert mh.load_model_if_usable(path, input_shape=(784,), check=digit_sample()) is None
    assert_moved_aside(path, capsys.readouterr().out, "reads only 10.0% of 200 sample digits correctly (needs 50%)")


def test_min_accuracy_is_the_bar(saved):
    x, digits = digit_sample()
    half_wrong = np.where(np.arange(len(digits)) % 2 == 0, digits, (digits + 1) % 10)
    assert mh.load_model_if_usable(saved, input_shape=(784,), check=(x, half_wrong), min_accuracy=0.5) is not None
    assert mh.load_model_if_usable(saved, input_shape=(784,), check=(x, half_wrong), min_accuracy=0.6) is None


def test_nan_weights_fail_the_check(tmp_path, capsys):
    model = digit_classifier()
    kernel, bias = model.layers[0].get_weights()
    model.layers[0].set_weights([kernel * np.nan, bias])
    path = mh.save_model_atomically(model, tmp_path / "model.keras")
    assert mh.load_model_if_usable(path, input_shape=(784,), check=digit_sample()) is None
    assert_moved_aside(path, capsys.readouterr().out, "NaN or infinity")


def test_a_second_bad_file_gets_its_own_aside_name(saved, capsys):
    for _ in range(2):
        saved.write_bytes(b"broken")
        assert mh.load_model_if_usable(saved, input_shape=(784,)) is None
    assert len([p for p in saved.parent.iterdir() if ".unusable-" in p.name]) == 2


def test_a_file_that_cannot_be_moved_is_reported(saved, capsys, monkeypatch):
    saved.write_bytes(b"broken")

    def refuse(source, target):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(saved_models.os, "replace", refuse)
    assert mh.load_model_if_usable(saved, input_shape=(784,)) is None
    message = capsys.readouterr().out
    assert str(saved) in message and "could not move it aside" in message and "delete it yourself" in message


# --- load_or_train_original_model ------------------------------------------------------------------------------


@pytest.fixture
def models_folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("MNIST_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("MNIST_QUICK", "0")
    return tmp_path


@pytest.fixture
def training_calls(monkeypatch) -> list[Path]:
    """Replace the 20-epoch fit by a model that is right at once; record each training's checkpoint path."""
    calls: list[Path] = []

    def train(x_train, y_train, checkpoint_path):
        calls.append(Path(checkpoint_path))
        return digit_classifier(), None

    monkeypatch.setattr(original_network, "train_original_model", train)
    return calls


def one_hot_sample() -> tuple[np.ndarray, np.ndarray]:
    x, digits = digit_sample()
    return x, np.eye(10, dtype=np.float32)[digits]


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_original_model_is_set_aside_and_retrained(models_folder, training_calls, capsys, damage):
    path = models_folder / mh.ORIGINAL_MODEL_FILE
    mh.save_model_atomically(digit_classifier(), path)
    path.write_bytes(DAMAGES[damage](path.read_bytes()))
    model = mh.load_or_train_original_model(*one_hot_sample())
    out = capsys.readouterr().out
    assert "damaged or not a Keras model file" in out and "training the original network now" in out
    assert "Reusing" not in out
    assert len(training_calls) == 1 and model is not None
    assert keras.models.load_model(path).output_shape == (None, 10), "the retrained model is saved again"
    assert len(list(models_folder.glob("original_mlp.unusable-*.keras"))) == 1


@pytest.mark.parametrize(
    ("saved_model", "reason"),
    [
        (lambda: digit_classifier(inputs=100), "expects inputs of shape (100,)"),
        (lambda: digit_classifier(outputs=5), "outputs of shape (5,)"),
        (lambda: digit_classifier(strength=0.0), "reads only 10.0% of 200"),
    ],
    ids=["wrong architecture", "wrong outputs", "untrained"],
)
def test_an_unsuitable_original_model_is_retrained(models_folder, training_calls, capsys, saved_model, reason):
    mh.save_model_atomically(saved_model(), models_folder / mh.ORIGINAL_MODEL_FILE)
    mh.load_or_train_original_model(*one_hot_sample())
    out = capsys.readouterr().out
    assert reason in out and "training the original network now" in out
    assert len(training_calls) == 1


def test_a_good_original_model_is_reused_without_training(models_folder, training_calls, capsys):
    mh.save_model_atomically(digit_classifier(), models_folder / mh.ORIGINAL_MODEL_FILE)
    mh.load_or_train_original_model(*one_hot_sample())
    assert "Reusing the trained model" in capsys.readouterr().out
    assert training_calls == []


def test_each_helper_training_checkpoints_to_a_folder_of_its_own(models_folder, monkeypatch):
    """ModelCheckpoint writes in place: two notebooks training at once must not share one checkpoint file."""
    seen: list[tuple[Path, bool]] = []

    def train(x_train, y_train, checkpoint_path):
        seen.append((Path(checkpoint_path), Path(checkpoint_path).parent.is_dir()))
        return digit_classifier(), None

    monkeypatch.setattr(original_network, "train_original_model", train)
    for _ in range(2):
        (models_folder / mh.ORIGINAL_MODEL_FILE).unlink(missing_ok=True)
        mh.load_or_train_original_model(*one_hot_sample())
    (first, first_existed), (second, _) = seen
    assert first_existed and first.parent != second.parent, "a new folder for each training"
    assert first.parent.parent == models_folder and first.name == mh.ORIGINAL_CHECKPOINT_FILE
    assert sorted(p.name for p in models_folder.iterdir()) == [mh.ORIGINAL_MODEL_FILE], "and removed afterwards"


def test_no_partial_original_model_when_saving_fails(models_folder, monkeypatch):
    def full_disk(x_train, y_train, checkpoint_path):
        class Model:
            def save(self, target):
                Path(target).write_bytes(b"PK partial")
                raise OSError(28, "No space left on device")

        return Model(), None

    monkeypatch.setattr(original_network, "train_original_model", full_disk)
    with pytest.raises(OSError):
        mh.load_or_train_original_model(*one_hot_sample())
    assert os.listdir(models_folder) == []
