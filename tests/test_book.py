"""Build-level checks of the book: clean build, no broken internal link, no external asset, light pages.

They read the files of ``_build/html`` (built by the ``built_book`` fixture, or reused while fresh); the browser
test (``test_browser.py``) checks what a reader's browser makes of them.
"""

from __future__ import annotations

import io
import json
import math
import re
import tokenize
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
    """Whether loading ``url`` asks another host; a ``data:`` URI (an image inside the page) asks none."""
    parts = urlsplit(url)
    if parts.scheme == "data":
        return False
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
    for asset in ("requirejs/require.js", "html-manager/embed-amd.js", "mathjax/startup.js", "mathjax/core.js"):
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


# ---------------------------------------------------------------------------------------------------------------
# Every number a book page quotes is one its chapter asserts. These tests read the
# markdown and the notebooks only; they need no build.
# ---------------------------------------------------------------------------------------------------------------


ROOT = Path(__file__).resolve().parents[1]
NUMBER_PAGES = ["book/summary.md", "book/article.md", "book/index.md"]

_NB_LINK = re.compile(r"notebooks/(\d\d)_[\w-]+(?:\.ipynb)?")
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?(?:e-?\d+)?)(?![\w])(\s*\\?%)?")


def _notebook(number: str) -> Path:
    found = sorted((ROOT / "notebooks").glob(f"{number}_*.ipynb"))
    assert found, f"no notebook numbered {number}"
    return found[0]


def _labels() -> dict[str, str]:
    """MyST targets ``(label)=`` in the notebooks' markdown, mapped to the notebook's two-digit number."""
    out = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "markdown":
                for label in re.findall(r"^\(([\w-]+)\)=", "".join(cell["source"]), flags=re.M):
                    out[label] = path.name[:2]
    return out


def _python_numbers(source: str) -> list[float]:
    """Numeric literals of a code cell, and the numbers written inside its strings (``"59,200"``)."""
    values = []
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        tokens = []
    for tok in tokens:
        if tok.type == tokenize.NUMBER:
            try:
                values.append(float(tok.string.replace("_", "").rstrip("jJ")))
            except ValueError:
                pass
        elif tok.type == tokenize.STRING:
            values += [float(m.group(1).replace(",", "")) for m in _NUMBER.finditer(tok.string)]
    return values


_NUM = r"(-?\d[\d_]*(?:\.\d+)?(?:[eE][-+]?\d+)?)"
_CHAINED = re.compile(_NUM + r"\s*<=?\s*([^<>]*?[A-Za-z_\[\]()][^<>]*?)\s*<=?\s*" + _NUM)


def _bounds(line: str) -> list[tuple[float, float]]:
    """The (lower, upper) literal bounds of the chained comparisons ``a < expression < b`` on one line of code."""
    return [(float(m.group(1).replace("_", "")), float(m.group(3).replace("_", "")))
            for m in _CHAINED.finditer(line)]


def _chapter_numbers(number: str, cache: dict) -> dict:
    """For one chapter: the literals of its ``check`` cells, the bounds of their comparisons line by line (an
    assert ``a < x < b`` bounds a quantity), and the literals of all its code cells (the settings the checks run
    on)."""
    if number not in cache:
        nb = json.loads(_notebook(number).read_text())
        literals, bounds, settings = [], [], []
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            settings += [v for v in _python_numbers(source) if v == int(v)]
            if "check" in cell.get("metadata", {}).get("tags", []):
                literals += _python_numbers(source)
                bounds += [pair for line in source.splitlines() for pair in _bounds(line)]
        cache[number] = {"literals": literals, "bounds": bounds, "settings": set(settings)}
    return cache[number]


def _significant(value: float, like: str) -> float:
    """``value`` rounded to as many significant digits as the prose number ``like`` shows."""
    digits = re.sub(r"e.*$", "", like.replace(",", "")).lstrip("0.").replace(".", "")
    n = max(1, len(digits.rstrip("0")) if "." not in like else len(digits))
    if value == 0:
        return 0.0
    return round(value, n - 1 - int(math.floor(math.log10(abs(value)))))


def _prose_numbers(block: str) -> list[tuple[str, list[float]]]:
    """The numbers a block of markdown states, each with the values it may stand for (a percentage: x or x/100).

    Not numbers: link texts and targets, roles (citations, cross-references), inline code, chapter numbers
    ("chapter 5", "chapters 3 to 6"), years, subscripts and superscripts in maths (other than powers of ten)."""
    text = re.sub(r"\[[^\]]*\]\([^)]*\)", " ", block)                   # links
    text = re.sub(r"\{(?:cite|ref|doc|numref|eq)(?::\w+)?\}`[^`]*`", " ", text)
    text = re.sub(r"\{term\}`([^`<]*)(?:<[^`]*>)?`", r"\1", text)
    text = re.sub(r"``[^`]*``|`[^`]*`", " ", text)                        # inline code
    text = re.sub(r"\b[Cc]hapters?\s+\d+(?:\s*(?:,|-|to|and)\s*\d+)*", " ", text)
    text = re.sub(r"\b[Ss]ections?\s+\d+(?:\.\d+)*|§\s*\d+|equation\s+\d+|experiment\s+\d+\w?", " ", text)

    def maths(m):
        s = m.group(1)
        s = re.sub(r"(\d+(?:\.\d+)?)\s*\\times\s*10\^\{?(-?\d+)\}?", r" \1e\2 ", s)
        s = re.sub(r"(?<![\d.])10\^\{?(-?\d+)\}?", r" 1e\1 ", s)
        s = re.sub(r"[_^]\{[^{}]*\}|[_^]\\?\w", " ", s)                 # sub- and superscripts
        s = re.sub(r"\\[a-zA-Z]+", " ", s)
        return " " + s + " "

    text = re.sub(r"\$\$(.+?)\$\$|\$([^$]+)\$", lambda m: maths(re.match(r"(.*)", m.group(1) or m.group(2))),
                  text, flags=re.S)
    out = []
    for m in _NUMBER.finditer(text):
        raw, percent = m.group(1), m.group(2)
        if re.fullmatch(r"(19[89]\d|20[0-3]\d)", raw):                   # a year
            continue
        value = float(raw.replace(",", ""))
        out.append((raw + ("%" if percent else ""), [value, value / 100] if percent else [value]))
    return out


def _blocks(markdown: str) -> list[tuple[int, str]]:
    """(line number, text) of every paragraph, list item and table row outside code fences and headings."""
    blocks, current, start, fence = [], [], 0, None
    for n, line in enumerate(markdown.splitlines(), 1):
        stripped = line.strip()
        if fence or stripped.startswith(("```", "~~~")):
            if fence is None:
                fence = stripped[:3]
            elif stripped.startswith(fence) and stripped.strip(fence[0]) == "":
                fence = None
            continue
        new_item = stripped.startswith(("- ", "* ", "| ")) or re.match(r"\d+\. ", stripped)
        if not stripped or stripped.startswith("#") or new_item or re.fullmatch(r"\([\w-]+\)=", stripped):
            if current:
                blocks.append((start, " ".join(current)))
            current = []
            if not stripped or stripped.startswith("#") or re.fullmatch(r"\([\w-]+\)=", stripped):
                continue
        if not current:
            start = n
        current.append(stripped)
    if current:
        blocks.append((start, " ".join(current)))
    return blocks


def _cited_chapters(block: str, labels: dict) -> set[str]:
    chapters = set(_NB_LINK.findall(block))
    for label in re.findall(r"\{ref\}`(?:[^`<]*<)?([\w-]+)>?`", block):
        if label in labels:
            chapters.add(labels[label])
    return chapters


def _blocks_with_chapters(page: Path, labels: dict) -> list[tuple[int, str, set[str]]]:
    """Blocks with the chapters they cite; a list item that links none inherits those of the paragraph that
    introduces its list (the paragraph before the first item), and the table rows of the paragraph before them."""
    out, context = [], set()
    for line, block in _blocks(page.read_text(encoding="utf-8")):
        own = _cited_chapters(block, labels)
        is_item = block.startswith(("- ", "* ", "| ")) or re.match(r"\d+\. ", block)
        if not is_item:
            context = own
        out.append((line, block, own or (context if is_item else set())))
    return out


def _unasserted_numbers(page: Path) -> list[str]:
    labels, cache, problems = _labels(), {}, []
    for line, block, chapters in _blocks_with_chapters(page, labels):
        numbers = [(raw, c) for raw, c in _prose_numbers(block) if not all(v in (0.0, 1.0) for v in c)]
        if not numbers:
            continue
        if not chapters:
            problems.append(f"{page.name}:{line}: numbers {[raw for raw, _ in numbers]} but no chapter cited")
            continue
        merged = {"literals": [], "bounds": [], "settings": set()}
        for ch in sorted(chapters):
            data = _chapter_numbers(ch, cache)
            merged["literals"] += data["literals"]
            merged["bounds"] += data["bounds"]
            merged["settings"] |= data["settings"]
        for raw, candidates in numbers:
            if not _asserted(raw, candidates, merged):
                problems.append(f"{page.name}:{line}: {raw} is in no check cell of chapter(s) "
                                f"{', '.join(sorted(chapters))}")
    return problems


def _asserted(raw: str, candidates: list[float], chapter: dict) -> bool:
    """``raw`` (as written) matches a literal of a check cell to the digits it shows, equals a setting of the
    chapter's code exactly, or lies strictly between a lower and an upper bound of one line of a check cell."""
    like = raw.rstrip("%").replace(",", "")
    for value in candidates:
        if value in chapter["settings"]:
            return True
        # the value as the page shows it: "99 %" read as 0.99 shows two digits after the point
        decimals = len(like.split(".")[-1]) + 2 if "." in like else 2
        shown = like if math.isclose(value, float(like)) else f"{value:.{decimals}f}"
        if any(math.isclose(_significant(v, shown), value, rel_tol=1e-9) for v in chapter["literals"]):
            return True
        if any(lo < value < hi for lo, hi in chapter["bounds"]):
            return True
    return False


@pytest.mark.parametrize("page", NUMBER_PAGES)
def test_numbers_on_the_pages_are_asserted_in_their_chapters(page):
    """Every number a page states, in a paragraph, list item or table row that links a chapter, is a literal of one
    of that chapter's ``check`` cells (to the digits the page shows), lies between two literals of one line of a
    check cell (an assert ``a < x < b``), or is an integer setting of the chapter's code; a paragraph with numbers
    links the chapter that measured them. The match is per chapter, not per claim: a changed number that happens to
    equal another literal of the same chapter still passes. The claim-level check is the next test, on the asserts
    a page quotes."""
    path = ROOT / page
    if not path.is_file():
        pytest.skip(f"{page} does not exist yet")
    problems = _unasserted_numbers(path)
    assert not problems, f"{len(problems)} numbers not backed by a check cell:\n" + "\n".join(problems)


def test_number_extraction_on_examples():
    """The extractor behind the test above, on the forms the pages use."""
    got = dict(_prose_numbers(r"between $10^{-3}$ and $3 \times 10^{-3}$ of it, 96,000 sequences, 99 % of them, "
                              r"in 1997 ([chapter 5](../notebooks/05_cell_state.ipynb)), $\lambda_1 = 0.9$, "
                              r"`np.linalg.norm(W, 2)`, chapters 3 to 6, {cite:p}`pascanu2013`"))
    assert got == {"1e-3": [1e-3], "3e-3": [3e-3], "96,000": [96000.0], "99%": [99.0, 0.99], "0.9": [0.9]}, got
    chapter = {"literals": [1e-3, 3e-3, 0.731, 140, 145], "bounds": [(1e-3, 3e-3), (140, 145)],
               "settings": {50.0}}
    assert _asserted("0.73", [0.73], chapter) and _asserted("2e-3", [2e-3], chapter)
    assert _asserted("142", [142.0], chapter) and _asserted("50", [50.0], chapter)
    assert not _asserted("0.8", [0.8], chapter) and not _asserted("51", [51.0], chapter)
    assert _bounds("assert 1e-3 < x[T - 50] < 3e-3 and 21 < f(1e-3) < 23") == [(1e-3, 3e-3), (21, 23)]
    assert _bounds("assert a.max() < 0.1 < 0.9 < b.min()") == []
    assert _cited_chapters("see [chapter 5](../notebooks/05_cell_state.ipynb)", {}) == {"05"}


def _check_sources(number: str, cache: dict) -> list[str]:
    """The sources of a chapter's ``check`` cells, without whitespace (so a quote may wrap where the code does)."""
    key = ("sources", number)
    if key not in cache:
        nb = json.loads(_notebook(number).read_text())
        cache[key] = [re.sub(r"\s+", "", "".join(c["source"])) for c in nb["cells"]
                      if c["cell_type"] == "code" and "check" in c.get("metadata", {}).get("tags", [])]
    return cache[key]


def _unfound_asserts(page: Path) -> list[str]:
    """Asserts a page quotes as inline code (`` `assert ...` `` or `` `assert_allclose(...` ``) that are in no check
    cell of a chapter the same paragraph links."""
    labels, cache, problems = _labels(), {}, []
    for line, block, chapters in _blocks_with_chapters(page, labels):
        quotes = re.findall(r"`(assert(?:_\w+)?\b[^`]*)`", block)
        if not quotes:
            continue
        sources = [s for ch in sorted(chapters) for s in _check_sources(ch, cache)]
        for quote in quotes:
            fragment = re.sub(r"\s+", "", re.sub(r"^assert\s+", "", quote))
            if not any(fragment in s for s in sources):
                problems.append(f"{page.name}:{line}: `{quote}` is in no check cell of chapter(s) "
                                f"{', '.join(sorted(chapters)) or '(none linked)'}")
    return problems


@pytest.mark.parametrize("page", NUMBER_PAGES)
def test_quoted_asserts_are_in_their_chapters(page):
    """A page that names the assert behind a verdict (the article page does for every one) quotes it as it stands
    in a check cell of the chapter the paragraph links, so that a changed or removed check is noticed here."""
    path = ROOT / page
    if not path.is_file():
        pytest.skip(f"{page} does not exist yet")
    problems = _unfound_asserts(path)
    assert not problems, f"{len(problems)} quoted asserts not found:\n" + "\n".join(problems)
