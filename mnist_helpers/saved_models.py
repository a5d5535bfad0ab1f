"""Where lessons keep saved models, what the files are called, and how they are saved and reused safely.

One folder that git ignores (`models_dir`); the file names lessons share (constants below, so a lesson
that saves and one that loads can never disagree); a save that never leaves half a file, nor the temporary files
of a save killed mid-write (`save_model_atomically`), and that says which folder to change when the disk is full
or not writable (`save_model_if_possible` only prints it, so a lesson goes on); and a load that reads only a
bounded regular file and refuses a damaged model, another network, or an untrained one (`load_model_if_usable`).
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import stat
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from mnist_helpers.data import NUM_CLASSES
from mnist_helpers.notebook_setup import import_keras_quietly
from mnist_helpers.quick_mode import is_quick_mode

MODELS_DIR_VARIABLE = "MNIST_MODELS_DIR"
MODELS_FOLDER_NAME = "saved_models"

#: Lesson 04's trained original network, reused by lessons 05, 06 and 10.
ORIGINAL_MODEL_FILE = "original_mlp.keras"
#: Lesson 04's ModelCheckpoint file (the best epoch so far), read again in lesson 06.
ORIGINAL_CHECKPOINT_FILE = "original_mlp_checkpoint.keras"
#: Lesson 09's trained CNN, reused by lesson 10.
CNN_MODEL_FILE = "cnn.keras"


def project_root(start: Path | None = None) -> Path | None:
    """Return the checkout that holds ``start`` (the folder with ``pyproject.toml`` and ``mnist_helpers/``).

    ``None`` outside a checkout, for example in Colab's ``/content``.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "mnist_helpers").is_dir():
            return folder
    return None


class ModelsDirError(OSError):
    """The folder for saved models cannot be created or is not a folder; the message says which setting to change."""


def models_dir() -> Path:
    """Return (and create) the folder for ``.keras`` files.

    ``$MNIST_MODELS_DIR`` if set (``~`` expanded, surrounding spaces ignored); else ``saved_models/``
    at the top of the checkout, so a lesson and its solutions notebook (in ``notebooks/solutions/``)
    share one folder; outside a checkout, ``./saved_models``. Quick mode uses a ``quick`` subfolder,
    so a model trained for two epochs by the tests is never reused by a learner in full mode.
    """
    from_environment = os.environ.get(MODELS_DIR_VARIABLE, "").strip()
    if from_environment:
        folder = Path(from_environment).expanduser()
        setting = f"{MODELS_DIR_VARIABLE}={os.environ[MODELS_DIR_VARIABLE]!r}"
        fix = f"Set {MODELS_DIR_VARIABLE} to a folder you can write to, or unset it to use {MODELS_FOLDER_NAME}/."
    else:
        folder = (project_root() or Path.cwd()) / MODELS_FOLDER_NAME
        setting = f"the default folder ({MODELS_DIR_VARIABLE} is not set)"
        fix = f"Set {MODELS_DIR_VARIABLE} to a folder you can write to."
    if is_quick_mode():
        folder = folder / "quick"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        if isinstance(error, FileExistsError):
            reason = "it exists and is not a folder"
        elif isinstance(error, NotADirectoryError):
            reason = "part of that path is a file, not a folder"
        else:
            reason = error.strerror or str(error)
        raise ModelsDirError(f"Cannot use {folder} for saved models, from {setting}: {reason}. {fix}") from error
    return folder


class ModelSaveError(OSError):
    """A model could not be saved (no permission, disk full...); the message names the file and says what to do."""


#: Temporary names of `save_model_atomically`: hidden, next to the model, with the saving process's id.
_TEMPORARY_NAME = re.compile(r"^\..+\.(?P<pid>\d+)-[0-9a-f]{8}\.partial\.keras$")

#: A temporary file untouched for this long belongs to a save that will never finish, whatever its process id says.
ABANDONED_AFTER_SECONDS = 3600


def _temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.stem}.{os.getpid()}-{secrets.token_hex(4)}.partial.keras")


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (always True on Windows, where only the file's age decides)."""
    if pid == os.getpid() or os.name == "nt":  # on Windows os.kill(pid, 0) would end the process
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, and belongs to another user
        return True
    return True


def remove_abandoned_temporaries(folder: str | os.PathLike[str]) -> list[Path]:
    """Delete the temporary files of saves that were killed mid-write (SIGKILL, a crashed kernel); return them.

    `save_model_atomically` names its temporary file after its process; a file whose process is gone, or that
    nobody touched for an hour, is abandoned. Another notebook's save in progress is left alone. Every save calls
    this first, so such files never pile up.
    """
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMPORARY_NAME.match(entry.name)
        if match is None:
            continue
        try:
            idle = now - entry.stat(follow_symlinks=False).st_mtime
            if _process_alive(int(match["pid"])) and idle < ABANDONED_AFTER_SECONDS:
                continue
            os.unlink(entry.path)
        except OSError:  # gone already, or not ours to delete: not this save's problem
            continue
        removed.append(Path(entry.path))
    return removed


def _megabytes(size: float) -> str:
    return f"{size / 1e6:,.1f} MB"


def _save_failure(path: Path, error: OSError) -> str:
    """One line: which file could not be saved, why, and what to do."""
    folder = path.parent
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        try:
            free = f" ({_megabytes(shutil.disk_usage(folder).free)} free)"
        except OSError:
            free = ""
        return (
            f"Could not save {path}: the disk of {folder} is full{free}. Free some space there (old "
            f"*.unusable-*.keras files can go), or set the environment variable {MODELS_DIR_VARIABLE} to a folder "
            "on a disk with room."
        )
    if isinstance(error, PermissionError) or error.errno == errno.EROFS:
        why = "it is on a read-only disk" if error.errno == errno.EROFS else "you may not write there"
        return (
            f"Could not save {path}: {why} ({error.strerror or type(error).__name__}). Set the environment variable "
            f"{MODELS_DIR_VARIABLE} to a folder you can write to, or give yourself write permission on {folder}."
        )
    return (
        f"Could not save {path} ({_short(error)}). Check the folder {folder}, or set the environment variable "
        f"{MODELS_DIR_VARIABLE} to another folder."
    )


def save_model_atomically(model: Any, path: str | os.PathLike[str]) -> Path:
    """Save ``model`` as a ``.keras`` file at ``path`` without ever leaving a partial file under that name.

    Keras writes the zip archive in place, so a reader (another notebook) can see half a file and an
    interrupted save leaves one behind. Here Keras writes a hidden temporary file in the same folder,
    which is flushed to disk and then renamed onto ``path`` in one step (``os.replace``): readers see
    the old file or the new one, never a mix. On any failure the temporary file is removed, and the temporary
    files of earlier saves that were killed mid-write are removed first (`remove_abandoned_temporaries`).
    Raises `ModelSaveError` (an OSError) naming the file and the fix when the folder is not writable or the disk
    is full.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"A model file must end in .keras, got {str(path)!r}: rename it, e.g. {path.stem}.keras")
    remove_abandoned_temporaries(path.parent)
    temporary = _temporary_name(path)
    try:
        model.save(temporary)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        try:
            temporary.unlink(missing_ok=True)
        except OSError:
            pass
        if isinstance(error, OSError):
            failure = ModelSaveError(_save_failure(path, error))
            failure.errno = error.errno
            raise failure from error
        raise
    return path


def save_model_if_possible(model: Any, path: str | os.PathLike[str]) -> Path | None:
    """`save_model_atomically`, but a save the computer refuses (no permission, disk full) only prints one line.

    Returns the path, or ``None`` after printing which file, why and what to do: the model stays in memory, so the
    lesson goes on, and a later lesson trains its own.
    """
    try:
        return save_model_atomically(model, path)
    except ModelSaveError as error:
        print(f"{error} The model stays in memory: this lesson goes on with it, but other lessons will not find it.")
        return None


def _why_no_room(folder: Path, needed: int) -> str | None:
    """Why ``folder`` cannot take a file of ``needed`` bytes now (not writable, too little free space), or ``None``."""
    probe = folder / f".{os.getpid()}-{secrets.token_hex(4)}.probe"
    try:
        with open(probe, "xb"):
            pass
        probe.unlink()
        free = shutil.disk_usage(folder).free
    except OSError as error:
        read_only = error.errno == errno.EROFS
        return (
            f"{folder} is {'on a read-only disk' if read_only else 'not a folder you can write to'} ({error.strerror})"
        )
    if free < needed:
        return f"the disk of {folder} has {_megabytes(free)} free and the model needs about {_megabytes(needed)}"
    return None


def where_to_save(model: Any, path: str | os.PathLike[str]) -> Path:
    """``path`` if its folder can take a save of ``model`` now, else the same name in a new temporary folder.

    For a save in the middle of training (``ModelCheckpoint``), where a full disk or a read-only folder would stop
    ``fit``. "Can take" means writable, with room for three numbers per parameter (the weights and Adam's state)
    and 1 MB. Elsewhere it prints one line: why, where the file goes instead, and what to do.
    """
    path = Path(path)
    needed = 3 * 4 * int(model.count_params()) + 2**20
    why = _why_no_room(path.parent, needed)
    if why is None:
        return path
    fallback = Path(tempfile.mkdtemp(prefix="mnist-models-")) / path.name
    elsewhere = _why_no_room(fallback.parent, needed)
    if elsewhere is not None:
        fallback.parent.rmdir()
        print(f"Cannot save {path.name} here: {why}; nor in a temporary folder: {elsewhere}. Free some space.")
        return path
    print(
        f"Cannot save {path.name} in its folder: {why}. Saving it in {fallback.parent} instead, for this lesson "
        f"only. To keep models for the next lessons, free some space or set {MODELS_DIR_VARIABLE} to a folder you "
        "can write to."
    )
    return fallback


def _aside_name(path: Path) -> Path:
    """A free name next to ``path`` that says the file was set aside, e.g. ``x.unusable-20261126-131500.keras``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.stem}.unusable-{stamp}{path.suffix}")
    counter = 1
    while os.path.lexists(candidate):
        counter += 1
        candidate = path.with_name(f"{path.stem}.unusable-{stamp}-{counter}{path.suffix}")
    return candidate


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split()) or "no message"
    return f"{type(error).__name__}: {text[:160]}{'...' if len(text) > 160 else ''}"


#: The largest ``.keras`` file, and the largest total of its unzipped entries, that `load_model_if_usable` reads.
#: The lessons' models are far smaller (the original network's file is about 6.5 MB, the CNN's under 1 MB); the
#: limit keeps a hostile file (a zip bomb) from filling the memory before Keras notices anything.
MAX_MODEL_BYTES = 64 * 2**20

_FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class _Refusal(NamedTuple):
    why: str
    move_aside: bool  # False: the file may be fine, the trouble is reading it (permissions, a disk error)


def _problem_before_loading(path: Path, info: os.stat_result) -> _Refusal | None:
    """Why Keras must not even open ``path`` (not a regular file, too big, unreadable, not a zip, a zip bomb)."""
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _FILE_KINDS if test(info.st_mode)), "not a regular file")
        link = f" (a link to {os.path.realpath(path)})" if path.is_symlink() else ""
        return _Refusal(f"it is {kind}{link}, not a model file", True)
    limit = _megabytes(MAX_MODEL_BYTES)
    if info.st_size > MAX_MODEL_BYTES:
        return _Refusal(f"it is {_megabytes(info.st_size)}, more than the {limit} any lesson's model needs", True)
    try:
        with open(path, "rb") as handle, zipfile.ZipFile(handle) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile as error:
        return _Refusal(f"it is damaged or not a Keras model file (not a complete zip archive: {_short(error)})", True)
    except OSError as error:
        if isinstance(error, PermissionError):
            fix = f"give yourself read permission (e.g. chmod u+rw {path.name})"
        else:
            fix = "check the disk"
        return _Refusal(
            f"it cannot be read ({error.strerror or _short(error)}), so it is left in place: {fix}, or set "
            f"{MODELS_DIR_VARIABLE} to a folder of your own",
            False,
        )
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > MAX_MODEL_BYTES:
        return _Refusal(
            f"its {len(entries):,} zip entries would unpack to {_megabytes(unpacked)}, more than the {limit} any "
            "lesson's model needs (a damaged or hostile file)",
            True,
        )
    return None


#: Settings that decide what a layer computes; compared, with the shapes of its weights, between a saved network and
#: the one a lesson expects (names, initialisers and dtypes are not compared). Stable `get_config` keys in Keras 3.
_DEFINING_SETTINGS = (
    "units",
    "filters",
    "kernel_size",
    "strides",
    "padding",
    "pool_size",
    "rate",
    "activation",
    "use_bias",
)
_SHOWN_SETTINGS = ("units", "filters", "kernel_size", "pool_size", "rate", "activation")


def _plain(value: Any) -> Any:
    return tuple(_plain(item) for item in value) if isinstance(value, list | tuple) else value


def _layer_settings(layer: Any) -> dict[str, Any]:
    config = layer.get_config()
    return {key: _plain(config[key]) for key in _DEFINING_SETTINGS if key in config}


def _layers(model: Any) -> list[Any]:
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def _layer_text(layer: Any, keys: Sequence[str]) -> str:
    settings = _layer_settings(layer)
    shown = [f"{key}={settings[key]}" for key in settings if key in keys]
    return f"{type(layer).__name__}({', '.join(shown)})"


def _architecture_difference(found: Any, expected: Any) -> str | None:
    """How the layers of ``found`` differ from those of ``expected`` (first difference), or ``None``."""
    found_layers, expected_layers = _layers(found), _layers(expected)
    counts = f"{found.count_params():,} parameters, the lesson's network {expected.count_params():,}"
    for number, (mine, theirs) in enumerate(zip(found_layers, expected_layers, strict=False), start=1):
        mine_settings, their_settings = _layer_settings(mine), _layer_settings(theirs)
        differing = [key for key in _DEFINING_SETTINGS if mine_settings.get(key) != their_settings.get(key)]
        keys = (*_SHOWN_SETTINGS, *differing)
        if type(mine).__name__ != type(theirs).__name__ or differing:
            return (
                f"it is not the network this lesson expects: its layer {number} is {_layer_text(mine, keys)} where "
                f"the lesson's network has {_layer_text(theirs, keys)} ({counts})"
            )
        mine_shapes = [tuple(weight.shape) for weight in mine.weights]
        their_shapes = [tuple(weight.shape) for weight in theirs.weights]
        if mine_shapes != their_shapes:
            return (
                f"it is not the network this lesson expects: its layer {number} ({_layer_text(mine, _SHOWN_SETTINGS)}) "
                f"has weights of shapes {mine_shapes} where the lesson's network has {their_shapes} ({counts})"
            )
    if len(found_layers) != len(expected_layers):
        return (
            f"it is not the network this lesson expects: it has {len(found_layers)} layers where the lesson's network "
            f"has {len(expected_layers)} ({counts})"
        )
    return None


def _compile_difference(found: Any, expected: Any) -> str | None:
    """How the compile settings a lesson relies on (loss, metrics) differ, or ``None``."""
    if not getattr(expected, "compiled", False):
        return None
    if not getattr(found, "compiled", False):
        return "it was saved without compile settings (loss and metrics), so evaluate cannot run on it"
    found_config, expected_config = found.get_compile_config(), expected.get_compile_config()
    for key in ("loss", "metrics"):
        if found_config.get(key) != expected_config.get(key):
            return (
                f"it was compiled with {key}={found_config.get(key)!r} where the lesson's network has "
                f"{key}={expected_config.get(key)!r}"
            )
    return None


def _scores(model: Any, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The model's outputs for ``x``, computed eagerly in batches.

    Not ``model.predict``: that traces a new TensorFlow function for every model loaded, and after a few of them
    TensorFlow prints a warning about retracing into the lesson.
    """
    keras = import_keras_quietly()
    parts = [
        keras.ops.convert_to_numpy(model(x[start : start + batch_size], training=False))
        for start in range(0, len(x), batch_size)
    ]
    return np.concatenate(parts) if parts else np.zeros((0, NUM_CLASSES))


def _why_unusable(
    model: Any,
    input_shape: tuple[int, ...],
    architecture: Callable[[], Any] | None,
    check: tuple[np.ndarray, np.ndarray] | None,
    min_accuracy: float,
) -> str | None:
    """Why a loaded model cannot be reused, or ``None`` if it can."""
    try:
        found_input = tuple(model.input_shape)
        found_output = tuple(model.output_shape)
    except (AttributeError, ValueError, TypeError) as error:
        return f"it has no single input and output that can be checked ({_short(error)})"
    if found_input[1:] != input_shape:
        return f"it expects inputs of shape {found_input[1:]}, not {input_shape} (a different network)"
    if found_output[1:] != (NUM_CLASSES,):
        return f"it gives outputs of shape {found_output[1:]}, not ({NUM_CLASSES},) one score per digit"
    if architecture is not None:
        expected = architecture()
        why = _architecture_difference(model, expected) or _compile_difference(model, expected)
        if why is not None:
            return why
    broken = sum(int(np.count_nonzero(~np.isfinite(weights))) for weights in model.get_weights())
    if broken:
        total = model.count_params()
        return f"{broken:,} of its {total:,} weights are NaN or infinity (as a training that diverged leaves them)"
    if check is None:
        return None
    x, y = check
    digits = np.asarray(y)
    if digits.ndim == 2:
        digits = digits.argmax(axis=1)
    try:
        scores = _scores(model, np.asarray(x))
    except Exception as error:  # a model that loads but cannot predict is as unusable as one that does not load
        return f"it could not predict on a sample ({_short(error)})"
    accuracy = float(np.mean(scores.argmax(axis=1) == digits))
    if not np.all(np.isfinite(scores)):
        return f"its predictions contain NaN or infinity (accuracy {accuracy:.1%} on {len(digits)} digits)"
    if accuracy < min_accuracy:
        return f"it reads only {accuracy:.1%} of {len(digits)} sample digits correctly (needs {min_accuracy:.0%})"
    return None


def load_model_if_usable(
    path: str | os.PathLike[str],
    input_shape: Sequence[int],
    check: tuple[np.ndarray, np.ndarray] | None = None,
    min_accuracy: float = 0.5,
    architecture: Callable[[], Any] | None = None,
) -> Any | None:
    """Load a ``.keras`` file a lesson reuses, or return ``None`` so the lesson trains a new model.

    ``None`` if the file is missing. Before Keras opens it, the file must be a regular file (not a folder, a pipe
    or a link to a device), at most `MAX_MODEL_BYTES` and a zip archive that unpacks to at most as much. The
    loaded model must expect inputs of ``input_shape`` (without the batch axis), give 10 outputs and have finite
    weights; with ``architecture`` (a function that builds the network the lesson expects, e.g.
    ``mh.build_original_model``) the same layers (types, sizes, activations) and the same loss and metrics; with
    ``check=(x, digits)`` it must read at least ``min_accuracy`` of that sample correctly. Otherwise it prints one
    line saying which file and why, moves the file aside (same folder, ``.unusable-<time>`` in its name) and
    returns ``None``. A file that cannot be read (no permission) is left where it is, and the line says how to fix it.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:  # missing, or a link to nothing
        return None
    except OSError as error:  # e.g. a folder on the way that may not be searched
        print(f"Not reusing the saved model {path}: it cannot be looked at ({_short(error)}); left it as it is.")
        return None
    refusal = _problem_before_loading(path, info)
    if refusal is not None and not refusal.move_aside:
        print(f"Not reusing the saved model {path}: {refusal.why}.")
        return None
    if refusal is not None:
        why = refusal.why
    else:
        keras = import_keras_quietly()
        try:
            model = keras.models.load_model(path)
        except Exception as error:  # Keras raises many types for a bad file: OSError, BadZipFile, KeyError...
            why = f"it is damaged or not a Keras model file ({_short(error)})"
        else:
            why = _why_unusable(model, tuple(int(size) for size in input_shape), architecture, check, min_accuracy)
            if why is None:
                return model
    aside = _aside_name(path)
    try:
        os.replace(path, aside)
        moved = f"moved it to {aside.name}"
    except OSError as error:
        moved = f"could not move it aside ({_short(error)}): delete it yourself"
    print(f"Not reusing the saved model {path}: {why}; {moved}.")
    return None
