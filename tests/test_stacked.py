"""Tests of lstm_utils.stacked, the sweep's fast path: S seeds trained as one computation are the runs that
lstm_utils.train.train makes of them one by one; and of experiments.run_stack, its resume and its fingerprint."""

import pickle

import numpy as np
import pytest

from lstm_utils import experiments as ex, stacked
from lstm_utils.models import init_model
from lstm_utils.train import train


def _problem(cell, task, S, T=12, dtype=np.float64, **init):
    spec = ex.TASKS[task]
    params, vals, draws, gens = [], [], [], []
    for s in range(S):
        val = spec.make(64, T, np.random.default_rng(100 + s), dtype)
        params.append(init_model(cell, val[0].shape[2], 8, spec.n_outputs, rng=300 + s, dtype=dtype, **init))
        vals.append(val)
        draws.append(ex._Batches(task, T, 16, np.random.default_rng(200 + s), dtype))
        gens.append(np.random.default_rng(200 + s))
    return spec, params, vals, draws, gens


def _relative(a, b):
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / max(np.linalg.norm(np.asarray(a)), 1e-300))


@pytest.mark.parametrize("cell, init", [("rnn", {}), ("lstm", {"forget_bias": 3.0}), ("gru", {"update_bias": -3.0})])
@pytest.mark.parametrize("task", ["adding", "temporal"])
def test_stacked_training_is_the_readable_training_in_float64(cell, init, task):
    """50 steps of three seeds, stacked, against train() on each alone: parameters, losses and probes to 1e-12."""
    spec, params, vals, draws, gens = _problem(cell, task, 3, **init)
    kw = dict(task=spec.kind, steps=50, lr=3e-3, batch_size=16, clip=1.0, eval_every=10, target=None)
    out = stacked.train_stacked(cell, params, draws, val=vals, tol=0.04, probe=ex._Probe(task), **kw)
    for p0, val, rng, (p_st, h_st) in zip(params, vals, gens, out, strict=True):
        p_ro, h_ro = train(cell, p0, lambda n, r: spec.make(n, 12, r, np.float64), val=val, rng=rng,
                           progress=False, probe=ex.gradient_probe(task), **kw)
        assert h_st["steps"] == h_ro["steps"] == 50
        assert h_st["best_step"] == h_ro["best_step"]
        for k in p_ro:
            assert _relative(p_ro[k], p_st[k]) < 1e-12, k
        assert _relative(h_ro["loss"], h_st["loss"]) < 1e-12
        assert _relative(h_ro["probe"], h_st["probe"]) < 1e-12
        assert h_ro["val_metric"] == pytest.approx(h_st["val_metric"], abs=1e-12)


def test_each_model_stops_on_its_own():
    """Early stopping retires a model from the stack; the others go on, and each keeps its own step count."""
    records = ex.run_stack("temporal", "lstm_bf3", 10, [0, 1, 2], steps=400, eval_every=10, n_val=100, n_test=100,
                           dtype="float64")
    single = [ex.run("temporal", "lstm_bf3", 10, s, steps=400, eval_every=10, n_val=100, n_test=100,
                     dtype="float64") for s in (0, 1, 2)]
    for a, b in zip(single, records, strict=True):
        assert (a["steps"], a["solved"], a["stopped_early"]) == (b["steps"], b["solved"], b["stopped_early"])
        assert a["score"] == pytest.approx(b["score"], abs=1e-12)
        assert a["grad_start"] == pytest.approx(b["grad_start"], rel=1e-9)
    assert len({r["steps"] for r in records}) > 1 or all(r["steps"] == 400 for r in records)


def test_evaluation_lets_its_chunks_work_arrays_go():
    """Evaluating in chunks gives the numbers of one pass over the whole set, and leaves behind no work array
    it made (kept, the chunks' caches held a T = 1000 worker at 7-11 GB)."""
    spec, params, vals, _, _ = _problem("lstm", "adding", 2, forget_bias=3.0)
    p = stacked.stack(params)
    xs = np.stack([v[0] for v in vals], axis=1)                            # (T, S, N, D)
    ys = np.stack([v[1] for v in vals])
    before = set(stacked._BUFFERS)
    chunked = stacked.evaluate("lstm", p, xs, ys, spec.kind, 0.04, batch_size=24)     # 24 + 24 + 16
    assert set(stacked._BUFFERS) == before
    whole = stacked.evaluate("lstm", p, xs, ys, spec.kind, 0.04, batch_size=64)
    for a, b in zip(chunked, whole, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_a_run_saved_midway_resumes_to_the_same_result():
    """Pickled after 17 updates and resumed, a stacked run ends where the uninterrupted one does."""
    kw = dict(steps=60, eval_every=20, n_val=40, n_test=40, dtype="float64")
    whole = ex.finish_stack(ex.start_stack("adding", "gru_bz3", 9, [0, 1], **kw).advance())
    run = ex.start_stack("adding", "gru_bz3", 9, [0, 1], **kw).advance(17)
    resumed = pickle.loads(pickle.dumps(run)).advance()
    parts = ex.finish_stack(resumed)
    for a, b in zip(whole, parts, strict=True):
        assert {k: v for k, v in a.items() if k != "seconds"} == {k: v for k, v in b.items() if k != "seconds"}


def test_the_mechanism_is_measured_at_the_listed_steps():
    r = ex.run_stack("adding", "lstm_bf3", 20, [0], steps=30, eval_every=10, n_val=20, n_test=20)[0]
    assert [m["step"] for m in r["mechanism"]] == [s for s in ex.MECHANISM_AT if s <= 30]
    first = r["mechanism"][0]
    # at the start every forget gate is near sigma(3) = 0.95: the direct path's gain over the steps after t1 is
    # 0.95^(steps), whose log10 is negative but finite
    assert 0.9 < first["f_mean"] < 0.99 and first["log10_direct"] < 0


def test_the_spread_start_sets_the_input_biases_in_blocks():
    p = ex.start_model("lstm_bf3_bispread", 2, {**ex.SETTINGS, "n_outputs": 1}, np.random.default_rng(0))
    H = ex.SETTINGS["hidden_size"]
    assert (p["b_i"][:H // 2] == -3).all() and (p["b_i"][H // 2:] == -6).all() and (p["b_f"] == 3).all()


def test_the_matched_rnn_has_about_the_lstms_parameters():
    for task in ex.TASKS:
        cfg = {**ex.SETTINGS, "n_outputs": ex.TASKS[task].n_outputs}
        D = ex.TASKS[task].make(1, 10, np.random.default_rng(0), np.float64)[0].shape[2]
        count = {m: sum(a.size for a in ex.start_model(m, D, cfg, np.random.default_rng(0)).values())
                 for m in ("rnn_h66", "lstm_bf3", "rnn")}
        assert 0.85 < count["rnn_h66"] / count["lstm_bf3"] < 1.15 and count["rnn"] < count["lstm_bf3"] / 3
