"""Helpers for the book-level tests: build the book once (or reuse a fresh build), list its pages, serve it.

Used by ``conftest.py`` (the ``built_book`` fixture), ``test_book.py`` and ``test_browser.py``.

The build is the one ``make book`` runs, from the repository root, after ``scripts/fetch_web_assets.py`` has put
require.js, the ipywidgets HTML manager and MathJax in the asset cache: ``jupyter-book build . -W -n --keep-going``,
plus ``--all`` (see :func:`ensure_book`). A build that passes leaves ``_build/.book-ok``; while that stamp is
newer than every source file, the tests reuse ``_build/html``. Under pytest-xdist every worker that needs the book
calls :func:`ensure_book`; a file lock makes the first one build and the others wait and reuse its build.
"""

from __future__ import annotations

import fcntl
import functools
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

import yaml

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "_build"
HTML = BUILD / "html"
OK_STAMP = BUILD / ".book-ok"
LOG = BUILD / "book-build.log"
LOCK = BUILD / ".book-build.lock"
SCREENSHOTS = BUILD / "screenshots"
ASSET_MANIFEST = BUILD / "web-assets" / "vendor" / "MANIFEST.json"
JUPYTER_CACHE = BUILD / ".jupyter_cache"
PKG_STAMP = JUPYTER_CACHE / ".lstm_utils-stamp"     # when the cached notebooks were last executed against lstm_utils

# What the book is built from: a change to any of these makes _build/html stale.
SOURCE_GLOBS = ["notebooks/**/*.ipynb", "book/**/*", "lstm_utils/**/*.py", "_config.yml", "_toc.yml"]


def source_files(root: Path = ROOT) -> list[Path]:
    files = [p for pattern in SOURCE_GLOBS for p in root.glob(pattern)
             if p.is_file() and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts]
    return files + ([ASSET_MANIFEST] if ASSET_MANIFEST.is_file() else [])


def stale_sources(root: Path = ROOT) -> list[Path]:
    """Source files newer than the last passing build (all of them if there is none)."""
    if not OK_STAMP.is_file() or not (HTML / "index.html").is_file():
        return source_files(root)
    built = OK_STAMP.stat().st_mtime
    return [p for p in source_files(root) if p.stat().st_mtime > built]


def toc_pages(root: Path = ROOT) -> list[str]:
    """Every page of the book, in reading order, as Sphinx docnames ("book/index", "notebooks/02_...")."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            for key in ("sections", "chapters"):
                walk(entry.get(key))
            for part in entry.get("parts", []) or []:
                walk(part.get("chapters"))

    for part in toc.get("parts", []) or []:
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    walk(toc.get("sections"))
    return [p.removesuffix(".md").removesuffix(".ipynb") for p in pages]


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
    """The environment of the book build: this one, with the OpenBLAS kernel `make test` was started under.

    `make test` runs the unit tests and nbval's notebook kernels under one OpenBLAS kernel (``OPENBLAS_CORETYPE``)
    and passes the environment's own in ``BOOK_OPENBLAS_CORETYPE`` ("" for the default), so that the book build
    executes every notebook under another rounding than nbval does."""
    env = dict(os.environ)
    if "BOOK_OPENBLAS_CORETYPE" in env:
        book = env.pop("BOOK_OPENBLAS_CORETYPE")
        env.pop("OPENBLAS_CORETYPE", None)
        if book:
            env["OPENBLAS_CORETYPE"] = book
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


def forget_stale_executions():
    """Empty the execution cache if lstm_utils changed after the notebooks in it were executed (as `make book` does).

    jupyter-cache keys a notebook by its code cells only, so a change to the package alone would otherwise leave
    outputs of the old package in the book."""
    if not JUPYTER_CACHE.is_dir():
        return
    built = PKG_STAMP.stat().st_mtime if PKG_STAMP.is_file() else None
    if built is None or any(p.stat().st_mtime > built for p in (ROOT / "lstm_utils").glob("**/*.py")):
        shutil.rmtree(JUPYTER_CACHE)


class BuildFailed(RuntimeError):
    pass


def ensure_book() -> Book:
    """Build the book unless ``_build/html`` is fresh; return what the tests need to know about it."""
    BUILD.mkdir(exist_ok=True)
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)          # one builder at a time, across xdist workers and make
        stale = stale_sources()
        if not stale:
            return Book(ROOT, HTML, toc_pages(), built_now=False)
        bindir = Path(sys.executable).parent
        jupyter_book = bindir / "jupyter-book"
        if not jupyter_book.exists():
            jupyter_book = Path("jupyter-book")
        start = time.perf_counter()
        OK_STAMP.unlink(missing_ok=True)
        forget_stale_executions()
        with open(LOG, "w") as log_file:
            _run([sys.executable, "scripts/fetch_web_assets.py"], log_file, "fetching the web assets")
            # --all (a fresh Sphinx environment): an incremental build that finds no page out of date copies no
            # static file either, so a changed script or asset would not reach _build/html. Notebooks are not
            # executed again: jupyter-cache (execute_notebooks: cache) keeps their outputs.
            _run([str(jupyter_book), "build", ".", "--all", "-W", "-n", "--keep-going"], log_file,
                 "`jupyter-book build . --all -W -n --keep-going`")
        OK_STAMP.touch()
        JUPYTER_CACHE.mkdir(exist_ok=True)
        PKG_STAMP.touch()
        seconds = time.perf_counter() - start
        return Book(ROOT, HTML, toc_pages(), built_now=True, build_seconds=seconds, log=LOG,
                    notes=[f"built the book in {seconds:.0f} s ({len(stale)} stale source files)"])


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
