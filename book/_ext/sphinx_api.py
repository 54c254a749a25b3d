"""A small Sphinx extension for the book's API page (book/api.md), loaded from _config.yml's local_extensions.

* Module-level constants (documented with ``#:`` comments or docstrings, shown without their values) keep their
  docstrings as written: napoleon would read their first words up to a colon as a type. A ``|`` in such a
  docstring is literal text, not a reStructuredText substitution.
* ``:func:`lstm_utils.lstm_forward``` in a docstring names the function where the chapters use it, the package's
  top level; autodoc documents it in its module (``lstm_utils.lstm.lstm_forward``). Such a reference is resolved
  to the object's own module, so it links instead of failing the nitpicky build.
"""

from __future__ import annotations

import importlib

_DATA = ("data", "attribute")
_saved: dict[str, list[str]] = {}


def save_data_docstring(app, what, name, obj, options, lines):        # runs before napoleon
    if what in _DATA:
        _saved[name] = [line.replace("|", "\\|") for line in lines]


def restore_data_docstring(app, what, name, obj, options, lines):     # runs after napoleon
    if what in _DATA and name in _saved:
        lines[:] = _saved.pop(name)


def _defined_at(target: str) -> str | None:
    """``lstm_utils.x`` -> ``module.qualname`` where ``x`` is defined, or None."""
    module_name, _, attr = target.rpartition(".")
    if not module_name.startswith("lstm_utils"):
        return None
    try:
        obj = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError):
        return None
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not module or not qualname or f"{module}.{qualname}" == target:
        return None
    return f"{module}.{qualname}"


def resolve_reexports(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    target = _defined_at(node.get("reftarget", ""))
    if target is None:
        return None
    return env.get_domain("py").resolve_xref(env, node.get("refdoc"), app.builder, node["reftype"], target, node,
                                             contnode)


def setup(app):
    app.connect("autodoc-process-docstring", save_data_docstring, priority=100)
    app.connect("autodoc-process-docstring", restore_data_docstring, priority=900)
    app.connect("missing-reference", resolve_reexports)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
