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
    with pytest.raises(ValueError, match="T"):
        d.adding_problem(5, 2)


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
    for tokens, y in zip(reviews, labels):
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
    with pytest.raises(ValueError, match="position"):
        d.review_corpus(2, position=(0.5, 2.0))


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
    with pytest.raises(ValueError, match="T"):
        d.temporal_order_positions(3)


def test_temporal_order_is_seeded_and_balanced():
    a, b = d.temporal_order(50, 30, rng=1), d.temporal_order(50, 30, rng=1)
    assert_array_equal(a[0], b[0])
    assert_array_equal(a[1], b[1])
    _, labels = d.temporal_order(8000, 30, rng=2)
    assert np.all(np.abs(np.bincount(labels, minlength=4) / 8000 - 0.25) < 0.02)
