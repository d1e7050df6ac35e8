# The README's commands. Each installs what it needs.
#   make reproduce [PROFILE=smoke|quick|paper|paper-slice] [DATA_DIR=...] [OUT=results/<profile>]   (make -j N: N searches side by side)
#   make reproduce WORKERS=N      every search at once, their trials on one local Dask pool of N processes
#   make reproduce SCHEDULER=ADDRESS|FILE   the same on an existing Dask cluster (docs/cluster.md)
#   make verify    make spot-check [TRIALS=K] [SEED=S]    make compare RERUN=DIR   (the reviewer's checks of OUT)
#   make test [DATA_DIR=...]    make lab    make html    make ablation    make bench    make bench-executor
#   make bench-gpu    make bench-tuners    make lock    make test-wheel    make clean
# A rerun never rewrites committed results: a complete search (its executed notebook is there) is
# skipped, and the tables, figures and MANIFEST are rebuilt only when a result file changed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PROFILE ?= quick
# A registered slice (paperlib/experiment/profiles.py SLICES), e.g. paper-slice, runs a subset of a profile's
# searches: they are that profile's runs, under results/<profile>/.
RUN_PROFILE := $(patsubst %-slice,%,$(PROFILE))
DATA_DIR ?= data
DATA := $(abspath $(DATA_DIR))
# A reproduction writes under results/<profile>/; `make reproduce OUT=/elsewhere` (on the command line,
# which beats this assignment; an OUT in the environment does not) writes the same files elsewhere.
OUT := results/$(RUN_PROFILE)
PAPERMILL := $(PY) -m papermill --kernel python3 --log-output --request-save-on-cell-execute
MANIFEST := $(PY) -m paperlib manifest --out $(OUT)
export DATA_DIR := $(DATA)
WORKERS ?=
SCHEDULER ?=
TRIALS_PER_WORKER ?= 1

.PHONY: test test-wheel reproduce reproduce-all retrain verify spot-check compare lab html ablation bench bench-executor bench-gpu bench-tuners lock clean data
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

# Two pytest-xdist workers per core (at most 8): about a fifth of the suite's time is spent waiting, not
# computing (hpbandster hands each job from its master thread to the tuner with about 0.1 s of latency; Dask
# round trips; subprocesses starting), so a second worker per core keeps the cores busy meanwhile.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$(( 2 * n < 8 ? 2 * n : 8 )))
test: $(INSTALLED) data
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -q -n $(TEST_WORKERS)

# The library as a practitioner installs it (docs/install.md): sdist and wheel built, the wheel installed alone
# into a fresh venv on each Python found (python3.10 ... python3.14 on PATH or under pyenv, or WHEEL_PYTHONS=...), the
# practitioner's path run there, then the optuna extra; and once into an environment holding the lowest
# versions pyproject.toml allows, which it must keep. About 2 minutes and 6 GB of disk per Python (CUDA wheels).
WHEEL_PYTHONS ?=
test-wheel: $(INSTALLED)
	$(PY) scripts/wheel_check.py --lowest $(WHEEL_PYTHONS)

# The reproduction plan (which runs a profile has) is generated from paperlib/experiment/profiles.py.
$(OUT)/plan-$(PROFILE).mk: paperlib/experiment/profiles.py paperlib/cli.py $(INSTALLED)
	@mkdir -p $(@D)
	$(PY) -m paperlib plan --profile $(PROFILE) --out $(OUT) > $@.tmp && mv $@.tmp $@
ifneq ($(filter reproduce reproduce-all retrain,$(MAKECMDGOALS)),)
include $(OUT)/plan-$(PROFILE).mk
# The searches complete before this make started (read once the plan is there): the ones it skips.
DONE_BEFORE := $(wildcard $(RUN_NOTEBOOKS))
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
	  -p seed $(patsubst seed%,%,$(word 3,$(subst /, ,$*))) -p profile $(RUN_PROFILE) -p run_dir $(@D) \
	  $(if $(SCHEDULER),-p scheduler $(SCHEDULER))
	$(PY) -m paperlib relink $(@D)/search.part.ipynb
	mv $(@D)/search.part.ipynb $@

# The incumbent's retrainings with fresh seeds (docs/decisions.md#expected-accuracy): a new search records
# them itself; `make retrain` adds them to a complete run recorded before them, its other files untouched
# (an explicit step, so a rerun of committed results executes nothing). retrainings.json is written once
# all are there, so an interrupted retraining is resumed (retrainings.jsonl) by the next make retrain.
$(OUT)/runs/%/retrainings.json: | $(OUT)/runs/%/search.ipynb
	$(PY) -m paperlib retrain --out $(@D) --data-dir $(DATA)
retrain: $(INSTALLED) data $(RUN_RETRAININGS)
	@echo "$(OUT): every planned search has its retrainings; make reproduce PROFILE=$(PROFILE) rebuilds the tables"

# The intro notebook (data, LeNet, one trial) executed with the profile's data sizes: writes nothing else.
$(OUT)/data_and_lenet.ipynb: | $(INSTALLED)
	@mkdir -p $(@D)
	$(PAPERMILL) notebooks/01_data_and_lenet.ipynb $@.part.ipynb -p profile $(RUN_PROFILE)
	$(PY) -m paperlib relink $@.part.ipynb
	mv $@.part.ipynb $@

# Tables 3-4, the ablation table and the figures from every run record: $(OUT)/tables/, $(OUT)/figures/.
# Executed only when the MANIFEST does not verify (a run was added or changed): file times alone cannot
# tell, since a fresh clone gives every file the time of the checkout.
ABLATION_RECORDS := $(wildcard $(OUT)/ablations/*/*/seed*/run.json)
$(OUT)/tables_and_figures.ipynb: $(RUN_NOTEBOOKS) $(ABLATION_RECORDS) | $(INSTALLED)
	@if $(MANIFEST) --check >/dev/null 2>&1; then echo "$(OUT): every result as in its MANIFEST"; touch $@; else \
	  set -x; $(PAPERMILL) notebooks/04_tables_and_figures.ipynb $@.part.ipynb \
	    -p profile $(RUN_PROFILE) -p plan $(PROFILE) -p runs_dir $(OUT)/runs -p out_dir $(OUT) && \
	    $(PY) -m paperlib relink $@.part.ipynb && mv $@.part.ipynb $@; fi

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

# It ends by saying what it did: the searches run, those skipped and verified, and how to rerun them.
reproduce-all: $(INSTALLED) data $(OUT)/data_and_lenet.ipynb $(OUT)/tables_and_figures.ipynb
	@$(PY) -m paperlib summary --profile $(PROFILE) --out $(OUT) \
	  --ran $(words $(filter-out $(DONE_BEFORE),$(RUN_NOTEBOOKS)))
	$(MANIFEST) --command "make reproduce PROFILE=$(PROFILE)"

# The reviewer's checks (docs/reviewing.md), none of which writes into the repository: the MANIFEST,
# and the tables and figures rebuilt from the run records (a minute); a seeded sample of trials
# re-executed (minutes); a rerun against these results (make compare RERUN=/tmp/rerun).
TRIALS ?=
SEED ?= 0
RERUN ?=
verify: $(INSTALLED)
	$(PY) -m paperlib verify --out $(OUT)
spot-check: $(INSTALLED) data
	$(PY) -m paperlib spot-check --out $(OUT) --data-dir $(DATA) --seed $(SEED) $(if $(TRIALS),--trials $(TRIALS))
compare: $(INSTALLED)
	@test -n "$(RERUN)" || { echo "error: make compare needs RERUN=DIR, the rerun's results folder" >&2; exit 2; }
	$(PY) -m paperlib compare --reference $(OUT) --rerun $(RERUN)

# JupyterLab on notebooks/, with the venv's kernel (it imports this checkout's paperlib);
# e.g. LAB_FLAGS="--no-browser --allow-root" in a container.
LAB_FLAGS ?=
lab: $(INSTALLED) data
	$(PY) -m jupyter lab --ServerApp.root_dir=notebooks $(LAB_FLAGS)

# Every executed notebook of $(OUT) rendered to HTML beside it (its figures in <notebook>_files/), for readers
# without Jupyter: one stylesheet they share ($(OUT)/notebook.css), an index of the pages, report, tables and
# figures ($(OUT)/index.html), and every relative link checked (docs/decisions.md#html-pages). A page as it
# was is not rewritten, so a rerun leaves the MANIFEST and git as they were.
html: $(INSTALLED)
	$(PY) -m paperlib html --out $(OUT)
	$(MANIFEST) --command "make html PROFILE=$(PROFILE)"

# The agent-count ablation (docs/paper.md#reading-3, docs/decisions.md#ablation-table): one agent per
# hyperparameter, and a single agent (plain PPO), both datasets, seeds ABLATION_SEEDS; the reference is the
# reproduction's MAPPO rows (one agent per layer). Tabled apart (tables/ablation_agents, rebuilt by the make
# reproduce that ends it); a complete run is only read back, and gets its retrainings added if it lacks them.
ABLATION_SEEDS ?= 0 1 2 3 4
ABLATIONS := $(foreach d,mnist fashion_mnist,$(foreach agents,per_hyperparameter single,$(foreach s,$(ABLATION_SEEDS),\
  $(OUT)/ablations/$(d)/mappo_$(agents)/seed$(s))))
.PHONY: $(ABLATIONS)
$(ABLATIONS): | $(INSTALLED) data
	$(PY) -m paperlib search --method mappo --agents $(patsubst mappo_%,%,$(notdir $(@D))) \
	  --dataset $(notdir $(patsubst %/,%,$(dir $(@D)))) --profile $(PROFILE) \
	  --seed $(patsubst seed%,%,$(notdir $@)) --data-dir $(DATA) --out $@
ablation: $(ABLATIONS)
	$(MAKE) reproduce PROFILE=$(PROFILE) OUT=$(OUT)
	$(MANIFEST) --command "make ablation PROFILE=$(PROFILE)"

# The benchmark, one folder per machine (results/bench/<machine>/, committed), named by the CPU model and
# core count (paperlib.experiment.provenance.machine_name), so another CPU never writes into this one's.
MACHINE ?= $(shell $(PY) -c 'from paperlib.experiment.provenance import machine_name; print(machine_name())')
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
