"""Execute one notebook with nbclient and print, as one line of JSON, how long it took and what went wrong.

    python scripts/run_notebook.py NOTEBOOK TIMEOUT      (run from the notebook's own folder)

Run as a child process by ``scripts/portability.py`` (under each OpenBLAS kernel) and by the Binder and Colab
simulations in ``tests/`` (in a fresh venv's python3 kernel): a notebook that kills its kernel cannot take the caller
down with it. ``error`` is null on success, else the tail of the failing cell's report.
"""

import json
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

path, timeout = sys.argv[1], int(sys.argv[2])
nb = nbformat.read(path, as_version=4)
start = time.perf_counter()
error = None
try:
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": "."}}).execute()
except CellExecutionError as exc:
    error = str(exc)[-3000:]
except Exception as exc:  # a timeout, a dead kernel
    error = f"{type(exc).__name__}: {str(exc)[-3000:]}"
print(json.dumps({"seconds": time.perf_counter() - start, "error": error}))
