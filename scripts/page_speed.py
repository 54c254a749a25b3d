"""Every page of the built book on a slow line: bytes transferred cold and the time to the first text.

    .venv/bin/python scripts/page_speed.py [--mbit 10] [--latency 40] [--json out.json] [page ...]

Serves ``_build/html`` on 127.0.0.1 and opens each page of ``_toc.yml`` in headless Chromium (Debian's, through
playwright; never ``playwright install``), in a fresh browser context with the cache disabled and the network held
to ``--mbit`` Mbit/s down (and up) and ``--latency`` ms per request by the DevTools protocol
(``Network.emulateNetworkConditions``). Per page it prints:

* ``weight``: the bytes received for every request the page made until the network was idle (``encodedDataLength``
  of ``Network.loadingFinished``), that is the page cold: HTML, CSS, scripts, fonts, images;
* ``first text``: the first contentful paint (the browser's ``paint`` timing), the moment the reader sees text;
* ``loaded``: the load event;
* the page's console: uncaught errors, console errors and requests that failed (written with ``--json``).

Measured with one page open at a time; on a loaded machine the times grow with the CPU's load, the weights do not.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from book_cache import HTML, StaticServer, find_chromium, toc_pages  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-quic"]


def measure(browser, origin: str, docname: str, mbit: float, latency: float, viewport: dict) -> dict:
    context = browser.new_context(viewport=viewport, service_workers="block")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    rate = mbit * 1e6 / 8
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": latency,
                                                  "downloadThroughput": rate, "uploadThroughput": rate})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and errors.append(f"console: {msg.text}"))
    page.on("response", lambda r: r.status >= 400 and errors.append(f"HTTP {r.status}: {r.url}"))
    sizes: dict[str, float] = {}
    urls: dict[str, str] = {}
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    start = time.perf_counter()
    page.goto(f"{origin}/{docname}.html", wait_until="load", timeout=120_000)
    try:
        page.wait_for_load_state("networkidle", timeout=60_000)
    except Exception:  # noqa: BLE001 - report what arrived
        pass
    page.wait_for_timeout(1500)          # late requests: widget fonts, MathJax fonts
    try:
        page.wait_for_load_state("networkidle", timeout=30_000)
    except Exception:  # noqa: BLE001
        pass
    wall = time.perf_counter() - start
    timing = page.evaluate("""() => {
        const p = performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint');
        const n = performance.getEntriesByType('navigation')[0];
        return { fcp: p ? p.startTime : null, load: n ? n.loadEventEnd : null,
                 dcl: n ? n.domContentLoadedEventEnd : null }; }""")
    by_kind: dict[str, float] = {}
    for rid, size in sizes.items():
        url = urls.get(rid, "")
        kind = ("widgets" if "html-manager" in url or "requirejs" in url or "widgets-offline" in url
                else "mathjax" if "mathjax" in url.lower()
                else "fontawesome" if "fontawesome" in url or "fa-" in url.rsplit("/", 1)[-1]
                else "html" if url.split("?")[0].endswith(".html")
                else "image" if url.split("?")[0].rsplit(".", 1)[-1] in ("png", "svg", "jpg", "ico")
                else "other")
        by_kind[kind] = by_kind.get(kind, 0) + size
    context.close()
    return {"page": docname, "errors": errors, "bytes": sum(sizes.values()), "requests": len(sizes), "by_kind": by_kind,
            "first_text_ms": timing["fcp"], "dcl_ms": timing["dcl"], "load_ms": timing["load"], "wall_s": wall}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", help="docnames (default: every page of _toc.yml)")
    parser.add_argument("--mbit", type=float, default=10.0)
    parser.add_argument("--latency", type=float, default=40.0)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--json", type=Path, help="write the rows here as JSON")
    args = parser.parse_args(argv)
    from playwright import sync_api

    pages = args.pages or toc_pages()
    rows = []
    with StaticServer(HTML) as server, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium() or "/usr/bin/chromium", args=ARGS,
                                     headless=True)
        print(f"{'page':38} {'weight':>8} {'reqs':>5} {'first text':>11} {'loaded':>8}   widgets  icons  mathjax")
        for docname in pages:
            r = measure(browser, server.origin, docname, args.mbit, args.latency,
                        {"width": args.width, "height": 900})
            rows.append(r)
            k = r["by_kind"]
            print(f"{docname:38} {r['bytes'] / 1e6:6.2f}MB {r['requests']:5d} {r['first_text_ms'] / 1e3:9.2f} s "
                  f"{r['load_ms'] / 1e3:6.1f} s   {k.get('widgets', 0) / 1e6:5.2f}MB  "
                  f"{k.get('fontawesome', 0) / 1e6:5.2f}MB  {k.get('mathjax', 0) / 1e6:5.2f}MB  "
                  f"{len(r['errors'])} console errors", flush=True)
        browser.close()
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
