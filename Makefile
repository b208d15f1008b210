# techan — two commands: `make run` (install, migrate, seed with history, serve) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LOCK := requirements.lock
PATHS := service recommender catalog_seed tests bench

.PHONY: install run test lint bench clean lock

# Installs the exact versions of requirements.lock, then techan itself without resolving again.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r $(LOCK)
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

# Re-pin every dependency within pyproject's ranges (run after changing them; commit the lock).
lock:
	test -x $(PY) || python3 -m venv $(VENV)
	$(BIN)/pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -q -o $(LOCK)

install: $(STAMP)

run: install
	VENV=$(VENV) bin/run-demo

lint: install
	$(BIN)/ruff check $(PATHS)
	$(BIN)/mypy $(PATHS)
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

# Each prints its figures as ratios against a baseline measured in the same run (see README).
BENCHES := search checkout checkout_http import_orders analytics_refresh refresh forecast reco analytics_scale

bench: install
	@for b in $(BENCHES); do echo "== bench/$$b.py"; $(PY) bench/$$b.py || exit 1; done

clean:
	rm -rf $(VENV) techan.db techan.db-wal techan.db-shm var
