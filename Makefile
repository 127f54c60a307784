# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DBT := $(VENV)/bin/dbt
# A delivery root (folder or s3:// URL). Left empty, `make run` generates the sample into data/raw.
SOURCE ?=
SAMPLE := data/raw
# The sample arrives in two batches so incremental loads and snapshots see real change.
SAMPLE_DAYS ?= 100
SAMPLE_MORE_DAYS ?= 22
SAMPLE_ORDERS_PER_DAY ?= 150

export FINANCE_WAREHOUSE_PATH ?= warehouse/finance.duckdb
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export RUNTIME__DLTHUB_TELEMETRY := false

.PHONY: install run test lint fmt bench clean help

help:
	@echo "make run    set up, generate the sample (if SOURCE is empty), load it and build the dbt project"
	@echo "make test   set up and run every test"
	@echo "make bench  loader benchmark against DuckDB's own CSV reader (N=1000000 by default)"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

profiles.yml: profiles.yml.example
	cp $< $@

run: install profiles.yml
ifeq ($(strip $(SOURCE)),)
	@if [ ! -f $(SAMPLE)/_generator.json ]; then \
	  $(PY) -m loaders generate --out $(SAMPLE) --days $(SAMPLE_DAYS) --orders-per-day $(SAMPLE_ORDERS_PER_DAY); \
	  $(PY) -m loaders load --source $(SAMPLE); \
	  $(DBT) build --quiet; \
	  $(PY) -m loaders generate --out $(SAMPLE) --append-days $(SAMPLE_MORE_DAYS); \
	fi
	$(PY) -m loaders load --source $(SAMPLE)
else
	$(PY) -m loaders load --source $(SOURCE)
endif
	$(DBT) build
	@$(PY) -m loaders status

test: install profiles.yml
	$(VENV)/bin/ruff check loaders tests bench
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check loaders tests bench

fmt: install
	$(VENV)/bin/ruff check --fix loaders tests bench
	$(VENV)/bin/ruff format loaders tests bench

bench: install
	$(PY) bench/bench_load.py $(if $(N),--lines $(N),)

clean:
	rm -rf warehouse .dlt_pipelines target logs data
