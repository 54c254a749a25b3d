"""Repository-wide pytest configuration: applies to the unit tests and to the notebooks nbval collects."""

# nbval waits at most 5 s (hard-coded in nbval 0.11) between two output messages of a cell. Under `make test` the
# book build executes notebooks on the other core at the same time, and a busy machine can delay a cell's queued
# output (tqdm's progress-bar updates, figures) by any time: nbval would then stop the kernel and fail every
# remaining cell of the notebook, though the cell itself ran fine. None: wait for the output however long it takes
# (a slow machine is slower, not wrong). The cell's own limit is nbval's --nbval-cell-timeout (the Makefile's).
NBVAL_OUTPUT_TIMEOUT_S = None


def pytest_collection_modifyitems(items):
    for item in items:
        if hasattr(item, "output_timeout"):
            item.output_timeout = NBVAL_OUTPUT_TIMEOUT_S
