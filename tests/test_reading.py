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


def test_shipped_models_are_package_data():
    # read with importlib.resources, so a notebook opened alone (Colab) finds them
    import inspect

    assert "resources.files" in inspect.getsource(rd.load_review_model)
    assert "resources.files" in inspect.getsource(rd.review_runs)


# ---------------------------------------------------------------------------------------------------------------
# Bad input, table

_lstm = rd.load_review_model("lstm")
_reading = rd.read_text(_lstm, lu.data.ARTICLE_REVIEW)

BAD_INPUT = [
    pytest.param(lambda: rd.load_review_model("transformer"), ValueError,
                 r"name: expected one of 'lstm'.*'transformer'",
                 id="model-name"),
    pytest.param(lambda: rd.load_review_model(3), ValueError, r"name: .*got 3", id="model-name-int"),
    pytest.param(lambda: rd.read_text(_lstm, None), TypeError, r"text: expected a str, got NoneType", id="text-None"),
    pytest.param(lambda: rd.read_text(_lstm, "!!!"), ValueError, r"text: expected at least one word, got '!!!'",
                 id="text-no-words"),
    pytest.param(lambda: rd.read_text(rd.load_review_model("rnn"), "amazing movie"), ValueError,
                 r"params: expected the keys of 'lstm'", id="params-rnn"),
    pytest.param(lambda: rd.read_text(None, "amazing"), TypeError, r"params: expected a dict", id="params-None"),
    pytest.param(lambda: rd.read_text(_lstm, "amazing", vocab=lu.data.Vocabulary(["amazing"])), ValueError,
                 r"vocab: expected a vocabulary of the model's input size D = \d+, got one of 3 entries",
                 id="vocab-size"),
    pytest.param(lambda: rd.read_text(_lstm, "amazing", vocab=["amazing"]), TypeError, r"vocab: expected a Vocabulary",
                 id="vocab-list"),
    pytest.param(lambda: rd.top_words(_reading, "nope"), ValueError, r"key: expected one of 'write', 'held'.*'nope'",
                 id="top_words-key"),
    pytest.param(lambda: rd.top_words(_reading, "write", k=0), ValueError, r"k: expected an integer >= 1, got 0",
                 id="top_words-k"),
    pytest.param(lambda: rd.top_words({"words": []}, "write"), TypeError, r"reading: expected the dict returned by "
                 r"read_text", id="top_words-reading"),
    pytest.param(lambda: rd.reading_claims(rd.read_text(_lstm, "a movie")), ValueError,
                 r"reading: expected a reading of the article's review.*'amazing'", id="claims-other-text"),
]


@pytest.mark.parametrize("call, exc, match", BAD_INPUT)
def test_bad_input_is_refused_by_name(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
