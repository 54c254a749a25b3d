"""Shared pytest fixtures."""

import pytest


@pytest.fixture(scope="session")
def built_book():
    """The built book (``_build/html``): built once per test session (per xdist worker, behind a file lock) with
    ``jupyter-book build . -W -n --keep-going``, or reused while it is newer than every source file."""
    from browser_support import BuildFailed, ensure_book

    try:
        return ensure_book()
    except BuildFailed as exc:
        message = str(exc)
    pytest.fail(message, pytrace=False)
