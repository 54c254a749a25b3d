"""Build-level checks of the book: clean build, no broken internal link, no external asset, light pages.

They read the files of ``_build/html`` (built by the ``built_book`` fixture, or reused while fresh); the browser
test (``test_browser.py``) checks what a reader's browser makes of them.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

MAX_PAGE_BYTES = 3_000_000          # a chapter's HTML plus its own images

# Attributes through which a page loads something (as opposed to links a reader may follow).
LOADS = {("script", "src"), ("img", "src"), ("source", "src"), ("iframe", "src"), ("video", "src"),
         ("audio", "src"), ("embed", "src"), ("object", "data"), ("input", "src")}
LOADING_LINK_RELS = {"stylesheet", "preload", "modulepreload", "icon", "shortcut", "manifest", "prefetch"}


class _Page(HTMLParser):
    """Collects a page's ids and the URLs it links to or loads."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []      # (tag.attr, url): everything to resolve
        self.loads: list[tuple[str, str]] = []      # what the browser fetches on its own

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for attr in ("href", "src", "data"):
            url = attrs.get(attr)
            if url is None:
                continue
            self.links.append((f"{tag}.{attr}", url))
            rels = set((attrs.get("rel") or "").lower().split())
            if (tag, attr) in LOADS or (tag == "link" and rels & LOADING_LINK_RELS):
                self.loads.append((f"{tag}.{attr}", url))

    handle_startendtag = handle_starttag


def _parse(path: Path, cache: dict) -> _Page:
    if path not in cache:
        parser = _Page()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        cache[path] = parser
    return cache[path]


def _html_files(html: Path) -> list[Path]:
    return sorted(p for p in html.rglob("*.html") if not p.relative_to(html).parts[0].startswith("_"))


def _is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc) or url.startswith("//")


def test_build_passed_warning_free(built_book):
    """The book built with -W -n (nitpicky: every cross-reference resolved) and logged no warning or error."""
    assert (built_book.root / "_build" / ".book-ok").is_file(), "no passing build stamp _build/.book-ok"
    if built_book.built_now:
        log = built_book.log.read_text(errors="replace")
        bad = [line for line in log.splitlines()
               if re.search(r"\b(WARNING|ERROR|CRITICAL)\b:", line) and "[IPKernelApp]" not in line]
        assert not bad, "the build logged:\n" + "\n".join(bad[:30])


def test_every_toc_page_was_built(built_book):
    missing = [p for p in built_book.pages if not built_book.page_file(p).is_file()]
    assert not missing, f"pages listed in _toc.yml but not built: {missing}"


def test_internal_links_and_anchors_resolve(built_book):
    """Every internal href/src of every built page points to an existing file, and every #anchor to an id there."""
    html = built_book.html.resolve()
    cache: dict = {}
    broken = []
    files = _html_files(html)
    assert len(files) >= len(built_book.pages)
    for page in files:
        for where, url in _parse(page, cache).links:
            if _is_external(url) or url.startswith(("mailto:", "javascript:", "data:", "tel:")):
                continue
            parts = urlsplit(url)
            path, fragment = unquote(parts.path), unquote(parts.fragment)
            target = (page.parent / path).resolve() if path else page
            if path.endswith("/") or target.is_dir():
                target = target / "index.html"
            rel = page.relative_to(html)
            if html != target and html not in target.parents:
                broken.append(f"{rel}: {where}={url!r} leaves the site")
            elif not target.is_file():
                broken.append(f"{rel}: {where}={url!r} -> missing {target.relative_to(html)}")
            elif fragment and target.suffix == ".html" and fragment not in _parse(target, cache).ids:
                broken.append(f"{rel}: {where}={url!r} -> no id {fragment!r} in {target.relative_to(html)}")
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(broken[:40])


def test_pages_load_nothing_from_other_hosts(built_book):
    """Offline reading: no script, stylesheet, image or frame of any page comes from another host."""
    cache: dict = {}
    external = [f"{page.relative_to(built_book.html)}: {where}={url}"
                for page in _html_files(built_book.html)
                for where, url in _parse(page, cache).loads if _is_external(url)]
    assert not external, "pages load from other hosts:\n" + "\n".join(external[:40])
    vendor = built_book.html / "_static" / "vendor"
    for asset in ("requirejs/require.js", "html-manager/embed-amd.js", "mathjax/tex-mml-chtml.js"):
        assert (vendor / asset).is_file(), f"_static/vendor/{asset} missing from the built site"


def _page_weight(html: Path, page: Path) -> tuple[int, int]:
    """(HTML bytes, bytes of the local images the page shows); data-URI images are inside the HTML already."""
    parser = _parse(page, {})
    images = set()
    for where, url in parser.loads:
        if where in ("img.src", "source.src") and not _is_external(url) and not url.startswith("data:"):
            target = (page.parent / unquote(urlsplit(url).path)).resolve()
            if target.is_file():
                images.add(target)
    return page.stat().st_size, sum(p.stat().st_size for p in images)


def test_page_weight(built_book):
    """Each page's HTML plus its own images stays under 3 MB (widget frames live inside the HTML)."""
    rows = []
    for doc in built_book.pages:
        html_bytes, image_bytes = _page_weight(built_book.html, built_book.page_file(doc))
        rows.append((html_bytes + image_bytes, html_bytes, image_bytes, doc))
    rows.sort(reverse=True)
    table = "\n".join(f"{total / 1e6:6.2f} MB  (html {h / 1e6:.2f}, images {i / 1e6:.2f})  {doc}"
                      for total, h, i, doc in rows)
    (built_book.root / "_build" / "page-weights.txt").write_text(table + "\n")
    print("page weights, heaviest first:\n" + table)
    heavy = [(total, doc) for total, _, _, doc in rows if total > MAX_PAGE_BYTES]
    assert not heavy, f"pages over {MAX_PAGE_BYTES / 1e6:.0f} MB: {heavy}\n{table}"


@pytest.mark.parametrize("url", ["https://example.org/x.js", "//cdn.example/x.js", "../_static/x.js", "#top"])
def test_is_external_classifies_urls(url):
    # the link checks above are only as good as this classification
    assert _is_external(url) == url.startswith(("https:", "//"))
