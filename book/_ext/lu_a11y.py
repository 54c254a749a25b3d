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
* drops the ``aria-label`` of myst-nb's folded-cell toggles, whose visible text it contradicts.
"""

from __future__ import annotations

import re

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


def setup(app):
    app.add_css_file("lu-a11y.css")
    app.connect("html-page-context", _fix_roles)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
