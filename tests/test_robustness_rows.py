"""The rows of the robustness review (UNCLEAR, SILENT-NAN and SILENT-WRONG tables of review 2, 3,665 probes), one
case each, with what each call does today: a named error (CLEAN) or a result documented as intended. Run
``pytest tests/test_robustness_rows.py -v`` to see every row; the rows of ``experiments.py`` are at the end."""

import warnings

import numpy as np
import pytest

import lstm_utils as lu
from lstm_utils import data, experiments, models, paths, reading, train, widgets

P = {c: getattr(lu, f"init_{c}")(3, 4, rng=0) for c in ("rnn", "lstm", "gru")}


def _raises(exc, match):
    def check(call):
        with pytest.raises(exc, match=match):
            call()
    return check


_CALLS = []


def _third():
    """True on the third call (the data callable of the NaN-in-ys row)."""
    _CALLS.append(1)
    return len(_CALLS) == 3


def _fig():
    import matplotlib.pyplot as plt
    return plt.figure()


ROWS = [
    # ---- UNCLEAR, earlier probe set --------------------------------------------------------------------------------
    ("rnn_step B=0", lambda: lu.rnn_step(np.zeros((0, 3)), None, P["rnn"]), ValueError, r"x_t: expected at least one"),
    ("lstm_step B=0", lambda: lu.lstm_step(np.zeros((0, 3)), None, None, P["lstm"]), ValueError, r"x_t: expected"),
    ("gru_step B=0", lambda: lu.gru_step(np.zeros((0, 3)), None, P["gru"]), ValueError, r"x_t: expected at least"),
    ("numerical_gradient f(x)", lambda: lu.numerical_gradient(lambda x: 0.0, np.zeros(2)), TypeError,
     r"f: expected a callable of no arguments"),
    ("relative_error dict shapes", lambda: lu.relative_error({"w": np.zeros(4)}, {"w": np.zeros(3)}), ValueError,
     r"b\['w'\]: expected the shape of a\['w'\], \(4,\), got \(3,\)"),
    ("critical_singular_value list", lambda: lu.critical_singular_value(["tanh"]), TypeError, r"activation: expected"),
    ("jacobian_norms hs 1e300", lambda: lu.jacobian_norms(np.full((2, 1, 4), 1e300), P["rnn"]["W_h"]), ValueError,
     r"hs: expected tanh hidden states"),
    ("jacobian_norms W_h 1e300", lambda: lu.jacobian_norms(np.full((40, 1, 4), 0.1), np.full((4, 7), 1e300)),
     ValueError, r"W_h: expected a recurrent block whose Jacobian products stay finite"),
    ("train data returns None", lambda: train.train("rnn", models.init_model("rnn", 2, 4, 1, rng=0),
                                                    lambda b, r: None, task="regression", steps=1, progress=False),
     TypeError, r"data: expected a callable \(batch_size, rng\) -> \(xs, ys\), got NoneType from call 1"),
    ("frame_explorer alt signature", lambda: widgets.frame_explorer(lambda a: _fig(), {"a": [1, 2]},
                                                                     alt=lambda b: "x"),
     TypeError, r"alt: expected a callable taking the sliders' names"),
    ("frame_explorer render signature", lambda: widgets.frame_explorer(lambda b: _fig(), {"a": [1, 2]}, alt="x"),
     TypeError, r"render: expected a callable taking the sliders' names"),
    # ---- UNCLEAR, new probes ---------------------------------------------------------------------------------------
    ("figure_to_png None", lambda: widgets.figure_to_png(None), TypeError, r"fig: expected a matplotlib Figure"),
    ("default_values NaN", lambda: widgets.default_values({"a": [np.nan, 1.0]}, {"a": np.nan}), ValueError,
     r"sliders\['a'\]: expected values that can be told apart, got NaN"),
    ("adding_problem 1e10 x 1e10", lambda: data.adding_problem(10**10, 10**10), ValueError, r"n, T: expected at most"),
    ("adding_problem T=1e19", lambda: data.adding_problem(2, 10**19), ValueError, r"n, T: expected at most"),
    ("temporal_order 1e10 x 1e10", lambda: data.temporal_order(10**10, 10**10), ValueError, r"n, T: expected at"),
    ("keyword_task 1e10 x 1e10", lambda: data.keyword_task(10**10, 10**10), ValueError, r"n, T: expected at most"),
    ("review_corpus 1e12", lambda: data.review_corpus(10**12), ValueError, r"n: expected an integer in 1\.\."),
    ("train NaN in ys at step 3", lambda: train.train(
        "rnn", models.init_model("rnn", 2, 4, 1, rng=0),
        lambda b, r: (np.zeros((3, b, 2)), np.full(b, np.nan if _third() else 0.0)),
        task="regression", steps=5, progress=False),
     ValueError, r"ys \(from data, call 3\): expected finite values"),
    # ---- SILENT-NAN ------------------------------------------------------------------------------------------------
    ("numerical_gradient NaN loss", lambda: lu.numerical_gradient(lambda: np.nan, np.zeros(2)), ValueError,
     r"f: expected f\(\) to return a finite number, got nan"),
    ("step_jacobians hs 1e300", lambda: lu.step_jacobians(np.full((2, 1, 4), 1e300), P["rnn"]["W_h"]), ValueError,
     r"hs: expected tanh hidden states"),
    ("grad_norms NaN", lambda: paths.grad_norms(np.full((2, 1, 3), np.nan)), ValueError, r"dxs: expected finite"),
    # ---- SILENT-WRONG ----------------------------------------------------------------------------------------------
    ("input_gradient_paths jacobians='no'", lambda: paths.input_gradient_paths(
        "lstm", models.init_model("lstm", 3, 4, 1, rng=0), np.zeros((3, 1, 3)), jacobians="no"),
     TypeError, r"jacobians: expected True or False, got str 'no'"),
]


@pytest.mark.parametrize("call, exc, match", [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_row_is_refused_by_name(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_documented_rows():
    """Rows that stay as they are, each for the reason its docstring gives."""
    # relative_error with keys of mixed types: compared in one order (by repr), no TypeError from sorting
    assert lu.relative_error({1: np.ones(2), "a": np.ones(2)}, {1: np.ones(2), "a": np.ones(2)}) == 0.0
    # pascanu_bound: +inf is the bound's true value beyond the largest float; no warning escapes
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert lu.pascanu_bound(2.0, 2000) == np.inf and lu.pascanu_bound(1e300, 2) == np.inf
    # sigmoid and tanh pass NaN on, as numpy's elementwise functions do (activations.py's docstring); the cells,
    # which call them, refuse NaN at their door
    assert np.isnan(lu.sigmoid(np.nan)) and np.isnan(lu.tanh(np.nan))
    with pytest.raises(ValueError, match="xs: expected finite values"):
        lu.rnn_forward(np.full((1, 1, 3), np.nan), None, P["rnn"])
    # read_text on an all-zero model: nothing written, nothing held (0 / 0 = 0), no warning
    zero = {k: np.zeros_like(v) for k, v in reading.load_review_model("lstm").items()} \
        if hasattr(reading, "load_review_model") else None
    if zero is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert not reading.read_text(zero, "a good film")["fraction_held"].any()
    # train(task='classification') on real-valued targets: the loss names the labels, what it expected (integer
    # classes) and what came (float64), which points at the data; kept as it is
    with pytest.raises(ValueError, match=r"labels: expected integer class labels in \[0, 1\), got dtype float64"):
        train.train("rnn", models.init_model("rnn", 2, 4, 1, rng=0), (np.zeros((3, 4, 2)), np.zeros(4)),
                    task="classification", steps=1, progress=False)
    # softmax_cross_entropy with B = 0: refused by naming logits, the first argument (intended: labels follow)
    with pytest.raises(ValueError, match="logits: expected at least one row"):
        models.softmax_cross_entropy(np.zeros((0, 2)), np.array([], dtype=int))


# the two rows of experiments.py
OWNER_ROWS = [
    ("experiments.run model=['gru']", lambda: experiments.run("adding", ["gru"], 10, 0), ValueError, r"model:"),
    ("load_results missing file", lambda: experiments.load_results("nope.jsonl"), ValueError, r"name:"),
]


@pytest.mark.parametrize("call, exc, match", [r[1:] for r in OWNER_ROWS], ids=[r[0] for r in OWNER_ROWS])
def test_owner_rows(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
