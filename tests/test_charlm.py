"""Tests for lstm_utils.charlm and lstm_utils.corpus: gradient checks in float64, truncated BPTT, the corpus and its
labels, bad input, and the shipped models."""

import json
from importlib import resources

import numpy as np
import pytest
from numpy.testing import assert_allclose

import lstm_utils as lu
from lstm_utils import charlm, corpus
from lstm_utils.charlm import _forward

CELLS = charlm.CHAR_CELLS


def _rnn3():
    return charlm.init_charlm("rnn", 3, rng=0)


def _problem(cell, T=5, B=2, V=7, H=4, seed=0):
    rng = np.random.default_rng(seed)
    params = charlm.init_charlm(cell, H, vocab_size=V, rng=seed)
    for k in params:                                   # non-zero biases, so every term of the gradient is exercised
        if k.startswith("b_"):
            params[k] = 0.3 * rng.normal(size=params[k].shape)
    ids = rng.integers(0, V, size=(T + 1, B))
    state = {k: 0.5 * rng.normal(size=(B, H)) for k in (("h", "c") if cell == "lstm" else ("h",))}
    return params, ids, state


# ---------------------------------------------------------------- gradient checks (float64, normwise < 1e-7)

@pytest.mark.parametrize("cell", CELLS)
def test_gradient_check_parameters_and_initial_state(cell):
    params, ids, state = _problem(cell)

    def loss():
        logits, _, _ = charlm.charlm_forward(cell, params, ids[:-1], state)
        return charlm.charlm_loss(logits, ids[1:])[0]

    logits, _, cache = charlm.charlm_forward(cell, params, ids[:-1], state)
    _, dlogits = charlm.charlm_loss(logits, ids[1:])
    grads, _, dstate = charlm.charlm_backward(dlogits, cache)
    assert set(grads) == set(params)
    for k in params:
        err = lu.relative_error(grads[k], lu.numerical_gradient(loss, params[k]))
        assert err < 1e-7, (k, err)
    for k in state:
        err = lu.relative_error(dstate[k], lu.numerical_gradient(loss, state[k]))
        assert err < 1e-7, (k, err)


@pytest.mark.parametrize("cell", CELLS)
def test_gradient_check_inputs(cell):
    # the gradient on the input vectors, which the connectivity measure reads
    params, ids, state = _problem(cell, seed=1)
    xs = charlm.one_hot(ids[:-1], 7) + 0.1 * np.random.default_rng(2).normal(size=(5, 2, 7))

    def loss():
        return charlm.charlm_loss(_forward(cell, params, xs, state)[0], ids[1:])[0]

    logits, _, cache = _forward(cell, params, xs, state)
    _, dxs, _ = charlm.charlm_backward(charlm.charlm_loss(logits, ids[1:])[1], cache)
    assert lu.relative_error(dxs, lu.numerical_gradient(loss, xs)) < 1e-7


def test_loss_gradient_and_log_softmax():
    rng = np.random.default_rng(0)
    logits, targets = rng.normal(size=(3, 2, 5)), rng.integers(0, 5, size=(3, 2))
    loss, d = charlm.charlm_loss(logits, targets)
    assert lu.relative_error(d, lu.numerical_gradient(lambda: charlm.charlm_loss(logits, targets)[0], logits)) < 1e-7
    assert_allclose(np.exp(charlm.log_softmax(logits)).sum(axis=-1), 1.0)
    assert loss == pytest.approx(-np.mean(np.take_along_axis(charlm.log_softmax(logits), targets[..., None], -1)))


@pytest.mark.parametrize("cell", CELLS)
def test_input_gradients_is_the_gradient_of_the_last_log_probability(cell):
    params, ids, _ = _problem(cell, T=6, seed=3)
    xs = charlm.one_hot(ids[:-1], 7)

    def logp():   # log p(target) at the last step, summed over the windows
        lp = charlm.log_softmax(_forward(cell, params, xs, {k: None for k in (("h", "c") if cell == "lstm"
                                                                                 else ("h",))})[0][-1])
        return lp[np.arange(ids.shape[1]), ids[-1]].sum()

    num = lu.numerical_gradient(logp, xs)
    assert_allclose(charlm.input_gradients(cell, params, ids), np.linalg.norm(num, axis=2), rtol=1e-6, atol=1e-9)


# ---------------------------------------------------------------- truncated BPTT, the state carried

@pytest.mark.parametrize("cell", CELLS)
def test_state_carried_across_chunks_equals_one_long_forward(cell):
    params, _, _ = _problem(cell, V=96, H=5)
    ids = np.random.default_rng(4).integers(0, 96, size=(12, 3))
    whole, _, _ = charlm.charlm_forward(cell, params, ids)
    a, st, _ = charlm.charlm_forward(cell, params, ids[:7])
    b, _, _ = charlm.charlm_forward(cell, params, ids[7:], st)
    assert_allclose(np.concatenate([a, b]), whole, rtol=1e-12, atol=1e-12)


def test_streams_are_contiguous_stretches_of_the_text():
    ids = np.arange(50) % 96
    cols = charlm.streams(ids, 4)
    assert cols.shape == (12, 4)
    assert_allclose(cols[:, 1], ids[12:24])


def test_training_lowers_the_loss_and_is_seeded():
    ids = corpus.encode(corpus.load_text("train")[:20000])
    runs = []
    for _ in range(2):
        p = charlm.init_charlm("lstm", 8, rng=0)
        p, hist = charlm.train_charlm("lstm", p, ids, steps=30, batch_size=4, seq_len=16, lr=1e-2, rng=0)
        runs.append(p["W_y"])
    assert np.mean(hist["loss"][-5:]) < np.mean(hist["loss"][:5]) - 0.5
    assert_allclose(runs[0], runs[1])


def test_bits_per_char_and_unigram():
    ids = corpus.encode(corpus.load_text("test")[:5000])
    p = charlm.init_charlm("gru", 6, rng=0)
    p["W_y"][:] = 0.0
    assert charlm.bits_per_char("gru", p, ids) == pytest.approx(np.log2(96))   # uniform
    train = corpus.encode(corpus.load_text("train"))
    assert 4.0 < charlm.unigram_bits(train, ids) < np.log2(96)


def test_matched_hidden_size():
    n = lu.parameter_count(charlm.init_charlm("lstm", 64, rng=0))
    for cell in CELLS:
        H = charlm.matched_hidden_size(cell, n)
        assert abs(lu.parameter_count(charlm.init_charlm(cell, H, rng=0)) - n) < 0.01 * n


def test_sample_is_seeded_and_temperature_sharpens():
    p = charlm.init_charlm("rnn", 8, rng=0)
    a = charlm.sample("rnn", p, 30, temperature=0.7, num_samples=3, rng=5)
    assert a == charlm.sample("rnn", p, 30, temperature=0.7, num_samples=3, rng=5)
    assert len(a) == 3 and all(len(s) == 30 for s in a)
    p["b_y"][corpus.ALPHABET.index("x")] = 2.0
    cold = "".join(charlm.sample("rnn", p, 200, temperature=0.05, rng=0))
    assert cold.count("x") > 190


def test_best_units_finds_a_planted_unit():
    rng = np.random.default_rng(0)
    y = (rng.random(2000) < 0.3).astype(float)
    X = rng.normal(size=(2000, 6))
    X[:, 4] = -2 * y + 0.1 * rng.normal(size=2000)
    got = charlm.best_units(X[:1000], {"q": y[:1000]}, X[1000:], {"q": y[1000:]})
    assert got["q"]["unit"] == 4 and got["q"]["r"] > 0.95
    assert charlm.probe_scores(X[:1000], {"q": y[:1000]}, X[1000:], {"q": y[1000:]})["q"] > 0.95


# ---------------------------------------------------------------- the corpus and its labels

def test_corpus_splits_by_file_and_sizes():
    info = corpus.corpus_info()
    names = {s: {f["file"] for f in info["files"] if f["split"] == s} for s in corpus.SPLITS}
    assert not (names["train"] & names["val"]) and not (names["train"] & names["test"])
    assert not (names["val"] & names["test"])
    for s in corpus.SPLITS:
        assert len(corpus.load_text(s)) == info["splits"][s]
    assert 900_000 < info["splits"]["train"] < 1_100_000
    assert "PSF" in info["licence"]
    assert resources.files("lstm_utils").joinpath("corpora", "LICENSE-PSF.txt").is_file()


def test_labels_shipped_equal_tokenize_labels():
    info = corpus.corpus_info()
    f = next(f for f in info["files"] if f["split"] == "test")
    text = corpus.load_text("test")[:f["length"]]
    got = corpus.python_labels(text)
    shipped = corpus.load_labels("test")
    for k in corpus.LABEL_NAMES:
        assert_allclose(got[k], shipped[k][:f["length"]])


def test_python_labels_on_a_small_example():
    src = 'x = f(a, "b(") # c\nif x:\n    y = [1]\n'
    lab = corpus.python_labels(src)
    i = src.index('"b(')
    assert lab["string"][i:i + 4].tolist() == [1, 1, 1, 1] and lab["string"][:i].sum() == 0
    assert lab["depth"][src.index("(")] == 1 and lab["depth"][src.index('"b(') + 2] == 1      # "(" in a string
    assert lab["depth"][src.index(")")] == 0
    assert lab["comment"][src.index("#")] == 1 and lab["comment"][src.index("if")] == 0
    assert lab["indent"][src.index("y =")] == 1 and lab["indent"][src.index("if")] == 0
    assert lab["column"][src.index("y =")] == 4
    assert lab["depth"][src.index("[1]") + 1] == 1


def test_balance_stats():
    assert corpus.balance_stats("f(a['x'])\n")["bracket_rate"] == 1.0
    st = corpus.balance_stats("f(a]\n'abc\n\"ok\"\n")
    assert st["closers"] == 1 and st["closers_matched"] == 0
    assert st["quotes"] == 2 and st["quotes_closed"] == 1
    assert np.isnan(corpus.balance_stats("abc")["quote_rate"])
    assert corpus.balance_stats("'''a ( ' ''' # )\n")["closers"] == 0


def test_encode_decode_round_trip():
    text = corpus.load_text("val")[:3000]
    assert corpus.decode(corpus.encode(text)) == text
    assert len(corpus.ALPHABET) == 96


def test_closing_cases_end_before_the_closer():
    ids = corpus.encode(corpus.load_text("test"))
    L = corpus.load_labels("test")
    for kind, closers in (("bracket", ")]}"), ("quote", "'\"")):
        wins, d = charlm.closing_cases(ids, L, kind, window=50)
        assert wins.shape[0] == 51 and wins.shape[1] == len(d) > 100
        for b in range(0, wins.shape[1], 37):
            text = corpus.decode(wins[:, b])
            assert text[-1] in closers
            assert text[-2 - d[b]] in ("([{" if kind == "bracket" else "'\"")


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("call, match", [
    (lambda: charlm.init_charlm("lstmx", 4), "cell: expected one of"),
    (lambda: charlm.init_charlm("lstm", 0), "hidden_size"),
    (lambda: charlm.charlm_forward("rnn", _rnn3(), np.zeros((2, 2))), "ids: expected an integer"),
    (lambda: charlm.charlm_forward("rnn", _rnn3(), np.full((2, 2), 96)), "ids: expected character ids"),
    (lambda: charlm.charlm_forward("rnn", _rnn3(), np.zeros(4, int)), r"ids: expected shape \(T, B\)"),
    (lambda: charlm.charlm_forward("lstm", charlm.init_charlm("lstm", 3, rng=0), np.zeros((2, 2), int),
                                   {"h": np.zeros((2, 3))}), "state: expected None or a dict"),
    (lambda: charlm.charlm_forward("gru", charlm.init_charlm("gru", 3, rng=0), np.zeros((2, 2), int),
                                   {"h": np.zeros((2, 4))}), r"state\['h'\]: expected shape \(2, 3\)"),
    (lambda: charlm.charlm_forward("rnn", {"W_h": np.zeros((3, 99))}, np.zeros((2, 2), int)), "missing 'W_y'"),
    (lambda: charlm.charlm_forward("rnn", None, np.zeros((2, 2), int)), "params: expected"),
    (lambda: charlm.charlm_loss(np.zeros((2, 3)), np.zeros((2, 3), int)), r"logits: expected shape \(T, B, V\)"),
    (lambda: charlm.charlm_loss(np.zeros((2, 3, 4)), np.zeros((3, 2), int)), "targets: expected shape"),
    (lambda: charlm.charlm_loss("abc", np.zeros((3, 2), int)), "logits"),
    (lambda: charlm.charlm_backward(np.zeros((1, 1, 96)), {}), "cache: expected the cache"),
    (lambda: charlm.sample("rnn", charlm.init_charlm("rnn", 3, rng=0), 5, temperature=0), "temperature"),
    (lambda: charlm.sample("rnn", charlm.init_charlm("rnn", 3, rng=0), 5, prime=""), "prime"),
    (lambda: charlm.train_charlm("rnn", charlm.init_charlm("rnn", 3, rng=0), np.zeros(100, int), steps=0), "steps"),
    (lambda: charlm.streams(np.zeros(10, int), 6), "batch_size"),
    (lambda: corpus.encode("caf\u00e9"), r"text: expected characters .* position 3"),
    (lambda: corpus.encode(b"abc"), "text: expected a str"),
    (lambda: corpus.load_text("dev"), "split: expected one of"),
    (lambda: corpus.python_labels("x = (\n"), "source: expected Python source"),
    (lambda: charlm.closing_cases(np.zeros(10, int), corpus.python_labels("x\n" * 5), "paren"), "kind"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_bad_backward_gradient_shape():
    params, ids, _ = _problem("gru")
    logits, _, cache = charlm.charlm_forward("gru", params, ids[:-1])
    with pytest.raises(ValueError, match=r"dlogits: expected shape \(5, 2, 7\)"):
        charlm.charlm_backward(np.zeros((5, 2, 6)), cache)


# ---------------------------------------------------------------- the shipped models

SHIPPED = resources.files("lstm_utils").joinpath("results", "char_models.json")


@pytest.mark.skipif(not SHIPPED.is_file(), reason="char_models.json not made yet (make char-models)")
@pytest.mark.parametrize("cell", CELLS)
def test_shipped_models_read_as_recorded(cell):
    meta = json.loads(SHIPPED.read_text())
    p = charlm.load_char_model(cell)
    assert lu.parameter_count(p) == meta["parameters"][cell]
    run = next(r for r in meta["runs"] if r["cell"] == cell and r["seed"] == 0)
    ids = corpus.encode(corpus.load_text("test"))
    assert charlm.bits_per_char(cell, p, ids) == pytest.approx(run["test_bpc"], abs=1e-9)
