# Two commands for a new user:
#   make demo   set up .venv, train + label + test on the embedded digits, print the accuracy
#   make test   run the test suite (what CI runs)
#
# PYTHON: the first of python3.11, python3.12, python3.13, python3 on PATH that runs and is
# Python >= 3.11 (a name that is on PATH but does not run, e.g. a pyenv shim for a version
# that is not selected, is skipped). Override with `make PYTHON=/path/to/python3.x test`.
PYTHON_CANDIDATES := python3.11 python3.12 python3.13 python3
PYTHON_IS_OK      := import sys; sys.exit(sys.version_info < (3, 11))
ifeq ($(origin PYTHON),undefined)
PYTHON := $(firstword $(foreach p,$(PYTHON_CANDIDATES),\
	$(shell $(p) -c '$(PYTHON_IS_OK)' >/dev/null 2>&1 && echo $(p))))
endif
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test test-slow lint format bench clean check-python print-python

check-python:
	@test -n "$(PYTHON)" || { echo "no Python >= 3.11 found (tried $(PYTHON_CANDIDATES)); install one, or: make PYTHON=/path/to/python3.x" >&2; exit 1; }
	@$(PYTHON) -c '$(PYTHON_IS_OK)' >/dev/null 2>&1 || { echo "PYTHON=$(PYTHON) does not run or is older than Python 3.11; install one, or: make PYTHON=/path/to/python3.x" >&2; exit 1; }

# the interpreter make would build .venv with, and its version (tests/test_packaging.py)
print-python: check-python
	@$(PYTHON) -c 'import sys; print(sys.argv[1], "%d.%d.%d" % sys.version_info[:3])' '$(PYTHON)'

$(STAMP): pyproject.toml | check-python
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/stdp run experiments/digits.toml --out results/digits-demo-$$(date +%Y%m%d-%H%M%S)

test: $(STAMP)
	$(PY) -m pytest -q -n auto --maxprocesses=4

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

lint: $(STAMP)
	$(VENV)/bin/ruff check stdp tests benchmarks figures experiments
	$(VENV)/bin/ruff format --check stdp tests benchmarks figures experiments

format: $(STAMP)
	$(VENV)/bin/ruff format stdp tests benchmarks figures experiments

bench: $(STAMP)
	$(PY) benchmarks/throughput.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache output
