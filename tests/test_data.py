"""Tests of lstm_utils.data: the generators are seeded, shaped and correct."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from lstm_utils import data as d


@settings(max_examples=30, deadline=None)
@given(T=st.integers(4, 60), seed=st.integers(0, 2**16))
def test_adding_problem_is_correct(T, seed):
    xs, ys = d.adding_problem(7, T, rng=seed)
    assert xs.shape == (T, 7, 2) and ys.shape == (7,)
    markers = xs[:, :, 1]
    assert_array_equal(markers.sum(axis=0), 2.0)                       # exactly two marked steps
    assert np.all(np.isin(markers, [0.0, 1.0]))
    assert np.all(np.abs(xs[:, :, 0]) <= 1.0)
    marked = np.nonzero(markers.T)                                       # (sequence, step), sorted by sequence
    assert np.all(marked[1] < T // 2)                                    # both in the first half: lag >= T/2
    assert_allclose(ys, 0.5 + (xs[:, :, 0] * markers).sum(axis=0) / 4.0)


def test_adding_problem_is_seeded():
    a, b = d.adding_problem(5, 20, rng=3), d.adding_problem(5, 20, rng=3)
    assert_array_equal(a[0], b[0])
    assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], d.adding_problem(5, 20, rng=4)[0])


def test_adding_problem_chance_level():
    # predicting 0.5 solves P(|X1 + X2| < 0.16) = 0.16 - 0.16**2 / 4 = 0.1536 of the sequences
    _, ys = d.adding_problem(20000, 20, rng=0)
    assert abs(np.mean(np.abs(ys - 0.5) < 0.04) - 0.1536) < 0.01


@settings(max_examples=30, deadline=None)
@given(T=st.integers(0, 40), seed=st.integers(0, 2**16))
def test_keyword_task_label_is_the_marked_first_token(T, seed):
    xs, labels = d.keyword_task(6, T, n_classes=3, n_distractors=2, rng=seed)
    assert xs.shape == (T + 1, 6, 6)
    assert_array_equal(xs[:, :, :5].sum(axis=2), 1.0)                  # one token per step
    assert_array_equal(np.argmax(xs[0, :, :5], axis=1), labels)
    assert_array_equal(xs[:, :, 5], np.eye(T + 1)[0][:, None] * np.ones(6))   # marker only at step 0
    assert labels.dtype.kind == "i" and np.all((0 <= labels) & (labels < 3))


def test_keyword_task_is_seeded():
    assert_array_equal(d.keyword_task(4, 10, rng=1)[0], d.keyword_task(4, 10, rng=1)[0])


def test_tokenizer_and_vocabulary_cover_the_article_review():
    tokens = d.tokenize(d.ARTICLE_REVIEW)
    assert tokens[:3] == ["amazing", "movie", "movie"] and tokens[-4:] == ["hardly", "any", "boring", "moment"]
    assert len(tokens) == 26
    vocab = d.review_vocabulary()
    assert np.all(vocab.encode(tokens) > 1)                             # no word of the review is unknown
    assert vocab.decode(vocab.encode(tokens)) == tokens
    assert vocab.words[:2] == ["<pad>", "<unk>"] and vocab.words[2:] == sorted(vocab.words[2:])
    assert d.Vocabulary(["b", "a"]).words == d.Vocabulary(["a", "b", "a"]).words
    spans = d.word_spans(d.ARTICLE_REVIEW)
    assert [w for w, _, _ in spans] == tokens
    assert d.ARTICLE_REVIEW[spans[0][1]:spans[0][2]] == "Amazing"
    # filler holds every review word that carries no sentiment
    assert {"movie", "audience", "minute", "moment"} <= set(d.FILLER_WORDS)
    assert not ({"amazing", "boring", "hardly"} & set(d.FILLER_WORDS))


def test_encode_batch_pads_on_the_left():
    vocab = d.Vocabulary(["a", "b"])
    xs = d.encode_batch([["a", "b"], ["b"], ["zzz"]], vocab)
    assert xs.shape == (2, 3, 4)
    assert_array_equal(xs[:, 1].argmax(axis=1), [0, 3]) and xs[0, 1].sum() == 0    # padded step is all zeros
    assert xs[1, 2, 1] == 1.0                                                       # unknown word -> <unk>
    assert d.encode_batch([["a", "b", "a"]], vocab, length=2)[:, 0].argmax(axis=1).tolist() == [3, 2]


def _sentiment(tokens):
    """The label the corpus's grammar implies: sentiment words, flipped when a negation precedes them."""
    score = 0
    for i, w in enumerate(tokens):
        s = (w in d.POSITIVE_WORDS) - (w in d.NEGATIVE_WORDS)
        if s and i > 0 and tokens[i - 1] in ("any", "not", "never"):
            s = -s
        score += s
    return score


def test_review_corpus_labels_follow_the_deciding_words():
    reviews, labels = d.review_corpus(300, rng=0, p_negation=0.5)
    assert 0.4 < labels.mean() < 0.6
    for tokens, y in zip(reviews, labels, strict=True):
        s = _sentiment(tokens)
        assert (s > 0) if y == 1 else (s < 0)
    assert any("hardly" in r for r in reviews)
    again, labels2 = d.review_corpus(300, rng=0, p_negation=0.5)
    assert again == reviews and np.array_equal(labels, labels2)


def test_review_corpus_lengths_and_positions():
    reviews, _ = d.review_corpus(200, length=20, n_phrases=1, position=(0.0, 0.1), p_negation=0.0, rng=1)
    sentiment = set(d.POSITIVE_WORDS) | set(d.NEGATIVE_WORDS)
    for r in reviews:
        assert len(r) == 21
        where = [i for i, w in enumerate(r) if w in sentiment]
        assert len(where) == 1 and where[0] <= 2                        # the deciding word is near the start


@settings(max_examples=30, deadline=None)
@given(T=st.integers(10, 300), seed=st.integers(0, 2**16))
def test_temporal_order_is_correct(T, seed):
    xs, labels = d.temporal_order(9, T, rng=seed)
    assert xs.shape == (T, 9, len(d.TEMPORAL_SYMBOLS)) and labels.shape == (9,) and labels.dtype.kind == "i"
    tokens = xs.argmax(axis=2)                                            # (T, n)
    assert_array_equal(xs.sum(axis=2), 1.0)                               # one-hot
    assert np.all(tokens[0] == d.TEMPORAL_SYMBOLS.index("E")) and np.all(tokens[-1] == d.TEMPORAL_SYMBOLS.index("B"))
    first_range, second_range = d.temporal_order_positions(T)
    for b in range(9):
        relevant = np.flatnonzero(np.isin(tokens[:, b], [4, 5]))        # the steps showing X or Y
        assert len(relevant) == 2
        t1, t2 = relevant
        assert t1 in first_range and t2 in second_range
        symbols = "".join(d.TEMPORAL_SYMBOLS[tokens[t, b]] for t in (t1, t2))
        assert d.TEMPORAL_CLASSES[labels[b]] == symbols


def test_temporal_order_positions_follow_the_paper_at_100():
    first, second = d.temporal_order_positions(100)
    assert (first.start, first.stop - 1, second.start, second.stop - 1) == (10, 20, 50, 60)


def test_temporal_order_is_seeded_and_balanced():
    a, b = d.temporal_order(50, 30, rng=1), d.temporal_order(50, 30, rng=1)
    assert_array_equal(a[0], b[0])
    assert_array_equal(a[1], b[1])
    _, labels = d.temporal_order(8000, 30, rng=2)
    assert np.all(np.abs(np.bincount(labels, minlength=4) / 8000 - 0.25) < 0.02)


# ---------------------------------------------------------------------------------------------------------------
# The generators' statistics (tolerances of about 4 standard errors at these sizes and seeds)

def test_adding_problem_target_mean_and_variance():
    # y = 0.5 + (X1 + X2) / 4 with X uniform on [-1, 1]: mean 1/2, variance (2/3) / 16 = 1/24
    _, ys = d.adding_problem(20000, 30, rng=11)
    assert abs(ys.mean() - 0.5) < 0.006                                  # standard error 0.0014
    assert abs(ys.var() - 1 / 24) < 0.0015                               # standard error ~0.0003
    assert ys.min() >= 0 and ys.max() <= 1


def test_adding_problem_marker_positions():
    T, n = 40, 20000
    xs, _ = d.adding_problem(n, T, rng=12)
    steps = [np.flatnonzero(xs[:, b, 1]) for b in range(n)]
    assert all(len(s) == 2 for s in steps)                               # two markers, never on the same step
    firsts = np.array([s[0] for s in steps])
    assert firsts.max() < T // 2
    # the first-drawn marker is uniform on steps 0..9, the other on the 19 other steps of 0..19; the earlier of
    # the two is at step k with probability 0.1 (19 - k) / 19 + 0.1 (9 - k) / 19 = (28 - 2k) / 190
    k = np.arange(10)
    earliest = np.bincount(firsts, minlength=T // 2)
    assert np.all(earliest[10:] == 0)
    assert np.all(np.abs(earliest[:10] / n - (28 - 2 * k) / 190) < 0.01)   # standard errors <= 0.0025
    # values are uniform on [-1, 1]: mean 0, variance 1/3
    v = xs[:, :, 0]
    assert abs(v.mean()) < 0.005 and abs(v.var() - 1 / 3) < 0.005 and np.abs(v).max() <= 1


def test_adding_problem_keeps_a_float_dtype():
    xs, ys = d.adding_problem(4, 8, rng=0, dtype=np.float32)
    assert xs.dtype == ys.dtype == np.float32


def test_temporal_order_symbols_and_positions_are_uniform():
    T, n = 100, 8000
    xs, labels = d.temporal_order(n, T, rng=13)
    tokens = xs.argmax(axis=2)
    distractors = tokens[1:-1][tokens[1:-1] < 4]
    assert np.all(np.abs(np.bincount(distractors, minlength=4) / distractors.size - 0.25) < 0.01)
    first_range, second_range = d.temporal_order_positions(T)
    marked = np.isin(tokens, [4, 5])                                     # (T, n): where X and Y stand
    assert np.all(marked.sum(axis=0) == 2)                              # two of them in every sequence
    relevant = np.nonzero(marked.T)[1].reshape(n, 2)                    # (n, 2): their steps, in order
    f = np.bincount(relevant[:, 0] - first_range.start, minlength=len(first_range)) / n
    assert np.all(np.abs(f - 1 / len(first_range)) < 0.02)             # each of the 11 steps ~9 %
    # X and Y equally likely at both places, independently: the four classes ~1/4 each
    assert np.all(np.abs(np.bincount(labels, minlength=4) / n - 0.25) < 0.025)


def test_keyword_task_labels_and_distractors_are_uniform():
    xs, labels = d.keyword_task(8000, 20, n_classes=4, n_distractors=4, rng=14)
    assert np.all(np.abs(np.bincount(labels, minlength=4) / 8000 - 0.25) < 0.025)
    later = xs[1:, :, :8].argmax(axis=2).ravel()
    assert np.all(np.abs(np.bincount(later, minlength=8) / later.size - 1 / 8) < 0.01)


def test_review_corpus_statistics():
    n = 3000
    reviews, labels = d.review_corpus(n, length=(8, 30), n_phrases=(1, 3), p_negation=0.3, rng=15)
    assert abs(labels.mean() - 0.5) < 0.04
    sentiment = set(d.POSITIVE_WORDS) | set(d.NEGATIVE_WORDS)
    phrases = sum(sum(w in sentiment for w in r) for r in reviews)
    negated = sum(sum(w in ("any", "not", "never") for w in r) for r in reviews)
    assert abs(phrases / n - 2.0) < 0.1                                  # 1-3 phrases: 2 on average
    assert abs(negated / phrases - 0.3) < 0.03                           # the fraction negated is p_negation
    filler = [sum(w in d.FILLER_WORDS for w in r) for r in reviews]
    assert min(filler) >= 8 and max(filler) <= 30 and abs(np.mean(filler) - 19) < 0.5


def test_word_spans_are_exact_on_any_text():
    for text in ("İstanbul movie", "Straße, don't STOP!", "naïve café", "Amazing movie!"):
        spans = d.word_spans(text)
        assert [w for w, _, _ in spans] == d.tokenize(text)
        assert all(text[a:b].lower() == w for w, a, b in spans)
    assert d.tokenize("İstanbul movie") == ["stanbul", "movie"]


def test_decode_is_the_inverse_of_encode_and_refuses_wrapping():
    v = d.Vocabulary(["a", "b"])
    assert v.decode(v.encode(["b", "a", "zz"])) == ["b", "a", "<unk>"]
    assert v.decode([]) == []


# ---------------------------------------------------------------------------------------------------------------
# Bad input, table

_v = d.review_vocabulary()

BAD_INPUT = [
    pytest.param(lambda: d.adding_problem(5, 2), ValueError, r"T: expected an integer >= 4, got 2", id="adding-T"),
    pytest.param(lambda: d.adding_problem(2.5, 8), TypeError, r"n: expected an integer, got float", id="adding-n"),
    *[pytest.param(lambda dt=dt: d.adding_problem(4, 8, dtype=dt), ValueError,
                   rf"dtype: .*float32 or np.float64\), got {np.dtype(dt).name}", id=f"adding-{np.dtype(dt).name}")
      for dt in (np.int64, np.complex128)],
    pytest.param(lambda: d.temporal_order(4, 8, dtype=np.int64), ValueError, r"dtype: .*got int64",
                 id="temporal-dtype"),
    pytest.param(lambda: d.keyword_task(4, 3, dtype=bool), ValueError, r"dtype: .*got bool", id="keyword-dtype"),
    pytest.param(lambda: d.temporal_order_positions(3), ValueError, r"T: expected an integer >= 4, got 3",
                 id="positions-T"),
    pytest.param(lambda: d.keyword_task(3, 4, rng="a"), TypeError, r"rng: .*str", id="keyword-rng"),
    pytest.param(lambda: d.keyword_task(3, 4, n_classes=1), ValueError, r"n_classes: expected an integer >= 2",
                 id="keyword-classes"),
    pytest.param(lambda: d.tokenize(None), TypeError, r"text: expected a str, got NoneType", id="tokenize-None"),
    pytest.param(lambda: d.word_spans(None), TypeError, r"text: expected a str, got NoneType", id="word_spans-None"),
    pytest.param(lambda: d.Vocabulary("abc"), TypeError, r"words: .*got a str.*characters", id="vocab-str"),
    pytest.param(lambda: d.Vocabulary([1, 2]), TypeError, r"words: expected every word to be a str, got int 1",
                 id="vocab-ints"),
    pytest.param(lambda: d.Vocabulary(None), TypeError, r"words: expected an iterable", id="vocab-None"),
    pytest.param(lambda: _v.decode([-1]), ValueError,
                 rf"indices: expected integers in 0..{len(_v) - 1}, got range \[-1",
                 id="decode-negative"),
    pytest.param(lambda: _v.decode([99999]), ValueError, r"indices: .*99999", id="decode-large"),
    pytest.param(lambda: _v.decode(["a"]), TypeError, r"indices: .*integers.*<U1", id="decode-str"),
    pytest.param(lambda: _v.encode("movie"), TypeError, r"tokens: .*got str.*letter by letter", id="encode-str"),
    pytest.param(lambda: _v.encode([1]), TypeError, r"tokens: .*str, got int", id="encode-ints"),
    pytest.param(lambda: d.encode_batch([["a"]], None), TypeError, r"vocab: expected a Vocabulary.*got NoneType",
                 id="encode_batch-vocab"),
    pytest.param(lambda: d.encode_batch([[1, 2]], _v), TypeError, r"token_lists: .*str, got int",
                 id="encode_batch-ints"),
    pytest.param(lambda: d.encode_batch("a b", _v), TypeError, r"token_lists: expected a list of token lists",
                 id="encode_batch-str"),
    pytest.param(lambda: d.encode_batch([["a"]], _v, length=0), ValueError, r"length: .*>= 1, got 0",
                 id="encode_batch-length"),
    pytest.param(lambda: d.review_corpus(2, position=(0.5, 2.0)), ValueError, r"position: .*\[0, 1\], got 2\.0",
                 id="corpus-position"),
    pytest.param(lambda: d.review_corpus(3, length=(2.5, 3.5)), TypeError, r"length: expected an integer, got float",
                 id="corpus-length-float"),
    pytest.param(lambda: d.review_corpus(3, length=(5, 2)), ValueError, r"length: expected low <= high",
                 id="corpus-length-order"),
    pytest.param(lambda: d.review_corpus(3, length="a"), TypeError, r"length: expected a non-negative integer",
                 id="corpus-length-str"),
    pytest.param(lambda: d.review_corpus(3, n_phrases=None), TypeError, r"n_phrases: ", id="corpus-phrases-None"),
    *[pytest.param(lambda pn=pn: d.review_corpus(3, p_negation=pn), ValueError, r"p_negation: .*\[0, 1\]",
                   id=f"corpus-p_negation-{pn}") for pn in (2, -1)],
    pytest.param(lambda: d.review_corpus(3, p_negation="0.3"), TypeError, r"p_negation: .*str", id="corpus-p-str"),
]


@pytest.mark.parametrize("call, exc, match", BAD_INPUT)
def test_bad_input_is_refused_by_name(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
