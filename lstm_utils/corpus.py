r"""Chapter 11's real text: Python standard-library source, its alphabet, and per-character labels from ``tokenize``.

The corpus is a frozen snapshot of top-level modules of CPython 3.11.7's ``Lib/`` (PSF licence, shipped in
``lstm_utils/corpora/`` with the licence and the list of files and their hashes; ``scripts/make_char_corpus.py``
made it). It is split into training, validation and test text **by file**: no file is cut between two splits, so the
held-out text is code the model has never seen a line of.

Every character of the held-out text carries a ground truth computed by Python's own tokenizer
(:func:`python_labels`), which the chapter compares with what the trained cells hold:

* ``string``: 1 inside a string literal (its quotes included), else 0;
* ``comment``: 1 inside a comment (from ``#`` to the end of the line), else 0;
* ``depth``: brackets ``( [ {`` open after reading the character (outside strings and comments);
* ``indent``: the indentation level (blocks) of the character's line;
* ``column``: the character's position in its line (0 for the first).

Introduced in chapter 11 (``notebooks/11_text.ipynb``).
"""

from __future__ import annotations

import gzip
import io
import json
import tokenize
from functools import cache
from importlib import resources

import numpy as np

from ._checks import ArgumentTypeError

ALPHABET = "\n" + "".join(chr(c) for c in range(32, 127))
"""The 96 characters of the corpus: newline, then printable ASCII from space (32) to ``~`` (126)."""

SPLITS = ("train", "val", "test")
LABEL_NAMES = ("string", "comment", "depth", "indent", "column")
"""The per-character properties of :func:`python_labels`, in order."""

_INDEX = np.full(128, -1, dtype=np.int64)
_INDEX[[ord(c) for c in ALPHABET]] = np.arange(len(ALPHABET))


def _text_arg(name, text):
    if not isinstance(text, str):
        raise ArgumentTypeError(f"{name}: expected a str, got {type(text).__name__}")
    return text


def encode(text: str) -> np.ndarray:
    """The character ids of ``text`` (int64, one per character, indices into :data:`ALPHABET`).

    Raises ``ValueError`` naming the first character outside the alphabet and its position.
    """
    text = _text_arg("text", text)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    bad = np.flatnonzero((codes >= 128) | (_INDEX[np.minimum(codes, 127)] < 0))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"text: expected characters of the corpus alphabet (newline and printable ASCII), got "
                         f"{text[i]!r} at position {i}")
    return _INDEX[codes]


def decode(ids) -> str:
    """The text of the character ids ``ids`` (any integer array with values in 0..95)."""
    a = np.asarray(ids)
    if a.dtype.kind not in "iu":
        raise ArgumentTypeError(f"ids: expected an integer array, got dtype {a.dtype}")
    if a.size and (a.min() < 0 or a.max() >= len(ALPHABET)):
        raise ValueError(f"ids: expected values in 0..{len(ALPHABET) - 1}, got values in {a.min()}..{a.max()}")
    return "".join(ALPHABET[i] for i in a.ravel())


@cache
def _corpus():
    root = resources.files("lstm_utils").joinpath("corpora")
    with root.joinpath("python_stdlib.txt.gz").open("rb") as fh:
        whole = gzip.decompress(fh.read()).decode("ascii")
    meta = json.loads(root.joinpath("python_stdlib.json").read_text())
    return whole, meta


def corpus_info() -> dict:
    """The corpus's provenance: source, licence, characters per split and the list of files (name, split, offset,
    length, SHA-256 of the original file)."""
    return json.loads(json.dumps(_corpus()[1]))        # a copy: the caller may edit it


def load_text(split: str = "train") -> str:
    """The text of one split (``"train"``, ``"val"`` or ``"test"``): its files one after the other."""
    if split not in SPLITS:
        raise ValueError(f"split: expected one of {', '.join(map(repr, SPLITS))}, got {split!r}")
    whole, meta = _corpus()
    files = [f for f in meta["files"] if f["split"] == split]
    start, end = files[0]["offset"], files[-1]["offset"] + files[-1]["length"]
    return whole[start:end]


def load_labels(split: str = "test") -> dict:
    """The shipped labels of the held-out text (``"val"`` or ``"test"``), one array per :data:`LABEL_NAMES`
    entry, each as long as :func:`load_text` of the split. Computed by :func:`python_labels` file by file."""
    if split not in ("val", "test"):
        raise ValueError(f"split: expected 'val' or 'test' (the labelled held-out text), got {split!r}")
    path = resources.files("lstm_utils").joinpath("corpora", "python_stdlib_labels.npz")
    with path.open("rb") as fh, np.load(fh) as z:
        return {k: z[f"{split}_{k}"].astype(np.int64) for k in LABEL_NAMES}


def python_labels(source: str) -> dict:
    """Per-character labels of the Python source ``source`` from the standard library's ``tokenize``.

    Returns a dict of int arrays of length ``len(source)``: ``string``, ``comment``, ``depth``, ``indent``,
    ``column`` (see the module docstring). ``source`` must tokenize (a whole module, as in the corpus).
    """
    source = _text_arg("source", source)
    n = len(source)
    line_starts = np.concatenate([[0], np.flatnonzero(np.frombuffer(source.encode("utf-32-le"),
                                                                     dtype=np.uint32) == 10) + 1])

    def pos(row_col):                      # tokenize's (row from 1, col) -> offset in source
        return int(line_starts[row_col[0] - 1]) + row_col[1]

    string, comment = np.zeros(n, np.int64), np.zeros(n, np.int64)
    depth_delta, indent_delta = np.zeros(n + 1, np.int64), np.zeros(len(line_starts) + 1, np.int64)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError) as exc:
        raise ValueError(f"source: expected Python source that tokenizes, got an error: {exc}") from None
    fstring_start = None
    for tok in tokens:
        a, b = pos(tok.start), pos(tok.end)
        kind = tokenize.tok_name[tok.type]
        if kind == "STRING":
            string[a:b] = 1
        elif kind == "FSTRING_START":                  # Python >= 3.12 splits f-strings into several tokens
            fstring_start = a
        elif kind == "FSTRING_END" and fstring_start is not None:
            string[fstring_start:b] = 1
        elif kind == "COMMENT":
            comment[a:b] = 1
        elif kind == "OP" and tok.string in "([{" and len(tok.string) == 1:
            depth_delta[a] += 1
        elif kind == "OP" and tok.string in ")]}" and len(tok.string) == 1:
            depth_delta[a] -= 1
        elif kind == "INDENT":
            indent_delta[tok.start[0] - 1] += 1
        elif kind == "DEDENT":
            indent_delta[tok.start[0] - 1] -= 1
    depth = np.cumsum(depth_delta[:n])
    line_of = np.searchsorted(line_starts, np.arange(n), side="right") - 1
    indent = np.cumsum(indent_delta)[line_of]
    column = np.arange(n) - line_starts[line_of]
    return {"string": string, "comment": comment, "depth": depth, "indent": indent, "column": column}


_PAIRS = {")": "(", "]": "[", "}": "{"}


def balance_stats(text: str) -> dict:
    r"""How well ``text`` closes what it opens, read by a small scanner of Python's lexical rules.

    The scanner walks the text once, keeping a stack of open brackets and whether it is inside a comment or a
    string (``'``, ``"``, or triple-quoted), with backslash escapes inside strings. It returns counts and rates:

    * ``quotes``, ``quotes_closed``: single-line strings (``'...'`` or ``"..."``) opened, and those closed on the
      line they were opened on (Python requires it), and their ratio ``quote_rate``;
    * ``closers``, ``closers_matched``: closing brackets outside strings and comments, and those that close the
      innermost open bracket of the same kind, and their ratio ``bracket_rate``.

    A rate is ``nan`` when there is nothing to count. Real source scores 1.0 on both (the chapter checks it on the
    held-out text).
    """
    text = _text_arg("text", text)
    stack, quotes, q_closed, closers, c_matched = [], 0, 0, 0, 0
    i, n, state = 0, len(text), None           # state: None, "#", or the open quote ("'", '"', "'''", '"""')
    while i < n:
        ch = text[i]
        if state == "#":
            if ch == "\n":
                state = None
        elif state is not None:                # inside a string
            if ch == "\\":
                i += 1
            elif text.startswith(state, i):
                if len(state) == 1:
                    q_closed += 1
                i += len(state) - 1
                state = None
            elif ch == "\n" and len(state) == 1:
                state = None                   # a single-line string left open at the end of its line
        elif ch == "#":
            state = "#"
        elif ch in "'\"":
            state = ch * 3 if text.startswith(ch * 3, i) else ch
            quotes += len(state) == 1
            i += len(state) - 1
        elif ch in "([{":
            stack.append(ch)
        elif ch in ")]}":
            closers += 1
            if stack and stack[-1] == _PAIRS[ch]:
                c_matched += 1
                stack.pop()
            elif stack:
                stack.pop()
        i += 1

    def rate(a, b):
        return a / b if b else float("nan")
    return {"quotes": quotes, "quotes_closed": q_closed, "quote_rate": rate(q_closed, quotes),
            "closers": closers, "closers_matched": c_matched, "bracket_rate": rate(c_matched, closers)}
