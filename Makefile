# gridgov: two commands for a fresh machine with Python 3.11 and pip.
#   make run   - create .venv, install gridgov, run the default job (the policy comparison)
#   make test  - create .venv, install gridgov with test tools, run the test suite
# Both install gridgov editable with its extras [test,dashboard,dask] against constraints.txt,
# and Debian's fonts-noto-cjk (the dashboard's --lang zh) when root or sudo can.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
EXTRAS := test,dashboard,dask
CJK    := fonts-noto-cjk

.PHONY: run test test-fast lint bench bench-city bless validate readme fonts clean

# gridgov editable, with every optional part, at the versions constraints.txt pins
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[$(EXTRAS)]"
	touch $(STAMP)

# The dashboard's Chinese (--lang zh) needs a CJK font: Debian's fonts-noto-cjk, installed
# as root or with sudo; where neither works, one line and on (the rest does not need it).
fonts:
	@if dpkg -s $(CJK) >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" -eq 0 ]; then SUDO=""; \
	elif sudo -n true >/dev/null 2>&1; then SUDO="sudo -n"; \
	else echo "make: $(CJK) not installed (needs root or sudo): the dashboard's --lang zh" \
	  "may lack Chinese glyphs; going on"; exit 0; fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	{ $$SUDO apt-get install -y -q --no-install-recommends $(CJK) >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -q >/dev/null 2>&1 && \
	    $$SUDO apt-get install -y -q --no-install-recommends $(CJK) >/dev/null 2>&1; }; } || \
	echo "make: could not install $(CJK) with apt-get: the dashboard's --lang zh may lack" \
	  "Chinese glyphs; going on"

run: $(STAMP) fonts
	$(BIN)/gridgov sweep experiments/policy_comparison.toml --resume

test: $(STAMP) fonts
	$(BIN)/ruff check simulation tests benchmarks scripts
	$(BIN)/python -m pytest -q -n auto --dist loadfile  # one worker a core, a file each

# The inner loop: everything but the slow, browser and subprocess tests (tests/conftest.py
# marks them), about two minutes on 2 cores; `make test` and CI run them all.
test-fast: $(STAMP)
	$(BIN)/ruff check simulation tests benchmarks scripts
	$(BIN)/python -m pytest -q -n auto --dist loadfile -m "not slow and not browser and not subprocess"

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py --case baseline
	$(BIN)/python benchmarks/bench_model.py --case slice
	$(BIN)/python benchmarks/bench_sweep.py
	@if [ -d results/policy_comparison ]; then $(BIN)/python benchmarks/bench_report.py; \
	else echo "bench_report.py skipped: run 'make run' first"; fi

# The whole city (about 9.2 million residents) against the trivial Mesa loop (~6 minutes),
# then a sweep of 4 runs of a quarter of the city on 1 and 2 workers, local processes and a
# Dask LocalCluster (~15 minutes; `bench_sweep.py --case city` without --scale: the whole).
bench-city: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py --case city
	$(BIN)/python benchmarks/bench_sweep.py --case city --scale 0.25 --dask

# Calibration (resumed if already run) and every validation check at full size; rewrites
# docs/validation.md and docs/validation/*.png. The checks' runs go to the executors, one
# worker a core: about 4.5 minutes on 2 cores once the calibration has run.
validate: $(STAMP)
	$(BIN)/gridgov calibrate experiments/calibration.toml --resume
	$(BIN)/python scripts/validate.py

bless: $(STAMP)
	$(BIN)/python scripts/bless_baseline.py

# docs/pypi.md, the package index's description: README.md with absolute links (after
# every change of README.md; tests/test_packaging.py fails while it is stale)
readme: $(STAMP)
	$(BIN)/python -c "from simulation.support.shipped import write_pypi_readme as w; print('wrote', w())"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
