"""What the checks of training exercises share: a learner's History or Keras model as an answer, read only through
public Keras behaviour (``History.history``, ``.params`` and ``.model``, a model's layers, ``count_params`` and
``get_config``), with a clear complaint when it is something else."""

from __future__ import annotations

from typing import Any

import numpy as np

from mnist_helpers.exercise_feedback import WrongAnswerError
from mnist_helpers.notebook_setup import import_keras_quietly


def as_history(value: Any, name: str, needs: tuple[str, ...] = ("loss", "val_loss")) -> dict[str, list[float]]:
    """The curves (``history.history``) of the History that ``fit`` returned, holding at least ``needs``."""
    keras = import_keras_quietly()
    if isinstance(value, dict):
        raise WrongAnswerError(
            f"{name} is a dict: give the History object itself ({name} = model.fit(...)), not {name}.history."
        )
    if not isinstance(value, keras.callbacks.History):
        raise WrongAnswerError(
            f"{name} should be what model.fit(...) returned (a History), got {type(value).__name__}."
        )
    curves = value.history
    if not curves.get("loss"):
        raise WrongAnswerError(f"{name} holds no epochs: did fit run? Give the History that it returned.")
    missing = [key for key in needs if key not in curves]
    if missing:
        hint = " (fit with validation_split=0.2)" if any(key.startswith("val_") for key in missing) else ""
        raise WrongAnswerError(f"{name} has no {', '.join(missing)}{hint}; it has {', '.join(curves)}.")
    return {key: [float(number) for number in numbers] for key, numbers in curves.items()}


def planned_epochs(history: Any) -> int | None:
    """How many epochs ``fit`` was asked for (its ``epochs=``), from ``History.params``; None if it does not say."""
    epochs = getattr(history, "params", {}).get("epochs")
    return int(epochs) if epochs is not None else None


def as_model(value: Any, name: str) -> Any:
    """``value`` if it is a Keras model, else WrongAnswerError saying what it is."""
    keras = import_keras_quietly()
    if isinstance(value, keras.callbacks.History):
        raise WrongAnswerError(f"{name} is a History: give the model itself (the one you called fit on).")
    if not isinstance(value, keras.Model):
        raise WrongAnswerError(f"{name} should be a Keras model (keras.Sequential([...])), got {type(value).__name__}.")
    return value


def trained_with(model: Any, history: Any, model_name: str, history_name: str) -> None:
    """WrongAnswerError unless ``history`` is what ``fit`` returned for this very ``model`` (``History.model``)."""
    if getattr(history, "model", None) is not model:
        raise WrongAnswerError(
            f"{history_name} does not come from training {model_name}: give the History that "
            f"{model_name}.fit(...) returned (fit_... returns it)."
        )


def layers_of(model: Any, kind: str) -> list[Any]:
    """The model's layers of one Keras type, by class name (``"Dropout"``), in order."""
    keras = import_keras_quietly()
    return [layer for layer in model.layers if isinstance(layer, getattr(keras.layers, kind))]


def dropout_rates(model: Any) -> list[float]:
    """The rate of each Dropout layer, as its public config says."""
    return [float(layer.get_config()["rate"]) for layer in layers_of(model, "Dropout")]


def shapes_in_and_out(model: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The model's input shape and output shape, without the batch axis."""
    return tuple(model.inputs[0].shape[1:]), tuple(model.outputs[0].shape[1:])


def last_epoch_gap(curves: dict[str, list[float]]) -> str:
    """One phrase: training and validation accuracy in the last epoch, and which is higher."""
    train, val = curves["accuracy"][-1], curves["val_accuracy"][-1]
    side = "above" if val > train else "below" if val < train else "equal to"
    return f"in the last epoch validation accuracy {val:.4f} is {side} training accuracy {train:.4f}"


def epochs_where(values: list[float], target: float, tolerance: float) -> list[int]:
    """The epochs (counted from 1) whose value is within ``tolerance`` of ``target``."""
    return [epoch for epoch, value in enumerate(values, start=1) if np.isclose(value, target, rtol=0, atol=tolerance)]
