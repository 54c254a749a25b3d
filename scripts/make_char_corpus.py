"""Chapter 11's corpus: a frozen snapshot of Python standard-library source, split into train/validation/test by file.

Usage (from the repository root; run once, the output is committed; needs CPython 3.11.7's ``Lib/``):

    python scripts/make_char_corpus.py [--lib /root/.pyenv/versions/3.11.7/lib/python3.11]

Writes ``lstm_utils/corpora/python_stdlib.txt.gz`` (the files' text, one after the other) and
``python_stdlib.json`` (for every file: its name, split, offset and length in the text, and the SHA-256 of the
original file), plus the labels of the validation and test text computed with Python's own ``tokenize``
(``python_stdlib_labels.npz``, see :func:`lstm_utils.corpora.python_labels`).

Which files: the top-level modules of ``Lib/`` (no packages, no tests) that are pure ASCII, with no tab, carriage
return or form feed (so that the 96-character alphabet of :mod:`lstm_utils.corpora` covers them as they are), at
most 40 kB each, and not generated (``_sysconfigdata*``) or obfuscated (``this.py``). A file's split is decided by
the SHA-256 of its name (first byte mod 10: 0 validation, 1 test, else training), never by position in the text, so
no file is cut between splits; the training split is then cut to about 1 MB, in hash order.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "lstm_utils" / "corpora"
MAX_FILE = 40_000
TRAIN_BUDGET = 1_000_000
SKIP = {"this.py", "antigravity.py", "__hello__.py"}


def main(argv=None):
    import numpy as np

    from lstm_utils.corpus import LABEL_NAMES, python_labels

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lib", default="/root/.pyenv/versions/3.11.7/lib/python3.11")
    a = p.parse_args(argv)
    lib = Path(a.lib)
    files = []
    for path in sorted(lib.glob("*.py")):
        raw = path.read_bytes()
        if path.name in SKIP or path.name.startswith("_sysconfigdata") or len(raw) > MAX_FILE:
            continue
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError:
            continue
        if any(ch in text for ch in "\t\r\x0c") or not text.endswith("\n"):
            continue
        digest = hashlib.sha256(path.name.encode()).digest()
        split = {0: "val", 1: "test"}.get(digest[0] % 10, "train")
        files.append((digest.hex(), path.name, split, text, hashlib.sha256(raw).hexdigest()))
    files.sort()
    chosen, train_chars = [], 0
    for f in files:
        if f[2] == "train":
            if train_chars >= TRAIN_BUDGET:
                continue
            train_chars += len(f[3])
        chosen.append(f)
    order = {"train": 0, "val": 1, "test": 2}
    chosen.sort(key=lambda f: (order[f[2]], f[1]))
    index, parts, offset = [], [], 0
    for _, name, split, text, sha in chosen:
        index.append({"file": name, "split": split, "offset": offset, "length": len(text), "sha256": sha})
        parts.append(text)
        offset += len(text)
    OUT.mkdir(parents=True, exist_ok=True)
    whole = "".join(parts)
    with gzip.GzipFile(OUT / "python_stdlib.txt.gz", "wb", mtime=0) as fh:
        fh.write(whole.encode("ascii"))
    meta = {"written_by": "scripts/make_char_corpus.py", "source": "CPython 3.11.7, Lib/*.py",
            "python": sys.version.split()[0], "licence": "PSF-2.0 (see LICENSE-PSF.txt)",
            "splits": {s: sum(f["length"] for f in index if f["split"] == s) for s in order},
            "files": index}
    (OUT / "python_stdlib.json").write_text(json.dumps(meta, indent=1) + "\n")
    labels = {}
    for split in ("val", "test"):
        per_file = [python_labels(whole[f["offset"]:f["offset"] + f["length"]]) for f in index if f["split"] == split]
        for k in LABEL_NAMES:
            labels[f"{split}_{k}"] = np.concatenate([lab[k] for lab in per_file])
    np.savez_compressed(OUT / "python_stdlib_labels.npz", **labels)
    print({s: (sum(1 for f in index if f["split"] == s), n) for s, n in meta["splits"].items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
