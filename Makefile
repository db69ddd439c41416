# The support assistant. `make run` starts everything; `make test` proves it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

APP_VENV  := .venv
RASA_VENV := .venv-rasa
APP_PY    := $(APP_VENV)/bin/python
RASA_ENV  := PYTHONPATH=$(CURDIR) RASA_TELEMETRY_ENABLED=false
RASA      := $(RASA_ENV) $(RASA_VENV)/bin/python -m rasa_ext.server
MODEL     := models/current.tar.gz
RASA_DATA := config.yml domain.yml $(shell find data -name '*.yml')
EVAL_DIR  := .data/eval
SHARED_EVAL ?= ../shared/eval
export HF_HUB_OFFLINE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help setup train run lint test test-ready test-unit test-e2e test-stories validate eval bench bench-kb soak clean

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: $(APP_VENV)/.installed $(RASA_VENV)/.installed widget/node_modules/.installed ## Create both environments with pinned dependencies

# torch first and alone: the CPU build on this machine's disk, not gigabytes of CUDA wheels.
$(APP_VENV)/.installed: requirements/app.txt requirements/dev.txt pyproject.toml
	test -x $(APP_PY) || $$(infra/find-python.sh 3.11) -m venv $(APP_VENV)
	$(APP_PY) -m pip install -q torch==2.13.0
	$(APP_PY) -m pip install -q -r requirements/app.txt -r requirements/dev.txt
	$(APP_PY) -m pip install -q --no-deps -e .
	touch $@

# The widget's socket.io client (and the minifier its size check uses), pinned by package-lock.json.
widget/node_modules/.installed: widget/package.json widget/package-lock.json
	npm ci --prefix widget --no-audit --no-fund --loglevel=error
	touch $@

$(RASA_VENV)/.installed: requirements/rasa.txt
	test -x $(RASA_VENV)/bin/python || $$(infra/find-python.sh 3.10) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/python -m pip install -q -r requirements/rasa.txt
	touch $@

# Retrained only when the NLU/dialogue data or config changed (KB edits never need it).
$(MODEL): $(RASA_DATA) $(RASA_VENV)/.installed
	$(RASA) train --fixed-model-name current --out models
	touch $@

train: $(MODEL) ## Train the Rasa model if its data changed

run: setup train ## Start Redis, the action server and Rasa; print the URLs (Ctrl-C stops)
	$(APP_PY) -m launcher.stack

validate: $(RASA_VENV)/.installed $(APP_VENV)/.installed ## Check the Rasa data and the sample knowledge base
	$(RASA) data validate --fail-on-warnings
	$(APP_VENV)/bin/kb validate kb/content

test-stories: train ## Run the test stories with Rasa's own test command
	$(RASA) test core --stories tests/test_stories.yml --model $(MODEL) --fail-on-prediction-errors --out .data/results

test-unit: setup ## Unit tests (Redis is started by the tests)
	$(APP_PY) -m pytest -q -m "not e2e"

test-e2e: setup train ## End-to-end tests through the real Redis, action server and Rasa
	$(APP_PY) -m pytest -q -m e2e

# The application's packages; rasa_ext is type-checked against Rasa's own venv (Python 3.10, rasa 3.6, its sanic),
# the others against the app venv. The layers between packages are in pyproject.toml [tool.importlinter].
PACKAGES := actions bench conversation customers desk detection handoff infra kb launcher notices privacy protocol reports
lint: $(APP_VENV)/.installed $(RASA_VENV)/.installed ## ruff, mypy and the import layers, on the application's packages
	$(APP_VENV)/bin/ruff check $(PACKAGES) rasa_ext
	$(APP_VENV)/bin/mypy $(addprefix -p ,$(PACKAGES))
	$(APP_VENV)/bin/mypy --python-executable $(RASA_VENV)/bin/python --python-version 3.10 -p rasa_ext
	$(APP_VENV)/bin/lint-imports

# What the tests need, built in parallel: the two environments and the widget's packages at once,
# then lint beside training (CI starts from a clean checkout: this is most of its time outside pytest).
# Unit tests in two pytest-xdist workers (each with its own Redis and small KB; CPU-bound, so the
# two cores are both used), then the end-to-end tests in one process: they time real services.
test: ## Everything CI runs
	$(MAKE) --no-print-directory --jobs=3 --output-sync=target test-ready
	$(APP_PY) -m pytest -q -m "not e2e" --numprocesses=2 --dist=loadfile --durations=10
	$(APP_PY) -m pytest -q -m e2e --durations=15

test-ready: setup lint train validate test-stories

BITEXT := $(SHARED_EVAL)/bitext/bitext_8k_customer_service.csv

eval: setup train ## Tuning figures on ../shared/eval (BANKING77, BANKING77-OOS, Bitext)
	$(APP_PY) -m kb.eval_sets $(EVAL_DIR) --source $(SHARED_EVAL)
	$(APP_VENV)/bin/kb eval --kb $(EVAL_DIR)/banking77/kb.yml --queries $(EVAL_DIR)/banking77/queries.csv
	$(APP_VENV)/bin/kb eval --kb $(EVAL_DIR)/banking77_oos/kb.yml --queries $(EVAL_DIR)/banking77_oos/queries.csv
	$(RASA_ENV) $(RASA_VENV)/bin/python -m rasa_ext.parse_batch $(MODEL) $(BITEXT) $(EVAL_DIR)/bitext_intents.jsonl --text-column utterance
	$(APP_PY) -m detection.evaluate --bitext $(BITEXT) --intents $(EVAL_DIR)/bitext_intents.jsonl

bench: setup train ## Latency and throughput against a bare `rasa init` bot (.data/bench/report.md with plots), 1 vs 2 replicas (.data/bench/replicas.md)
	$(APP_PY) -m bench.latency
	$(APP_PY) -m bench.replicas

SIZES ?= 1000 10000 100000
bench-kb: setup ## KB scale at SIZES entries, RSS over 50 refits, the publish gate's time, a patched entry's confidence (.data/bench/kb_*.md; hours at 100,000)
	$(APP_PY) -m bench.kb_scale $(SIZES)
	$(APP_PY) -m bench.kb_refits 50 10
	$(APP_PY) -m bench.kb_gate
	$(APP_PY) -m bench.kb_discount

MINUTES ?= 30
soak: setup train ## Traffic with faults for MINUTES (default 30); .data/soak/report.md with plots
	$(APP_PY) -m bench.soak --minutes $(MINUTES)

clean: ## Remove environments, models and local data
	rm -rf $(APP_VENV) $(RASA_VENV) models .data
