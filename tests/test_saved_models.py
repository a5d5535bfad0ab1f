"""Saving models atomically and reusing a saved model only when it is usable."""

from __future__ import annotations

import errno
import io
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import mnist_helpers as mh
from mnist_helpers import original_network, saved_models
from mnist_helpers.original_network import compiled_original_model

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
    return saved_models.save_model_atomically(digit_classifier(), tmp_path / "model.keras")


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- save_model_atomically -------------------------------------------------------------------------------------


def test_save_model_atomically_writes_a_loadable_file_and_no_temporary(tmp_path):
    path = saved_models.save_model_atomically(digit_classifier(), str(tmp_path / "model.keras"))
    assert path == tmp_path / "model.keras"
    assert files_in(tmp_path) == ["model.keras"]
    x, digits = digit_sample()
    assert (keras.models.load_model(path).predict(x, verbose=0).argmax(axis=1) == digits).all()


def test_save_model_atomically_replaces_an_existing_file(saved):
    saved_models.save_model_atomically(digit_classifier(strength=0.0), saved)
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
    saved_models.save_model_atomically(model, real)
    [(target, real_during_save)] = model.targets
    assert target != real and target.parent == tmp_path and target.suffix == ".keras"
    assert real_during_save == b"old model"
    assert real.read_bytes() == b"PK a whole zip"
    assert files_in(tmp_path) == ["model.keras"]


def test_a_failed_save_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    real = tmp_path / "model.keras"
    real.write_bytes(b"old model")
    with pytest.raises(OSError):
        saved_models.save_model_atomically(SaveThatChecksItsTarget(real, fail=True), real)
    assert real.read_bytes() == b"old model"
    assert files_in(tmp_path) == ["model.keras"]


def test_save_model_atomically_wants_a_keras_name(tmp_path):
    with pytest.raises(ValueError, match=r"must end in \.keras.*model\.keras"):
        saved_models.save_model_atomically(digit_classifier(), tmp_path / "model.h5")
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
    assert_moved_aside(path, capsys.readouterr().out, "it is a folder, not a model file")


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
    path = saved_models.save_model_atomically(build(), tmp_path / "model.keras")
    assert mh.load_model_if_usable(path, input_shape=(784,)) is None
    assert_moved_aside(path, capsys.readouterr().out, reason)


def test_a_cnn_is_usable_where_its_input_shape_is_expected_given_as_a_list(tmp_path):
    path = saved_models.save_model_atomically(small_cnn(), tmp_path / "model.keras")
    assert mh.load_model_if_usable(path, input_shape=[28, 28, 1]) is not None
    assert path.exists()


def test_an_untrained_model_fails_the_check(tmp_path, capsys):
    path = saved_models.save_model_atomically(digit_classifier(strength=0.0), tmp_path / "model.keras")
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
    path = saved_models.save_model_atomically(model, tmp_path / "model.keras")
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


def test_nan_weights_are_refused_without_a_check(tmp_path, capsys):
    model = digit_classifier()
    kernel, bias = model.layers[0].get_weights()
    model.layers[0].set_weights([kernel, bias * np.nan])
    path = saved_models.save_model_atomically(model, tmp_path / "model.keras")
    assert mh.load_model_if_usable(path, input_shape=(784,)) is None
    assert_moved_aside(path, capsys.readouterr().out, "10 of its 7,850 weights are NaN or infinity")


# --- the architecture a lesson expects ---------------------------------------------------------------------------


def layered_classifier(
    hidden: tuple[int, ...] = (512, 256),
    activation: str = "relu",
    strength: float = 10.0,
    dropout: float = 0.0,
    loss: str | None = "categorical_crossentropy",
) -> keras.Model:
    """784 -> hidden Dense layers -> 10 softmax, reading the digit from which of the first 10 inputs is 1.

    Its defaults are the original network written out as lesson 04 does (other layer names than the builder's);
    ``strength=0`` makes it guess, ``loss=None`` leaves it uncompiled.
    """
    layers = [keras.Input(shape=(784,))]
    for units in hidden:
        layers.append(keras.layers.Dense(units, activation=activation))
        if dropout:
            layers.append(keras.layers.Dropout(dropout))
    model = keras.Sequential([*layers, keras.layers.Dense(10, activation="softmax")])
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    for number, layer in enumerate(dense):
        inputs, units = layer.get_weights()[0].shape
        kernel = np.zeros((inputs, units), np.float32)
        kernel[:10, :10] = np.eye(10) * (strength if number == len(dense) - 1 else 1.0)
        layer.set_weights([kernel, np.zeros(units, np.float32)])
    if loss is not None:
        model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
        model.optimizer.build(model.trainable_variables)  # as after training: saved with the optimizer's state
    return model


def test_the_original_network_written_out_is_the_expected_architecture(tmp_path, capsys):
    path = saved_models.save_model_atomically(layered_classifier(), tmp_path / "model.keras")
    model = mh.load_model_if_usable(
        path, input_shape=(784,), check=digit_sample(), architecture=compiled_original_model
    )
    assert model is not None and capsys.readouterr().out == ""


#: Networks with the original's inputs and outputs that are still not the original, and the reason given.
OTHER_ARCHITECTURES = {
    "784-32-10": (
        lambda: layered_classifier(hidden=(32,)),
        "its layer 1 is Dense(units=32, activation=relu) where the lesson's network has "
        "Dense(units=512, activation=relu) (25,450 parameters, the lesson's network 535,818)",
    ),
    "sigmoid": (lambda: layered_classifier(activation="sigmoid"), "Dense(units=512, activation=sigmoid)"),
    "a layer more": (lambda: layered_classifier(hidden=(512, 256, 128)), "its layer 3 is Dense(units=128"),
    "dropout": (lambda: layered_classifier(dropout=0.2), "its layer 2 is Dropout(rate=0.2) where"),
    "another loss": (
        lambda: layered_classifier(loss="mean_squared_error"),
        "compiled with loss='mean_squared_error' where the lesson's network has loss='categorical_crossentropy'",
    ),
    "not compiled": (lambda: layered_classifier(loss=None), "saved without compile settings"),
}


@pytest.mark.parametrize("network", OTHER_ARCHITECTURES)
def test_another_architecture_is_named_and_moved_aside(tmp_path, capsys, network):
    build, reason = OTHER_ARCHITECTURES[network]
    path = saved_models.save_model_atomically(build(), tmp_path / "model.keras")
    model = mh.load_model_if_usable(
        path, input_shape=(784,), check=digit_sample(), architecture=compiled_original_model
    )
    assert model is None
    assert_moved_aside(path, capsys.readouterr().out, reason)


def test_a_cnn_with_other_filters_is_not_lesson_08s(tmp_path, capsys):
    from mnist_helpers.lessons.cnn import build_cnn_model

    lesson_cnn = build_cnn_model()
    lesson_cnn.optimizer.build(lesson_cnn.trainable_variables)
    path = saved_models.save_model_atomically(lesson_cnn, tmp_path / "model.keras")
    assert mh.load_model_if_usable(path, input_shape=(28, 28, 1), architecture=build_cnn_model) is not None
    config = lesson_cnn.get_config()
    for layer in config["layers"]:
        layer.pop("build_config", None)  # rebuilt from the input, so the next layer takes 32 channels
    next(layer for layer in config["layers"] if layer["class_name"] == "Conv2D")["config"]["filters"] = 32
    path = saved_models.save_model_atomically(keras.Sequential.from_config(config), tmp_path / "model.keras")
    assert mh.load_model_if_usable(path, input_shape=(28, 28, 1), architecture=build_cnn_model) is None
    assert "its layer 2 is Conv2D(filters=32, kernel_size=(3, 3), activation=relu) where the lesson's network has " in (
        capsys.readouterr().out
    )


# --- reading a saved file: bounded, and only a regular file ------------------------------------------------------


def load_in_a_thread(path: Path) -> tuple[list, bool]:
    """Call load_model_if_usable in a thread and give it a minute; a reader stuck on a pipe is released afterwards."""
    result: list = []
    reader = threading.Thread(target=lambda: result.append(mh.load_model_if_usable(path, input_shape=(784,))))
    reader.start()
    reader.join(timeout=60)
    stuck = reader.is_alive()
    while reader.is_alive():  # open and close the pipe's writing end: the reader gets an end of file
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:  # no reader at this moment, or the pipe was moved away
            pass
        reader.join(timeout=1)
    return result, stuck


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
def test_a_named_pipe_under_the_model_name_is_refused_at_once(tmp_path, capsys):
    path = tmp_path / "model.keras"
    os.mkfifo(path)
    result, stuck = load_in_a_thread(path)
    assert not stuck, "reading a named pipe waits for a writer that never comes"
    assert result == [None]
    assert_moved_aside(path, capsys.readouterr().out, "it is a named pipe (FIFO), not a model file")


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_a_link_to_a_device_is_refused_before_reading(tmp_path, capsys):
    """A device is refused before it is opened: a link to /dev/null here; to /dev/zero it would be endless (the
    test uses /dev/null so that a broken check fails it instead of filling the memory)."""
    path = tmp_path / "model.keras"
    path.symlink_to("/dev/null")
    assert mh.load_model_if_usable(path, input_shape=(784,)) is None
    assert_moved_aside(
        path, capsys.readouterr().out, "it is a character device (a link to /dev/null), not a model file"
    )
    assert Path("/dev/null").exists() and not path.is_symlink()


def zip_bomb(path: Path, megabytes: int) -> Path:
    """A small zip whose config.json unpacks to ``megabytes`` MB of spaces (valid JSON around them)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("config.json", "w", force_zip64=True) as entry:
            entry.write(b"{")
            for _ in range(megabytes):
                entry.write(b" " * 2**20)
            entry.write(b"}")
        archive.writestr("metadata.json", "{}")
    return path


def test_a_zip_bomb_is_refused_without_unpacking_it(tmp_path, capsys):
    path = zip_bomb(tmp_path / "model.keras", megabytes=80)
    assert path.stat().st_size < 1e6
    tracemalloc.start()
    try:
        assert mh.load_model_if_usable(path, input_shape=(784,)) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10e6, f"{peak / 1e6:.0f} MB held while refusing an 80 MB zip bomb"
    assert_moved_aside(path, capsys.readouterr().out, "would unpack to 83.9 MB, more than the 67.1 MB")


def test_a_file_larger_than_any_lesson_model_is_refused_unread(tmp_path, capsys):
    path = tmp_path / "model.keras"
    with open(path, "wb") as handle:
        handle.truncate(saved_models.MAX_MODEL_BYTES + 1)  # sparse: takes no disk space
    assert mh.load_model_if_usable(path, input_shape=(784,)) is None
    assert_moved_aside(path, capsys.readouterr().out, "it is 67.1 MB, more than the 67.1 MB any lesson's model needs")


def refuse_to_open(path: Path, monkeypatch) -> None:
    """Make opening ``path`` from saved_models fail as a file of mode 000 does for its non-root owner."""

    def guarded_open(file, *args, **kwargs):
        if Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return open(file, *args, **kwargs)

    monkeypatch.setattr(saved_models, "open", guarded_open, raising=False)


def assert_left_in_place(path: Path, content: bytes, message: str) -> None:
    assert f"Not reusing the saved model {path}: it cannot be read (Permission denied)" in message, message
    assert "damaged" not in message and "moved" not in message, message
    assert f"chmod u+rw {path.name}" in message and "MNIST_MODELS_DIR" in message, message
    assert path.read_bytes() == content
    assert [p.name for p in path.parent.iterdir() if ".unusable-" in p.name] == []


def test_a_file_that_cannot_be_read_is_not_called_damaged_nor_moved(saved, capsys, monkeypatch):
    content = saved.read_bytes()
    refuse_to_open(saved, monkeypatch)
    assert mh.load_model_if_usable(saved, input_shape=(784,)) is None
    assert_left_in_place(saved, content, capsys.readouterr().out)


def permissions_bind_me(folder: Path) -> bool:
    """Whether this user is refused a file of mode 000 and a folder of mode 555 (root, for one, is not)."""
    probe = folder / "probe"
    probe.mkdir()
    (probe / "file").write_bytes(b"")
    (probe / "file").chmod(0)
    probe.chmod(0o555)
    try:
        (probe / "file").read_bytes()
        (probe / "new").write_bytes(b"")
    except PermissionError:
        return True
    finally:
        probe.chmod(0o755)
        for path in probe.iterdir():
            path.unlink()
        probe.rmdir()
    return False


@pytest.fixture
def bound_by_permissions(tmp_path_factory) -> None:
    if not permissions_bind_me(tmp_path_factory.mktemp("permissions")):
        pytest.skip("this user may read a file of mode 000 and write into a folder of mode 555 (root)")


def test_a_file_of_mode_000_is_left_in_place(saved, capsys, bound_by_permissions):
    content = saved.read_bytes()
    saved.chmod(0)
    try:
        assert mh.load_model_if_usable(saved, input_shape=(784,)) is None
    finally:
        saved.chmod(0o644)
    assert_left_in_place(saved, content, capsys.readouterr().out)


# --- temporary files of saves killed mid-write ------------------------------------------------------------------

#: A save that stops half-way (its temporary file written, not renamed), says so, and waits to be killed.
HALF_SAVE = """
import sys
from pathlib import Path
from mnist_helpers.saved_models import save_model_atomically

class HalfWritten:
    def save(self, target):
        Path(target).write_bytes(b"PK half a zip")
        print("half written", flush=True)
        sys.stdin.read()

save_model_atomically(HalfWritten(), sys.argv[1])
"""


def start_half_save(path: Path) -> subprocess.Popen:
    helpers = Path(mh.__file__).resolve().parent.parent  # the writer imports the helpers this test imports
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(helpers), os.environ.get("PYTHONPATH", "")])}
    writer = subprocess.Popen(
        [sys.executable, "-c", HALF_SAVE, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
    )
    assert writer.stdout.readline() == "half written\n"
    return writer


def hidden_temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial.keras"))


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX")
def test_temporaries_of_killed_saves_are_removed_by_the_next_save(tmp_path):
    path = tmp_path / "model.keras"
    writers = [start_half_save(path) for _ in range(3)]
    try:
        for writer in writers[:2]:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
        assert len(hidden_temporaries(tmp_path)) == 3, "each writer left its temporary file"
        [still_writing] = [name for name in hidden_temporaries(tmp_path) if f".{writers[2].pid}-" in name]
        saved_models.save_model_atomically(digit_classifier(), path)
        assert hidden_temporaries(tmp_path) == [still_writing], "a save in progress elsewhere is left alone"
        assert files_in(tmp_path) == sorted(["model.keras", still_writing])
    finally:
        for writer in writers:
            writer.kill()
            writer.wait()


def test_a_temporary_untouched_for_an_hour_is_removed_even_if_its_process_id_is_taken(tmp_path):
    name = f".model.{os.getppid()}-0123abcd.partial.keras"  # a running process: the test's parent
    (tmp_path / name).write_bytes(b"PK old")
    (tmp_path / ".model.1-89abcdef.partial.keras").write_bytes(b"PK new")  # process 1 runs: a recent save
    hour_ago = time.time() - saved_models.ABANDONED_AFTER_SECONDS - 60
    os.utime(tmp_path / name, (hour_ago, hour_ago))
    saved_models.save_model_atomically(digit_classifier(), tmp_path / "other.keras")
    assert files_in(tmp_path) == [".model.1-89abcdef.partial.keras", "other.keras"]


def test_only_the_saves_own_temporary_names_are_cleaned(tmp_path):
    kept = [".model.keras", ".notes.123.partial.keras", "model.99999999-0123abcd.partial.keras", "x.unusable-1.keras"]
    for name in kept:
        (tmp_path / name).write_bytes(b"learner's file")
    saved_models.save_model_atomically(digit_classifier(), tmp_path / "model.keras")
    assert files_in(tmp_path) == sorted([*kept, "model.keras"])


# --- saving where the computer refuses: the message and the fix -------------------------------------------------


class RefusedSave:
    """A model whose save fails as a full disk or a read-only folder makes Keras' save fail (after a partial write)."""

    def __init__(self, error: OSError) -> None:
        self.error = error

    def save(self, target) -> None:
        Path(target).write_bytes(b"PK partial")
        raise self.error


def test_a_full_disk_names_the_folder_the_free_space_and_the_fix(tmp_path):
    path = tmp_path / "model.keras"
    with pytest.raises(mh.ModelSaveError) as caught:
        saved_models.save_model_atomically(RefusedSave(OSError(errno.ENOSPC, "No space left on device")), path)
    message = str(caught.value)
    assert message.startswith(f"Could not save {path}: the disk of {tmp_path} is full (")
    assert " MB free). Free some space there" in message and "set the environment variable MNIST_MODELS_DIR" in message
    assert caught.value.errno == errno.ENOSPC and isinstance(caught.value, OSError)
    assert files_in(tmp_path) == []


def test_a_folder_you_may_not_write_to_names_the_folder_and_the_fix(tmp_path):
    path = tmp_path / "model.keras"
    with pytest.raises(mh.ModelSaveError) as caught:
        saved_models.save_model_atomically(RefusedSave(PermissionError(errno.EACCES, "Permission denied")), path)
    message = str(caught.value)
    assert message.startswith(f"Could not save {path}: you may not write there (Permission denied). Set")
    assert "Set the environment variable MNIST_MODELS_DIR to a folder you can write to" in message
    assert f"write permission on {tmp_path}" in message


# --- load_or_train_original_model ------------------------------------------------------------------------------


@pytest.fixture
def models_folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("MNIST_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("MNIST_QUICK", "0")
    return tmp_path


@pytest.fixture
def training_calls(monkeypatch) -> list[tuple]:
    """Replace the 20-epoch fit by the original network, right at once; record each training's arguments."""
    calls: list[tuple] = []

    def train(x_train, y_train, checkpoint_path=None):
        calls.append((len(x_train), checkpoint_path))
        return layered_classifier(), None

    monkeypatch.setattr(original_network, "train_original_model", train)
    return calls


def one_hot_sample() -> tuple[np.ndarray, np.ndarray]:
    x, digits = digit_sample()
    return x, np.eye(10, dtype=np.float32)[digits]


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_original_model_is_set_aside_and_retrained(models_folder, training_calls, capsys, damage):
    path = models_folder / mh.ORIGINAL_MODEL_FILE
    saved_models.save_model_atomically(layered_classifier(), path)
    path.write_bytes(DAMAGES[damage](path.read_bytes()))
    model = mh.load_or_train_original_model(*one_hot_sample())
    out = capsys.readouterr().out
    assert "damaged or not a Keras model file" in out and "training the original network now" in out
    assert "Reusing" not in out
    assert len(training_calls) == 1 and model is not None
    assert keras.models.load_model(path).output_shape == (None, 10), "the retrained model is saved again"
    assert len(list(models_folder.glob("original_mlp.unusable-*.keras"))) == 1


def nan_original() -> keras.Model:
    model = layered_classifier()
    model.set_weights([weights * np.nan for weights in model.get_weights()])
    return model


@pytest.mark.parametrize(
    ("saved_model", "reason"),
    [
        (lambda: digit_classifier(inputs=100), "expects inputs of shape (100,)"),
        (lambda: digit_classifier(outputs=5), "outputs of shape (5,)"),
        (lambda: layered_classifier(hidden=(32,)), "its layer 1 is Dense(units=32, activation=relu)"),
        (nan_original, "535,818 of its 535,818 weights are NaN or infinity"),
        (lambda: layered_classifier(strength=0.0), "reads only 10.0% of 200"),
    ],
    ids=["wrong inputs", "wrong outputs", "784-32-10", "NaN weights", "untrained"],
)
def test_an_unsuitable_original_model_is_retrained(models_folder, training_calls, capsys, saved_model, reason):
    saved_models.save_model_atomically(saved_model(), models_folder / mh.ORIGINAL_MODEL_FILE)
    mh.load_or_train_original_model(*one_hot_sample())
    out = capsys.readouterr().out
    assert reason in out and "training the original network now" in out
    assert len(training_calls) == 1


@pytest.mark.parametrize(
    ("checkpoint", "reason"),
    [(nan_original, "weights are NaN or infinity"), (lambda: layered_classifier(strength=0.0), "reads only 10.0%")],
    ids=["NaN weights", "untrained"],
)
def test_lesson_05s_checkpoint_goes_through_the_same_check(tmp_path, capsys, checkpoint, reason):
    path = saved_models.save_model_atomically(checkpoint(), tmp_path / mh.ORIGINAL_CHECKPOINT_FILE)
    assert mh.load_original_model_if_usable(path, *one_hot_sample()) is None
    assert reason in capsys.readouterr().out
    good = saved_models.save_model_atomically(layered_classifier(), tmp_path / mh.ORIGINAL_CHECKPOINT_FILE)
    assert mh.load_original_model_if_usable(good, *one_hot_sample()) is not None


def test_a_good_original_model_is_reused_without_training(models_folder, training_calls, capsys):
    saved_models.save_model_atomically(layered_classifier(), models_folder / mh.ORIGINAL_MODEL_FILE)
    mh.load_or_train_original_model(*one_hot_sample())
    assert "Reusing the trained model" in capsys.readouterr().out
    assert training_calls == []


def test_a_real_training_saves_only_the_finished_model_and_the_next_lesson_reuses_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MNIST_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("MNIST_QUICK", "1")
    digits = np.arange(3000) % 10
    x, y = np.eye(784, dtype=np.float32)[digits], np.eye(10, dtype=np.float32)[digits]
    mh.load_or_train_original_model(x, y)
    assert files_in(tmp_path / "quick") == [mh.ORIGINAL_MODEL_FILE], "no checkpoint or temporary folder left"
    assert "training the original network now" in capsys.readouterr().out
    mh.load_or_train_original_model(x, y)
    assert "Reusing the trained model" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "is full"),
        (PermissionError(errno.EACCES, "Permission denied"), "you may not write there"),
    ],
    ids=["disk full", "no permission"],
)
def test_a_refused_save_is_one_line_and_the_trained_model_is_returned(
    models_folder, monkeypatch, capsys, error, reason
):
    monkeypatch.setattr(original_network, "train_original_model", lambda x, y: (RefusedSave(error), None))
    model = mh.load_or_train_original_model(*one_hot_sample())
    assert isinstance(model, RefusedSave)
    [training, note] = capsys.readouterr().out.splitlines()
    assert "training the original network now" in training
    assert note.startswith(f"Could not save {models_folder / mh.ORIGINAL_MODEL_FILE}: ") and reason in note
    assert "MNIST_MODELS_DIR" in note and note.endswith("but other lessons will not find it.")
    assert os.listdir(models_folder) == []


def test_a_read_only_models_folder_still_gives_a_trained_model(
    models_folder, training_calls, capsys, bound_by_permissions
):
    models_folder.chmod(0o555)
    try:
        model = mh.load_or_train_original_model(*one_hot_sample())
    finally:
        models_folder.chmod(0o755)
    assert model is not None and len(training_calls) == 1
    out = capsys.readouterr().out
    assert "you may not write there" in out and "MNIST_MODELS_DIR" in out
    assert os.listdir(models_folder) == []


def test_an_unusable_models_folder_still_gives_a_trained_model(tmp_path, monkeypatch, training_calls, capsys):
    monkeypatch.setenv("MNIST_MODELS_DIR", str(tmp_path / "notes.txt"))
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    assert mh.load_or_train_original_model(*one_hot_sample()) is not None
    out = capsys.readouterr().out
    assert "Cannot use" in out and "Set MNIST_MODELS_DIR to a folder you can write to" in out
    assert "it stays in memory for this lesson only" in out and len(training_calls) == 1


def test_an_unreadable_original_model_is_neither_moved_nor_saved_over(
    models_folder, training_calls, monkeypatch, capsys
):
    path = saved_models.save_model_atomically(layered_classifier(), models_folder / mh.ORIGINAL_MODEL_FILE)
    content = path.read_bytes()
    refuse_to_open(path, monkeypatch)
    assert mh.load_or_train_original_model(*one_hot_sample()) is not None
    out = capsys.readouterr().out
    assert_left_in_place(path, content, out.splitlines()[0])
    assert out.splitlines()[-1] == f"Not saving over {path}: the trained model stays in memory for this lesson."
    assert len(training_calls) == 1


# --- where_to_save: a save during training goes where there is room --------------------------------------------


def report_free_space(monkeypatch, folder: Path, free: int) -> None:
    """Make ``folder``'s disk look as if it had ``free`` bytes left; other folders keep their real figures."""
    real = shutil.disk_usage

    def disk_usage(path):
        usage = real(path)
        return usage._replace(free=free) if Path(path) == folder else usage

    monkeypatch.setattr(saved_models.shutil, "disk_usage", disk_usage)


def test_where_to_save_keeps_a_path_with_room_and_leaves_nothing(tmp_path, capsys):
    assert mh.where_to_save(digit_classifier(), tmp_path / "model.keras") == tmp_path / "model.keras"
    assert files_in(tmp_path) == [] and capsys.readouterr().out == ""


def test_where_to_save_moves_a_save_off_a_full_disk_and_says_so(tmp_path, monkeypatch, capsys):
    report_free_space(monkeypatch, tmp_path, free=50_000)
    path = mh.where_to_save(digit_classifier(), tmp_path / "model.keras")
    assert path.name == "model.keras" and path.parent != tmp_path and path.parent.is_dir()
    message = capsys.readouterr().out
    assert message.startswith(f"Cannot save model.keras in its folder: the disk of {tmp_path} has 0.1 MB free and ")
    assert f"the model needs about 1.1 MB. Saving it in {path.parent} instead, for this lesson only." in message
    assert "MNIST_MODELS_DIR" in message and len(message.splitlines()) == 1
    saved_models.save_model_atomically(digit_classifier(), path)
    path.unlink()
    path.parent.rmdir()


def test_where_to_save_moves_a_save_out_of_a_folder_you_may_not_write_to(tmp_path, monkeypatch, capsys):
    real_open = open

    def refuse_probes(file, *args, **kwargs):
        if Path(file).parent == tmp_path:
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(saved_models, "open", refuse_probes, raising=False)
    path = mh.where_to_save(digit_classifier(), tmp_path / "model.keras")
    assert path.parent != tmp_path
    assert f"{tmp_path} is not a folder you can write to (Permission denied)" in capsys.readouterr().out
    path.parent.rmdir()


def test_where_to_save_says_so_when_no_folder_has_room(tmp_path, monkeypatch, capsys):
    full = shutil.disk_usage(tmp_path)._replace(free=0)
    monkeypatch.setattr(saved_models.shutil, "disk_usage", lambda path: full)
    assert mh.where_to_save(digit_classifier(), tmp_path / "model.keras") == tmp_path / "model.keras"
    message = capsys.readouterr().out
    assert "nor in a temporary folder" in message and message.endswith("Free some space.\n")
