# Two commands do all set-up on a fresh machine: `make example` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install example test test-slow test-all lint bench notebook clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch==2.13.0 is pinned in pyproject.toml: the CPU build on this machine's disk, never CUDA.
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

example: $(STAMP)
	mkdir -p out
	$(BIN)/ecs-tagger tag examples/registry.csv -o out/registry_tagged.csv \
		--text-col titel --text-col beskrivning --id-col projekt_id --overwrite --evidence
	@echo "wrote out/registry_tagged.csv"
	@echo "To run ecs-tagger yourself, activate the environment: source $(BIN)/activate"
	@echo "(or call it by its path: $(BIN)/ecs-tagger --help)"

# The default tests, with progress per file; the slow end-to-end ones (README blocks, wheel,
# notebooks, the benchmark smoke run, the service's load, fuzzing and browser runs) by test-slow.
test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

test-all: test test-slow

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache

# Opens the notebooks without the outputs of an earlier session (their widgets would show "Error
# displaying widget: model not found"); reviews live in the corrections file, not in the notebook.
notebook: $(STAMP)
	$(BIN)/python notebooks/strip_outputs.py
	$(BIN)/jupyter lab notebooks/review_tags.ipynb notebooks/similar_initiatives.ipynb

bench: $(STAMP)
	$(BIN)/python -m benchmarks
