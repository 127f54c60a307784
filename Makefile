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
PY_SOURCES := loaders redshift_check conventions tests bench publish dashboards
# sqlfluff renders the models against a scratch warehouse, so linting never touches the real one.
LINT_ENV := FINANCE_WAREHOUSE_PATH=target/lint.duckdb
SQL_PATHS ?= models analyses snapshots
DOCS_PORT ?= 8080
DASHBOARD_PORT ?= 8501
TEST_WORKERS ?= 2

# The sample's warehouse; your own deliveries (SOURCE=...) get a warehouse of their own, named
# after the delivery root, so they never mix with the sample (set FINANCE_WAREHOUSE_PATH to choose).
# Two roots of the same folder name would share one: `load --claim-warehouse` refuses the second.
ifeq ($(strip $(SOURCE)),)
export FINANCE_WAREHOUSE_PATH ?= warehouse/finance.duckdb
else
export FINANCE_WAREHOUSE_PATH ?= warehouse/$(notdir $(patsubst %/,%,$(SOURCE))).duckdb
endif
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export RUNTIME__DLTHUB_TELEMETRY := false

.PHONY: install run daily test test-fast lint lint-sql conventions docs docs-serve fmt bench bench-parse bench-warehouse clean help postgres redshift-check export report dashboard chromium semantic semantic-dw

help:
	@echo "make run    set up, generate the sample (if SOURCE is empty), load it and build the dbt project"
	@echo "make daily  the scheduled job: load what is new (SOURCE or the sample), dbt build without unit tests"
	@echo "make test   set up and run every test"
	@echo "make test-fast  the inner loop (about 8 minutes): ruff, then the dbt build tests, a two-batch warehouse per worker"
	@echo "make bench  loader benchmark against DuckDB's own CSV reader (N=1000000 by default)"
	@echo "make bench-warehouse  the whole warehouse against plain SQL: build, new day, dashboards, memory (N=1000000, REPEAT=1)"
	@echo "make redshift-check  compile for Redshift without a warehouse and check the SQL for Redshift traps"
	@echo "make lint   ruff, the SQL lint (sqlfluff) and the conventions gate (dbt-bouncer)"
	@echo "make fmt    fix what ruff and sqlfluff can fix"
	@echo "make docs   generate the dbt docs site and serve it on http://127.0.0.1:$(DOCS_PORT)"
	@echo "make semantic  validate the semantic layer (MetricFlow), offline; semantic-dw also against the warehouse"
	@echo "make dashboard  the finance dashboards on http://127.0.0.1:$(DASHBOARD_PORT)"
	@echo "make export the marts as Parquet, exports/<mart>/year=YYYY/month=MM/ (switched atomically)"
	@echo "make report MONTH=YYYY-MM  the month-end pack, one self-contained HTML file in reports/"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

profiles.yml: profiles.yml.example
	cp $< $@

# A load that completed but left a delivered file out (rejected, or a link refused; exit code 4)
# still builds: the marts then hold everything else delivered, Data health names the file, and
# the build fails on it (reconciliation_completeness), so the job fails all the same. Any other
# failure stops before dbt, and make names the loader's own exit code ("Error 2" for a source
# that cannot be read, "Error 3" for a warehouse another load holds; make itself exits 2 on any
# failure). Decision log §13.
BUILD_WHAT_LOADED := || { code=$$?; [ $$code -eq 4 ] || exit $$code; }

# The build, then the warehouse's status (each feed's files, and the file a feed STOPPED at), which
# the operator needs most when the build fails; the recipe fails with the build's code (make names
# it), whatever the status printed.
BUILD_THEN_STATUS = code=0; $(DBT) build $(1) || code=$$?; $(PY) -m loaders status || true; exit $$code

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
	$(PY) -m loaders load --source $(SOURCE) --claim-warehouse $(BUILD_WHAT_LOADED)
endif
	$(call BUILD_THEN_STATUS,)
	@echo "Dashboards: make dashboard, then open http://127.0.0.1:$(DASHBOARD_PORT)"

# The scheduled job, every morning on a built warehouse: load what is new, then build everything but
# the unit tests. They check the code on fixed inputs, not the data, so `make test` and CI run them
# and a production run need not (dbt's documentation recommends leaving them out there); the
# build still counts as complete in warehouse_builds (decision log §16). bench/bench_warehouse.py
# builds its new day with these flags.
DAILY_BUILD_FLAGS := --exclude-resource-type unit_test

daily: install profiles.yml
	$(PY) -m loaders load --source $(or $(strip $(SOURCE)),$(SAMPLE)) --claim-warehouse $(BUILD_WHAT_LOADED)
	$(call BUILD_THEN_STATUS,$(DAILY_BUILD_FLAGS))

# The suite runs on TEST_WORKERS processes (pytest-xdist); tests sharing a built warehouse stay together.
test: install profiles.yml postgres chromium lint
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadgroup

# The inner loop, about 8 minutes: ruff, then a warehouse built in two batches and everything
# tested on it (dbt's unit and data tests, incremental equals full rebuild, both branches linted).
# The tests are shared out over TEST_WORKERS, each building its own warehouse: on 2 cores, 29
# tests took 318 s against 551 s on one (2026-12-06); 30 took 482 s (make test-fast, 2026-12-06,
# later). make test keeps them on one worker.
test-fast: install profiles.yml
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -x -n $(TEST_WORKERS) --dist load tests/python/test_dbt_build.py

# The dashboards' real-browser test drives Debian's chromium (playwright downloads no browser).
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "installing Debian's chromium for the dashboards' browser test"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q chromium >/dev/null 2>&1 || \
	    { $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q chromium >/dev/null; }; \
	fi

dashboard: install profiles.yml
	$(DBT) parse --quiet
	@echo "Finance dashboards: http://127.0.0.1:$(DASHBOARD_PORT) (warehouse $(FINANCE_WAREHOUSE_PATH); Ctrl-C stops)"
	$(VENV)/bin/streamlit run dashboards/app.py --server.address 127.0.0.1 --server.port $(DASHBOARD_PORT)

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

lint: install profiles.yml conventions lint-sql semantic
	$(VENV)/bin/ruff check $(PY_SOURCES)

# The semantic layer (models/marts/finance/semantic): MetricFlow's checks of the semantic models and
# metrics, offline: mf reads target/semantic_manifest.json (dbt parse) and opens only the lint scratch warehouse.
semantic: install profiles.yml
	$(DBT) parse --quiet
	$(LINT_ENV) $(VENV)/bin/mf validate-configs --skip-dw

# The same, plus a query per dimension, measure and metric against the built warehouse (`make run` first).
semantic-dw: install profiles.yml
	$(DBT) parse --quiet
	$(VENV)/bin/mf validate-configs

# SQL style (.sqlfluff): sqlfluff renders each model with the dbt templater, then lints it.
lint-sql: install profiles.yml
	$(LINT_ENV) $(VENV)/bin/sqlfluff lint $(SQL_PATHS)

# Project conventions (dbt-bouncer.yml): reads the manifest only, no warehouse needed.
conventions: install profiles.yml
	$(DBT) parse --quiet
	COLUMNS=200 $(VENV)/bin/dbt-bouncer run --only manifest_checks --show-all-failures

fmt: install profiles.yml
	$(VENV)/bin/ruff check --fix $(PY_SOURCES)
	$(VENV)/bin/ruff format $(PY_SOURCES)
	$(LINT_ENV) $(VENV)/bin/sqlfluff fix $(SQL_PATHS)

# The docs site reads the built warehouse for column types (run `make run` first), then the
# catalog checks make sure every column it holds is described.
docs: install profiles.yml
	$(DBT) docs generate
	COLUMNS=200 $(VENV)/bin/dbt-bouncer run --only catalog_checks --show-all-failures
	$(DBT) docs serve --host 127.0.0.1 --port $(DOCS_PORT) --no-browser

bench-parse: install profiles.yml
	$(PY) bench/bench_parse.py

bench: install
	$(PY) bench/bench_load.py $(if $(N),--lines $(N),)

# Writes every figure to bench/results/<UTC timestamp>_<N>.json (bench/README.md). REPEAT=3 runs
# the floor and the full build three times each and compares the fastest of each.
bench-warehouse: install profiles.yml
	$(PY) bench/bench_warehouse.py $(if $(N),--lines $(N),) $(if $(REPEAT),--repeat $(REPEAT),)

export: install
	$(PY) -m publish export --out exports

report: install
	@test -n "$(MONTH)" || { echo "error: say which month: make report MONTH=YYYY-MM"; exit 2; }
	$(PY) -m publish report --month $(MONTH) --out reports

clean:
	rm -rf warehouse .dlt_pipelines target logs data exports reports
