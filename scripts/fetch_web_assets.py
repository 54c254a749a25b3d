#!/usr/bin/env python3
"""Copy the JavaScript the book's pages need from ``node_modules/`` into the build, so the site serves it itself.

Left to their defaults, myst-nb and Sphinx make every page with math or widgets load three things from public CDNs:
require.js, the ipywidgets HTML manager (``@jupyter-widgets/html-manager``'s ``embed-amd.js``, which renders the
kernel-free sliders) and MathJax 3. ``package.json`` names them and ``package-lock.json`` pins each tarball by its
integrity hash; ``npm ci --ignore-scripts`` (run by ``make web-assets``) installs exactly those into the git-ignored
``node_modules/``, checking every tarball against the lock and running no package script.

This script copies the files a browser needs into a git-ignored cache, ``_build/web-assets/vendor/``.
``_config.yml`` lists ``_build/web-assets`` in ``html_static_path``, so Sphinx copies them to
``_build/html/_static/vendor/`` and the pages load them from there (``nb_ipywidgets_js`` and ``mathjax_path`` point
at them). It does nothing when the cache already holds the locked versions. Exit status 0 on success, 2 when
``node_modules`` lacks a package or holds another version than the lock (run ``npm ci --ignore-scripts``), 1 on any
other failure.

    python scripts/fetch_web_assets.py [--dest DIR] [--force]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEST = ROOT / "_build" / "web-assets"
NODE_MODULES = ROOT / "node_modules"
LOCK = ROOT / "package-lock.json"

# npm package, target folder under vendor/, and which files of the package to keep (globs relative to the package
# root; the prefix `strip` is removed). Versions and hashes are package-lock.json's.
PACKAGES = [
    {"name": "requirejs", "target": "requirejs", "strip": "", "keep": ["require.js"]},
    {
        # embed-amd.js finds its fonts (Font Awesome, bundled by webpack) next to itself, so they come along.
        "name": "@jupyter-widgets/html-manager", "target": "html-manager", "strip": "dist/",
        "keep": ["dist/embed-amd.js", "dist/*.woff2", "dist/*.woff", "dist/*.ttf", "dist/*.eot", "dist/*.svg",
                 "dist/embed.js.LICENSE.txt"],
    },
    {
        # startup.js and the components book/_static/lu-mathjax.js has it load (core, the TeX input, the CHTML
        # output, assistive MathML), plus what those load on demand: TeX extensions (autoload) and the CHTML fonts.
        # The combined tex-mml-chtml.js, the menu and the accessibility tools stay available.
        "name": "mathjax", "target": "mathjax", "strip": "es5/",
        "keep": ["es5/startup.js", "es5/core.js", "es5/tex-mml-chtml.js", "es5/input/*", "es5/output/chtml/*",
                 "es5/output/chtml.js", "es5/ui/*",
                 "es5/a11y/*", "es5/sre/*", "LICENSE"],
    },
]

# The entry points the configuration refers to (relative to vendor/): their presence means a complete copy.
ENTRY_POINTS = ["requirejs/require.js", "html-manager/embed-amd.js", "mathjax/startup.js", "mathjax/core.js",
                "mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff"]
MANIFEST = "MANIFEST.json"


class NotInstalled(RuntimeError):
    """node_modules lacks a package or holds another version than package-lock.json."""


def locked(lock: Path = LOCK) -> dict:
    """``{name: {"version", "integrity"}}`` of the copied packages, as package-lock.json pins them."""
    packages = json.loads(lock.read_text())["packages"]
    out = {}
    for pkg in PACKAGES:
        entry = packages.get(f"node_modules/{pkg['name']}")
        if entry is None:
            raise RuntimeError(f"{lock.name} does not lock {pkg['name']}")
        out[pkg["name"]] = {"version": entry["version"], "integrity": entry["integrity"]}
    return out


def is_current(vendor: Path, expected: dict) -> bool:
    """True when ``vendor`` already holds exactly the locked versions."""
    try:
        recorded = json.loads((vendor / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    return recorded.get("packages") == expected and all((vendor / e).is_file() for e in ENTRY_POINTS)


def installed_version(name: str, node_modules: Path = NODE_MODULES) -> str | None:
    try:
        return json.loads((node_modules / name / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def copy_package(pkg: dict, node_modules: Path, vendor: Path) -> int:
    """Copy the kept files of one installed package under ``vendor/<target>``; return how many were written."""
    source = node_modules / pkg["name"]
    target = vendor / pkg["target"]
    count = 0
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source).as_posix()
        if not path.is_file() or not any(fnmatch(rel, pattern) for pattern in pkg["keep"]):
            continue
        out = target / (rel[len(pkg["strip"]):] if rel.startswith(pkg["strip"]) else rel)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out)
        count += 1
    if count == 0:
        raise RuntimeError(f"{source}: none of {pkg['keep']} found in the package")
    return count


def fetch(dest: Path, force: bool = False, node_modules: Path = NODE_MODULES) -> Path:
    vendor = dest / "vendor"
    expected = locked()
    if not force and is_current(vendor, expected):
        print(f"web assets: up to date in {vendor.relative_to(ROOT) if ROOT in vendor.parents else vendor}")
        return vendor
    wrong = {name: installed_version(name, node_modules) for name in expected
             if installed_version(name, node_modules) != expected[name]["version"]}
    if wrong:
        raise NotInstalled(", ".join(f"{name}: locked {expected[name]['version']}, installed {got or 'none'}"
                                     for name, got in wrong.items()))
    dest.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="vendor-", dir=dest))
    try:
        for pkg in PACKAGES:
            n = copy_package(pkg, node_modules, staging)
            print(f"web assets: {pkg['name']}@{expected[pkg['name']]['version']}: {n} files")
        (staging / MANIFEST).write_text(json.dumps({"packages": expected}, indent=2) + "\n")
        missing = [e for e in ENTRY_POINTS if not (staging / e).is_file()]
        if missing:
            raise RuntimeError(f"entry points missing after the copy: {missing}")
        # Swap in the complete folder only now, so an interrupted copy never leaves a half-filled cache.
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
    parser.add_argument("--force", action="store_true", help="copy again even if the cache is current")
    args = parser.parse_args(argv)
    try:
        fetch(args.dest.resolve(), force=args.force)
    except NotInstalled as exc:
        sys.stderr.write(f"error: node_modules does not match package-lock.json ({exc}).\n"
                         "Run `npm ci --ignore-scripts` (or `make web-assets`) first.\n")
        return 2
    except (OSError, RuntimeError) as exc:
        sys.stderr.write(f"error: could not copy the book's web assets: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
