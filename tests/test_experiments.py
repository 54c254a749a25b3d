"""Tests of lstm_utils.experiments: one seeded run, the gradient probe, the Wilson interval, the stored sweep."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lstm_utils import experiments as ex
from lstm_utils import models as m
from lstm_utils.data import adding_problem, temporal_order

SHORT = {"steps": 30, "eval_every": 10, "n_val": 50, "n_test": 50}


def test_a_run_is_reproducible_and_complete():
    a = ex.run("adding", "lstm_bf3", 8, 0, keep=True, **SHORT)
    b = ex.run("adding", "lstm_bf3", 8, 0, keep=True, **SHORT)
    assert a["history"]["loss"] == b["history"]["loss"] and a["score"] == b["score"]
    for key in ("task", "model", "cell", "init", "T", "seed", "solved", "score", "steps", "sequences", "seconds",
                "paper_fraction", "paper_solved", "grad_init", "grad_start", "grad_end"):
        assert key in a
    assert a["sequences"] == a["steps"] * ex.SETTINGS["batch_size"]
    assert a["params"]["W_f"].dtype == np.float32                        # training runs in float32
    assert a["solved"] == (a["score"] >= ex.SETTINGS["solved_at"])
    c = ex.run("adding", "lstm_bf3", 8, 1, **SHORT)
    assert c["score"] != a["score"] or c["grad_init"] != a["grad_init"]    # another seed, another run


@pytest.mark.parametrize("task", sorted(ex.TASKS))
@pytest.mark.parametrize("model", sorted(ex.MODELS))
def test_every_model_runs_on_every_task(task, model):
    r = ex.run(task, model, 10, 0, steps=2, eval_every=1, n_val=20, n_test=20)
    assert 0.0 <= r["score"] <= 1.0 and np.isfinite(r["grad_init"])


def test_run_rejects_unknown_names():
    with pytest.raises(ValueError, match="task"):
        ex.run("parity", "rnn", 10, 0)
    with pytest.raises(ValueError, match="model"):
        ex.run("adding", "transformer", 10, 0)
    with pytest.raises(ValueError, match="overrides"):
        ex.run("adding", "rnn", 10, 0, learning_rate=0.1)


def test_the_models_start_as_documented():
    D, H = 2, 32
    p = m.init_model("rnn", D, H, 1, rng=0, **ex.MODELS["rnn_identity"].init)
    assert_allclose(p["W_h"][:, :H], np.eye(H))
    q = m.init_model("rnn", D, H, 1, rng=0)
    assert_allclose(p["W_h"][:, H:], q["W_h"][:, H:])                     # only the recurrent block differs
    assert np.all(m.init_model("lstm", D, H, 1, rng=0, **ex.MODELS["lstm_bf3"].init)["b_f"] == 3.0)
    assert np.all(m.init_model("gru", D, H, 1, rng=0, **ex.MODELS["gru_bz3"].init)["b_z"] == -3.0)


def test_first_relevant_steps():
    xs, _ = adding_problem(20, 30, rng=0)
    assert np.all(xs[ex.TASKS["adding"].first_relevant(xs), np.arange(20), 1] == 1)
    assert np.all(xs[: ex.TASKS["adding"].first_relevant(xs).min(), :, 1] == 0)
    xs, _ = temporal_order(20, 30, rng=0)
    t1 = ex.TASKS["temporal"].first_relevant(xs)
    assert np.all(xs[t1, np.arange(20), 4:6].sum(axis=1) == 1)


def test_gradient_probe_is_the_ratio_at_the_first_relevant_step():
    xs, _ = adding_problem(3, 12, rng=1)
    dxs = np.ones_like(xs)
    t1 = ex.TASKS["adding"].first_relevant(xs)
    dxs[t1, np.arange(3)] = 0.5                                            # norm sqrt(0.5) against sqrt(2)
    assert ex.gradient_probe("adding")(xs, dxs) == pytest.approx(0.5)


@pytest.mark.parametrize("k, n, low, high", [(0, 10, 0.0, 0.2775), (10, 10, 0.7225, 1.0), (5, 10, 0.2366, 0.7634),
                                              (9, 10, 0.5958, 0.9821)])
def test_wilson_interval_known_values(k, n, low, high):
    lo, hi = ex.wilson_interval(k, n)
    assert lo == pytest.approx(low, abs=1e-4) and hi == pytest.approx(high, abs=1e-4)


def test_wilson_interval_contains_the_rate_and_rejects_bad_counts():
    for n in (1, 7, 10, 50):
        for k in range(n + 1):
            lo, hi = ex.wilson_interval(k, n)
            assert 0 <= lo <= k / n <= hi <= 1
    for k, n in ((11, 10), (-1, 10), (1, 0), (0.5, 10)):
        with pytest.raises(ValueError):
            ex.wilson_interval(k, n)


def test_summarize_counts_and_quartiles():
    records = [{"task": "adding", "model": "rnn", "T": 10, "seed": s, "solved": s < 3, "score": 0.9 + s / 100,
                "sequences": 1000 * (s + 1), "paper_solved": False, "grad_init": 0.5, "grad_start": 1.0,
                "grad_end": 2.0, "steps": 10 * (s + 1)}
               for s in range(4)]
    s = ex.summarize(records, "adding", "rnn", 10)
    assert (s["n"], s["solved"], s["rate"]) == (4, 3, 0.75)
    assert s["sequences_median"] == 2000 and s["interval"] == ex.wilson_interval(3, 4)
    assert ex.summarize(records, "adding", "rnn", 10, seeds=[0, 3])["solved"] == 1
    with pytest.raises(ValueError, match="no runs"):
        ex.summarize(records, "adding", "lstm_bf3", 10)


def test_gradient_probe_survives_a_saturated_float32_network():
    xs, _ = adding_problem(4, 12, rng=1, dtype=np.float32)
    dxs = np.zeros_like(xs)                                                # nothing reaches any step
    assert ex.gradient_probe("adding")(xs, dxs) == 0.0
    dxs[-1] = 1e-30                                                        # float32 would underflow the ratio
    dxs[ex.TASKS["adding"].first_relevant(xs), np.arange(4)] = 1e-31
    assert ex.gradient_probe("adding")(xs, dxs) == pytest.approx(0.1, rel=1e-5)


def test_the_stored_sweep_is_complete_and_made_with_todays_settings():
    runs, meta = ex.load_results(), ex.load_sweep_settings()
    assert meta["settings"] == ex.SETTINGS, "SETTINGS changed since the sweep ran: run `make experiments FRESH=1`"
    assert {k: (m["cell"], m["init"]) for k, m in meta["models"].items()} == \
        {k: (m.cell, m.init) for k, m in ex.MODELS.items()}
    have = {(r["task"], r["model"], r["T"], r["seed"]) for r in runs}
    assert len(have) == len(runs)                                          # no run twice
    for entry in meta["sweep"]:
        for T in entry["lengths"]:
            for seed in entry["seeds"]:
                assert (entry["task"], entry["model"], T, seed) in have
    for r in runs:
        assert r["solved"] == (r["score"] >= ex.SETTINGS["solved_at"])
        assert r["sequences"] == r["steps"] * ex.SETTINGS["batch_size"] and r["steps"] <= ex.SETTINGS["steps"]
        assert all(np.isfinite(r[k]) and r[k] >= 0 for k in ("grad_init", "grad_start", "grad_end"))
