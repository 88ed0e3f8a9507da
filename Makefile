# The two set-up commands: `make demo` and `make test`. Both create .venv/ when missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := demo_out

.PHONY: demo test test-quick lint install clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# torch: take the CPU build (pinned, on this machine's disk) first, so that the
# unpinned `torch>=2.3` in pyproject does not pull a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q torch==2.13.0 \
		|| $(BIN)/python -m pip install -q torch --index-url https://download.pytorch.org/whl/cpu
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/invcam synth $(DEMO)/stack --force
	$(BIN)/invcam info $(DEMO)/stack
	$(BIN)/invcam fit $(DEMO)/stack -o $(DEMO)/fit --iters 600 --force
	$(BIN)/invcam eval $(DEMO)/fit/radiance.exr $(DEMO)/stack/gt/radiance.exr

test: install
	$(BIN)/python -m pytest

# The quick loop while developing: every test but the long fits (make test runs all).
test-quick: install
	$(BIN)/python -m pytest -m "not slow"

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(DEMO) .pytest_cache
