# The two commands of the README: `make run` (main job) and `make test`.
# Both install what they need first, on a fresh Debian machine as root.
PYTHON ?= python3

.PHONY: setup run test lint bench

setup:
	@command -v dot >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq graphviz)
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium)
	@command -v spin >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq spin)
	$(PYTHON) -m pip install -q -e '.[test,dask,fast,columnar]'

run: setup
	ordercheck report --out out/report --diagrams-out docs/diagrams

test: setup
	$(PYTHON) -m ruff check .
	$(PYTHON) -m mypy
	$(PYTHON) -m pytest -q

lint:
	$(PYTHON) -m ruff check .

bench: setup
	$(PYTHON) bench/explore.py
