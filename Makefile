# Two commands from a fresh clone (Python 3.11+ on PATH as python3, no conda needed):
#   make lab    set up .venv once, then open JupyterLab on notebooks/
#   make test   set up .venv once, then run every test and every notebook in quick mode
#   make full-run   run every lesson in full mode into build/ and write build/results.json
#   make site   build the static site into build/site/ (full mode, reusing make full-run's executed copies when
#               current); make site-quick (or make site SITE_MODE=quick) builds it in quick mode
#   make colab-test   run every notebook in Google Colab's versions (.ci/colab-pins.txt) from a clean clone
# A second run reuses .venv and starts at once; editing pyproject.toml reinstalls (.venv-colab: .ci/colab-pins.txt).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SITE_STAMP := $(VENV)/.installed-site
SITE_MODE ?= full
# JupyterLab's defaults for this project only (no news pop-up, the notebook's kernel started without asking):
# jupyterlab-settings/overrides.json. A learner's own settings still win.
LAB_SETTINGS := --LabApp.app_settings_dir=$(CURDIR)/jupyterlab-settings

COLAB_VENV  ?= .venv-colab
COLAB_STAMP := $(COLAB_VENV)/.installed

.PHONY: lab test full-run site site-quick colab-test clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed, found " + sys.version.split()[0] + ": run make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[lab,test]"
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(LAB_SETTINGS)

test: $(STAMP)
	MNIST_QUICK=1 $(BIN)/python -m pytest --nbval-lax tests notebooks

full-run: $(STAMP)
	$(BIN)/python .ci/run_lessons.py

# The site's tools (the `site` extra) go into the same .venv, once.
$(SITE_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[lab,test,site]"
	touch $(SITE_STAMP)

site: $(SITE_STAMP)
	$(BIN)/python website/build_site.py $(if $(filter quick,$(SITE_MODE)),--quick)

site-quick: $(SITE_STAMP)
	$(BIN)/python website/build_site.py --quick

$(COLAB_STAMP): .ci/colab-pins.txt
	bash .ci/colab.sh env $(COLAB_VENV)

colab-test: $(COLAB_STAMP)
	bash .ci/colab.sh test $(COLAB_VENV)

clean:
	rm -rf $(VENV) $(COLAB_VENV) build artifacts saved_models
