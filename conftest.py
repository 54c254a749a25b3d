"""Repository-wide pytest configuration: applies to the unit tests and to the notebooks nbval collects."""

from pathlib import Path
from queue import Empty

# nbval waits at most 5 s (hard-coded in nbval 0.11) between two output messages of a cell. Under `make test` the
# book build executes notebooks on the other core at the same time, and a busy machine can delay a cell's queued
# output (tqdm's progress-bar updates, figures) by any time: nbval would then stop the kernel and fail every
# remaining cell of the notebook, though the cell itself ran fine. None: wait for the output however long it takes
# (a slow machine is slower, not wrong). The cell's own limit is nbval's --nbval-cell-timeout (the Makefile's).
NBVAL_OUTPUT_TIMEOUT_S = None

# nbval 0.11 also gives a starting kernel fixed limits: 60 s to answer (--nbval-kernel-startup-timeout) and 30 s for
# its output channel to come up (10 s per reply). A kernel that starts while the machine is busy can take longer and
# is not broken. Here a starting kernel is waited for as long as it is alive; one that dies fails the notebook at
# once. The one limit left is --nbval-cell-timeout (2,000 s per cell, about 30 times the slowest cell on a quiet
# machine): a guard against a cell that never returns, not a budget.
POLL_S = 5      # how often a waiting test looks whether the kernel still lives; not a limit


def _ensure_iopub_up(self):
    """nbval's RunningKernel._ensure_iopub_up without its time limits: ask for kernel_info until the reply's idle
    status arrives on IOPub (proof that IOPub is connected), for as long as the kernel process lives."""
    while True:
        msg_id = self.kc.kernel_info()
        while True:
            try:
                self.await_reply(msg_id, timeout=POLL_S)
                break
            except Empty:
                _alive_or_fail(self)
        try:
            self.await_idle(msg_id, POLL_S)
            return
        except Empty:
            _alive_or_fail(self)


def _alive_or_fail(kernel):
    if not kernel.km.is_alive():
        raise RuntimeError("The notebook's kernel died while starting (see the kernel's log above).")


def pytest_configure(config):
    if not config.pluginmanager.hasplugin("nbval"):
        return
    from nbval.kernel import RunningKernel

    RunningKernel._ensure_iopub_up = _ensure_iopub_up
    # jupyter_client's wait_for_ready with no timeout waits while the kernel lives and raises when it dies.
    config.option.nbval_kernel_startup_timeout = None


def pytest_collection_modifyitems(items):
    for item in items:
        if hasattr(item, "output_timeout"):
            item.output_timeout = NBVAL_OUTPUT_TIMEOUT_S


def pytest_xdist_make_scheduler(config, log):
    """`make test`'s two workers take tests a file at a time (--dist loadfile: a notebook's cells share its kernel,
    a test file its module fixtures), except the browser test, whose pages are taken one at a time so that both
    workers share them once the book is built (behind a file lock, by whichever worker needs it first). The units go
    out in :func:`run_order`: the book's build first, on one worker, while the other runs the notebooks. Other
    --dist modes keep pytest-xdist's own scheduler."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FileOrBrowserPage(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return scope_of(nodeid)

        def _assign_work_unit(self, node):
            # Sorted again for every unit: the pages' sizes are known once the book is built.
            html = config.rootpath / "_build" / "html"
            units = sorted(self.workqueue.items(), key=lambda unit: run_order(unit[0], len(unit[1]), html))
            self.workqueue.clear()
            self.workqueue.update(units)
            super()._assign_work_unit(node)

    return FileOrBrowserPage(config, log)


def scope_of(nodeid: str) -> str:
    """The unit of work a test belongs to: its file, or for the browser test's page-parametrised tests, the page."""
    path, _, rest = nodeid.partition("::")
    if path.endswith("test_browser.py") and rest.endswith("]") and "[" in rest:
        return f"{path}::{rest[rest.index('[') + 1:-1]}"
    return path


# The test file whose first test, test_build_passed_warning_free, builds the book (the built_book fixture) when
# _build/html is not a passing build of today's sources: the first unit out, so that the build, the longest thing
# `make test` does and a single process, starts at once on one worker while the other runs the notebooks.
BOOK_BUILDER = "tests/test_book.py"


def run_order(scope: str, n_tests: int, html: Path | None = None) -> tuple[int, int, int]:
    """The order in which the units of work go out (the smallest first): the book's build; the notebooks under
    nbval, the longest units, the most cells first; the other test files, the most tests first; last, the browser
    test, which needs the built book, so that no worker waits for the build while other work is left. The browser
    test's pages go out the heaviest first (the size of the page's HTML in ``html``, the built book, once there is
    one: the pages with many figures and the API page take longest), so that the light ones fill the end. Within a
    rank, more tests first."""
    path, _, page = scope.partition("::")
    size = 0
    if scope == BOOK_BUILDER:
        rank = 0
    elif scope.startswith("notebooks/"):
        rank = 1
    elif path.endswith("test_browser.py"):
        rank = 3
        if page and html is not None:
            try:
                size = (html / f"{page}.html").stat().st_size
            except OSError:
                pass
    else:
        rank = 2
    return rank, -size, -n_tests
