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

test: lint
	$(BIN)/pytest

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) techan.db techan.db-wal techan.db-shm var
