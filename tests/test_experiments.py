"""Tests of lstm_utils.experiments: one seeded run, the gradient probe, the Wilson interval, the stored sweep, the
resumable sweep script."""

import importlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lstm_utils import experiments as ex, models as m
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


@pytest.mark.parametrize("k1, n1, k2, n2, p", [(0, 10, 9, 10, 1.19e-4), (7, 10, 10, 10, 0.2105),
                                               (2, 10, 10, 10, 7.14e-4), (5, 10, 5, 10, 1.0)])
def test_fisher_exact_known_values(k1, n1, k2, n2, p):
    assert ex.fisher_exact(k1, n1, k2, n2) == pytest.approx(p, rel=2e-3)
    assert ex.fisher_exact(k2, n2, k1, n1) == pytest.approx(p, rel=2e-3)          # symmetric in the two groups


def test_summarize_counts_and_quartiles():
    records = [{"task": "adding", "model": "rnn", "T": 10, "seed": s, "solved": s < 3, "score": 0.9 + s / 100,
                "sequences": 1000 * (s + 1), "paper_solved": False, "grad_init": 0.5, "grad_start": 1.0,
                "grad_end": 2.0, "steps": 10 * (s + 1)}
               for s in range(4)]
    s = ex.summarize(records, "adding", "rnn", 10)
    assert (s["n"], s["solved"], s["rate"]) == (4, 3, 0.75)
    assert s["sequences_median"] == 2000 and s["interval"] == ex.wilson_interval(3, 4)
    assert ex.summarize(records, "adding", "rnn", 10, seeds=[0, 3])["solved"] == 1


def test_gradient_probe_survives_a_saturated_float32_network():
    xs, _ = adding_problem(4, 12, rng=1, dtype=np.float32)
    dxs = np.zeros_like(xs)                                                # nothing reaches any step
    assert ex.gradient_probe("adding")(xs, dxs) == 0.0
    dxs[-1] = 1e-30                                                        # float32 would underflow the ratio
    dxs[ex.TASKS["adding"].first_relevant(xs), np.arange(4)] = 1e-31
    assert ex.gradient_probe("adding")(xs, dxs) == pytest.approx(0.1, rel=1e-5)


def _stored(name):
    path = Path(ex.__file__).parent / "results" / name
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()], \
        json.loads(path.with_suffix(".settings.json").read_text())


@pytest.mark.parametrize("name", [ex.SELECTION, ex.SWEEP, ex.LONG_RESULTS])
def test_the_stored_sweep_follows_its_plan_and_todays_settings(name):
    """Every stored run is a run of the plan its settings file records, once, at today's settings and (for the
    sweep and the long runs) at the rate the selection chose. The selection is complete; the long runs may still
    be growing (``make experiments-long``), and the settings file counts what each file holds."""
    runs, meta = _stored(name)
    assert meta["settings"] == ex.SETTINGS, "SETTINGS changed since the sweep ran: run `make experiments`"
    assert {k: (m["cell"], m["init"], m["hidden_size"], tuple(m["input_bias_spread"]))
            for k, m in meta["models"].items()} == \
        {k: (m.cell, m.init, m.hidden_size, m.input_bias_spread) for k, m in ex.MODELS.items()}
    key = lambda r: (r["task"], r["model"], r["T"], r["lr"], r["budget"], r["seed"])  # noqa: E731
    have = {key(r) for r in runs}
    planned = {(u["task"], u["model"], u["T"], u["lr"], u["steps"] or ex.SETTINGS["steps"], seed)
               for u in meta["plan"] for seed in u["seeds"]}
    assert len(have) == len(runs) == meta["runs_in_file"]                  # no run twice
    assert have <= planned
    if name == ex.SELECTION:
        assert have == planned
    for r in runs:
        assert r["solved"] == (r["score"] >= ex.SETTINGS["solved_at"])
        assert r["sequences"] == r["steps"] * ex.SETTINGS["batch_size"] and r["steps"] <= r["budget"]
        assert all(np.isfinite(r[k]) and r[k] >= 0 for k in ("grad_init", "grad_start", "grad_end"))
    if name != ex.SELECTION:                   # the reported runs are at the rates the selection chose
        rates = ex.chosen_learning_rates(_stored(ex.SELECTION)[0])
        assert all(r["lr"] == ex.learning_rate_of(r["model"], rates) for r in runs)
        assert not {r["seed"] for r in runs} & {r["seed"] for r in _stored(ex.SELECTION)[0]}


def test_the_sweep_the_chapters_read_is_intact():
    """long_range_sweep.jsonl, which chapters 08 and 10 read (the default of load_results): its 940 runs, every
    configuration of its recorded plan on every seed, and nothing else."""
    runs, meta = ex.load_results(), ex.load_sweep_settings()
    assert ex.RESULTS == ex.SWEEP
    assert len(runs) == meta["runs_in_file"] == 940
    have = {(r["task"], r["model"], r["T"], r["seed"]) for r in runs}
    planned = {(e["task"], e["model"], e["T"], s) for e in meta["plan"] for s in e["seeds"]}
    assert have == planned and len(have) == len(runs)


@pytest.fixture(scope="module")
def todays_fingerprint():
    """:func:`ex.pinned_fingerprint` of today's code, computed once for the module (a child process, about a
    second): the same for every test that asks, since the code does not change during the run."""
    return ex.pinned_fingerprint()


@pytest.mark.parametrize("name", [ex.SELECTION, ex.SWEEP, ex.LONG_RESULTS])
def test_the_stored_sweep_was_made_by_todays_training_code(name, todays_fingerprint):
    """The training code's fingerprint (50 float64 steps of every model, pinned to one BLAS kernel and numpy's AVX2
    code) is what it was when the sweep ran: a change to the arithmetic that trains fails here until the sweep is
    made again (`make experiments`)."""
    _, meta = _stored(name)
    now = todays_fingerprint
    worst = ex.fingerprint_difference(meta["fingerprint"], now)
    assert worst <= ex.FINGERPRINT_TOL, (f"the training code changed since {name} was made (largest relative "
                                         f"change of a loss {worst:.1e}): re-run the sweep")


def test_the_fingerprint_sees_a_rounding_level_change(monkeypatch):
    """A change that moves every weight gradient of the LSTM by one unit in the last place (what reordering a sum
    does) moves the fingerprint by more than its tolerance."""
    from lstm_utils import stacked
    base = ex.training_fingerprint(["lstm_bf3"])
    forward, backward = stacked.CELLS["lstm"]

    def one_ulp_off(dh, cache):
        grads, dxs = backward(dh, cache)
        return {k: np.nextafter(g, np.inf) for k, g in grads.items()}, dxs
    monkeypatch.setitem(stacked.CELLS, "lstm", (forward, one_ulp_off))
    changed = ex.training_fingerprint(["lstm_bf3"])
    assert ex.fingerprint_difference(base, changed) > ex.FINGERPRINT_TOL


# ---------------------------------------------------------------------------------------------------------------
# The sweep script: a Dask cluster of two workers, resumable

def _sweep_script(monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "scripts"))
    monkeypatch.delitem(sys.modules, "run_experiments", raising=False)
    return importlib.import_module("run_experiments")


@pytest.fixture
def one_local_cluster(monkeypatch):
    """The script's ``LocalCluster``, made once with the arguments of its first call and handed to every later call
    of the test (each run's ``close`` leaves it up; it is closed at the end): one cluster start instead of one per
    run. Yields the keyword arguments of every call."""
    from dask import distributed

    real, calls, made = distributed.LocalCluster, [], []

    def local_cluster(*args, **kwargs):
        calls.append(kwargs)
        if not made:
            cluster = real(*args, **kwargs)
            cluster.close = lambda *a, **k: None             # the script's close: the cluster stays for the next run
            made.append(cluster)
        return made[0]

    monkeypatch.setattr(distributed, "LocalCluster", local_cluster)
    yield calls
    for cluster in made:
        type(cluster).close(cluster)


def test_a_tiny_sweep_through_a_two_worker_cluster_resumes(tmp_path, capsys, monkeypatch, one_local_cluster,
                                                           todays_fingerprint):
    """Three units (the selection's three rates) on a local Dask cluster of two workers; the client alone writes
    the file; started again, it runs only what is missing. The settings file records today's fingerprint (the
    module's, handed to the script instead of a child process per run)."""
    script, out = _sweep_script(monkeypatch), tmp_path / "sel.jsonl"
    monkeypatch.setattr(script, "PARTIAL", tmp_path / "partial")
    monkeypatch.setattr(ex, "pinned_fingerprint", lambda: todays_fingerprint)
    args = ["select", "--tasks", "temporal", "--models", "rnn", "--steps", "20", "--jobs", "2",
            "--out", str(out)]
    assert script.main(args + ["--seeds", "100"]) == 0
    first = out.read_text().splitlines()
    assert sorted(json.loads(line)["lr"] for line in first) == sorted(script.RATES)
    assert script.main(args + ["--seeds", "100", "101"]) == 0              # one more seed: 3 more runs only
    lines = out.read_text().splitlines()
    assert lines[:3] == first and len(lines) == 6
    assert "3 runs in sel.jsonl; 3 to run in 3 units" in capsys.readouterr().out
    assert script.main(args + ["--seeds", "100", "101"]) == 0              # nothing left: nothing appended
    assert out.read_text().splitlines() == lines
    assert [(c["n_workers"], c["threads_per_worker"], c["processes"]) for c in one_local_cluster] == [(2, 1, True)] * 2
    meta = json.loads(out.with_suffix(".settings.json").read_text())
    assert meta["runs_in_file"] == 6 and [i["runs"] for i in meta["invocations"]] == [3, 3]
    assert meta["invocations"][0]["cpu"] and "dispatch_enabled" in meta["invocations"][0]["numpy_simd"]
    assert meta["fingerprint"] == todays_fingerprint
    assert ex.chosen_learning_rates([json.loads(line) for line in lines])["rnn"] in script.RATES


def test_the_settings_count_the_runs_this_invocation_wrote(tmp_path, monkeypatch, one_local_cluster,
                                                          todays_fingerprint):
    """Another invocation may append its own units' records to the same file meanwhile (the long stage's units are
    hours long, and run side by side): the settings record the runs this one wrote, not the file's growth."""
    script, out = _sweep_script(monkeypatch), tmp_path / "sel.jsonl"
    monkeypatch.setattr(script, "PARTIAL", tmp_path / "partial")
    monkeypatch.setattr(ex, "pinned_fingerprint", lambda: todays_fingerprint)
    real = script.run_on_cluster

    def beside_another(units, out_, a, written):
        with open(out_, "a") as f:                  # the neighbour's record lands first
            f.write(json.dumps({"task": "temporal", "model": "rnn", "T": 10, "lr": 1.0, "budget": 3000,
                                "seed": 999}) + "\n")
        return real(units, out_, a, written)

    monkeypatch.setattr(script, "run_on_cluster", beside_another)
    args = ["select", "--tasks", "temporal", "--models", "rnn", "--steps", "20", "--jobs", "2", "--seeds", "100",
            "--out", str(out)]
    assert script.main(args) == 0
    meta = json.loads(out.with_suffix(".settings.json").read_text())
    assert meta["runs_in_file"] == 4 and [i["runs"] for i in meta["invocations"]] == [3]


def test_a_run_of_a_few_units_keeps_the_whole_plan_in_the_settings(tmp_path, monkeypatch, todays_fingerprint):
    """``--tasks``, ``--models`` and ``--lengths`` choose what one invocation runs; the settings still record the
    stage's whole plan, the one the file's runs are checked against (a cut plan once replaced it)."""
    script, out = _sweep_script(monkeypatch), tmp_path / "long.jsonl"
    monkeypatch.setattr(ex, "pinned_fingerprint", lambda: todays_fingerprint)
    assert script.main(["long", "--models", "gru_bz3", "--lengths", "500", "--out", str(out), "--settings-only"]) == 0
    recorded = json.loads(out.with_suffix(".settings.json").read_text())["plan"]
    shipped = ex.load_sweep_settings(ex.LONG_RESULTS)["plan"]
    assert recorded == shipped and len(recorded) > 1


# ---------------------------------------------------------------------------------------------------------------
# Bad input, table

_SHORT = dict(steps=2, n_val=10, n_test=10)
_rec = [{"task": "adding", "model": "rnn", "T": 10, "seed": 0, "solved": True, "score": 1.0, "sequences": 32,
         "paper_solved": True, "grad_init": 1.0, "grad_start": 1.0, "grad_end": 1.0, "steps": 1}]

BAD_INPUT = [
    pytest.param(lambda: ex.run("parity", "rnn", 10, 0), ValueError, r"task: expected one of 'adding', 'temporal'",
                 id="task"),
    pytest.param(lambda: ex.run("adding", "transformer", 10, 0), ValueError, r"model: expected one of .*'lstm_bf3'",
                 id="model"),
    pytest.param(lambda: ex.run("adding", "rnn", 10, 0, learning_rate=0.1), ValueError,
                 r"overrides: unknown setting\(s\) learning_rate", id="override-unknown"),
    pytest.param(lambda: ex.run("adding", "rnn", 8, 0, stepz=2), ValueError, r"overrides: .*stepz",
                 id="override-misspelt"),
    *[pytest.param(lambda s=s: ex.run("adding", "rnn", 8, s, **_SHORT), TypeError, r"seed: .*integer",
                   id=f"seed-{s!r}") for s in ("a", None, 1.5)],
    pytest.param(lambda: ex.run("adding", "rnn", 8, -1, **_SHORT), ValueError, r"seed: .*non-negative.*-1",
                 id="seed-negative"),
    pytest.param(lambda: ex.run("adding", "rnn", 8, 0, steps=2, n_val=0, n_test=10), ValueError,
                 r"n_val: expected an integer >= 1, got 0", id="n_val-0"),
    pytest.param(lambda: ex.run("adding", "rnn", 8, 0, **_SHORT, tol=-1), ValueError, r"tol: .*> 0", id="tol"),
    pytest.param(lambda: ex.run("adding", "rnn", 2.5, 0, **_SHORT), TypeError, r"T: expected an integer, got float",
                 id="T-float"),
    pytest.param(lambda: ex.run("adding", "rnn", 2, 0, **_SHORT), ValueError, r"T: expected an integer >= 4, got 2",
                 id="T-small"),
    pytest.param(lambda: ex.run("adding", "rnn", 8, 0, **_SHORT, hidden_size="a"), TypeError, r"hidden_size: .*str",
                 id="hidden_size"),
    pytest.param(lambda: ex.run("adding", "rnn", 8, 0, **_SHORT, stop_at=2), ValueError, r"stop_at: .*\[0, 1\]",
                 id="stop_at"),
    pytest.param(lambda: ex.run("adding", "rnn", 8, 0, **_SHORT, dtype="int64"), ValueError,
                 r"dtype: expected 'float32' or 'float64'", id="dtype"),
    *[pytest.param(lambda k=k, n=n: ex.wilson_interval(k, n), exc, rf"{name}: ", id=f"wilson-{k}-{n}")
      for k, n, exc, name in ((11, 10, ValueError, "k"), (-1, 10, ValueError, "k"), (1, 0, ValueError, "n"),
                              (0.5, 10, TypeError, "k"))],
    pytest.param(lambda: ex.wilson_interval(1, 2, z=-1), ValueError, r"z: .*> 0", id="wilson-z"),
    pytest.param(lambda: ex.summarize(_rec, "adding", "lstm_bf3", 10), ValueError,
                 r"records: no runs of task 'adding', model 'lstm_bf3', T = 10", id="summarize-none"),
    pytest.param(lambda: ex.summarize(None, "adding", "rnn", 10), TypeError, r"records: expected a list of run records",
                 id="summarize-records-None"),
]


@pytest.mark.parametrize("call, exc, match", BAD_INPUT)
def test_bad_input_is_refused_by_name(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
