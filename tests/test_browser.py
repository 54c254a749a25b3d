"""The book in a real browser: every page loads offline, its images and equations render, and the sliders work.

The ``built_book`` fixture builds the book (or reuses a fresh ``_build/html``); a thread serves it on 127.0.0.1;
Debian's Chromium, driven by playwright (never ``playwright install``), opens every page listed in ``_toc.yml``.
Every request to a host other than 127.0.0.1 is aborted and recorded, and fails the test: the site must serve
require.js, the ipywidgets HTML manager and MathJax itself (see ``scripts/fetch_web_assets.py``).

Per page: it loads (HTTP 200, no failed local request); no JavaScript error and no error in the console (issue 22: a
clean console); a page without explorers requests no widget runtime, and one with explorers only once an explorer
nears the screen; every ``<img>`` has loaded and has alt text; headings start at one H1 and never skip a level;
MathJax typeset every ``.math`` element (no raw TeX, no MathJax error); every saved widget view rendered. A full-
page screenshot goes to ``_build/screenshots/<page>.png`` (and ``<page>-dark.png`` in the theme's dark mode). On
every page with kernel-free explorers (``.lu-explorer``, see ``lstm_utils/figures/widgets.py``): moving each slider
with the keyboard shows the frame ``lu-frame-<i>`` (or ``lu-frame-<i>-<j>``) of the new position, a different
picture from the one before. axe-core finds no WCAG 2 A or AA violation. Nothing is cut off: display maths, code
and outputs fit the column at 1280 px, and at 390 px scroll sideways in a box of their own with a visible cue.

One test per page, ``test_page``, makes all these checks on two loads: one at 1280 px (everything but the phone's
layout) and one at 390 px (the layout a phone gets, which a page decides when it loads).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import time
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from book_cache import LOCK, SCREENSHOTS, StaticServer, find_chromium, toc_pages

pytestmark = pytest.mark.browser

CHROMIUM = find_chromium()   # $CHROMIUM, else chromium / chromium-browser / google-chrome on PATH
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]
VIEWPORT = {"width": 1280, "height": 900}
# No wait is bounded by time: every wait is for an event or a condition that a correct page reaches (the load
# event, the widgets rendered, MathJax's promise, a frame shown), however slow the machine. A page that never gets
# there hangs the test until CI's job limit; a busy machine only makes it slower. (playwright: 0 = no time limit)
TIMEOUT_MS = 0

# Every page error and every console error fails the test. The three the toolchain used to raise on every page are
# fixed in book/_ext/lu_a11y.py and _config.yml: sphinx-thebe's config script emitted twice ("Identifier
# 'THEBE_JS_URL' has already been declared"), an empty default theme mode ("Got invalid theme mode"), and the
# missing favicon (a 404 for /favicon.ico).
# The widget runtime (require.js, the ipywidgets HTML manager), which widgets-offline.js loads on demand.
WIDGET_RUNTIME = re.compile(r"/vendor/(requirejs/require|html-manager/embed-amd)\.js")

PAGES = toc_pages()


@pytest.fixture(scope="module")
def server(built_book):
    with StaticServer(built_book.html) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    from playwright import sync_api  # a dependency in requirements.txt: missing means a broken install, not a skip
    if CHROMIUM is None:
        pytest.fail("no Chromium found: set $CHROMIUM or put chromium on PATH (`make chromium` installs Debian's)",
                    pytrace=False)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module", autouse=True)
def _fresh_screenshots(built_book):
    # Once per test run, not once per worker: both of `make test`'s workers take pages of this file, and the second
    # to arrive must not delete the first one's screenshots. pytest-xdist gives every worker of a run the same id.
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))
    mark = SCREENSHOTS / ".run"
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not mark.exists() or mark.read_text() != run:
            shutil.rmtree(SCREENSHOTS, ignore_errors=True)
            SCREENSHOTS.mkdir(parents=True)
            mark.write_text(run)


class Visit:
    """One page opened in a fresh browser context, with everything that went wrong recorded."""

    def __init__(self, browser, server, docname, viewport=None):
        self.server, self.docname = server, docname
        self.external: list[str] = []          # requests to other hosts (aborted)
        self.failed: list[str] = []            # local requests that failed or answered >= 400
        self.page_errors: list[str] = []       # uncaught JavaScript exceptions
        self.console_errors: list[str] = []
        self.problems: list[str] = []          # what did not finish loading
        self.requests: list[str] = []          # every URL requested, in order
        self.runtime_before_scroll = False     # the widget runtime was requested before an explorer neared the screen
        self.context = browser.new_context(viewport=viewport or VIEWPORT, service_workers="block")
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        self.page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        self.page.on("requestfailed", lambda req: self._local(req.url) and self.failed.append(
            f"{req.url} ({req.failure})"))
        self.page.on("response", lambda resp: resp.status >= 400 and self.failed.append(
            f"{resp.url} (HTTP {resp.status})"))

    def _local(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("data", "blob", "about") or (
            parts.hostname == self.server.host and parts.port == self.server.port)

    def _route(self, route):
        url = route.request.url
        self.requests.append(url)
        if self._local(url):
            route.continue_()
        else:
            self.external.append(url)
            route.abort("blockedbyclient")

    def close(self):
        self.context.close()

    def open(self):
        url = f"{self.server.origin}/{self.docname}.html"
        response = self.page.goto(url, wait_until="load")       # every resource of the page loaded
        assert response is not None and response.status == 200, f"{url}: HTTP {response and response.status}"
        # The widget runtime loads when an explorer comes near the screen (widgets-offline.js): note whether it
        # came before that, then bring every explorer to the screen in turn, and back to the top.
        self.runtime_before_scroll = any(WIDGET_RUNTIME.search(u) for u in self.requests) and not \
            self.page.evaluate(_VIEW_NEAR_TOP)
        self.page.evaluate(_SCROLL_TO_VIEWS)
        # Widgets: html-manager renders each saved view into the div.widget-subarea it inserts before the view's
        # <script>. MathJax: startup.promise resolves once the page is typeset. Fonts and images last.
        for what, wait in [
                ("widgets did not render", lambda: self.page.wait_for_function(_WIDGETS_RENDERED)),
                ("MathJax did not finish", lambda: self.page.evaluate(_MATHJAX_DONE)),
                ("images did not settle", lambda: self.page.evaluate(_IMAGES_SETTLED))]:
            try:
                wait()
            except Exception as exc:          # playwright's TimeoutError or a rejected promise: report, go on
                self.problems.append(f"{what}: {str(exc).splitlines()[0]}")


# Is a widget view within two screens of the top (where the runtime rightly loads at once)?
_VIEW_NEAR_TOP = r"""() => Array.from(document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]')).some(s => {
        const box = (s.closest('.cell_output') || s.parentElement).getBoundingClientRect();
        return box.top < 2 * window.innerHeight; })"""

_SCROLL_TO_VIEWS = r"""async () => {
    for (const s of document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')) {
        (s.closest('.cell_output') || s.parentElement).scrollIntoView({ block: 'center' });
        await new Promise(r => setTimeout(r, 100));
    }
    window.scrollTo(0, 0); }"""

# Explorers whose static figure (the default frame, lu.explorer) is still shown beside the rendered explorer.
_STATIC_SHOWN = r"""() => Array.from(document.querySelectorAll('img.lu-static-figure')).filter(img =>
    img.checkVisibility() && img.closest('.cell_output') &&
    img.closest('.cell_output').querySelector('.lu-explorer')).length"""

_WIDGETS_RENDERED = r"""() => Array.from(document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]')).every(s => {
        const prev = s.previousElementSibling;
        return prev && prev.classList.contains('widget-subarea') && prev.children.length > 0; })"""

_MATHJAX_DONE = r"""async () => {
    if (!document.querySelector('.math')) return 'no math';
    // after the load event every script has run: MathJax is there, or it never will be
    if (!window.MathJax) return 'MathJax did not load';
    while (!(MathJax.startup && MathJax.startup.promise)) await new Promise(r => requestAnimationFrame(r));
    await MathJax.startup.promise;
    await document.fonts.ready;
    return 'typeset'; }"""

_IMAGES_SETTLED = r"""async () => {
    const imgs = Array.from(document.images);
    imgs.forEach(img => { if (img.loading === 'lazy') img.loading = 'eager'; });
    await Promise.all(imgs.map(img => img.decode().catch(() => null)));
    await document.fonts.ready; }"""

_IMAGES = r"""() => Array.from(document.images).map(img => ({
    src: img.currentSrc.startsWith('data:') ? img.currentSrc.slice(0, 40) + '...' : img.currentSrc,
    alt: (img.getAttribute('alt') || '').trim(), loaded: img.complete && img.naturalWidth > 0 }))"""

_HEADINGS = r"""() => {
    const article = document.querySelector('article.bd-article') || document.querySelector('main');
    return Array.from(article.querySelectorAll('h1, h2, h3, h4, h5, h6')).map(h => [
        Number(h.tagName[1]), h.textContent.replace(/[#¶]\s*$/, '').trim().slice(0, 60)]); }"""

# Raw TeX left in the article's text (code and the typeset math itself excluded), unrendered .math elements and
# MathJax errors (an unknown macro renders as a red mjx-merror).
_MATH = r"""() => {
    const article = document.querySelector('article.bd-article') || document.querySelector('main');
    const maths = Array.from(article.querySelectorAll('.math'));
    const clone = article.cloneNode(true);
    clone.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight').forEach(e => e.remove());
    const text = clone.textContent;
    const raw = [];
    // $$, \( \) \[ \], or any \command (prose has no backslashes outside code and math)
    for (const m of text.matchAll(/\$\$|\\[()\[\]]|\\[a-zA-Z]{2,}/g)) {
        raw.push(text.slice(Math.max(0, m.index - 40), m.index + 40).replace(/\s+/g, ' '));
        if (raw.length >= 5) break;
    }
    return { n_math: maths.length,
             untypeset: maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 60)),
             containers: article.querySelectorAll('mjx-container').length,
             errors: Array.from(document.querySelectorAll('mjx-merror')).map(e => e.textContent.slice(0, 60)),
             raw }; }"""

# Which saved widget views are explorers: from the widget state embedded in the page, so an explorer that failed to
# render is still counted.
_EXPECTED_EXPLORERS = r"""() => {
    const models = {};
    document.querySelectorAll('script[type="application/vnd.jupyter.widget-state+json"]').forEach(s =>
        Object.assign(models, JSON.parse(s.textContent).state));
    return Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]'))
        .map(s => JSON.parse(s.textContent).model_id)
        .filter(id => models[id] && (models[id].state._dom_classes || []).includes('lu-explorer')).length; }"""

# The state of one explorer as a reader sees it: each slider's position (noUiSlider's aria values on the handle)
# and readout, and which frames are visible, with a digest of the visible picture.
_EXPLORER_STATE = r"""(ex) => {
    const sliders = Array.from(ex.querySelectorAll('.lu-slider')).map(s => {
        const h = s.querySelector('.noUi-handle');
        const box = s.getBoundingClientRect();
        return { classes: s.className, visible: s.checkVisibility() && box.width > 0 && box.height > 0,
                 handle: !!h, now: h ? Number(h.getAttribute('aria-valuenow')) : null,
                 min: h ? Number(h.getAttribute('aria-valuemin')) : null,
                 max: h ? Number(h.getAttribute('aria-valuemax')) : null,
                 readout: (s.querySelector('.widget-readout') || {}).textContent || '' }; });
    const frames = Array.from(ex.querySelectorAll('.lu-frame-box')).filter(f => f.checkVisibility()).map(f => {
        const img = f.querySelector('img.lu-frame');
        const cls = Array.from(f.classList).find(c => /^lu-frame-\d+(-\d+)?$/.test(c)) || null;
        return { cls, src: img ? img.currentSrc : '', alt: img ? img.getAttribute('alt') : null,
                 loaded: !!img && img.complete && img.naturalWidth > 0,
                 height: img ? img.getBoundingClientRect().height : 0 }; });
    return { sliders, frames }; }"""


def _expected_frame(state) -> str:
    idx = [round(s["now"] - s["min"]) for s in state["sliders"]]
    return "lu-frame-" + "-".join(map(str, idx))


def _describe(state) -> str:
    return (f"sliders at {[s['readout'] for s in state['sliders']]} "
            f"(positions {[s['now'] for s in state['sliders']]}), visible frames {[f['cls'] for f in state['frames']]}")


def _check_explorer_frame(state, where, problems) -> bool:
    frames = state["frames"]
    if len(frames) != 1:
        problems.append(f"{where}: {len(frames)} visible frames, expected 1: {_describe(state)}")
        return False
    frame = frames[0]
    if frame["cls"] != _expected_frame(state):
        problems.append(f"{where}: visible frame {frame['cls']}, expected {_expected_frame(state)}: "
                        f"{_describe(state)}")
        return False
    if not frame["loaded"] or frame["height"] <= 0 or not (frame["alt"] or "").strip():
        problems.append(f"{where}: frame {frame['cls']} not shown (loaded={frame['loaded']}, "
                        f"height={frame['height']}, alt={frame['alt']!r})")
        return False
    return True


def _move(visit, explorer, k, key):
    """Press ``key`` on slider k's handle (every key the test presses moves it); wait until the visible frame
    changes and return the state."""
    before = explorer.evaluate(_EXPLORER_STATE)
    explorer.locator(f".lu-slider-{k} .noUi-handle").press(key)
    try:
        visit.page.wait_for_function(
            """([ex, cls]) => Array.from(ex.querySelectorAll('.lu-frame-box'))
                   .some(f => f.checkVisibility() && !f.classList.contains(cls))""",
            arg=[explorer.element_handle(), before["frames"][0]["cls"]])
    except Exception:      # reported below from the state, with the details
        pass
    return before, explorer.evaluate(_EXPLORER_STATE)


def check_explorers(visit) -> tuple[int, list[str]]:
    """Drive every explorer of the page with the keyboard; return (number of explorers, problems)."""
    problems = []
    expected = visit.page.evaluate(_EXPECTED_EXPLORERS)
    explorers = visit.page.locator(".lu-explorer")
    if explorers.count() != expected:
        problems.append(f"{expected} explorers saved in the page, {explorers.count()} rendered")
    for e in range(explorers.count()):
        explorer = explorers.nth(e)
        explorer.scroll_into_view_if_needed()
        state = explorer.evaluate(_EXPLORER_STATE)
        n = len(state["sliders"])
        if n not in (1, 2) or not all(s["visible"] and s["handle"] for s in state["sliders"]):
            problems.append(f"explorer {e}: sliders missing or not rendered: {state['sliders']}")
            continue
        if not _check_explorer_frame(state, f"explorer {e} at load", problems):
            continue
        for k in range(n):
            s = state["sliders"][k]
            # one step (right, or left from the last position), then a jump to the far end (End, or Home)
            step = "ArrowRight" if s["now"] < s["max"] else "ArrowLeft"
            for key in (step, None):
                if key is None:
                    key = "End" if state["sliders"][k]["now"] < s["max"] else "Home"
                before, state = _move(visit, explorer, k, key)
                where = f"explorer {e}, slider {k}, {key}"
                want = {"ArrowRight": before["sliders"][k]["now"] + 1, "ArrowLeft": before["sliders"][k]["now"] - 1,
                        "End": s["max"], "Home": s["min"]}[key]
                if state["sliders"][k]["now"] != want:
                    problems.append(f"{where}: slider moved to {state['sliders'][k]['now']}, expected {want}")
                    break
                if not _check_explorer_frame(state, where, problems):
                    break
                if state["frames"][0]["src"] == before["frames"][0]["src"]:
                    problems.append(f"{where}: frame {state['frames'][0]['cls']} shows the same picture as "
                                    f"{before['frames'][0]['cls']}")
        problems += [f"explorer {e}: {p}" for p in check_slider_access(visit, explorer)]
    return explorers.count(), problems


_HANDLE_NAMES = r"""(ex) => Array.from(ex.querySelectorAll('.lu-slider')).map(s => {
    const h = s.querySelector('.noUi-handle'), l = s.querySelector('.widget-label');
    return { name: h && h.getAttribute('aria-label'), label: l ? l.textContent.replace(/\s+/g, ' ').trim() : null,
             valuetext: h && h.getAttribute('aria-valuetext'),
             readout: (s.querySelector('.widget-readout') || {}).textContent || '' }; })"""


def check_slider_access(visit, explorer) -> list[str]:
    """Each slider's handle is named by the slider's description (aria-label; widgets-offline.js), and a click on
    the track gives the handle the keyboard focus, so that the arrow keys work next."""
    problems = []
    for k, s in enumerate(explorer.evaluate(_HANDLE_NAMES)):
        if not s["name"] or s["name"] == "null" or s["name"] != s["label"]:
            problems.append(f"slider {k}: handle named {s['name']!r}, expected its description {s['label']!r}")
        track = explorer.locator(f".lu-slider-{k} .noUi-base")
        box = track.bounding_box()
        if box is None:
            problems.append(f"slider {k}: no track to click")
            continue
        visit.page.mouse.click(box["x"] + 0.25 * box["width"], box["y"] + box["height"] / 2)
        try:
            visit.page.wait_for_function("(h) => document.activeElement === h", arg=explorer.locator(
                f".lu-slider-{k} .noUi-handle").element_handle())
        except Exception:      # reported just below
            problems.append(f"slider {k}: a click on the track left the focus on "
                            f"{visit.page.evaluate('() => document.activeElement.className')!r}, not the handle")
    return problems


def _screenshot_name(docname: str) -> str:
    stems = [Path(p).name for p in PAGES]
    name = Path(docname).name
    return name if stems.count(name) == 1 else docname.replace("/", "-")


def page_problems(visit, docname) -> list[str]:
    """What a reader sees on the loaded page at 1280 px: images (loaded, with alt text), headings (one H1, no level
    skipped), equations (all typeset, no raw TeX, no MathJax error), the screenshots (light and dark), the explorers
    driven with the keyboard and mouse, and when the widget runtime loaded."""
    page = visit.page
    problems = []
    images = page.evaluate(_IMAGES)
    problems += [f"image not loaded: {i['src']}" for i in images if not i["loaded"]]
    problems += [f"image without alt text: {i['src']}" for i in images if not i["alt"]]

    headings = page.evaluate(_HEADINGS)
    levels = [h[0] for h in headings]
    if levels.count(1) != 1 or (levels and levels[0] != 1):
        problems.append(f"expected exactly one H1, first: headings {headings}")
    for (prev, _), (level, text) in pairwise(headings):
        if level > prev + 1:
            problems.append(f"heading level skipped: h{prev} -> h{level} {text!r}")

    math = page.evaluate(_MATH)
    problems += [f"math not typeset: {m!r}" for m in math["untypeset"]]
    problems += [f"raw TeX in the text: ...{r}..." for r in math["raw"]]
    problems += [f"MathJax error: {m!r}" for m in math["errors"]]
    if math["n_math"] and math["containers"] < math["n_math"]:
        problems.append(f"{math['n_math']} math elements but {math['containers']} MathJax containers")

    shot = _screenshot_name(docname)
    page.screenshot(path=str(SCREENSHOTS / f"{shot}.png"), full_page=True)
    page.emulate_media(color_scheme="dark")
    page.evaluate("() => document.documentElement.dataset.theme = 'dark'")   # the theme's dark mode
    page.screenshot(path=str(SCREENSHOTS / f"{shot}-dark.png"), full_page=True)
    page.emulate_media(color_scheme="light")
    page.evaluate("() => document.documentElement.dataset.theme = 'light'")

    n_explorers, explorer_problems = check_explorers(visit)
    problems += explorer_problems
    if n_explorers:
        shown = page.evaluate(_STATIC_SHOWN)
        if shown:
            problems.append(f"{shown} explorer(s) show their figure twice (static figure and frame)")
        if visit.runtime_before_scroll:
            problems.append("the widget runtime loaded before any explorer came near the screen")
    else:
        runtime = [u for u in visit.requests if WIDGET_RUNTIME.search(u)]
        if runtime:
            problems.append(f"a page without explorers loaded the widget runtime: {runtime}")
    print(f"{docname}: {len(images)} images, {math['n_math']} equations, {n_explorers} explorers")
    return problems


def test_browser_covers_every_page():
    """test_page's parametrisation is the table of contents: no page left out, none counted twice."""
    assert len(PAGES) == len(set(PAGES)) >= 10
    assert len({_screenshot_name(p) for p in PAGES}) == len(PAGES)


# --- Nothing cut off: display math, code and outputs fit the column at 1280 px, and scroll in their own box at 390 px

PHONE = {"width": 390, "height": 844}

# Open what a reader can open: solutions (sphinx-togglebutton dropdowns) and, with ``hidden_inputs``, the folded
# inputs of hide-input cells (myst-nb's <details class="hide above-input">).
_OPEN_FOLDED = r"""(hiddenInputs) => {
    document.querySelectorAll('.dropdown .toggle-button.toggle-button-hidden').forEach(b => b.click());
    document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
    document.querySelectorAll('details').forEach(d => {
        if (hiddenInputs || !d.classList.contains('above-input')) d.open = true; });
    return new Promise(r => setTimeout(r, 300)); }"""

# The blocks the reader must see whole: display math, code (cells, solutions, fences) and cell outputs. For each, its
# box, content width and the nearest box inside the article that clips or scrolls it sideways.
_BLOCKS = r"""() => {
    const article = document.querySelector('article.bd-article') || document.querySelector('main');
    // MathJax's own display container is what scrolls when an equation is too wide: measure it as well as div.math
    const kinds = [['display math', 'div.math, mjx-container[display="true"]'],
                   ['output', 'div.cell_output pre, div.cell_output > div.output, div.cell_output table'],
                   ['code', 'div.cell_input pre, div.highlight pre'],
                   ['table', 'table']];
    const col = article.getBoundingClientRect();
    const snippet = el => {
        try {
            const items = MathJax.startup.document.getMathItemsWithin(el);
            if (items.length) return items[0].math.replace(/\s+/g, ' ').slice(0, 90);
        } catch (e) { /* no MathJax item: use the text */ }
        return (el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 90); };
    const scroller = el => {
        for (let e = el; e && e !== article; e = e.parentElement) {
            const o = getComputedStyle(e).overflowX;
            if (o !== 'visible') return { el: e, overflow: o };
        }
        return null; };
    const seen = new Set(), out = [];
    for (const [kind, sel] of kinds) for (const el of article.querySelectorAll(sel)) {
        if (seen.has(el) || !el.checkVisibility()) continue;
        seen.add(el);
        const r = el.getBoundingClientRect();
        if (r.width === 0) continue;
        const sc = scroller(el);
        const scr = sc ? sc.el.getBoundingClientRect() : null;
        out.push({ kind, snippet: snippet(el), scrollWidth: el.scrollWidth, clientWidth: el.clientWidth,
                   left: r.left, right: r.right, colLeft: col.left, colRight: col.right,
                   overflow: getComputedStyle(el).overflowX, scroller: sc ? sc.overflow : null,
                   scrollerSelf: !!sc && sc.el === el, scrollerRight: scr ? scr.right : null,
                   scrollerLeft: scr ? scr.left : null,
                   scrollerScrolls: !!sc && sc.el.scrollWidth > sc.el.clientWidth + 1,
                   // what tells the reader that more lies sideways: lu-page.js's mark (a shade at the right edge
                   // and a scrollbar that stays, lu-a11y.css), or at least a scrollbar that takes room
                   cue: !!sc && (sc.el.classList.contains('lu-scrolls') ||
                                 sc.el.offsetHeight - sc.el.clientHeight - sc.el.clientTop * 2 >= 2),
                   hiddenInput: !!el.closest('details.above-input'),
                   inSolution: !!el.closest('.solution') });
    }
    const doc = document.documentElement;
    let sideBySide = [];
    try {   // on a phone the TeX MathJax typeset is already one column: splitting it again changes nothing
        if (window.luOneColumn && window.innerWidth <= 600 && window.MathJax && MathJax.startup &&
                MathJax.startup.document && MathJax.startup.document.getMathItemsWithin)
            sideBySide = MathJax.startup.document.getMathItemsWithin(article).filter(m => m.display &&
                window.luOneColumn(m.math) !== m.math).map(m => m.math.replace(/\s+/g, ' ').slice(0, 90));
    } catch (e) { sideBySide = ['(MathJax items unavailable: ' + e + ')']; }
    return { blocks: out, viewport: window.innerWidth, sideBySide, pageScroll: doc.scrollWidth - doc.clientWidth,
             widest: Array.from(document.querySelectorAll('body *')).filter(e => {
                 const r = e.getBoundingClientRect(); return r.right > doc.clientWidth + 1 && r.width > 0 &&
                     e.checkVisibility(); }).slice(0, 3).map(e => e.tagName.toLowerCase() + '.' +
                     Array.from(e.classList).join('.')) }; }"""


def _where(b) -> str:
    extra = " (in a solution)" if b["inSolution"] else " (hide-input cell, opened)" if b["hiddenInput"] else ""
    return f"{b['kind']}{extra}: {b['snippet']!r}"


def desktop_overflow(blocks) -> list[str]:
    """At 1280 px: a block whose content is wider than its box (it scrolls or is cut), or whose box runs past the
    article's column. Folded hide-input cells are not shown to the reader and are left out."""
    out = []
    for b in blocks:
        if b["hiddenInput"] or b["kind"] == "table":     # tables: measured on the phone (a scroll box, with the cue)
            continue
        if b["scrollWidth"] > b["clientWidth"] + 1:
            out.append(f"{_where(b)}: {b['scrollWidth']} px of content in a {b['clientWidth']} px box "
                       f"(overflow-x {b['overflow']})")
        elif b["right"] > b["colRight"] + 1:
            out.append(f"{_where(b)}: box ends at {b['right']:.0f} px, past the column's {b['colRight']:.0f} px")
    return out


def phone_overflow(state) -> list[str]:
    """At 390 px: the page must not scroll sideways; a block wider than the screen must scroll inside a box of its
    own (overflow-x auto or scroll) that fits the screen, with a visible cue that it does (the shade and scrollbar of
    lu-scrolls, lu-a11y.css), never be clipped (hidden) or run off the edge; and every display equation is set one
    equation a row (lu-page.js splits the aligned blocks that hold several side by side)."""
    out = []
    out += [f"display math still has equations side by side at {state['viewport']} px: {t!r}"
            for t in state.get("sideBySide", [])]
    if state["pageScroll"] > 0:
        out.append(f"the page scrolls sideways by {state['pageScroll']} px (wider elements: {state['widest']})")
    vw = state["viewport"]
    for b in state["blocks"]:
        wider = b["scrollWidth"] > b["clientWidth"] + 1 or b["right"] > vw + 1 or b["left"] < -1
        if not wider:
            continue
        if b["scroller"] in ("auto", "scroll") and b["scrollerRight"] <= vw + 1 and b["scrollerLeft"] >= -1:
            if not b["cue"]:
                out.append(f"{_where(b)}: scrolls sideways ({b['scrollWidth']} px of content in "
                           f"{b['clientWidth']} px) with no visible cue (lu-scrolls shade or scrollbar)")
            continue
        if b["scroller"] in ("hidden", "clip"):
            out.append(f"{_where(b)}: cut off, overflow-x {b['scroller']} "
                       f"({b['scrollWidth']} px of content in {b['clientWidth']} px)")
        elif b["scroller"] is None:
            out.append(f"{_where(b)}: runs past the screen ({b['left']:.0f}-{b['right']:.0f} px of {vw}) in no "
                       f"scroll box")
        else:
            out.append(f"{_where(b)}: its scroll box ({b['scroller']}) runs past the screen "
                       f"({b['scrollerLeft']:.0f}-{b['scrollerRight']:.0f} px of {vw})")
    return out


def overflow_problems(visit, phone: bool) -> list[str]:
    """Open what the reader can open (on the phone, the folded inputs of hide-input cells too), then measure every
    block with :func:`phone_overflow` or :func:`desktop_overflow`."""
    visit.page.evaluate(_OPEN_FOLDED, phone)
    state = visit.page.evaluate(_BLOCKS)
    found = phone_overflow(state) if phone else desktop_overflow(state["blocks"])
    scrolling = [b for b in state["blocks"] if b["scrollerScrolls"]]
    print(f"{visit.docname} at {state['viewport']} px: {len(state['blocks'])} blocks, {len(scrolling)} scroll "
          f"sideways ({sum(b['cue'] for b in scrolling)} with a visible cue), {len(found)} violations")
    return found


# --- Accessibility: axe-core, WCAG 2 at levels A and AA, on every page -------------------------------------------

AXE_TAGS = ["wcag2a", "wcag2aa"]         # WCAG 2.0 levels A and AA
ROOT = Path(__file__).resolve().parent.parent


def axe_script() -> Path:
    """axe-core's axe.min.js: ``$AXE_CORE_JS`` if set, else ``node_modules/axe-core/axe.min.js`` at the repository
    root (npm install, from package.json)."""
    import os
    path = Path(os.environ.get("AXE_CORE_JS") or ROOT / "node_modules" / "axe-core" / "axe.min.js")
    if not path.is_file():
        pytest.fail(f"axe-core not found at {path}: run `npm install` at the repository root (or set AXE_CORE_JS "
                    f"to an axe.min.js, e.g. after `npm install --no-save --prefix /tmp/axe axe-core`)",
                    pytrace=False)
    return path


_AXE_RUN = r"""async (tags) => {
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => {
        const c = (n.any || []).concat(n.all || []).find(x => x.data && x.data.contrastRatio !== undefined);
        return { target: n.target.join(' '), html: n.html.slice(0, 160),
                 contrast: c ? { fg: c.data.fgColor, bg: c.data.bgColor, ratio: c.data.contrastRatio,
                                 expected: c.data.expectedContrastRatio, size: c.data.fontSize,
                                 weight: c.data.fontWeight } : null,
                 summary: (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 200) }; }) })); }"""


def format_axe(violations) -> list[str]:
    out = []
    for v in violations:
        for n in v["nodes"]:
            line = f"{v['id']} ({v['impact']}): {v['help']}; at {n['target']}: {n['html']}"
            if n["contrast"]:
                c = n["contrast"]
                line += (f" [text {c['fg']} on {c['bg']}, ratio {c['ratio']}, needs {c['expected']}, "
                         f"{c['size']} {c['weight']}]")
            out.append(line)
    return out


def run_axe(page) -> list[dict]:
    page.add_script_tag(path=str(axe_script()))
    return page.evaluate(_AXE_RUN, AXE_TAGS)


# (Page weight: one check, tests/test_book.py::test_page_weight.)


# --- The test: every page, once at the desktop width and once at the phone's ---------------------------------------

def errors_of(visit) -> list[str]:
    """What went wrong during the visit, from its first request to now: requests to other hosts, failed local
    requests, JavaScript errors, console errors."""
    return ([f"request to another host (aborted): {u}" for u in visit.external]
            + [f"failed local request: {u}" for u in visit.failed]
            + [f"JavaScript error: {m}" for m in visit.page_errors]
            + [f"console error: {m}" for m in visit.console_errors])


@pytest.mark.parametrize("docname", PAGES)
def test_page(browser, server, docname):
    """Every check of one page on one load at 1280 px, then one load at 390 px for the phone's layout (a page is laid
    out, and its display maths split into one column, for the width it loads at).

    At 1280 px, in this order: the page loads (HTTP 200, everything the load waits for finished); axe-core finds no
    WCAG 2 A or AA violation in the page as loaded (light theme, everything rendered); :func:`page_problems`
    (images, headings, equations, screenshots, explorers, the widget runtime); then, with solutions and dropdowns
    opened, nothing is cut off (:func:`desktop_overflow`); and from the first request to the last, nothing was
    requested from another host, no local request failed and no JavaScript or console error occurred. At 390 px,
    with hide-input cells opened too: :func:`phone_overflow`, and the same request and error checks."""
    start = time.perf_counter()
    problems = []
    desktop = Visit(browser, server, docname)
    try:
        desktop.open()
        problems += desktop.problems
        problems += [f"axe: {v}" for v in format_axe(run_axe(desktop.page))]
        problems += page_problems(desktop, docname)
        problems += [f"at 1280 px: {p}" for p in overflow_problems(desktop, phone=False)]
        problems += errors_of(desktop)
    finally:
        desktop.close()
    phone = Visit(browser, server, docname, viewport=PHONE)
    try:
        phone.open()
        problems += [f"at 390 px: {p}" for p in phone.problems + overflow_problems(phone, phone=True)
                     + errors_of(phone)]
    finally:
        phone.close()
    print(f"{docname}: {time.perf_counter() - start:.1f} s")
    assert not problems, f"{docname}:\n  " + "\n  ".join(problems)

