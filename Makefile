# The two commands a newcomer needs: `make demo` and `make test`. Both start from nothing but
# python3 (and node for the JS checks): they create .venv and install what they use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test lint typecheck pytest demo system-deps node-tools clean-venv

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# Debian packages the tests drive (Chromium, nginx, redis-server, memcached); a no-op when they
# are already there.
system-deps:
	bash scripts/system-deps.sh

# The npm compilers the webassets filter tests run (lessc, cleancss), pinned in
# scripts/node-tools; a no-op when they are installed already.
node-tools:
	bash scripts/node-tools.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check assetbuild tests scripts examples bench
	$(VENV)/bin/ruff format --check assetbuild tests scripts examples bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP) system-deps node-tools
	$(VENV)/bin/pytest

test: lint typecheck pytest

# Where the demos serve: `make demo DEMO_BIND=127.0.0.1:8080` if 8000 is taken.
DEMO_BIND ?= 127.0.0.1:8000

# The sample site's release, then the Flask example built the Flask way (`flask assetbuild build`:
# the sources from the app's and its blueprints' static folders) and served as in production:
# gunicorn with 2 workers, the app's own static routes serving the release. Runs until Ctrl-C.
# The build also writes its HTML report beside the release (never in it); the app serves it at /report.
demo: $(STAMP)
	$(VENV)/bin/assetbuild build --config fixtures/site/assetbuild.toml
	@echo
	@echo "release in fixtures/site/build/static:"
	@cd fixtures/site/build/static && find . -type f | sort | sed 's/^/  /'
	@echo
	cd examples/flask_app && PYTHONDONTWRITEBYTECODE=1 ../../$(VENV)/bin/flask --app app assetbuild build --report build/report.html
	@echo
	@echo "report of the release: examples/flask_app/build/report.html (open it from disk, or at http://$(DEMO_BIND)/report)"
	@echo "examples/flask_app: http://$(DEMO_BIND)/ , /blog/ and /wiki/  (gunicorn, 2 workers; Ctrl-C stops it)"
	PYTHONDONTWRITEBYTECODE=1 $(VENV)/bin/gunicorn --workers 2 --bind $(DEMO_BIND) \
		--chdir examples/flask_app app:app

# The Django example, the way a Django project builds: collectstatic, through ReleaseStorage
# (the admin's, Django REST framework's and the project's own files, in one release).
.PHONY: demo-django
demo-django: $(STAMP)
	cd examples/django_project && PYTHONDONTWRITEBYTECODE=1 ../../$(PY) manage.py collectstatic --noinput
	cd examples/django_project && PYTHONDONTWRITEBYTECODE=1 ../../$(PY) manage.py check
	@echo
	@echo "examples/django_project: http://$(DEMO_BIND)/ , /admin/ and /api/greeting/  (gunicorn, 2 workers; Ctrl-C stops it)"
	PYTHONDONTWRITEBYTECODE=1 $(VENV)/bin/gunicorn --workers 2 --bind $(DEMO_BIND) \
		--chdir examples/django_project example_site.wsgi

clean-venv:
	rm -rf $(VENV)

# The benchmark (bench/run.py): assetbuild and its peers side by side on the pinned corpus, x1, x4
# and x16, 5 rounds, medians and ratios (with the cold build / floor and no-op rebuild / cold build
# targets of issue 18 at each scale), then the runtime figures; also written to bench/results.json.
# Installs the peers into bench/.venv-peers and esbuild into bench/node_modules. Takes 20-40
# minutes on 2 cores (WhiteNoise and brotli 11 dominate); pass options as BENCH_ARGS="--rounds 3".
.PHONY: bench bench-smoke
bench: $(STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)

# The smoke version tests/test_bench.py runs: 1 round, x1, assetbuild + the floor + Django
# collectstatic, on 2 packages of the corpus.
bench-smoke: $(STAMP)
	$(PY) bench/run.py --smoke $(BENCH_ARGS)
