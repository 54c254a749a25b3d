"""The book's build cache: build the book once (or reuse a fresh build), list its pages, serve it.

Build tooling, not a test: used by the Makefile (``make book``, ``make test``) and by the tests
(``tests/conftest.py``'s ``built_book`` fixture, ``test_book.py``, ``test_browser.py``), through the Makefile
(``python scripts/book_cache.py prepare|record|chromium``), so that `make book` and the tests share one notion of
a fresh build.

The build is the one ``make book`` runs, from the repository root, after ``scripts/fetch_web_assets.py`` has copied
require.js, the ipywidgets HTML manager and MathJax from ``node_modules`` into the asset cache:
``jupyter-book build . -W -n --keep-going``, plus ``--all`` (see :func:`ensure_book`).

Freshness is decided by content, never by file times (a fresh clone or a restored CI cache has arbitrary times):

- A build that passes writes ``_build/.book-ok`` holding the SHA-256 of every source file of the book
  (:data:`SOURCE_GLOBS`); while that hash is unchanged, the tests reuse ``_build/html``.
- jupyter-cache keys an executed notebook by its code cells only, so a change to ``lstm_utils`` or to the lock file
  alone would leave outputs of the old package in the book. The cache therefore records the hash of those inputs
  (:data:`EXECUTION_INPUTS`) in ``_build/.jupyter_cache/.inputs-sha256``; when it differs, the cache and Sphinx's
  doctrees are wiped and every notebook is executed again. A notebook whose code changed is re-executed by
  jupyter-cache itself; one whose prose alone changed is not.

Under pytest-xdist every worker that needs the book calls :func:`ensure_book`; a file lock makes the first one build
and the others wait and reuse its build.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "_build"
HTML = BUILD / "html"
OK_STAMP = BUILD / ".book-ok"                       # the sources hash of the last passing build
LOG = BUILD / "book-build.log"
LOCK = BUILD / ".book-build.lock"
SCREENSHOTS = BUILD / "screenshots"
JUPYTER_CACHE = BUILD / ".jupyter_cache"
DOCTREES = BUILD / ".doctrees"
EXEC_STAMP = JUPYTER_CACHE / ".inputs-sha256"       # the hash of EXECUTION_INPUTS the cached notebooks were run with
PENDING = BUILD / ".book-pending"                   # both hashes, noted when a build starts

# What the book is built from: a change to any of these makes _build/html stale.
SOURCE_GLOBS = ["notebooks/**/*.ipynb", "book/**/*", "lstm_utils/**/*", "_config.yml", "_toc.yml",
                "requirements.txt", "package-lock.json"]
# What an executed notebook's outputs depend on besides its own code cells (which jupyter-cache keys it by).
EXECUTION_INPUTS = ["lstm_utils/**/*", "requirements.txt"]
IGNORED_PARTS = {"__pycache__", ".ipynb_checkpoints"}

# Browsers the browser test can drive, looked up on PATH in this order unless $CHROMIUM names one.
CHROMIUM_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]


def _files(patterns, root: Path) -> list[Path]:
    found = {p for pattern in patterns for p in root.glob(pattern)
             if p.is_file() and not IGNORED_PARTS.intersection(p.relative_to(root).parts) and p.suffix != ".pyc"}
    return sorted(found)


def content_hash(patterns, root: Path = ROOT) -> str:
    """SHA-256 over the relative paths and bytes of the files matching ``patterns`` (sorted, so order-free)."""
    digest = hashlib.sha256()
    for path in _files(patterns, root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def source_files(root: Path = ROOT) -> list[Path]:
    return _files(SOURCE_GLOBS, root)


def book_is_fresh(root: Path = ROOT) -> bool:
    """True when ``_build/html`` is a passing build of exactly today's sources."""
    try:
        recorded = OK_STAMP.read_text().strip()
    except OSError:
        return False
    return (HTML / "index.html").is_file() and recorded == content_hash(SOURCE_GLOBS, root)


def forget_stale_executions(root: Path = ROOT) -> bool:
    """Empty the execution cache (and Sphinx's doctrees) unless it was made with today's package and lock file.

    Returns True when it wiped something."""
    try:
        recorded = EXEC_STAMP.read_text().strip()
    except OSError:
        recorded = None
    if recorded == content_hash(EXECUTION_INPUTS, root):
        return False
    wiped = JUPYTER_CACHE.is_dir()
    shutil.rmtree(JUPYTER_CACHE, ignore_errors=True)
    shutil.rmtree(DOCTREES, ignore_errors=True)
    return wiped


def prepare_build(root: Path = ROOT) -> None:
    """Before a build: forget the last passing build and the executions made with another package or lock file,
    and note the hashes of what this build starts from (a file edited during the build leaves the build stale)."""
    OK_STAMP.unlink(missing_ok=True)
    if forget_stale_executions(root):
        print("lstm_utils or requirements.txt changed since the notebooks were executed: executing them again")
    BUILD.mkdir(exist_ok=True)
    PENDING.write_text(f"{content_hash(EXECUTION_INPUTS, root)} {content_hash(SOURCE_GLOBS, root)}\n")


def record_build() -> None:
    """After a passing build: record what it was built from (the hashes :func:`prepare_build` noted)."""
    execution_inputs, sources = PENDING.read_text().split()
    JUPYTER_CACHE.mkdir(parents=True, exist_ok=True)
    EXEC_STAMP.write_text(execution_inputs + "\n")
    OK_STAMP.write_text(sources + "\n")
    PENDING.unlink()


def find_chromium() -> str | None:
    """The browser for the browser test: ``$CHROMIUM`` if set, else the first of :data:`CHROMIUM_NAMES` on PATH."""
    named = os.environ.get("CHROMIUM")
    if named:
        return shutil.which(named) or (named if os.access(named, os.X_OK) else None)
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def toc_pages(root: Path = ROOT) -> list[str]:
    """Every page of the book, in reading order, as Sphinx docnames ("book/index", "notebooks/02_...")."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    site_map = parse_toc_yaml(root / "_toc.yml")

    def walk(docname):
        yield docname
        for subtree in site_map[docname].subtrees:
            for item in subtree.items:
                if isinstance(item, str):           # a document (globs and URLs are not pages of ours)
                    yield from walk(item)

    return list(walk(site_map.root.docname))


@dataclass
class Book:
    root: Path
    html: Path
    pages: list[str]
    built_now: bool
    build_seconds: float | None = None
    log: Path | None = None
    notes: list[str] = field(default_factory=list)

    def page_file(self, docname: str) -> Path:
        return self.html / f"{docname}.html"


def book_environment() -> dict:
    """The environment of the book build: this one, with the OpenBLAS kernel and numpy's SIMD loops `make test` was
    started under.

    `make test` runs the unit tests and nbval's notebook kernels under one OpenBLAS kernel (``OPENBLAS_CORETYPE``)
    and without numpy's AVX-512 loops (``NPY_DISABLE_CPU_FEATURES``), and passes the environment's own settings in
    ``BOOK_OPENBLAS_CORETYPE`` and ``BOOK_NPY_DISABLE_CPU_FEATURES`` ("" for the default), so that the book build
    executes every notebook under another rounding than nbval does."""
    env = dict(os.environ)
    for name in ("OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES"):
        if f"BOOK_{name}" in env:
            book = env.pop(f"BOOK_{name}")
            env.pop(name, None)
            if book:
                env[name] = book
    return env


def _run(cmd, log_file, title):
    log_file.write(f"$ {' '.join(map(str, cmd))}\n")
    log_file.flush()
    proc = subprocess.run(cmd, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT, text=True,
                          env=book_environment())
    if proc.returncode != 0:
        log_file.flush()
        lines = re.sub(r"\x1b\[[0-9;]*m", "", LOG.read_text(errors="replace")).splitlines()   # no colours
        # the warnings that failed a -W build, else the end of the log
        shown = [line for line in lines if re.search(r"\b(WARNING|ERROR|CRITICAL)\b:", line)][:30] or lines[-40:]
        raise BuildFailed(f"{title} failed (exit {proc.returncode}); full log: {LOG}\n" + "\n".join(shown))


class BuildFailed(RuntimeError):
    pass


def ensure_book() -> Book:
    """Build the book unless ``_build/html`` is fresh; return what the tests need to know about it."""
    BUILD.mkdir(exist_ok=True)
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)          # one builder at a time, across xdist workers and make
        if book_is_fresh():
            return Book(ROOT, HTML, toc_pages(), built_now=False)
        bindir = Path(sys.executable).parent
        jupyter_book = bindir / "jupyter-book"
        if not jupyter_book.exists():
            jupyter_book = Path("jupyter-book")
        start = time.perf_counter()
        prepare_build()
        with open(LOG, "w") as log_file:
            _run([sys.executable, "scripts/fetch_web_assets.py"], log_file, "fetching the web assets")
            # --all (a fresh Sphinx environment): an incremental build that finds no page out of date copies no
            # static file either, so a changed script or asset would not reach _build/html. Notebooks are not
            # executed again: jupyter-cache (execute_notebooks: cache) keeps their outputs.
            _run([str(jupyter_book), "build", ".", "--all", "-W", "-n", "--keep-going"], log_file,
                 "`jupyter-book build . --all -W -n --keep-going`")
        record_build()
        seconds = time.perf_counter() - start
        return Book(ROOT, HTML, toc_pages(), built_now=True, build_seconds=seconds, log=LOG,
                    notes=[f"built the book in {seconds:.0f} s"])


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


class StaticServer:
    """``http.server`` on 127.0.0.1 (ephemeral port) serving one folder, in a daemon thread."""

    def __init__(self, directory: Path):
        handler = functools.partial(_QuietHandler, directory=os.fspath(directory))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.host, self.port = self.httpd.server_address[:2]
        self.origin = f"http://{self.host}:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="book-server", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def main(argv=None) -> int:
    """``prepare`` / ``record`` around a book build (the Makefile's), ``chromium`` prints the browser's path."""
    command = (argv if argv is not None else sys.argv[1:] or [""])[0]
    if command == "prepare":
        prepare_build()
    elif command == "record":
        record_build()
    elif command == "chromium":
        found = find_chromium()
        if found is None:
            return 1
        print(found)
    else:
        sys.stderr.write("usage: python scripts/book_cache.py prepare|record|chromium\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
