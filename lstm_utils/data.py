r"""Seeded data for the long-time-lag tasks (chapter 08) and the synthetic movie reviews (chapter 09).

Nothing is downloaded: every data set is generated from a seed, so two runs see the same sequences.

Tasks (all time-major, ``xs`` of shape (T, B, D), as the cells expect):

* :func:`adding_problem`: Hochreiter & Schmidhuber's (1997) adding problem. Two input channels, a value and a
  marker; the target, due after the last step, is :math:`0.5 + (X_1 + X_2)/4` for the two marked values.
* :func:`temporal_order`: Hochreiter & Schmidhuber's (1997) temporal-order problem: which of X and Y came first,
  and which second, at two steps far from the end.
* :func:`keyword_task`: the label is the keyword shown at the first step; T distractor tokens follow.
* :func:`review_corpus`: short synthetic reviews built from sentiment words, negations ("hardly any boring") and
  neutral filler that contains every word of the article's review, with the deciding words where you put them.

Text is turned into inputs by :func:`tokenize`, a :class:`Vocabulary` and :func:`encode_batch` (one-hot vectors,
padded on the left so that the last step is always the review's last word).
"""

from __future__ import annotations

import re
from numbers import Real

import numpy as np

from ._checks import ArgumentTypeError, float_dtype, integer, number, rng as _rng


def as_rng(rng):
    return _rng("rng", rng)

# ---------------------------------------------------------------------------------------------------------------
# The adding problem
# ---------------------------------------------------------------------------------------------------------------


def _check_positive(name, n, minimum=1, maximum=None):
    return integer(name, n, minimum=minimum, maximum=maximum)


MAX_STEPS = 10**9
"""The most steps (``n * T``) a generator makes in one call: ~8 GB per float64 channel. Larger sizes are refused
by name before anything is drawn, instead of failing inside numpy with its own message."""


MAX_REVIEWS = 10**7
"""The most reviews :func:`review_corpus` makes in one call (each is a Python string)."""


def _check_size(n, T):
    if n * max(T, 1) > MAX_STEPS:
        raise ValueError(f"n, T: expected at most {MAX_STEPS:,} steps in all (n * T), got n = {n:,} and T = {T:,}, "
                         f"n * T = {n * T:,}")


def adding_problem(n, T, *, rng=None, dtype=np.float64):
    r"""``n`` sequences of the adding problem of length ``T``: returns ``xs`` (T, n, 2) and ``ys`` (n,).

    Channel 0 holds values drawn uniformly from [-1, 1]; channel 1 is a marker, 1 at exactly two steps and 0
    elsewhere. The first marked step lies among the first min(10, T/2) steps and the second among the first T/2
    (they differ), so at least T/2 steps separate the last marked value from the end of the sequence. The target is

    .. math:: y = 0.5 + \frac{X_1 + X_2}{4} \in [0, 1],

    as in Hochreiter & Schmidhuber (1997, section 5.4), where a sequence counts as solved when the prediction is
    within 0.04 of the target. Simplifications: the length is fixed at T (the paper drew it from [T, 1.1 T]) and
    there are no -1 markers at the ends. Always predicting 0.5 solves about 15 % of the sequences by chance
    (those with :math:`|X_1 + X_2| < 0.16`).
    """
    n, T = _check_positive("n", n), _check_positive("T", T, 4)
    _check_size(n, T)
    dtype = float_dtype("dtype", dtype)
    rng = as_rng(rng)
    values = rng.uniform(-1.0, 1.0, size=(T, n))
    half = T // 2
    first = rng.integers(0, min(10, half), size=n)
    # second: uniform over the first T/2 steps other than `first` (draw from half - 1 slots, skip over `first`)
    second = rng.integers(0, half - 1, size=n)
    second = second + (second >= first)
    markers = np.zeros((T, n))
    cols = np.arange(n)
    markers[first, cols] = 1.0
    markers[second, cols] = 1.0
    ys = 0.5 + (values[first, cols] + values[second, cols]) / 4.0
    xs = np.stack([values, markers], axis=2)
    return xs.astype(dtype), ys.astype(dtype)


# ---------------------------------------------------------------------------------------------------------------
# The temporal-order problem
# ---------------------------------------------------------------------------------------------------------------

TEMPORAL_SYMBOLS = ("a", "b", "c", "d", "X", "Y", "B", "E")
"""The temporal-order problem's alphabet, in the order of the one-hot input channels: four distractors, the two
relevant symbols X and Y, the trigger B that ends a sequence and the E that starts it (the paper's letters)."""
TEMPORAL_CLASSES = ("XX", "XY", "YX", "YY")
"""The four classes of the temporal-order problem: which relevant symbol came first, which second."""


def temporal_order_positions(T):
    """The ranges ``(first, second)`` of the two relevant steps for length ``T``, as ``range`` objects.

    Hochreiter & Schmidhuber (1997, experiment 6a) place them at steps 10-20 and 50-60 of a sequence of 100-110;
    here they scale with ``T``: the first among steps [0.1 T, 0.2 T], the second among [0.5 T, 0.6 T] (at least step
    1, before step T - 1, and after the first).
    """
    T = _check_positive("T", T, 4)
    lo1 = max(1, round(0.1 * T))
    hi1 = max(lo1, round(0.2 * T))
    lo2 = max(hi1 + 1, round(0.5 * T))
    hi2 = min(T - 2, max(lo2, round(0.6 * T)))
    return range(lo1, hi1 + 1), range(lo2, hi2 + 1)


def temporal_order(n, T, *, rng=None, dtype=np.float64):
    r"""``n`` sequences of the temporal-order problem of length ``T``: returns ``xs`` (T, n, 8) and ``labels`` (n,).

    Hochreiter & Schmidhuber's (1997) experiment 6a. A sequence starts with ``E`` and ends with ``B`` (the paper's
    "trigger symbol", after which the answer is due); every other
    step shows one of the distractors a, b, c, d, except two steps (see :func:`temporal_order_positions`: one in
    the first fifth of the sequence, one just past its middle) that show X or Y. The label is the order of those
    two symbols, one of ``XX, XY, YX, YY`` (0-3): the answer needs both symbols *and* which came first, and the
    earlier one lies at least 0.8 T steps before the end. Guessing gives accuracy 1/4.

    Simplifications: the length is fixed at T (the paper's lengths varied between 100 and 110) and the relevant
    positions scale with T. ``xs`` holds one-hot vectors over :data:`TEMPORAL_SYMBOLS`; ``labels`` are integers.
    """
    n = _check_positive("n", n)
    first_range, second_range = temporal_order_positions(T)
    _check_size(n, T)
    dtype = float_dtype("dtype", dtype)
    rng = as_rng(rng)
    tokens = rng.integers(0, 4, size=(T, n))               # distractors a, b, c, d
    tokens[0], tokens[-1] = 7, 6                           # E ... B (the trigger)
    cols = np.arange(n)
    first = rng.integers(first_range.start, first_range.stop, size=n)
    second = rng.integers(second_range.start, second_range.stop, size=n)
    which = rng.integers(0, 2, size=(2, n))                # 0: X, 1: Y
    tokens[first, cols] = 4 + which[0]
    tokens[second, cols] = 4 + which[1]
    labels = 2 * which[0] + which[1]                       # XX, XY, YX, YY
    xs = np.eye(len(TEMPORAL_SYMBOLS), dtype=dtype)[tokens]
    return xs, labels.astype(np.int64)


# ---------------------------------------------------------------------------------------------------------------
# Remembering a keyword
# ---------------------------------------------------------------------------------------------------------------


def keyword_task(n, T, *, n_classes=4, n_distractors=4, rng=None, dtype=np.float64):
    """``n`` sequences of ``T + 1`` tokens whose label is the token at step 0: returns ``xs``, ``labels``.

    The alphabet has ``n_classes + n_distractors`` tokens; tokens ``0 .. n_classes - 1`` are the keywords. Step 0
    shows keyword ``k`` (drawn uniformly) and steps 1..T show tokens drawn uniformly from the *whole* alphabet, the
    keywords included, so later keywords are distractors too. An extra input channel marks step 0 (1 there, 0
    elsewhere): the model is told which token counts and must keep it, unchanged by everything that follows,
    until the answer is due after the last step. Guessing gives accuracy ``1 / n_classes``.

    ``xs`` has shape (T + 1, n, n_classes + n_distractors + 1): one-hot tokens, then the marker; ``labels`` has
    shape (n,) and integer dtype.
    """
    n, T = _check_positive("n", n), _check_positive("T", T, 0)
    _check_size(n, T)
    n_classes = _check_positive("n_classes", n_classes, 2)
    n_distractors = _check_positive("n_distractors", n_distractors, 0)
    dtype = float_dtype("dtype", dtype)
    rng = as_rng(rng)
    V = n_classes + n_distractors
    labels = rng.integers(0, n_classes, size=n)
    tokens = np.empty((T + 1, n), dtype=np.int64)
    tokens[0] = labels
    tokens[1:] = rng.integers(0, V, size=(T, n))
    xs = np.zeros((T + 1, n, V + 1), dtype=dtype)
    xs[:, :, :V] = np.eye(V, dtype=dtype)[tokens]
    xs[0, :, V] = 1.0                                      # the marker: this token is the one to remember
    return xs, labels


# ---------------------------------------------------------------------------------------------------------------
# Text: a tokenizer, a vocabulary, one-hot batches
# ---------------------------------------------------------------------------------------------------------------

ARTICLE_REVIEW = ("Amazing movie! Movie was full of new surprises, audience had to hold back till the last "
                  "minute to watch it. There was hardly any boring moment.")
"""The movie review of the source article, verbatim."""

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def _check_text(text):
    if not isinstance(text, str):
        raise ArgumentTypeError(f"text: expected a str, got {type(text).__name__}")
    return text


def tokenize(text):
    """Lower-cased words, punctuation dropped: ``"Amazing movie!"`` -> ``["amazing", "movie"]``.

    A word is a run of ASCII letters, with one apostrophe allowed inside (``"don't"``); any other character
    separates words. The words are found in the original text and lower-cased one by one, so
    :func:`word_spans` gives their exact places even where ``str.lower`` would change the text's length
    (``"İ".lower()`` is two characters).
    """
    return [w for w, _, _ in word_spans(text)]


def word_spans(text):
    """``(word, start, end)`` for every token of :func:`tokenize` in ``text``: ``text[start:end].lower() == word``.

    Lets a display colour the original text (capitals and punctuation kept) word by word.
    """
    _check_text(text)
    return [(m.group(0).lower(), m.start(), m.end()) for m in _WORD.finditer(text)]


PAD, UNK = "<pad>", "<unk>"


class Vocabulary:
    """A fixed word <-> index map: index 0 is ``<pad>``, 1 is ``<unk>``, then the words in sorted order.

    Sorting makes the indices depend only on the set of words, never on the order they were seen in.
    """

    def __init__(self, words):
        if isinstance(words, (str, bytes)):
            raise ArgumentTypeError(f"words: expected an iterable of words (e.g. a list of str), got a "
                                    f"{type(words).__name__}, which would make a vocabulary of its characters")
        try:
            words = list(words)
        except TypeError:
            raise ArgumentTypeError(f"words: expected an iterable of words, got {type(words).__name__}") from None
        bad = [w for w in words if not isinstance(w, str)]
        if bad:
            raise ArgumentTypeError(f"words: expected every word to be a str, got {type(bad[0]).__name__} "
                                    f"{bad[0]!r}")
        words = sorted(set(words) - {PAD, UNK})
        self.words = [PAD, UNK] + words
        self.index = {w: i for i, w in enumerate(self.words)}

    def __len__(self):
        return len(self.words)

    def __repr__(self):
        return f"Vocabulary({len(self)} entries)"

    def encode(self, tokens):
        """Indices of ``tokens`` (a list of words); unknown words map to ``<unk>`` (1)."""
        _check_tokens("tokens", tokens)
        return np.array([self.index.get(t, 1) for t in tokens], dtype=np.int64)

    def decode(self, indices):
        """The words at ``indices`` (integers in 0..len(self) - 1; negative indices are refused, not wrapped)."""
        a = np.asarray(indices)
        if a.ndim != 1 or (a.size and a.dtype.kind not in "iu"):
            raise ArgumentTypeError(f"indices: expected a 1-D sequence of integers, got "
                                    f"{'dtype ' + str(a.dtype) if a.ndim == 1 else 'shape ' + str(a.shape)}")
        if a.size and (a.min() < 0 or a.max() >= len(self)):
            raise ValueError(f"indices: expected integers in 0..{len(self) - 1}, got range [{a.min()}, {a.max()}]")
        return [self.words[int(i)] for i in a]


def _check_tokens(name, tokens):
    if isinstance(tokens, str) or not isinstance(tokens, (list, tuple)):
        raise ArgumentTypeError(f"{name}: expected a list of words (e.g. tokenize(text)), got "
                                f"{type(tokens).__name__}" + (" (a string would be encoded letter by letter)"
                                                              if isinstance(tokens, str) else ""))
    bad = [t for t in tokens if not isinstance(t, str)]
    if bad:
        raise ArgumentTypeError(f"{name}: expected every token to be a str, got {type(bad[0]).__name__} "
                                f"{bad[0]!r}")


def encode_batch(token_lists, vocab, *, length=None, dtype=np.float64):
    """One-hot inputs ``xs`` of shape (T, B, V) for a list of token lists, padded on the left.

    ``T`` is ``length`` or the longest list. A ``<pad>`` step is the zero vector (it adds nothing through the
    input weights), and padding goes on the *left* so that every review ends at the last step, where the
    many-to-one model reads its answer. Longer lists are cut to their last ``length`` tokens.
    """
    if isinstance(token_lists, str) or not isinstance(token_lists, (list, tuple)) \
            or not all(isinstance(t, (list, tuple)) for t in token_lists):
        raise ArgumentTypeError("token_lists: expected a list of token lists (e.g. [tokenize(text), ...]), got "
                                f"{type(token_lists).__name__}")
    for t in token_lists:
        _check_tokens("token_lists", t)
    if not isinstance(vocab, Vocabulary):
        raise ArgumentTypeError(f"vocab: expected a Vocabulary (e.g. review_vocabulary()), got "
                                f"{type(vocab).__name__}")
    dtype = float_dtype("dtype", dtype)
    B = len(token_lists)
    T = max((len(t) for t in token_lists), default=0) if length is None else _check_positive("length", length)
    V = len(vocab)
    xs = np.zeros((T, B, V), dtype=dtype)
    for b, tokens in enumerate(token_lists):
        idx = vocab.encode(list(tokens)[-T:] if T else [])
        steps = np.arange(T - len(idx), T)
        xs[steps, b, idx] = 1.0
    xs[:, :, 0] = 0.0                                      # <pad> is all zeros
    return xs


# ---------------------------------------------------------------------------------------------------------------
# The synthetic review corpus
# ---------------------------------------------------------------------------------------------------------------

POSITIVE_WORDS = ("amazing", "surprises", "great", "brilliant", "wonderful", "excellent", "gripping", "superb")
"""Words that make a review positive. "amazing" and "surprises" are the article's; "surprises" counts as praise here,
as it does in the article's reading of its review."""
NEGATIVE_WORDS = ("boring", "awful", "dull", "terrible", "predictable", "weak", "disappointing", "tedious")
"""Words that make a review negative ("boring" is the article's)."""
NEGATIONS = ("hardly any", "not", "never")
"""A negation followed by a sentiment word flips it: "hardly any boring" is praise, "not amazing" is not."""

_REVIEW_WORDS = tokenize(ARTICLE_REVIEW)
_EXTRA_FILLER = ("a", "and", "film", "story", "plot", "actors", "scene", "director", "ending", "music", "this",
                 "is", "with", "we", "saw", "in", "at", "cinema", "night", "long", "time", "characters",
                 "script", "i", "my", "friends", "after", "before", "again", "about", "for", "on")
_SENTIMENT = set(POSITIVE_WORDS) | set(NEGATIVE_WORDS) | {w for n in NEGATIONS for w in n.split()}
FILLER_WORDS = tuple(sorted((set(_REVIEW_WORDS) | set(_EXTRA_FILLER)) - _SENTIMENT))
"""Neutral words: every word of the article's review that carries no sentiment, plus common film words."""


def review_vocabulary():
    """The :class:`Vocabulary` of the synthetic corpus; it contains every word of the article's review."""
    words = set(FILLER_WORDS) | set(POSITIVE_WORDS) | set(NEGATIVE_WORDS)
    words |= {w for n in NEGATIONS for w in n.split()}
    return Vocabulary(words)


def _phrase(positive, rng, p_negation):
    """A deciding phrase of the given sentiment: a sentiment word, or a negation of the opposite word."""
    if rng.random() < p_negation:
        neg = NEGATIONS[rng.integers(len(NEGATIONS))].split()
        words = NEGATIVE_WORDS if positive else POSITIVE_WORDS
        return neg + [words[rng.integers(len(words))]]
    words = POSITIVE_WORDS if positive else NEGATIVE_WORDS
    return [words[rng.integers(len(words))]]


def review_corpus(n, *, length=(8, 30), n_phrases=(1, 3), position=None, p_negation=0.3, rng=None):
    """``n`` synthetic reviews: returns ``(reviews, labels)``, lists of token lists and an int array (1 = positive).

    Each review is neutral filler (:data:`FILLER_WORDS`) with ``k`` deciding phrases inserted, all of the review's
    sentiment: a sentiment word ("amazing") or, with probability ``p_negation``, a negation of a word of the
    opposite sentiment ("hardly any boring"). Labels are balanced in expectation.

    Parameters
    ----------
    length : int or (low, high)
        Number of filler words (drawn uniformly from [low, high] inclusive); the phrases come on top.
    n_phrases : int or (low, high)
        Number of deciding phrases per review.
    position : None, float in [0, 1] or (low, high)
        Where the phrases go, as a fraction of the filler: 0 is the first word, 1 after the last. ``None`` means
        anywhere (uniform over [0, 1]); ``(0, 0.2)`` puts every deciding word in the first fifth, far from the end.
    p_negation : float in [0, 1]
        The probability that a deciding phrase is a negation.
    rng : None, int or Generator
    """
    n = _check_positive("n", n, maximum=MAX_REVIEWS)
    rng = as_rng(rng)

    def _range(name, v, kind):
        """An int (kind "integer") or a fraction in [0, 1] (kind "fraction"), or a (low, high) pair of them."""
        pair = (v, v) if isinstance(v, Real) and not isinstance(v, bool) else v
        what = ("a non-negative integer or a (low, high) pair of them" if kind == "integer"
                else "a fraction in [0, 1] or a (low, high) pair of them")
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ArgumentTypeError(f"{name}: expected {what}, got {v!r}")
        if kind == "integer":
            lo, hi = (integer(f"{name}", x, minimum=0) for x in pair)
        else:
            lo, hi = (number(f"{name}", x, low=0.0, high=1.0) for x in pair)
        if lo > hi:
            raise ValueError(f"{name}: expected low <= high, got {v!r}")
        return lo, hi

    len_lo, len_hi = _range("length", length, "integer")
    ph_lo, ph_hi = _range("n_phrases", n_phrases, "integer")
    pos_lo, pos_hi = (0.0, 1.0) if position is None else _range("position", position, "fraction")
    p_negation = number("p_negation", p_negation, low=0.0, high=1.0)
    labels = rng.integers(0, 2, size=n)
    reviews = []
    for y in labels:
        n_filler = int(rng.integers(len_lo, len_hi + 1))
        words = [FILLER_WORDS[i] for i in rng.integers(0, len(FILLER_WORDS), size=n_filler)]
        k = int(rng.integers(ph_lo, ph_hi + 1))
        # insertion points in the filler, from the back so earlier insertions do not shift later ones
        points = np.sort(np.round(rng.uniform(pos_lo, pos_hi, size=k) * n_filler).astype(int))[::-1]
        for p in points:
            words[p:p] = _phrase(bool(y), rng, p_negation)
        reviews.append(words)
    return reviews, labels.astype(np.int64)


def review_sets(vocab=None):
    """Chapter 09's data sets, encoded (:func:`encode_batch`): a dict of ``(xs, labels)`` pairs.

    ``"mixed"``: 1,500 reviews of 8-30 filler words with the phrases anywhere, plus 1,500 of 20-40 filler words whose
    one or two phrases sit in the first quarter; ``"short"``: 3,000 reviews of 8-30 filler words, phrases anywhere;
    ``"near"`` and ``"far"``: 500 test reviews of 40 filler words with one phrase in the last tenth or the first
    tenth; ``"val"``: 200 of each kind, for early stopping. Every set has its own seed, so a script and the chapter
    build the same sets.
    """
    vocab = review_vocabulary() if vocab is None else vocab

    def encoded(reviews, labels):
        return encode_batch(reviews, vocab), labels

    r1, y1 = review_corpus(1500, length=(8, 30), rng=0)
    r2, y2 = review_corpus(1500, length=(20, 40), n_phrases=(1, 2), position=(0.0, 0.25), rng=1)
    val_far = review_corpus(200, length=40, n_phrases=1, position=(0.0, 0.1), rng=4)
    val_near = review_corpus(200, length=40, n_phrases=1, position=(0.9, 1.0), rng=5)
    return {"mixed": encoded(r1 + r2, np.concatenate([y1, y2])),
            "short": encoded(*review_corpus(3000, length=(8, 30), rng=0)),
            "far": encoded(*review_corpus(500, length=40, n_phrases=1, position=(0.0, 0.1), rng=2)),
            "near": encoded(*review_corpus(500, length=40, n_phrases=1, position=(0.9, 1.0), rng=3)),
            "val": encoded(val_far[0] + val_near[0], np.concatenate([val_far[1], val_near[1]]))}
