#!/usr/bin/env python3
"""Fetch the JavaScript the book's pages need, so the built site serves it itself (offline reading).

Left to their defaults, myst-nb and Sphinx make every page with math or widgets load three things from public CDNs:
require.js, the ipywidgets HTML manager (``@jupyter-widgets/html-manager``'s ``embed-amd.js``, which renders the
kernel-free sliders) and MathJax 3. This script fetches pinned versions of the same files from the npm registry
with npm's own client (``npm pack``), checks each tarball against the integrity hash pinned below, and extracts the
files a browser needs into a git-ignored cache, ``_build/web-assets/vendor/``. ``_config.yml`` lists
``_build/web-assets`` in ``html_static_path``, so Sphinx copies them to ``_build/html/_static/vendor/`` and the pages
load them from there (``nb_ipywidgets_js`` and ``mathjax_path`` point at them). Nothing here is committed.

Run by ``make book`` (and by the browser test's build fixture) before every build; it does nothing when the cache
already holds these versions. Exit status 0 on success, 2 when npm is missing, 1 on any other failure.

    python scripts/fetch_web_assets.py [--dest DIR] [--force]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEST = ROOT / "_build" / "web-assets"

# name, version, sha512 integrity of the npm tarball (as `npm pack --json` reports it), target folder under vendor/,
# and which files of the package to keep (globs relative to the package root; the prefix is stripped).
PACKAGES = [
    {
        "name": "requirejs", "version": "2.3.8",
        "integrity": "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
        "target": "requirejs", "strip": "", "keep": ["require.js"],
    },
    {
        # embed-amd.js finds its fonts (Font Awesome, bundled by webpack) next to itself, so they come along.
        "name": "@jupyter-widgets/html-manager", "version": "1.0.15",
        "integrity": "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
        "target": "html-manager", "strip": "dist/",
        "keep": ["dist/embed-amd.js", "dist/*.woff2", "dist/*.woff", "dist/*.ttf", "dist/*.eot", "dist/*.svg",
                 "dist/embed.js.LICENSE.txt"],
    },
    {
        # The combined component Sphinx uses by default (tex-mml-chtml), plus what it loads on demand: TeX
        # extensions (autoload), the CHTML fonts, the menu and the accessibility tools with their speech rules.
        "name": "mathjax", "version": "3.2.2",
        "integrity": "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
        "target": "mathjax", "strip": "es5/",
        "keep": ["es5/tex-mml-chtml.js", "es5/input/*", "es5/output/chtml/*", "es5/output/chtml.js", "es5/ui/*",
                 "es5/a11y/*", "es5/sre/*", "LICENSE"],
    },
]

# The entry points the configuration refers to (relative to vendor/): their presence means a complete fetch.
ENTRY_POINTS = ["requirejs/require.js", "html-manager/embed-amd.js", "mathjax/tex-mml-chtml.js",
                "mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff"]
MANIFEST = "MANIFEST.json"


def manifest_data() -> dict:
    return {p["name"]: {"version": p["version"], "integrity": p["integrity"]} for p in PACKAGES}


def is_current(vendor: Path) -> bool:
    """True when ``vendor`` already holds exactly the pinned versions (so no registry is contacted)."""
    try:
        recorded = json.loads((vendor / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    return recorded.get("packages") == manifest_data() and all((vendor / e).is_file() for e in ENTRY_POINTS)


def sri_sha512(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode("ascii")


def npm_pack(spec: str, workdir: Path) -> Path:
    """Download one package tarball with ``npm pack`` into ``workdir`` and return its path."""
    proc = subprocess.run(["npm", "pack", "--json", spec], cwd=workdir, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"`npm pack {spec}` failed (exit {proc.returncode}):\n{proc.stderr.strip()}")
    try:
        filename = json.loads(proc.stdout)[0]["filename"]
    except (ValueError, LookupError, TypeError) as exc:
        raise RuntimeError(f"`npm pack {spec}` printed no JSON file name:\n{proc.stdout[:500]}") from exc
    # npm 7-8 name scoped tarballs "@scope/name-1.0.0.tgz" in the JSON but write "scope-name-1.0.0.tgz".
    for candidate in (workdir / filename, workdir / filename.lstrip("@").replace("/", "-")):
        if candidate.is_file():
            return candidate
    raise RuntimeError(f"`npm pack {spec}` reported {filename!r}, which is not in {workdir}")


def extract(tarball: Path, pkg: dict, vendor: Path) -> int:
    """Extract the kept files of one package under ``vendor/<target>``; return how many were written."""
    count = 0
    target = vendor / pkg["target"]
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            # npm tarballs put everything under "package/".
            rel = member.name.split("/", 1)[1] if "/" in member.name else member.name
            if not any(fnmatch(rel, pattern) for pattern in pkg["keep"]):
                continue
            out_rel = rel[len(pkg["strip"]):] if rel.startswith(pkg["strip"]) else rel
            out = (target / out_rel).resolve()
            if target.resolve() not in out.parents:       # no path escapes the target folder
                raise RuntimeError(f"{tarball.name}: refusing to write {member.name!r} outside {target}")
            out.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)
            count += 1
    if count == 0:
        raise RuntimeError(f"{tarball.name}: none of {pkg['keep']} found in the package")
    return count


def fetch(dest: Path, force: bool = False) -> Path:
    vendor = dest / "vendor"
    if not force and is_current(vendor):
        print(f"web assets: up to date in {vendor.relative_to(ROOT) if ROOT in vendor.parents else vendor}")
        return vendor
    if shutil.which("npm") is None:
        sys.stderr.write(
            "error: the offline book needs npm (Node.js's package client) to fetch require.js, the ipywidgets HTML\n"
            "manager and MathJax at build time, and npm is not on PATH.\n"
            "Install it (Debian/Ubuntu: `sudo apt-get install npm`; macOS: `brew install node`; or from nodejs.org)\n"
            "and run `make book` again.\n")
        raise SystemExit(2)
    dest.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="vendor-", dir=dest))
    try:
        with tempfile.TemporaryDirectory(prefix="npm-pack-") as tmp:
            for pkg in PACKAGES:
                spec = f"{pkg['name']}@{pkg['version']}"
                tarball = npm_pack(spec, Path(tmp))
                got = sri_sha512(tarball)
                if got != pkg["integrity"]:
                    raise RuntimeError(f"{spec}: tarball integrity {got} differs from the pinned {pkg['integrity']}")
                n = extract(tarball, pkg, staging)
                print(f"web assets: {spec}: {n} files")
        (staging / MANIFEST).write_text(json.dumps({"packages": manifest_data()}, indent=2) + "\n")
        missing = [e for e in ENTRY_POINTS if not (staging / e).is_file()]
        if missing:
            raise RuntimeError(f"entry points missing after extraction: {missing}")
        # Swap in the complete folder only now, so an interrupted fetch never leaves a half-filled cache.
        if vendor.exists():
            shutil.rmtree(vendor)
        staging.rename(vendor)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    size = sum(f.stat().st_size for f in vendor.rglob("*") if f.is_file())
    print(f"web assets: {size / 1e6:.1f} MB in {vendor}")
    return vendor


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST,
                        help="cache folder listed in html_static_path (default: _build/web-assets)")
    parser.add_argument("--force", action="store_true", help="fetch again even if the cache is current")
    args = parser.parse_args(argv)
    try:
        fetch(args.dest.resolve(), force=args.force)
    except RuntimeError as exc:
        sys.stderr.write(f"error: could not fetch the book's web assets: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
