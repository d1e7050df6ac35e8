# The README's commands. Each installs what it needs.
#   make reproduce [PROFILE=smoke|quick|paper] [DATA_DIR=...] [OUT=results/<profile>]   (make -j N: N searches side by side)
#   make reproduce WORKERS=N      every search at once, their trials on one local Dask pool of N processes
#   make reproduce SCHEDULER=ADDRESS|FILE   the same on an existing Dask cluster (README: Running on a cluster)
#   make test [DATA_DIR=...]    make lab    make html    make ablation    make bench    make bench-executor
#   make bench-gpu    make bench-tuners    make lock    make test-wheel    make clean
# A rerun never rewrites committed results: a complete search (its executed notebook is there) is
# skipped, and the tables, figures and MANIFEST are rebuilt only when a result file changed.
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
MANIFEST := $(PY) -m paperlib manifest --out $(OUT)
export DATA_DIR := $(DATA)
WORKERS ?=
SCHEDULER ?=
TRIALS_PER_WORKER ?= 1

.PHONY: test test-wheel reproduce reproduce-all lab html ablation bench bench-executor bench-gpu bench-tuners lock clean data
.DELETE_ON_ERROR:

# The environment: a venv with the exact pins of requirements.txt (the lock, universal across
# platforms; compiled from requirements.in by `make lock`), and paperlib installed editable.
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

# The library as a practitioner installs it (docs/install.md): sdist and wheel built, the wheel installed alone
# into a fresh venv on each Python found (python3.10 ... python3.14 on PATH or under pyenv, or WHEEL_PYTHONS=...), the
# practitioner's path run there, then the optuna extra; and once into an environment holding the lowest
# versions pyproject.toml allows, which it must keep. About 2 minutes and 6 GB of disk per Python (CUDA wheels).
WHEEL_PYTHONS ?=
test-wheel: $(INSTALLED)
	$(PY) scripts/wheel_check.py --lowest $(WHEEL_PYTHONS)

# The reproduction plan (which runs a profile has) is generated from paperlib/experiment/profiles.py.
$(OUT)/plan.mk: paperlib/experiment/profiles.py $(INSTALLED)
	@mkdir -p $(@D)
	$(PY) -m paperlib plan --profile $(PROFILE) --out $(OUT) > $@.tmp && mv $@.tmp $@
ifneq ($(filter reproduce reproduce-all,$(MAKECMDGOALS)),)
include $(OUT)/plan.mk
endif

# One search per (dataset, method, seed), executed through its notebook; the executed notebook is
# the target, renamed into place only when the search completed. Its prerequisites are order-only:
# once it is there the run is complete and is never redone (delete the run directory to redo it).
# A run directory is named by its row (paperlib.experiment.profiles.ARMS): a method, or a method
# with `_equal_compute` (Hyperband and BOHB with as many full-budget equivalents as the others).
notebook_for = notebooks/$(if $(filter mappo,$(1)),02_mappo,03_baselines).ipynb
arm_method = $(patsubst %_equal_compute,%,$(1))
$(OUT)/runs/%/search.ipynb: | $(INSTALLED)
	@mkdir -p $(@D)
	$(PAPERMILL) $(call notebook_for,$(word 2,$(subst /, ,$*))) $(@D)/search.part.ipynb \
	  -p dataset $(word 1,$(subst /, ,$*)) -p method $(call arm_method,$(word 2,$(subst /, ,$*))) \
	  $(if $(findstring _equal_compute,$(word 2,$(subst /, ,$*))),-p equal_compute True) \
	  -p seed $(patsubst seed%,%,$(word 3,$(subst /, ,$*))) -p profile $(PROFILE) -p run_dir $(@D) \
	  $(if $(SCHEDULER),-p scheduler $(SCHEDULER))
	mv $(@D)/search.part.ipynb $@

# The intro notebook (data, LeNet, one trial) executed with the profile's data sizes: writes nothing else.
$(OUT)/data_and_lenet.ipynb: | $(INSTALLED)
	@mkdir -p $(@D)
	$(PAPERMILL) notebooks/01_data_and_lenet.ipynb $@.part.ipynb -p profile $(PROFILE)
	mv $@.part.ipynb $@

# Tables 3-4 and the figures from every run record: $(OUT)/tables/, $(OUT)/figures/. Executed only
# when the MANIFEST does not verify (a run was added or changed): file times alone cannot tell, since
# a fresh clone gives every file the time of the checkout.
$(OUT)/tables_and_figures.ipynb: $(RUN_NOTEBOOKS) | $(INSTALLED)
	@if $(MANIFEST) --check >/dev/null 2>&1; then echo "$(OUT): every result as in its MANIFEST"; touch $@; else \
	  set -x; $(PAPERMILL) notebooks/04_tables_and_figures.ipynb $@.part.ipynb \
	    -p profile $(PROFILE) -p runs_dir $(OUT)/runs -p out_dir $(OUT) && mv $@.part.ipynb $@; fi

ifneq ($(WORKERS),)
# One pool for the whole reproduction: start it, run every search at once on it, stop it (resume as ever).
reproduce: $(INSTALLED) data
	@mkdir -p $(OUT)
	$(PY) -m paperlib pool --workers $(WORKERS) --trials-per-worker $(TRIALS_PER_WORKER) \
	  --scheduler-file $(abspath $(OUT))/scheduler.json -- \
	  $(MAKE) reproduce WORKERS= SCHEDULER=$(abspath $(OUT))/scheduler.json PROFILE=$(PROFILE) OUT=$(OUT)
else ifneq ($(SCHEDULER),)
# Every search at once, as clients of the pool; the pool decides how many trials run.
reproduce: $(INSTALLED) data
	$(MAKE) -j $(words $(RUN_NOTEBOOKS) x x) reproduce-all SCHEDULER=$(SCHEDULER) PROFILE=$(PROFILE) OUT=$(OUT)
else
reproduce: reproduce-all
endif

reproduce-all: $(INSTALLED) data $(OUT)/data_and_lenet.ipynb $(OUT)/tables_and_figures.ipynb
	$(MANIFEST) --command "make reproduce PROFILE=$(PROFILE)"

# JupyterLab on notebooks/, with the venv's kernel (it imports this checkout's paperlib);
# e.g. LAB_FLAGS="--no-browser --allow-root" in a container.
LAB_FLAGS ?=
lab: $(INSTALLED) data
	$(PY) -m jupyter lab --ServerApp.root_dir=notebooks $(LAB_FLAGS)

# Every executed notebook of $(OUT) rendered to HTML beside it, for readers without Jupyter.
EXECUTED = $(shell find $(OUT) -name '*.ipynb' ! -name '*.part.ipynb' 2>/dev/null)
html: $(EXECUTED:.ipynb=.html)
	$(MANIFEST) --command "make html PROFILE=$(PROFILE)"
$(OUT)/%.html: $(OUT)/%.ipynb | $(INSTALLED)
	$(PY) -m jupyter nbconvert --to html --log-level WARN $<

# The agent-count ablation on MNIST, seed 0 (docs/paper.md#reading-3): one agent per hyperparameter,
# and a single agent (plain PPO). Kept out of the tables; a complete run is only read back.
ABLATIONS := $(foreach agents,per_hyperparameter single,$(OUT)/ablations/mnist/mappo_$(agents)/seed0)
.PHONY: $(ABLATIONS)
$(ABLATIONS): | $(INSTALLED) data
	$(PY) -m paperlib search --method mappo --agents $(patsubst mappo_%,%,$(notdir $(@D))) --dataset mnist \
	  --profile $(PROFILE) --seed 0 --data-dir $(DATA) --out $@
ablation: $(ABLATIONS)
	$(MANIFEST) --command "make ablation PROFILE=$(PROFILE)"

# The benchmark, one folder per machine (results/bench/<machine>/, committed).
MACHINE ?= $(shell uname -m)-$(shell nproc)cores
bench: $(INSTALLED) data
	$(PY) -m paperlib bench --out results/bench/$(MACHINE)

# Recompile the lock from requirements.in for every platform (needs uv: https://docs.astral.sh/uv/).
lock:
	uv pip compile --universal --python-version 3.11.5 requirements.in -o requirements.txt

# Inline against a 2-worker local pool on the quick profile (MAPPO, random, Hyperband): wall-time ratios,
# identical records, per-task overhead. Hours on a 2-core CPU: run it on a quiet machine.
bench-executor: $(INSTALLED) data
	$(PY) -m paperlib bench --executor --out results/bench/$(MACHINE)

# The GPU section alone (also part of `make bench`): trials per hour at 1, 2, 4, 8 trials per GPU.
bench-gpu: $(INSTALLED) data
	$(PY) -m paperlib bench --gpu --out results/bench/$(MACHINE)

# Simple regret of the six contenders (committed: machine-independent, unlike results/bench/) (MAPPO grid and continuous, RS, Anneal, TPE, BOHB) on classic test functions.
bench-tuners: $(INSTALLED)
	$(PY) -m paperlib bench --tuners --seeds 10 --episodes 200 --out results/bench-tuners

clean:
	rm -rf results/smoke .pytest_cache
