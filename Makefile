# techan — two commands: `make run` (install, migrate, seed with history, serve) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PATHS := service recommender catalog_seed tests bench

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

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
