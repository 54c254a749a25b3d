"""Tests of lstm_utils.reading: the word-by-word reading of an LSTM, and the shipped chapter-09 models."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import lstm_utils as lu
from lstm_utils import reading as rd


@pytest.fixture(scope="module")
def small_model():
    vocab = lu.data.review_vocabulary()
    return lu.models.init_model("lstm", len(vocab), 5, 2, rng=3, forget_bias=2.0), vocab


def test_read_text_unrolls_the_cell_state(small_model):
    params, vocab = small_model
    r = rd.read_text(params, lu.data.ARTICLE_REVIEW, vocab)
    T = len(lu.data.tokenize(lu.data.ARTICLE_REVIEW))
    assert r["f"].shape == r["written"].shape == r["held_units"].shape == (T, 5)
    assert_allclose(r["held_units"].sum(axis=0), r["c_last"], atol=1e-12)    # the unrolled sum is C_T
    assert r["fraction_held"][-1] == pytest.approx(1.0)                       # the last word is held whole
    assert np.all(r["fraction_held"] <= 1 + 1e-12)
    assert np.all((r["p_positive"] > 0) & (r["p_positive"] < 1))
    # the answer after the last word is the model's answer
    xs = lu.data.encode_batch([r["words"]], vocab)
    out, _ = lu.models.model_forward("lstm", params, xs)
    assert r["p_positive"][-1] == pytest.approx(lu.models.softmax(out)[0, 1])


def test_top_words_and_claims(small_model):
    params, vocab = small_model
    r = rd.read_text(params, lu.data.ARTICLE_REVIEW, vocab)
    top = rd.top_words(r, "write", k=3)
    assert len(top) == 3 and top[0][1] == pytest.approx(r["write"].max())
    claims = rd.reading_claims(r)
    assert claims["recent_held_more"] in (True, False)
    assert 0 < claims["unit_keep_min"] <= claims["unit_keep_max"] < 1


def test_shipped_models_load_and_are_what_the_script_recorded():
    stored = rd.review_runs()
    assert stored["written_by"] == "scripts/train_review_models.py"
    sets = lu.data.review_sets()
    for name, cell, train_set in [("lstm", "lstm", "mixed"), ("rnn", "rnn", "mixed"), ("rnn_short", "rnn", "short")]:
        params = rd.load_review_model(name)
        assert all(v.dtype == np.float64 for v in params.values())
        run = next(r for r in stored["runs"] if (r["cell"], r["train_set"], r["seed"]) == (cell, train_set, 0))
        for test in ("near", "far"):
            assert lu.train.evaluate(cell, params, *sets[test], "classification")[1] == pytest.approx(run[test])
    with pytest.raises(ValueError, match="name"):
        rd.load_review_model("transformer")
