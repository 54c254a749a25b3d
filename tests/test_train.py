"""Tests of lstm_utils.train: Adam, the training loop, early stopping, determinism."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lstm_utils import models as m
from lstm_utils import train as tr
from lstm_utils.data import adding_problem, keyword_task


def test_adam_first_step_moves_each_weight_by_lr():
    # bias-corrected, the first update is lr * g / |g| (up to eps) for every entry
    p = {"w": np.array([1.0, -2.0, 3.0])}
    tr.Adam(lr=0.1).step(p, {"w": np.array([0.5, -4.0, 1e-3])})
    assert_allclose(p["w"], [0.9, -1.9, 2.9], rtol=1e-4)


def test_adam_minimises_a_quadratic():
    p, opt = {"w": np.array([5.0, -3.0])}, tr.Adam(lr=0.1)
    for _ in range(500):
        opt.step(p, {"w": 2 * p["w"]})
    assert np.all(np.abs(p["w"]) < 1e-2)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_training_reduces_the_loss_on_a_tiny_problem(cell):
    gen = lambda n, rng: keyword_task(n, 3, n_classes=2, n_distractors=2, rng=rng)
    params = m.init_model(cell, 5, 8, 2, rng=0)
    val = gen(200, np.random.default_rng(1))
    before = tr.evaluate(cell, params, *val, "classification")[0]
    trained, hist = tr.train(cell, params, gen, task="classification", steps=150, lr=0.02, val=val,
                             eval_every=50, progress=False)
    after = tr.evaluate(cell, trained, *val, "classification")[0]
    assert after < 0.5 * before
    assert hist["val_metric"][-1] > 0.9
    assert len(hist["loss"]) == hist["steps"] == 150
    assert not np.shares_memory(trained["W_y"], params["W_y"])           # the input is not modified


def test_early_stopping_and_determinism():
    gen = lambda n, rng: keyword_task(n, 3, n_classes=2, n_distractors=2, rng=rng)
    val = gen(200, np.random.default_rng(1))
    runs = [tr.train("rnn", m.init_model("rnn", 5, 8, 2, rng=0), gen, task="classification", steps=400, lr=0.02,
                     val=val, eval_every=20, target=0.95, rng=5, progress=False) for _ in range(2)]
    (p1, h1), (p2, h2) = runs
    assert h1["stopped_early"] and h1["steps"] < 400 and h1["val_metric"][-1] >= 0.95
    assert h1["loss"] == h2["loss"]                                       # same seed, same numbers
    for k in p1:
        assert_allclose(p1[k], p2[k], rtol=0, atol=0)


def test_train_on_a_fixed_set_with_regression():
    xs, ys = adding_problem(64, 6, rng=0)
    params = m.init_model("lstm", 2, 6, 1, rng=0)
    _, hist = tr.train("lstm", params, (xs, ys), task="regression", steps=60, batch_size=16, progress=False)
    assert np.mean(hist["loss"][-10:]) < np.mean(hist["loss"][:10])
    assert np.all(np.isfinite(hist["grad_first"])) and len(hist["grad_norm"]) == 60


def test_train_rejects_bad_arguments():
    params = m.init_model("rnn", 2, 3, 1, rng=0)
    gen = lambda n, rng: adding_problem(n, 6, rng=rng)
    with pytest.raises(ValueError, match="task"):
        tr.train("rnn", params, gen, task="ranking", progress=False)
    with pytest.raises(ValueError, match="target"):
        tr.train("rnn", params, gen, task="regression", target=0.9, progress=False)
    with pytest.raises(ValueError, match="data"):
        tr.train("rnn", params, [1, 2], task="regression", progress=False)


def test_probe_sees_every_batch_and_its_input_gradient():
    gen = lambda n, rng: adding_problem(n, 6, rng=rng)
    seen = []

    def probe(xs, dxs):
        assert xs.shape == dxs.shape
        seen.append(xs.shape)
        return float(np.linalg.norm(dxs[-1]))
    _, hist = tr.train("rnn", m.init_model("rnn", 2, 3, 1, rng=0), gen, task="regression", steps=5,
                       batch_size=4, progress=False, probe=probe)
    assert seen == [(6, 4, 2)] * 5
    assert_allclose(hist["probe"], hist["grad_last"])
