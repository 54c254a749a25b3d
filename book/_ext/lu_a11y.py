"""A small Sphinx extension for the book's accessibility (WCAG 2 A/AA, checked by tests/test_browser.py), loaded
by ``_config.yml``::

    sphinx:
      local_extensions:
        lu_a11y: book/_ext

* adds ``book/_static/lu-a11y.css`` to every page: link colours with a contrast of at least 4.5:1 on the light
  backgrounds of admonitions and exercises, the kernel-free explorers' layout at phone width, code blocks that
  scroll inside their own box;
* rewrites docutils' citation list (the references page), whose entries carry the deprecated ARIA role
  ``doc-biblioentry`` inside a ``role="list"`` that then has no ``listitem`` children (axe-core:
  aria-deprecated-role, aria-required-children): each entry becomes a ``listitem``;
* drops the ``aria-label`` of myst-nb's folded-cell toggles, whose visible text it contradicts;
* keeps the pages light and their console clean (issue 22): the text renders before any widget code loads, a page
  without an explorer loads no widget runtime, the thebe configuration is declared once, the theme's default mode is
  a valid one ("auto"), and MathJax is configured by ``book/_static/lu-page.js`` (see :func:`_page_assets`).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sphinx.builders.html._assets import _JavaScript

_BIBLIOENTRY = re.compile(r'(<div class="citation"[^>]*?) role="doc-biblioentry"')
# myst-nb's folded cells: <summary aria-label="Toggle hidden content"> whose visible text is "Show code cell
# source": an accessible name that does not contain the visible label (WCAG 2.1 2.5.3, axe:
# label-content-name-mismatch). Without the aria-label the name is the visible text.
_SUMMARY_LABEL = '<summary aria-label="Toggle hidden content">'


def _fix_roles(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if not body:
        return
    if "doc-biblioentry" in body:
        body = _BIBLIOENTRY.sub(r'\1 role="listitem"', body)
    context["body"] = body.replace(_SUMMARY_LABEL, "<summary>")


# myst-nb's widget assets, as _config.yml's nb_ipywidgets_js names them: the widget-state JSON (a <script> of this
# type, added to <head>) and the runtime (widgets-offline.js, require.js, the 3.7 MB ipywidgets HTML manager).
_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_WIDGET_VIEW = re.compile(r'<script type="application/vnd\.jupyter\.widget-view\+json">.*?</script>', re.S)
_RUNTIME = ("vendor/requirejs/require.js", "vendor/html-manager/embed-amd.js")
_LOADER = "widgets-offline.js"


def _filename(js) -> str:
    return str(getattr(js, "filename", js) or "")


def _page_assets(app, pagename, templatename, context, doctree):
    """The page's scripts, after myst-nb and Sphinx have added theirs (this handler runs last).

    * sphinx-thebe's inline configuration (``const THEBE_JS_URL = ...``) reaches ``<head>`` twice, and the second
      copy throws "Identifier 'THEBE_JS_URL' has already been declared" on every page: keep the first.
    * Widgets. myst-nb puts the widget state (every frame of every explorer, 0.3-0.7 MB) and the runtime in
      ``<head>``, synchronously, so the page stays blank until 4 MB have arrived. Here the state moves to the end
      of ``<body>`` (the HTML manager reads it from anywhere in the document) and the runtime is not put in the
      page at all: ``widgets-offline.js``, deferred, loads it when an explorer comes near the screen, so the text
      and the static figure show first. A page whose widgets include no explorer (chapter 08's two frozen tqdm
      progress bars, saved with its outputs) gets neither state nor runtime nor views.
    * ``default_mode``: pydata-sphinx-theme logs "Got invalid theme mode" when it is empty; "auto" follows the
      reader's system setting, as the empty value ended up doing.
    """
    if not context.get("default_mode"):
        context["default_mode"] = "auto"
    scripts = context.get("script_files")
    if scripts is None:
        return
    kept, bodies, state = [], set(), None
    for js in scripts:
        attrs = getattr(js, "attributes", {}) or {}
        body = attrs.get("body")
        if body and "THEBE_JS_URL" in body:
            if body in bodies:
                continue
            bodies.add(body)
        if attrs.get("type") == _WIDGET_STATE:
            state = body
            continue
        if _filename(js).endswith(_RUNTIME):
            continue
        kept.append(js)
    if state is not None:
        explorers = "lu-explorer" in state
        kept = [js for js in kept if not _filename(js).endswith(_LOADER)]
        if explorers:                 # the loader, deferred: it runs after the document is parsed
            kept.append(_JavaScript(f"_static/{_LOADER}", priority=900, defer="defer"))
        body = context.get("body") or ""
        if explorers:
            context["body"] = body + f'\n<script type="{_WIDGET_STATE}">{state}</script>\n'
        else:
            context["body"] = _WIDGET_VIEW.sub("", body)
    scripts[:] = kept


def _replace_icon_script(app, exception):
    """pydata-sphinx-theme's ``scripts/fontawesome.js`` (1.5 MB, on every page) gives way to the book's stub,
    ``book/_static/scripts/fontawesome.js``: the theme's stylesheet draws the same icons from its web fonts. Sphinx
    copies the theme's static files over html_static_path's, so the stub is put in place once the build is done."""
    if exception is not None or app.builder.format != "html":
        return
    stub = Path(app.srcdir) / "book" / "_static" / "scripts" / "fontawesome.js"
    target = Path(app.outdir) / "_static" / "scripts" / "fontawesome.js"
    if stub.is_file() and target.is_file():
        shutil.copyfile(stub, target)


def setup(app):
    app.add_css_file("lu-a11y.css")
    app.add_js_file("lu-page.js", priority=450, defer="defer")
    app.connect("html-page-context", _fix_roles)
    app.connect("html-page-context", _page_assets, priority=900)
    app.connect("build-finished", _replace_icon_script, priority=900)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
