"""Tests of lstm_utils.train: Adam, the training loop, early stopping, keep-best, determinism, bad input."""

import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lstm_utils import models as m, train as tr
from lstm_utils.data import adding_problem, keyword_task


def _keyword_batches(n, rng):
    """``n`` examples of a small keyword task: 3 steps, 2 classes, 2 distractors."""
    return keyword_task(n, 3, n_classes=2, n_distractors=2, rng=rng)


def _adding_batches(n, rng):
    """``n`` examples of the adding problem over 6 steps."""
    return adding_problem(n, 6, rng=rng)


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
    gen = _keyword_batches
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
    gen = _keyword_batches
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


def test_probe_sees_every_batch_and_its_input_gradient():
    gen = _adding_batches
    seen = []

    def probe(xs, dxs):
        assert xs.shape == dxs.shape
        seen.append(xs.shape)
        return float(np.linalg.norm(dxs[-1]))
    _, hist = tr.train("rnn", m.init_model("rnn", 2, 3, 1, rng=0), gen, task="regression", steps=5,
                       batch_size=4, progress=False, probe=probe)
    assert seen == [(6, 4, 2)] * 5
    assert_allclose(hist["probe"], hist["grad_last"])


# ---------------------------------------------------------------------------------------------------------------
# Early stopping, keep-best, the evaluation schedule

def _keyword():
    gen = lambda n, rng: keyword_task(n, 3, n_classes=2, n_distractors=2, rng=rng)   # noqa: E731
    return gen, gen(200, np.random.default_rng(1))


def test_evaluations_fall_every_eval_every_steps_and_after_the_last():
    gen, val = _keyword()
    _, hist = tr.train("rnn", m.init_model("rnn", 5, 4, 2, rng=0), gen, task="classification", steps=23,
                       val=val, eval_every=10, progress=False)
    assert hist["eval_step"] == [10, 20, 23] and len(hist["val_metric"]) == len(hist["val_loss"]) == 3
    assert hist["steps"] == 23 and not hist["stopped_early"]
    assert len(hist["loss"]) == len(hist["grad_norm"]) == len(hist["grad_first"]) == 23


def test_early_stopping_stops_at_the_first_evaluation_that_reaches_the_target():
    gen, val = _keyword()
    _, full = tr.train("rnn", m.init_model("rnn", 5, 8, 2, rng=0), gen, task="classification", steps=400,
                       lr=0.02, val=val, eval_every=20, rng=5, progress=False)
    first = next(i for i, v in enumerate(full["val_metric"]) if v >= 0.95)
    _, hist = tr.train("rnn", m.init_model("rnn", 5, 8, 2, rng=0), gen, task="classification", steps=400,
                       lr=0.02, val=val, eval_every=20, target=0.95, rng=5, progress=False)
    # the same run, cut at the first evaluation at or above the target
    assert hist["steps"] == full["eval_step"][first] < 400 and hist["stopped_early"]
    assert hist["val_metric"] == full["val_metric"][:first + 1]
    assert hist["loss"] == full["loss"][:hist["steps"]]


def test_an_unreachable_target_trains_the_whole_budget():
    gen, val = _keyword()
    _, hist = tr.train("rnn", m.init_model("rnn", 5, 4, 2, rng=0), gen, task="classification", steps=30,
                       val=val, eval_every=10, target=1.01, progress=False)
    assert hist["steps"] == 30 and not hist["stopped_early"]


@pytest.mark.parametrize("keep_best", [True, False])
def test_keep_best_returns_the_best_evaluated_parameters(keep_best):
    gen, val = _keyword()
    params, hist = tr.train("rnn", m.init_model("rnn", 5, 8, 2, rng=0), gen, task="classification", steps=200,
                            lr=0.05, val=val, eval_every=10, keep_best=keep_best, rng=3, progress=False)
    best = int(np.argmax(hist["val_metric"]))                          # the first evaluation with the best metric
    assert hist["best_step"] == hist["eval_step"][best] and hist["best_metric"] == max(hist["val_metric"])
    metric = tr.evaluate("rnn", params, *val, "classification")[1]
    assert metric == (hist["best_metric"] if keep_best else hist["val_metric"][-1])


def test_fixed_data_set_batches_are_subsets_and_the_run_is_reproducible():
    xs, ys = adding_problem(40, 6, rng=0)
    seen = []
    probe = lambda bx, dxs: seen.append(bx.copy()) or 0.0                  # noqa: E731
    runs = [tr.train("lstm", m.init_model("lstm", 2, 4, 1, rng=0), (xs, ys), task="regression", steps=5,
                     batch_size=8, rng=2, progress=False, probe=probe) for _ in range(2)]
    assert runs[0][1]["loss"] == runs[1][1]["loss"]
    for bx in seen:
        assert bx.shape == (6, 8, 2)
        # every sequence of the batch is one of the data set's, drawn without replacement
        idx = [int(np.flatnonzero(np.all(xs == bx[:, j][:, None], axis=(0, 2)))[0]) for j in range(8)]
        assert len(set(idx)) == 8


def test_recorded_input_gradients_are_those_of_the_batch():
    # the layout bug once fixed in lstm_backward: a fancy-indexed batch is not C-contiguous; the recorded norms must
    # still be right
    xs, ys = adding_problem(64, 8, rng=0)
    params = m.init_model("lstm", 2, 4, 1, rng=0)
    _, h = tr.train("lstm", params, (xs, ys), task="regression", steps=1, batch_size=16, rng=0, clip=None,
                    progress=False)
    idx = np.random.default_rng(0).choice(64, size=16, replace=False)   # the batch train drew
    out, cache = m.model_forward("lstm", params, np.ascontiguousarray(xs[:, idx]))
    _, dxs = m.model_backward(m.mse(out, ys[idx])[1], cache)
    assert h["grad_first"][0] == pytest.approx(np.linalg.norm(dxs[0]), rel=1e-12)
    assert h["grad_last"][0] == pytest.approx(np.linalg.norm(dxs[-1]), rel=1e-12)


def test_clipping_caps_the_update_norm_and_none_turns_it_off():
    gen = lambda n, rng: adding_problem(n, 6, rng=rng)                    # noqa: E731
    p0 = m.init_model("rnn", 2, 4, 1, rng=0)
    _, h1 = tr.train("rnn", p0, gen, task="regression", steps=3, clip=1e-6, progress=False)
    _, h2 = tr.train("rnn", p0, gen, task="regression", steps=3, clip=None, progress=False)
    assert h1["grad_norm"][0] == h2["grad_norm"][0] > 1e-6               # the norm before clipping, recorded


def test_training_works_without_tqdm_when_no_bar_is_asked_for(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)                  # import tqdm.auto -> ImportError
    gen = lambda n, rng: adding_problem(n, 6, rng=rng)                    # noqa: E731
    p0 = m.init_model("rnn", 2, 3, 1, rng=0)
    _, hist = tr.train("rnn", p0, gen, task="regression", steps=2, val=gen(8, np.random.default_rng(0)),
                       target=0.0, progress=False)
    assert hist["steps"] == 2 and not hist["stopped_early"]           # the target is met at the last step
    with pytest.raises(ImportError, match=r"progress=False"):
        tr.train("rnn", p0, gen, task="regression", steps=2, progress=True)


# ---------------------------------------------------------------------------------------------------------------
# Adam refuses what would corrupt every parameter

def test_adam_refuses_a_non_finite_gradient_and_moves_nothing():
    p = {"a": np.ones(2), "w": np.ones(3)}
    opt = tr.Adam()
    with pytest.raises(ValueError, match=r"grads\['w'\]: expected finite values, got nan at index \(1,\)"):
        opt.step(p, {"a": np.ones(2), "w": np.array([1.0, np.nan, 0.0])})
    assert np.all(p["a"] == 1) and np.all(p["w"] == 1) and opt.t == 0 and not opt.m


# ---------------------------------------------------------------------------------------------------------------
# Bad input, table: the argument named, what was expected, what was given

_gen = lambda n, rng: adding_problem(n, 6, rng=rng)                        # noqa: E731
_val = adding_problem(20, 6, rng=1)
_p0 = m.init_model("rnn", 2, 4, 1, rng=0)
_kw = dict(task="regression", steps=3, progress=False)


def _train(**kw):
    return lambda: tr.train("rnn", kw.pop("params", _p0), kw.pop("data", _gen), **{**_kw, **kw})


BAD_INPUT = [
    # Adam
    pytest.param(lambda: tr.Adam().step({"w": np.ones(3)}, {"w": np.ones(1)}), ValueError,
                 r"grads\['w'\]: expected the shape of params\['w'\], \(3,\), got \(1,\)", id="adam-shape"),
    pytest.param(lambda: tr.Adam().step({"w": np.ones(3)}, {"v": np.ones(3)}), ValueError,
                 r"grads: expected the keys of params \(w\), got v", id="adam-keys"),
    pytest.param(lambda: tr.Adam().step({"w": np.ones(3, dtype=int)}, {"w": np.ones(3)}), ValueError,
                 r"params\['w'\]: expected a writable floating-point array.*int64", id="adam-int-param"),
    pytest.param(lambda: tr.Adam(beta1=1.0), ValueError, r"beta1: expected a finite number in \[0, 1\), got 1\.0",
                 id="adam-beta1"),
    pytest.param(lambda: tr.Adam(beta2=-0.1), ValueError, r"beta2: .*\[0, 1\)", id="adam-beta2"),
    pytest.param(lambda: tr.Adam(eps=0.0), ValueError, r"eps: expected a finite number > 0, got 0\.0", id="adam-eps"),
    pytest.param(lambda: tr.Adam(lr="0.1"), TypeError, r"lr: expected a real number, got str", id="adam-lr-str"),
    pytest.param(lambda: tr.Adam(lr=None), TypeError, r"lr: .*NoneType", id="adam-lr-None"),
    pytest.param(lambda: tr.Adam(lr=0), ValueError, r"lr: .*> 0", id="adam-lr-0"),
    # train
    pytest.param(_train(task="ranking"), ValueError, r"task: expected one of 'classification', 'regression'",
                 id="task"),
    pytest.param(_train(target=0.9), ValueError, r"target: early stopping needs a validation set", id="target-no-val"),
    pytest.param(_train(data=[1, 2]), TypeError, r"data: expected a callable .* or a tuple \(xs, ys\), got list",
                 id="data-list"),
    pytest.param(_train(data=(_val[0],)), TypeError, r"data: .*tuple of length 1", id="data-1-tuple"),
    pytest.param(_train(data=(_val[0], _val[1][:5])), ValueError,
                 r"data\[1\] \(ys\): expected shape \(N,\) or \(N, K\) with N = 20.*got \(5,\)", id="data-ys"),
    pytest.param(_train(val=_val, eval_every=-1), ValueError, r"eval_every: expected an integer >= 1, got -1",
                 id="eval_every-negative"),
    pytest.param(_train(val=_val, eval_every=0), ValueError, r"eval_every: .*>= 1, got 0", id="eval_every-0"),
    pytest.param(_train(eval_every=2.5), TypeError, r"eval_every: expected an integer, got float",
                 id="eval_every-float"),
    pytest.param(_train(val=_val, tol=-1), ValueError, r"tol: expected a finite number > 0, got -1", id="tol"),
    pytest.param(_train(lr="0.1"), TypeError, r"lr: expected a real number, got str", id="lr-str"),
    pytest.param(_train(lr=None), TypeError, r"lr: .*NoneType", id="lr-None"),
    pytest.param(_train(batch_size=0), ValueError, r"batch_size: expected an integer >= 1, got 0", id="batch_size-0"),
    pytest.param(_train(batch_size=-1), ValueError, r"batch_size: .*got -1", id="batch_size-negative"),
    pytest.param(_train(batch_size=2.5), TypeError, r"batch_size: expected an integer, got float",
                 id="batch_size-float"),
    pytest.param(_train(params=None), TypeError, r"params: expected the model's dict.*NoneType", id="params-None"),
    pytest.param(_train(params=[1]), TypeError, r"params: .*list", id="params-list"),
    pytest.param(_train(val=(_val[0],)), TypeError, r"val: expected a held-out set \(xs, ys\), got tuple of length 1",
                 id="val-1-tuple"),
    pytest.param(_train(val=(_val[0], _val[1][:5])), ValueError,
                 r"val\[1\] \(ys\): expected shape \(N,\) or \(N, K\) with N = 20.*got \(5,\)", id="val-ys"),
    pytest.param(_train(val=(_val[0][:, :, :1], _val[1])), ValueError,
                 r"val\[0\] \(xs\): does not fit the model's input: xs: expected shape \(T, B, D\) = \(\*, \*, 2\)",
                 id="val-xs-D"),
    pytest.param(_train(clip=0), ValueError, r"clip: expected a finite number > 0, got 0", id="clip-0"),
    pytest.param(_train(clip="1"), TypeError, r"clip: ", id="clip-str"),
    pytest.param(_train(steps=True), TypeError, r"steps: expected an integer, got bool", id="steps-bool"),
    pytest.param(_train(steps=0), ValueError, r"steps: .*>= 1, got 0", id="steps-0"),
    pytest.param(_train(rng=-1), ValueError, r"rng: expected a non-negative integer seed, got -1", id="rng-negative"),
    pytest.param(_train(probe=3), TypeError, r"probe: expected a callable", id="probe"),
    # evaluate
    pytest.param(lambda: tr.evaluate("rnn", _p0, *_val, "regression", tol=-1), ValueError, r"tol: ", id="evaluate-tol"),
    pytest.param(lambda: tr.evaluate("rnn", _p0, *_val, "regression", batch_size=0), ValueError,
                 r"batch_size: .*>= 1, got 0", id="evaluate-batch_size"),
    pytest.param(lambda: tr.evaluate("rnn", _p0, _val[0], _val[1][:3], "regression"), ValueError,
                 r"ys: expected shape \(N,\) or \(N, K\) with N = 20.*got \(3,\)", id="evaluate-ys"),
    pytest.param(lambda: tr.evaluate("rnn", _p0, _val[0][0], _val[1], "regression"), ValueError,
                 r"xs: expected shape \(T, N, D\).*got \(20, 2\)", id="evaluate-xs"),
]


@pytest.mark.parametrize("call, exc, match", BAD_INPUT)
def test_bad_input_is_refused_by_name(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
