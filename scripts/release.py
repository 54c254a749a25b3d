"""The release readers pin: its version is written once, in pyproject.toml, and copied from there.

    python3 scripts/release.py version        print the version (pyproject.toml's), e.g. 0.3.0
    python3 scripts/release.py notes          print CHANGELOG.md's section for that version
    python3 scripts/release.py write [NB...]  write the tag v<version> where readers' set-ups read it: the default
                                              URL of every chapter's set-up cell (or of the notebooks named) and
                                              the ref the book's Binder and Colab launch buttons open (_config.yml)
    python3 scripts/release.py check          exit 1 unless every one of those places says v<version> and
                                              CHANGELOG.md has a section for it

A reader who opens a chapter on Colab or Binder from the book gets the tagged release: the launch buttons open the
notebooks at the tag, Binder's postBuild installs the package from that same checkout, and the set-up cell installs
``lstm_utils`` at the tag. Standard library only (CI runs it before any venv exists).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPOSITORY = "https://github.com/lstm-course/lstms-vs-rnns"
# the set-up cell's default URL, as it appears in the notebook's JSON (the cell's source is a JSON string)
SETUP_URL = re.compile(r'\\"git\+' + re.escape(REPOSITORY) + r'(?:@v[0-9A-Za-z.+-]+)?\\"')
BRANCH = re.compile(r"^(  branch: ).*$", re.M)


def version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def tag() -> str:
    return f"v{version()}"


def notes() -> str:
    text = (ROOT / "CHANGELOG.md").read_text()
    m = re.search(rf"^## \[?{re.escape(version())}\]?.*?$(.*?)(?=^## |\Z)", text, re.M | re.S)
    if not m:
        raise SystemExit(f"CHANGELOG.md has no section '## {version()}'")
    return m.group(1).strip() + "\n"


def notebooks(names=()) -> list[Path]:
    return [Path(n) for n in names] if names else sorted((ROOT / "notebooks").glob("*.ipynb"))


def write(names=()) -> None:
    pinned = f'\\"git+{REPOSITORY}@{tag()}\\"'
    for nb in notebooks(names):
        text = nb.read_text()
        new = SETUP_URL.sub(lambda _: pinned, text)
        if new != text:
            nb.write_text(new)
    config = ROOT / "_config.yml"
    config.write_text(BRANCH.sub(rf"\g<1>{tag()}", config.read_text(), count=1))


def problems() -> list[str]:
    out = []
    pinned = f'\\"git+{REPOSITORY}@{tag()}\\"'
    for nb in notebooks():
        found = SETUP_URL.findall(nb.read_text())
        if found != [pinned]:
            out.append(f"{nb.relative_to(ROOT)}: the set-up cell installs {found or 'nothing'}, not {tag()}")
    branch = BRANCH.search((ROOT / "_config.yml").read_text())
    if not branch or branch.group(0).split(":", 1)[1].strip() != tag():
        out.append(f"_config.yml: the launch buttons open {branch and branch.group(0).strip()}, not {tag()}")
    try:
        notes()
    except SystemExit as exc:
        out.append(str(exc))
    return out


def main(argv) -> int:
    cmd, *rest = argv or ["check"]
    if cmd == "version":
        print(version())
    elif cmd == "notes":
        sys.stdout.write(notes())
    elif cmd == "write":
        write(rest)
    elif cmd == "check":
        found = problems()
        print("\n".join(found) or f"{tag()}: written everywhere, with a CHANGELOG section")
        return 1 if found else 0
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
