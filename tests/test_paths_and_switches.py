"""MNIST_MODELS_DIR and MNIST_QUICK as a learner might type them: ~, spaces, a file, an unknown switch value."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import mnist_helpers as mh
from mnist_helpers import quick_mode


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("MNIST_QUICK", "0")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_tilde_in_mnist_models_dir_means_home(home, monkeypatch):
    monkeypatch.setenv("MNIST_MODELS_DIR", "~/models")
    assert mh.models_dir() == home / "models"
    assert not (home / "~").exists(), "no literal ~ folder"


def test_spaces_around_mnist_models_dir_are_ignored(home, monkeypatch):
    monkeypatch.setenv("MNIST_MODELS_DIR", f"  {home / 'models'}\n")
    assert mh.models_dir() == home / "models"
    assert sorted(p.name for p in home.iterdir()) == ["models"]


def test_a_blank_mnist_models_dir_counts_as_unset(home, monkeypatch):
    monkeypatch.setenv("MNIST_MODELS_DIR", "   ")
    assert mh.models_dir() == home / "saved_models"


@pytest.mark.parametrize("quick", ["0", "1"])
@pytest.mark.parametrize("kind", ["a file", "/dev/null"])
def test_a_file_as_mnist_models_dir_names_the_variable(home, monkeypatch, kind, quick):
    value = "/dev/null" if kind == "/dev/null" else str(home / "notes.txt")
    (home / "notes.txt").write_text("a file, not a folder")
    monkeypatch.setenv("MNIST_MODELS_DIR", value)
    monkeypatch.setenv("MNIST_QUICK", quick)
    with pytest.raises(mh.ModelsDirError) as caught:
        mh.models_dir()
    message = str(caught.value)
    assert f"MNIST_MODELS_DIR={value!r}" in message and "Set MNIST_MODELS_DIR to a folder you can write to" in message
    assert "not a folder" in message or "is a file" in message
    assert isinstance(caught.value, OSError)


@pytest.fixture
def fresh_warnings(monkeypatch):
    monkeypatch.setattr(quick_mode, "_warned_values", set())


@pytest.mark.parametrize("value", ["1", "true", "YES", " on ", "0", "false", "no", "off", ""])
def test_known_quick_values_are_silent(monkeypatch, fresh_warnings, value):
    monkeypatch.setenv("MNIST_QUICK", value)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mh.is_quick_mode() is (value.strip().lower() in {"1", "true", "yes", "on"})


@pytest.mark.parametrize("value", ["2", "y", "t", "1.0", "quick"])
def test_an_unknown_quick_value_warns_once_with_the_accepted_values(monkeypatch, fresh_warnings, value):
    monkeypatch.setenv("MNIST_QUICK", value)
    with pytest.warns(UserWarning) as caught:
        assert mh.is_quick_mode() is False
        assert mh.pick(full=20, quick=2) == 20
    assert len(caught) == 1, "once, not at every call"
    message = str(caught[0].message)
    assert f"MNIST_QUICK={value!r}" in message and "full mode" in message
    assert "1, true, yes, on for quick mode" in message and "0, false, no, off" in message
