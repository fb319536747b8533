# gridgov: two commands for a fresh machine with Python 3.11 and pip.
#   make run   - create .venv, install gridgov, run the default job (the policy comparison)
#   make test  - create .venv, install gridgov with test tools, run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint bench bench-city bless validate clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/gridgov sweep experiments/policy_comparison.toml --resume

test: $(STAMP)
	$(BIN)/ruff check simulation tests benchmarks scripts
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py --case baseline
	$(BIN)/python benchmarks/bench_model.py --case slice
	$(BIN)/python benchmarks/bench_sweep.py
	@if [ -d results/policy_comparison ]; then $(BIN)/python benchmarks/bench_report.py; \
	else echo "bench_report.py skipped: run 'make run' first"; fi

# The whole city (about 9.2 million residents) against the trivial Mesa loop: ~6 minutes.
bench-city: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py --case city

# Calibration (resumed if already run) and every validation check at full size; rewrites
# docs/validation.md and docs/validation/*.png (about 12 minutes on 2 cores).
validate: $(STAMP)
	$(BIN)/gridgov calibrate experiments/calibration.toml --resume
	$(BIN)/python scripts/validate.py

bless: $(STAMP)
	$(BIN)/python scripts/bless_baseline.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
