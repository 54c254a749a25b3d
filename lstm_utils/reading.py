r"""Reading a trained LSTM classifier word by word: what each word writes, what the cell still holds at the end.

For a text of T words and a many-to-one LSTM model (:mod:`lstm_utils.models`), at every word t:

* **written**: the term the input gate adds to the cell, :math:`i_t \odot \tilde C_t` (per unit, and its norm);
* **kept**: the forget gate :math:`f_t` (per unit);
* **held**: how much of word t's write survives to the last word. Unrolling
  :math:`C_t = f_t \odot C_{t-1} + i_t \odot \tilde C_t` from :math:`C_0 = 0` gives

  .. math:: C_T = \sum_{t=1}^{T} \Big(\prod_{k=t+1}^{T} f_k\Big) \odot i_t \odot \tilde C_t ,

  and the t-th term is what the final cell state holds of word t. Every write is multiplied by *all* the forget
  gates after it, so the measure favours recent words: the last word's write is held whole.
* **answer so far**: the readout applied after word t, :math:`P(\text{positive}) = \mathrm{softmax}(W_y h_t + b_y)_2`
  (the second of the two classes; labels are 0 = negative, 1 = positive).

Introduced in chapter 09 (``notebooks/09_movie_review.ipynb``).
"""

from __future__ import annotations

import json
from importlib import resources

import numpy as np

from ._checks import ArgumentTypeError, integer
from .data import FILLER_WORDS, Vocabulary, encode_batch, review_vocabulary, tokenize
from .lstm import lstm_forward
from .memory import forget_products, gate_values
from .models import predict_each_step, softmax, split_params

READING_KEYS = ("write", "held", "keep", "fraction_held", "p_positive")
"""The per-word measures of a reading that :func:`top_words` can rank."""


def read_text(params, text, vocab=None):
    """The word-by-word reading of ``text`` by the LSTM model ``params``: a dict of arrays over the T words.

    ``words`` (list); ``f``, ``written``, ``held_units`` (T, H): the forget gate, :math:`i_t \\odot \\tilde C_t` and
    the t-th term of the unrolled cell state, unit by unit; ``write``, ``held`` (T,): their norms; ``keep`` (T,):
    the forget gate averaged over units; ``fraction_held`` (T,): ``held / write`` (0 where nothing was written);
    ``p_positive`` (T,): the answer
    after each word; ``c_last`` (H,): the final cell state, which ``held_units`` sums to.
    """
    vocab = review_vocabulary() if vocab is None else vocab
    if not isinstance(vocab, Vocabulary):
        raise ArgumentTypeError(f"vocab: expected a Vocabulary (default: review_vocabulary()), got "
                                f"{type(vocab).__name__}")
    cell_params, ro = split_params(params, "lstm")               # an LSTM model: the cell's keys plus W_y, b_y
    W_f = np.shape(cell_params["W_f"])                          # (H, H + D): the model reads D = V inputs
    V = W_f[1] - W_f[0] if len(W_f) == 2 else None
    if V is not None and V != len(vocab):
        raise ValueError(f"vocab: expected a vocabulary of the model's input size D = {V}, got one of "
                         f"{len(vocab)} entries")
    if np.shape(ro["W_y"])[:1] != (2,):
        raise ValueError(f"params: expected a two-class model (W_y of shape (2, H): negative, positive), got W_y of "
                         f"shape {np.shape(ro['W_y'])}")
    words = tokenize(text)
    if not words:
        raise ValueError(f"text: expected at least one word, got {text!r}")
    xs = encode_batch([words], vocab)                             # (T, 1, V)
    _, cs, cache = lstm_forward(xs, None, None, cell_params)
    g = {k: v[:, 0] for k, v in gate_values(cache).items()}       # each (T, H)
    written = g["i"] * g["c_tilde"]                               # i_t * C~_t
    held_units = forget_products(g["f"])[1:] * written            # (prod_{k>t} f_k) * i_t * C~_t
    write, held = np.linalg.norm(written, axis=1), np.linalg.norm(held_units, axis=1)
    p_positive = softmax(predict_each_step("lstm", params, xs)[:, 0])[:, 1]
    return {"words": words, "f": g["f"], "written": written, "held_units": held_units, "write": write,
            "held": held, "keep": g["f"].mean(axis=1), "fraction_held": _fraction(held, write),
            "p_positive": p_positive,
            "c_last": cs[-1, 0]}


def _fraction(held, write):
    """held / write, with 0 / 0 = 0: a step that wrote nothing has nothing held."""
    return np.divide(held, write, out=np.zeros_like(held), where=write > 0)


def _check_reading(reading):
    if not isinstance(reading, dict) or not {"words", *READING_KEYS, "f"} <= set(reading):
        raise ArgumentTypeError(f"reading: expected the dict returned by read_text, got {type(reading).__name__}")
    return reading


def top_words(reading, key, k=5):
    """The ``k`` words with the largest ``reading[key]`` (``"write"``, ``"held"``), largest first, as (word, value)."""
    _check_reading(reading)
    if key not in READING_KEYS:
        raise ValueError(f"key: expected one of {', '.join(map(repr, READING_KEYS))}, got {key!r}")
    k = integer("k", k, minimum=1)
    values = reading[key]
    order = np.argsort(values)[::-1][:k]
    return [(reading["words"][j], float(values[j])) for j in order]


def reading_claims(reading):
    """What chapter 09 says of the article's review, measured on one reading: a dict of named booleans and numbers.

    The chapter asserts these on its shipped model and counts them over models trained with other seeds.
    """
    words = _check_reading(reading)["words"]
    missing = [w for w in ("amazing", "surprises", "boring", "any") if w not in words]
    if missing:
        raise ValueError(f"reading: expected a reading of the article's review (data.ARTICLE_REVIEW), whose words "
                         f"the claims name; this one lacks {', '.join(map(repr, missing))}")
    idx = {w: words.index(w) for w in ("amazing", "surprises", "boring", "any")}
    write, p = reading["write"], reading["p_positive"]
    top_write = [w for w, _ in top_words(reading, "write")]
    top_held = [w for w, _ in top_words(reading, "held")]
    filler = [j for j, w in enumerate(words) if w in FILLER_WORDS]
    unit_keep = reading["f"].mean(axis=0)                          # each unit's forget gate, averaged over words
    frac = reading["fraction_held"]
    return {
        "positive_at_end": bool(p[-1] > 0.9),
        "positive_throughout": bool(np.all(p > 0.5)),
        "praise_in_top_writes": "amazing" in top_write and "surprises" in top_write,
        "filler_writes_less": bool(write[filler].max() < min(write[idx["amazing"]], write[idx["surprises"]])),
        "negation_in_top_writes": {"hardly", "any", "boring"} <= set(top_write),
        "hardly_any_boring_raises": bool(p[idx["boring"]] >= p[idx["any"]]),
        "amazing_not_held_most": "amazing" not in top_held,
        "recent_held_more": bool(frac[-5:].mean() > frac[:5].mean()),
        "amazing_fraction_held": float(frac[idx["amazing"]]),
        "surprises_fraction_held": float(frac[idx["surprises"]]),
        "unit_keep_min": float(unit_keep.min()), "unit_keep_max": float(unit_keep.max()),
        "p_positive_end": float(p[-1]),
    }


SHIPPED = {"lstm": "review_lstm.npz", "rnn": "review_rnn.npz", "rnn_short": "review_rnn_short.npz"}
"""Chapter 09's shipped models (``lstm_utils/results/``, written by ``scripts/train_review_models.py``): the LSTM
and the RNN trained on the mixed reviews with seed 0, and the RNN trained on short reviews only with seed 0."""


def load_review_model(name="lstm"):
    """The weights of a shipped chapter-09 model (a key of :data:`SHIPPED`), as a dict of float64 arrays."""
    if not isinstance(name, str) or name not in SHIPPED:
        raise ValueError(f"name: expected one of {', '.join(map(repr, SHIPPED))}, got {name!r}")
    with resources.files("lstm_utils").joinpath("results", SHIPPED[name]).open("rb") as f:
        with np.load(f) as npz:
            return {k: npz[k].copy() for k in npz.files}


def review_runs():
    """What ``scripts/train_review_models.py`` recorded: its settings and one summary per trained model."""
    text = resources.files("lstm_utils").joinpath("results", "review_models.json").read_text()
    return json.loads(text)
