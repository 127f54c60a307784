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
PY_SOURCES := loaders redshift_check tests bench

export FINANCE_WAREHOUSE_PATH ?= warehouse/finance.duckdb
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export RUNTIME__DLTHUB_TELEMETRY := false

.PHONY: install run test lint fmt bench clean help postgres redshift-check

help:
	@echo "make run    set up, generate the sample (if SOURCE is empty), load it and build the dbt project"
	@echo "make test   set up and run every test"
	@echo "make bench  loader benchmark against DuckDB's own CSV reader (N=1000000 by default)"
	@echo "make redshift-check  compile for Redshift without a warehouse and check the SQL for Redshift traps"

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

test: install profiles.yml postgres
	$(VENV)/bin/ruff check $(PY_SOURCES)
	$(VENV)/bin/pytest

# The Redshift tests run dbt-redshift against a private PostgreSQL server (Debian's package).
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then \
	  echo "installing Debian's postgresql for the Redshift tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q postgresql >/dev/null 2>&1 || \
	    { $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q postgresql >/dev/null; }; \
	fi

redshift-check: install
	$(PY) -m redshift_check

lint: install
	$(VENV)/bin/ruff check $(PY_SOURCES)

fmt: install
	$(VENV)/bin/ruff check --fix $(PY_SOURCES)
	$(VENV)/bin/ruff format $(PY_SOURCES)

bench: install
	$(PY) bench/bench_load.py $(if $(N),--lines $(N),)

clean:
	rm -rf warehouse .dlt_pipelines target logs data
