"""Repository-wide pytest configuration: applies to the unit tests and to the notebooks nbval collects."""

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
    import pytest

    for item in items:
        if hasattr(item, "output_timeout"):
            item.output_timeout = NBVAL_OUTPUT_TIMEOUT_S
        item.add_marker(pytest.mark.xdist_group(_group(item)))


def _group(item) -> str:
    """Which tests `make test`'s two pytest workers (--dist loadgroup) must run in one process: a notebook's cells
    share its kernel, and a test file its module fixtures, so each is one group; but the browser test is a third of
    the run, so each of its pages is a group of its own and the pages spread over both workers once the book is
    built (behind a file lock, by whichever worker needs it first)."""
    path = item.nodeid.split("::")[0]
    spec = getattr(item, "callspec", None)
    if path.endswith("test_browser.py") and spec is not None and "docname" in spec.params:
        return f"{path}::{spec.params['docname']}"
    return path
