# The two commands a newcomer needs: `make demo` and `make test`. Both start from nothing but
# python3 (and node for the JS checks): they create .venv and install what they use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test lint typecheck pytest demo system-deps clean-venv

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# Debian packages the browser tests need (Chromium); a no-op when they are already there.
system-deps:
	bash scripts/system-deps.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check assetbuild tests
	$(VENV)/bin/ruff format --check assetbuild tests

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP) system-deps
	$(VENV)/bin/pytest

test: lint typecheck pytest

demo: $(STAMP)
	$(VENV)/bin/assetbuild build --config fixtures/site/assetbuild.toml
	@echo
	@echo "release in fixtures/site/build/static:"
	@cd fixtures/site/build/static && find . -type f -not -path './.assetbuild/*' | sort | sed 's/^/  /'

clean-venv:
	rm -rf $(VENV)
