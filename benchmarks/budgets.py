"""The course's time and size budgets, measured and printed as one table.

Run by ``make bench`` with the course's own environment (``.venv``; no PyTorch needed), or directly::

    .venv/bin/python benchmarks/budgets.py                  # everything: notebooks, make test, make book, pages
    .venv/bin/python benchmarks/budgets.py --skip-long      # notebooks only (and page weights of an existing build)
    .venv/bin/python benchmarks/budgets.py --notebooks 01 03   # a subset of the notebooks, by prefix

Budgets:

* each notebook executes (nbclient, the ``python3`` kernel, working directory ``notebooks/``) in under 60 s;
  the training chapters 08-10 in under 120 s;
* the whole ``make test`` in under 5 minutes on the 2-core machine, installs excluded;
* a clean ``make book`` (no execution cache, no previous ``_build``) in under 5 minutes, installs excluded;
* the heaviest page of the built book weighs under 3 MB: its own content, the HTML (with the widget frames inside
  it) and the images it shows. The shared libraries every page loads from ``_static/`` (theme, MathJax, require.js,
  the ipywidgets HTML manager) are reported beside it, raw and, with the page, as a gzip-compressed first visit.

``make test`` and ``make book`` are timed in a scratch copy of the work tree (the files git tracks or would track,
the ``.venv`` linked, not copied), so the measurement neither reads nor overwrites the developer's ``_build`` and
its execution cache. The install steps run first, untimed: ``make venv`` in the work tree (the copy shares its
``.venv``), ``make chromium web-assets`` in the copy; then the target is timed. ``PYTHONPATH`` points at the copy,
so its ``lstm_utils`` is the one imported.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_BUDGET_S = 60.0
TRAINING_BUDGET_S = 120.0
TRAINING_CHAPTERS = ("08", "09", "10", "11")
TEST_BUDGET_S = 5 * 60.0
BOOK_BUDGET_S = 5 * 60.0
PAGE_BUDGET_BYTES = 3 * 1024 * 1024


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-long", action="store_true",
                    help="skip `make test` and the clean `make book` (page weights then come from an existing build)")
    ap.add_argument("--no-notebooks", action="store_true", help="skip executing the notebooks one by one")
    ap.add_argument("--notebooks", nargs="*", default=None, metavar="PREFIX",
                    help="only the notebooks whose file name starts with one of these (e.g. 01 07)")
    ap.add_argument("--timeout", type=float, default=600, help="per-cell timeout when executing notebooks (s)")
    return ap.parse_args(argv)


# ------------------------------------------------------------------------------------------------------------------
# Notebooks
# ------------------------------------------------------------------------------------------------------------------
def notebook_budget(path: Path) -> float:
    return TRAINING_BUDGET_S if path.name[:2] in TRAINING_CHAPTERS else NOTEBOOK_BUDGET_S


def time_notebook(path: Path, timeout: float) -> tuple[float, str]:
    """Execute a notebook top to bottom in a fresh kernel; returns (seconds, "ok" or the error's first line)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    try:
        client.execute()
        status = "ok"
    except Exception as exc:                                      # CellExecutionError, timeouts, dead kernels
        status = "error: " + (str(exc).strip().splitlines() or [type(exc).__name__])[-1][:60]
    return time.perf_counter() - t0, status


def select_notebooks(prefixes):
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if prefixes:
        paths = [p for p in paths if any(p.name.startswith(x) for x in prefixes)]
    return paths


# ------------------------------------------------------------------------------------------------------------------
# make test / make book in a scratch copy
# ------------------------------------------------------------------------------------------------------------------
def scratch_copy(dest: Path) -> Path:
    """Copy the files git tracks or would track (not the ignored ones: no _build, no caches) into ``dest``."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         check=True, capture_output=True).stdout.decode()
    for rel in filter(None, out.split("\0")):
        src = ROOT / rel
        if src.is_file():                                         # a tracked file may have been deleted
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)                         # keeps mtimes: make sees the venv up to date
    (dest / ".venv").symlink_to(ROOT / ".venv")
    return dest


def run_make(tree: Path, *targets: str, log: Path) -> tuple[float, int]:
    """``make TARGETS`` in ``tree``; returns (seconds, exit status), output appended to ``log``."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    t0 = time.perf_counter()
    with open(log, "a") as fh:
        fh.write(f"\n$ make {' '.join(targets)}\n")
        fh.flush()
        rc = subprocess.run(["make", *targets], cwd=tree, env=env, stdout=fh, stderr=subprocess.STDOUT).returncode
    return time.perf_counter() - t0, rc


def time_target(target: str, installs: tuple[str, ...], log: Path) -> tuple[float, int, Path]:
    """Time ``make target`` in a fresh scratch copy, after its install steps (untimed).

    The course's venv is brought up to date in the work tree itself (``make venv`` there, untimed): run in the
    copy, it would install the copy's ``lstm_utils`` in editable mode into the shared ``.venv``, pointing it at a
    folder deleted afterwards. In the copy, make must then find the venv up to date, or nothing is timed.
    """
    _, rc = run_make(ROOT, "venv", log=log)
    tree = scratch_copy(Path(tempfile.mkdtemp(prefix=f"budget-{target}-")))
    web_assets = ROOT / "_build" / "web-assets"
    if web_assets.is_dir():                                       # npm's download is an install: reuse it
        shutil.copytree(web_assets, tree / "_build" / "web-assets")
    if rc == 0:
        _, rc = run_make(tree, "--question", ".venv/.installed", log=log)
    if rc == 0 and installs:
        _, rc = run_make(tree, *installs, log=log)
    if rc != 0:
        return float("nan"), rc, tree
    seconds, rc = run_make(tree, target, log=log)
    return seconds, rc, tree


# ------------------------------------------------------------------------------------------------------------------
# Page weight
# ------------------------------------------------------------------------------------------------------------------
class _Resources(HTMLParser):
    """The local files a page loads: images, scripts, style sheets."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("img", "script") and a.get("src"):
            self.urls.append(a["src"])
        elif tag == "link" and "stylesheet" in (a.get("rel") or "") and a.get("href"):
            self.urls.append(a["href"])


def page_weights(html_dir: Path):
    """For every page: (relative path, own bytes, shared bytes, first-visit bytes gzip-compressed).

    *Own* is what belongs to the page: its HTML (the widget frames live inside it) and the images it shows. *Shared*
    is what it loads from ``_static/``: the theme's scripts and style sheets, MathJax, require.js and the ipywidgets
    HTML manager, the same files on every page, downloaded once and then cached (with the default CDN set-up a
    reader downloads the same libraries from the CDNs). The gzip figure is what a first visit transfers from a
    server that compresses, as GitHub Pages does.
    """
    rows = []
    for page in sorted(html_dir.rglob("*.html")):
        parser = _Resources()
        parser.feed(page.read_text(errors="replace"))
        own, shared = [page], []
        for url in parser.urls:
            if "://" in url or url.startswith(("data:", "//")):
                continue                                          # remote, or already inside the HTML
            target = (page.parent / url.split("?")[0].split("#")[0]).resolve()
            if target.is_file() and target not in own and target not in shared:
                (shared if "_static" in target.relative_to(html_dir.resolve()).parts else own).append(target)
        gz = sum(len(gzip.compress(f.read_bytes(), 6)) for f in own + shared)
        rows.append((page.relative_to(html_dir), sum(f.stat().st_size for f in own),
                     sum(f.stat().st_size for f in shared), gz))
    return rows


# ------------------------------------------------------------------------------------------------------------------
# The table
# ------------------------------------------------------------------------------------------------------------------
def verdict(value, budget):
    if value != value:                                            # nan: not measured / failed
        return "FAILED"
    return "yes" if value <= budget else "NO"


def mb(n):
    return f"{n / 1024 / 1024:.2f} MB"


def main(argv=None):
    args = parse_args(argv)
    rows = []                                                     # (what, measured, budget, met, note)
    log = Path(tempfile.mkstemp(prefix="budgets-", suffix=".log")[1])

    if not args.no_notebooks:
        for path in select_notebooks(args.notebooks):
            seconds, status = time_notebook(path, args.timeout)
            budget = notebook_budget(path)
            met = verdict(seconds, budget) if status == "ok" else "FAILED"
            rows.append((f"notebook {path.name}", f"{seconds:6.1f} s", f"{budget:.0f} s", met,
                         "" if status == "ok" else status))
            print(f"  {rows[-1][0]}: {rows[-1][1]} {status}", file=sys.stderr)

    html_dir, html_note = None, ""
    if not args.skip_long:
        seconds, rc, tree = time_target("test", ("chromium", "web-assets"), log)
        shutil.rmtree(tree, ignore_errors=True)
        rows.append(("make test (whole suite)", f"{seconds:6.1f} s", f"{TEST_BUDGET_S:.0f} s",
                     verdict(seconds, TEST_BUDGET_S) if rc == 0 else "FAILED", "" if rc == 0 else f"exit {rc}"))
        seconds, rc, tree = time_target("book", ("web-assets",), log)
        rows.append(("make book (clean)", f"{seconds:6.1f} s", f"{BOOK_BUDGET_S:.0f} s",
                     verdict(seconds, BOOK_BUDGET_S) if rc == 0 else "FAILED", "" if rc == 0 else f"exit {rc}"))
        html_dir = tree / "_build" / "html"
    elif (ROOT / "_build" / "html").is_dir():
        html_dir, html_note = ROOT / "_build" / "html", "existing _build, not rebuilt"

    weights = page_weights(html_dir) if html_dir is not None and html_dir.is_dir() else []
    if weights:
        page, own, shared, gz = max(weights, key=lambda r: r[1])
        rows.append((f"heaviest page, own content ({page})", mb(own), mb(PAGE_BUDGET_BYTES),
                     verdict(own, PAGE_BUDGET_BYTES), f"HTML with its widget frames, and its images; {html_note}"
                     .rstrip("; ")))
        rows.append((f"  + shared libraries, cached ({page})", mb(shared), "-", "-",
                     "theme, MathJax, require.js, ipywidgets HTML manager: the same files on every page"))
        page, _, _, gz = max(weights, key=lambda r: r[3])
        rows.append((f"heaviest first visit, gzip ({page})", mb(gz), "-", "-",
                     "own content and shared libraries, as a compressing server sends them"))
    else:
        rows.append(("heaviest page", "-", mb(PAGE_BUDGET_BYTES), "-", "no built book to measure (make book)"))
    if not args.skip_long:
        shutil.rmtree(html_dir.parents[1], ignore_errors=True)    # the scratch copy the book was built in

    print("Course budgets" + (" (long parts skipped)" if args.skip_long else f"; make's output in {log}"))
    width = max(len(r[0]) for r in rows)
    print(f"  {'what':<{width}}  {'measured':>10}  {'budget':>8}  {'met':>6}  note")
    for what, measured, budget, met, note in rows:
        print(f"  {what:<{width}}  {measured:>10}  {budget:>8}  {met:>6}  {note}")
    return 0 if all(r[3] in ("yes", "-") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
