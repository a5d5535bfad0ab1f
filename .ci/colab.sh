#!/usr/bin/env bash
# The lessons in Google Colab's versions (make colab-test runs both steps; .ci/run calls make colab-test).
#
#   bash .ci/colab.sh env VENV    build VENV: Python 3.13 from pyenv, the pins in .ci/colab-pins.txt, pytest + nbval
#   bash .ci/colab.sh test VENV   install mnist-helpers non-editable from a clean clone of this checkout (committed
#                                 files only), then run every notebook, solutions too, with nbval in quick mode,
#                                 each in a folder of its own outside the source, as on a fresh Colab runtime
#
# COLAB_PYTHON=/path/to/python3.13 overrides the search for Python 3.13. MNIST_DATA_DIR is passed through.
set -euo pipefail
cd "$(dirname "$0")/.."
PINS=.ci/colab-pins.txt
WANTED="$(sed -n 's/^# python==//p' "$PINS")"   # Colab's Python, from the pins file

find_python() {
    local candidate
    if [ -n "${COLAB_PYTHON:-}" ]; then
        echo "$COLAB_PYTHON"
        return
    fi
    if command -v pyenv >/dev/null 2>&1; then
        candidate="$(pyenv prefix "$WANTED" 2>/dev/null || true)"
        if [ -n "$candidate" ] && [ -x "$candidate/bin/python$WANTED" ]; then
            echo "$candidate/bin/python$WANTED"
            return
        fi
        for candidate in "$(pyenv root)"/versions/"$WANTED".*/bin/python"$WANTED"; do
            if [ -x "$candidate" ]; then
                echo "$candidate"
                return
            fi
        done
    fi
    command -v "python$WANTED" || true
}

build_env() {
    local venv="$1" python
    python="$(find_python)"
    if [ -z "$python" ] || ! "$python" -c "import sys; sys.exit('%d.%d' % sys.version_info[:2] != '$WANTED')" 2>/dev/null; then
        echo "colab: Python $WANTED (Colab's version) is needed; ${python:-no python$WANTED was found}${python:+ is not it}." >&2
        echo "colab: install it with 'pyenv install $WANTED', or run: make colab-test COLAB_PYTHON=/path/to/python$WANTED" >&2
        exit 1
    fi
    echo "colab: building $venv with $("$python" --version) ($python) and $PINS"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet "$(grep '^pip==' "$PINS")"
    "$venv/bin/python" -m pip install --quiet --requirement "$PINS" nbval
    "$venv/bin/python" -m pip check
    touch "$venv/.installed"
}

run_notebooks() {
    local venv="$1" notebook folder
    work="$(mktemp -d)"   # global: the EXIT trap runs after this function has returned
    trap 'rm -rf "$work"' EXIT
    git clone --quiet . "$work/clone"
    echo "colab: installing mnist-helpers from a clean clone at $(git -C "$work/clone" log -1 --format='%h %s')"
    "$venv/bin/python" -m pip uninstall --quiet --yes mnist-helpers >/dev/null 2>&1 || true
    # --constraint: if pyproject.toml ever demanded other versions than Colab's, this fails instead of upgrading.
    "$venv/bin/python" -m pip install --quiet --constraint "$PINS" "$work/clone"
    # One folder per notebook, none inside the source: each finds only the installed package and saves its models
    # in its own ./saved_models, like a notebook opened on a fresh Colab runtime in /content.
    mkdir "$work/run"
    for notebook in "$work"/clone/notebooks/*.ipynb "$work"/clone/notebooks/solutions/*.ipynb; do
        folder="$work/run/$(basename "$notebook" .ipynb)"
        mkdir "$folder"
        cp "$notebook" "$folder/"
    done
    cd "$work/run"
    unset MNIST_MODELS_DIR PYTHONPATH
    # PYDEVD_DISABLE_FILE_VALIDATION: ipykernel's debugger would print a note about Python 3.13's frozen modules
    # into this log at every kernel start (the kernel's own stderr, which no notebook shows).
    export PATH="$venv/bin:$PATH" MNIST_QUICK=1 PYDEVD_DISABLE_FILE_VALIDATION=1
    echo "colab: the Setup cell as a Colab learner runs it (install from the clone, then a failing install)"
    # Not installed, as on a fresh Colab runtime: the cell must install it into the running kernel and import it.
    "$venv/bin/python" -m pip uninstall --quiet --yes mnist-helpers
    "$venv/bin/python" "$work/clone/.ci/colab_setup_cell.py" "$work/clone/notebooks/01_data_preparation.ipynb" \
        "$work/clone"
    echo "colab: every notebook with nbval, quick mode"
    # -p no:warnings: the only warnings pytest sees are jupyter_client 7's own (utcnow) on Python 3.13; what a
    # notebook warns about is in the kernel, which pytest's warning summary never shows anyway.
    "$venv/bin/python" -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider -p no:warnings \
        --rootdir "$work/run" .
}

case "${1:-}" in
    env) build_env "${2:?give the environment folder, e.g. .venv-colab}" ;;
    test) run_notebooks "$(cd "${2:?give the environment folder, e.g. .venv-colab}" && pwd)" ;;
    *)
        echo "usage: bash .ci/colab.sh env|test VENV" >&2
        exit 2
        ;;
esac
