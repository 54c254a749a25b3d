# The course's commands. `make book` and `make test` are the two a newcomer needs;
# both create .venv on first use, installing the exact versions locked in requirements.txt.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2

.PHONY: help venv book web-assets npm test lab bench experiments review-models portability lock chromium clean

help:
	@echo "make book   build the HTML book (creates .venv, executes the notebooks)"
	@echo "make test   unit tests + every notebook (nbval) + the browser test"
	@echo "make lab    JupyterLab on notebooks/"
	@echo "make bench  speed benchmarks against PyTorch and the course's time budgets"
	@echo "make portability  every notebook under four OpenBLAS kernels: a table of pass/fail and seconds"
	@echo "make experiments  chapter 08's sweep (resumable), written to lstm_utils/results/"
	@echo "make review-models  chapter 09's shipped models and seed statistics, written to lstm_utils/results/"
	@echo "make lock   refresh requirements.txt, the lock file, from the ranges in pyproject.toml"
	@echo "make clean  remove _build and caches (keeps .venv)"

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-deps -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

# The default book is the offline one: it serves its own require.js, ipywidgets HTML manager and MathJax
# (fetched by `npm pack` into the git-ignored _build/web-assets, see scripts/fetch_web_assets.py).
# _build/.book-ok marks a build that passed -W -n; the browser test reuses such a build while it is fresh.
# The execution cache keys a notebook by its own code cells only: a change to lstm_utils alone would leave outputs
# of the old package in the book. So when lstm_utils is newer than the last build's stamp (or there is no stamp),
# the cache and Sphinx's record of what is up to date go first, and every notebook is executed again.
JCACHE    := _build/.jupyter_cache
PKG_STAMP := $(JCACHE)/.lstm_utils-stamp
book: $(STAMP) web-assets
	@if [ ! -f $(PKG_STAMP) ] || [ -n "$$(find lstm_utils -name '*.py' -newer $(PKG_STAMP))" ]; then \
	  [ ! -d $(JCACHE) ] || echo "lstm_utils changed since the notebooks were executed: executing them again"; \
	  rm -rf $(JCACHE) _build/.doctrees; fi
	rm -f _build/.book-ok
	$(BIN)/jupyter-book build . -W -n --keep-going
	mkdir -p $(JCACHE) && touch $(PKG_STAMP) _build/.book-ok
	@echo "Book built: $(CURDIR)/_build/html/index.html"

web-assets: npm
	$(BIN)/python scripts/fetch_web_assets.py

# npm fetches the web assets; Debian's package when it is missing (elsewhere the fetch script says what to install).
npm:
	@command -v npm >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q npm; }

# Debian's Chromium for the browser test; playwright never downloads a browser here.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium; }

# One pytest run: unit tests, every notebook (nbval) and the browser test (which builds the book unless
# _build/html is fresh; web-assets makes sure npm and the asset cache are there for that build).
# One BLAS thread per process: the run keeps both cores busy with two pytest workers, their notebook kernels and the
# book build's kernel, and numpy's small matrix products only lose time when their threads compete for the cores.
# Two roundings in every run: the book build keeps the environment's OpenBLAS kernel (BOOK_OPENBLAS_CORETYPE passes
# it on), while the unit tests and nbval's notebook kernels run under another, NBVAL_CORETYPE (Sandybridge, or
# Haswell when the environment already asks for Sandybridge). A claim that holds under one only fails here.
NBVAL_CORETYPE ?= $(if $(filter Sandybridge,$(OPENBLAS_CORETYPE)),Haswell,Sandybridge)
test: $(STAMP) chromium web-assets
	BOOK_OPENBLAS_CORETYPE="$(OPENBLAS_CORETYPE)" OPENBLAS_CORETYPE=$(NBVAL_CORETYPE) \
	  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
	  $(BIN)/python -m pytest -n $(JOBS) --dist loadfile --nbval-lax -p no:cacheprovider tests notebooks

# Every notebook executed under each of four OpenBLAS kernels (the default and three named ones), two at a time;
# prints a table of pass/fail and seconds, notebook by kernel. Takes ~10 min on 2 cores.
KERNELS ?= default Haswell SkylakeX Sandybridge
portability: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(BIN)/python scripts/portability.py --jobs $(JOBS) --kernels $(KERNELS)

# The lock file: exact versions of everything `make book` and `make test` install, for every platform and Python
# the course supports, resolved by uv from the ranges in pyproject.toml. uv lives in its own small venv.
TOOLS := .venv-tools
lock:
	test -x $(TOOLS)/bin/uv || { $(PYTHON) -m venv $(TOOLS) && $(TOOLS)/bin/python -m pip install --quiet uv; }
	$(TOOLS)/bin/uv pip compile pyproject.toml --extra book --extra test --universal --python-version 3.11 \
	  --custom-compile-command "make lock" -o requirements.txt

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
ifneq ($(BUDGETS),0)
	$(BIN)/python benchmarks/budgets.py $(if $(filter short,$(BUDGETS)),--skip-long) $(BUDGET_ARGS)
endif

# Chapter 08's sweep (tasks x models x lengths x seeds, see scripts/run_experiments.py), resumable: a killed sweep
# started again continues where it stopped. Appends to lstm_utils/results/long_range_runs.jsonl, which chapters 08
# and 10 read; FRESH=1 starts the file anew.
experiments: $(STAMP)
	$(BIN)/python scripts/run_experiments.py --jobs $(JOBS) $(if $(FRESH),--fresh)

# Chapter 09's models: the shipped LSTM and RNNs (.npz) and the statistics over seeds; ~3 min on 2 cores.
review-models: $(STAMP)
	$(BIN)/python scripts/train_review_models.py --jobs $(JOBS)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf _build .pytest_cache .hypothesis
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -not -path './$(VENV)/*' -prune -exec rm -rf {} +
