# The two commands of the README: `make test` and `make reproduce`. Each installs what it needs.
#   make reproduce [PROFILE=smoke|quick|paper] [DATA_DIR=...] [OUT=results/<profile>]   (make -j N: N searches side by side)
#   make test [DATA_DIR=...]      make bench      make bench-tuners      make clean
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PROFILE ?= quick
DATA_DIR ?= data
DATA := $(abspath $(DATA_DIR))
# A reproduction writes under results/<profile>/; `make reproduce OUT=/elsewhere` (on the command line,
# which beats this assignment; an OUT in the environment does not) writes the same files elsewhere.
OUT := results/$(PROFILE)
PAPERMILL := $(PY) -m papermill --kernel python3 --log-output --request-save-on-cell-execute
export DATA_DIR := $(DATA)
PAPERLIB := $(shell find paperlib -name '*.py')

.PHONY: test reproduce bench bench-tuners clean data
.DELETE_ON_ERROR:

# The environment: a venv with the exact pins of requirements.txt, and paperlib installed editable.
$(INSTALLED): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required (set PYTHON=...)"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Datasets: present under DATA_DIR, or downloaded there (torchvision checks the MD5s).
data: $(INSTALLED)
	$(PY) -m paperlib data --data-dir $(DATA)

test: $(INSTALLED) data
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -q

# The reproduction plan (which runs a profile has) is generated from paperlib/experiment/profiles.py.
$(OUT)/plan.mk: paperlib/experiment/profiles.py $(INSTALLED)
	@mkdir -p $(@D)
	$(PY) -m paperlib plan --profile $(PROFILE) --out $(OUT) > $@.tmp && mv $@.tmp $@
ifneq ($(filter reproduce,$(MAKECMDGOALS)),)
include $(OUT)/plan.mk
endif

# One search per (dataset, method, seed), executed through its notebook; the executed notebook is
# the target, renamed into place only when it succeeded, so an interrupted run resumes next time.
notebook_for = notebooks/$(if $(filter mappo,$(1)),02_mappo,03_baselines).ipynb
$(OUT)/runs/%/search.ipynb: $(INSTALLED) notebooks/02_mappo.ipynb notebooks/03_baselines.ipynb $(PAPERLIB)
	@mkdir -p $(@D)
	$(PAPERMILL) $(call notebook_for,$(word 2,$(subst /, ,$*))) $(@D)/search.part.ipynb \
	  -p dataset $(word 1,$(subst /, ,$*)) -p method $(word 2,$(subst /, ,$*)) \
	  -p seed $(patsubst seed%,%,$(word 3,$(subst /, ,$*))) -p profile $(PROFILE) \
	  -p data_dir $(DATA) -p run_dir $(abspath $(@D))
	mv $(@D)/search.part.ipynb $@

# The intro notebook (data, LeNet, one trial) executed with the profile's data sizes: writes nothing else.
$(OUT)/data_and_lenet.ipynb: $(INSTALLED) notebooks/01_data_and_lenet.ipynb $(PAPERLIB)
	@mkdir -p $(@D)
	$(PAPERMILL) notebooks/01_data_and_lenet.ipynb $@.part.ipynb -p profile $(PROFILE) -p data_dir $(DATA)
	mv $@.part.ipynb $@

# Tables 3-4 and the figures from every run record: $(OUT)/tables/, $(OUT)/figures/.
$(OUT)/tables_and_figures.ipynb: $(RUN_NOTEBOOKS) notebooks/04_tables_and_figures.ipynb $(wildcard paperlib/report/*.py)
	$(PAPERMILL) notebooks/04_tables_and_figures.ipynb $@.part.ipynb \
	  -p runs_dir $(abspath $(OUT)/runs) -p out_dir $(abspath $(OUT)) -p profile $(PROFILE)
	mv $@.part.ipynb $@

reproduce: $(INSTALLED) data $(OUT)/data_and_lenet.ipynb $(OUT)/tables_and_figures.ipynb

bench: $(INSTALLED) data
	$(PY) -m paperlib bench --out results/bench

# Simple regret of the six contenders (committed: machine-independent, unlike results/bench/) (MAPPO grid and continuous, RS, Anneal, TPE, BOHB) on classic test functions.
bench-tuners: $(INSTALLED)
	$(PY) -m paperlib bench --tuners --seeds 10 --episodes 200 --out results/bench-tuners

clean:
	rm -rf results/smoke results/bench .pytest_cache
