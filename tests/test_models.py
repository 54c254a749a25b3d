"""Tests of lstm_utils.models: the cell registry, the many-to-one model, its losses and their gradients."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lstm_utils import models as m
from lstm_utils.gradcheck import numerical_gradient, relative_error


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_registry_has_the_course_cells_with_uniform_signatures(cell):
    c = m.CELLS[cell]
    params = c.init(3, 4, rng=0)
    xs = np.random.default_rng(1).normal(size=(5, 2, 3))
    hs, cache = c.forward(xs, params)
    assert hs.shape == (5, 2, 4)
    grads, dxs = c.backward(np.ones_like(hs), cache)
    assert set(grads) == set(params) and dxs.shape == xs.shape


def test_register_cell_adds_a_cell_usable_by_the_model():
    # a "cell" that is an RNN under another name: registered, it works through the same model functions
    c = m.register_cell("rnn_copy", m.CELLS["rnn"].init, m.CELLS["rnn"].forward, m.CELLS["rnn"].backward)
    try:
        p = m.init_model("rnn_copy", 2, 3, 1, rng=0)
        q = m.init_model("rnn", 2, 3, 1, rng=0)
        xs = np.random.default_rng(0).normal(size=(4, 2, 2))
        assert_allclose(m.model_forward("rnn_copy", p, xs)[0], m.model_forward(c, q, xs)[0])
    finally:
        del m.CELLS["rnn_copy"]
    with pytest.raises(ValueError, match="cell"):
        m.get_cell("no-such-cell")
    with pytest.raises(ValueError, match="forward"):
        m.register_cell("bad", m.CELLS["rnn"].init, None, m.CELLS["rnn"].backward)


def test_init_model_is_seeded_and_shaped():
    p1, p2 = m.init_model("lstm", 3, 5, 2, rng=7), m.init_model("lstm", 3, 5, 2, rng=7)
    for k in p1:
        assert_allclose(p1[k], p2[k])
    assert p1["W_y"].shape == (2, 5) and p1["b_y"].shape == (2,)
    assert_allclose(p1["b_f"], 1.0)                       # the cell's own init (forget bias) is kept
    assert_allclose(m.init_model("lstm", 3, 5, 2, rng=7, forget_bias=3.0)["b_f"], 3.0)


def test_model_reads_the_last_hidden_state():
    p = m.init_model("rnn", 2, 3, 2, rng=0)
    xs = np.random.default_rng(0).normal(size=(6, 4, 2))
    y, cache = m.model_forward("rnn", p, xs)
    hs, _ = m.CELLS["rnn"].forward(xs, {k: p[k] for k in ("W_h", "b_h")})
    assert_allclose(y, hs[-1] @ p["W_y"].T + p["b_y"])
    assert_allclose(m.predict_each_step("rnn", p, xs)[-1], y)


def test_softmax_cross_entropy_value():
    logits = np.array([[0.0, 0.0], [np.log(3.0), 0.0]])
    loss, _ = m.softmax_cross_entropy(logits, np.array([0, 0]))
    assert_allclose(loss, (np.log(2.0) + np.log(4.0 / 3.0)) / 2)
    # stable for huge logits
    loss, d = m.softmax_cross_entropy(np.array([[1e4, -1e4]]), np.array([0]))
    assert np.isfinite(loss) and np.all(np.isfinite(d))


def test_loss_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    logits, labels = rng.normal(size=(5, 3)), rng.integers(0, 3, size=5)
    _, d = m.softmax_cross_entropy(logits, labels)
    num = numerical_gradient(lambda: m.softmax_cross_entropy(logits, labels)[0], logits)
    assert relative_error(d, num) < 1e-7
    pred, target = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    _, d = m.mse(pred, target)
    num = numerical_gradient(lambda: m.mse(pred, target)[0], pred)
    assert relative_error(d, num) < 1e-7


@pytest.mark.parametrize("cell,task,K", [("rnn", "classification", 3), ("lstm", "classification", 3),
                                         ("rnn", "regression", 1), ("lstm", "regression", 2)])
def test_model_backward_matches_finite_differences(cell, task, K):
    rng = np.random.default_rng(3)
    p = m.init_model(cell, 2, 3, K, rng=1)
    xs = rng.normal(size=(5, 2, 2))
    ys = rng.integers(0, K, size=2) if task == "classification" else rng.normal(size=(2, K))
    loss_fn = m.LOSSES[task]

    def f():
        return loss_fn(m.model_forward(cell, p, xs)[0], ys)[0]

    out, cache = m.model_forward(cell, p, xs)
    grads, dxs = m.model_backward(loss_fn(out, ys)[1], cache)
    num = {k: numerical_gradient(f, p[k]) for k in p}
    assert set(grads) == set(p)
    assert relative_error(grads, num) < 1e-7
    assert relative_error(dxs, numerical_gradient(f, xs)) < 1e-7


def test_float32_in_float32_out():
    p = {k: v.astype(np.float32) for k, v in m.init_model("lstm", 2, 3, 1, rng=0).items()}
    y, cache = m.model_forward("lstm", p, np.ones((4, 2, 2), dtype=np.float32))
    assert y.dtype == np.float32
    loss, d = m.mse(y, np.zeros(2, dtype=np.float32))
    assert d.dtype == np.float32


def test_metrics():
    assert m.accuracy(np.array([[2.0, 1.0], [0.0, 1.0]]), np.array([0, 0])) == 0.5
    assert m.fraction_solved(np.array([[0.5], [0.5]]), np.array([0.53, 0.55])) == 0.5


_p = m.init_model("rnn", 2, 3, 2, rng=0)
_xs = np.random.default_rng(0).normal(size=(5, 4, 2))
_gru = m.init_model("gru", 2, 3, 2, rng=0)
_logits = np.array([[2.0, 1.0], [0.0, 1.0], [1.0, 0.0]])

BAD_INPUT = [
    # the registry
    pytest.param(lambda: m.get_cell("no-such-cell"), ValueError, r"cell: expected one of .*'lstm'.*no-such-cell",
                 id="get_cell"),
    pytest.param(lambda: m.register_cell("bad", m.CELLS["rnn"].init, None, m.CELLS["rnn"].backward), ValueError,
                 r"forward: expected a callable, got NoneType", id="register_cell"),
    # init_model
    pytest.param(lambda: m.init_model("rnn", 2, 3, 0), ValueError, r"output_size: expected an integer >= 1, got 0",
                 id="output_size-0"),
    pytest.param(lambda: m.init_model("rnn", 2, 3, 1.5), TypeError, r"output_size: expected an integer",
                 id="output_size-float"),
    *[pytest.param(lambda dt=dt: m.init_model("lstm", 2, 3, 1, rng=0, dtype=dt), ValueError,
                   r"dtype: .*np.float32 or np.float64\), got",
                   id=f"dtype-{np.dtype(dt).name}") for dt in (np.int64, np.complex128, np.float16)],
    pytest.param(lambda: m.init_model("lstm", 2, 3, 1, rng=0, dtype="str"), ValueError, r"dtype: ", id="dtype-str"),
    pytest.param(lambda: m.init_model("rnn", 2, 3, 1, rng=-1), ValueError, r"rng: .*non-negative.*-1", id="rng--1"),
    pytest.param(lambda: m.init_model("rnn", 2, 3, 1, rng="a"), TypeError, r"rng: .*str", id="rng-str"),
    # model_forward, predict_each_step
    pytest.param(lambda: m.model_forward("rnn", _p, np.ones((4, 2, 5))), ValueError, r"xs: .*\(\*, \*, 2\)",
                 id="xs-D"),
    pytest.param(lambda: m.model_forward("rnn", {k: _p[k] for k in ("W_h", "b_h", "b_y")}, _xs), ValueError,
                 r"params: missing readout key\(s\) 'W_y'", id="missing-W_y"),
    pytest.param(lambda: m.model_forward("rnn", None, _xs), TypeError, r"params: expected a dict.*NoneType",
                 id="params-None"),
    pytest.param(lambda: m.model_forward("rnn", [1], _xs), TypeError, r"params: .*list", id="params-list"),
    pytest.param(lambda: m.model_forward("rnn", _gru, _xs), ValueError,
                 r"params: expected the keys of 'rnn' \(W_h, b_h\).*W_r", id="gru-params-for-rnn"),
    pytest.param(lambda: m.model_forward("rnn", {**_p, "W_y": np.ones((2, 4))}, _xs), ValueError,
                 r"params\['W_y'\]: expected shape \(K, H\) = \(\*, 3\), got \(2, 4\)", id="W_y-shape"),
    pytest.param(lambda: m.predict_each_step("rnn", {**_p, "b_y": np.zeros(1)}, _xs), ValueError,
                 r"params\['b_y'\]: expected shape \(K\) = \(2,\), got \(1,\)", id="predict-b_y"),
    pytest.param(lambda: m.predict_each_step("rnn", {**_p, "W_y": _p["W_y"] + 0j}, _xs), ValueError,
                 r"params\['W_y'\]: .*complex128", id="predict-W_y-complex"),
    pytest.param(lambda: m.predict_each_step("rnn", {**_p, "W_y": np.ones((2, 4))}, _xs), ValueError,
                 r"params\['W_y'\]: .*\(K, H\).*\(2, 4\)", id="predict-W_y-shape"),
    pytest.param(lambda: m.model_forward("rnn", {**_p, "b_y": np.array([0.0, np.nan])}, _xs), ValueError,
                 r"params\['b_y'\]: .*finite.*\(1,\)", id="b_y-nan"),
    # model_backward
    pytest.param(lambda: m.model_backward(np.ones((4, 2)), None), TypeError,
                 r"cache: expected the cache returned by model_forward, got NoneType", id="cache-None"),
    pytest.param(lambda: m.model_backward(np.ones((4, 2)), {}), TypeError, r"cache: .*keys none", id="cache-empty"),
    pytest.param(lambda: m.model_backward(np.full((4, 2), np.nan), m.model_forward("rnn", _p, _xs)[1]), ValueError,
                 r"dy: expected finite values, got nan at index \(0, 0\)", id="dy-nan"),
    pytest.param(lambda: m.model_backward(np.ones((4, 3)), m.model_forward("rnn", _p, _xs)[1]), ValueError,
                 r"dy: expected shape \(B, K\) = \(4, 2\), got \(4, 3\)", id="dy-shape"),
    # losses
    pytest.param(lambda: m.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3])), ValueError,
                 r"labels: expected integers in \[0, 3\), got range \[0, 3\]", id="labels-range"),
    pytest.param(lambda: m.softmax_cross_entropy(np.zeros((2, 2)), np.array(["a", "b"])), TypeError,
                 r"labels: .*integer.*<U1", id="labels-str"),
    pytest.param(lambda: m.softmax_cross_entropy(np.zeros((0, 2)), np.zeros(0, dtype=int)), ValueError,
                 r"logits: expected at least one row.*\(0, 2\)", id="cross-entropy-B0"),
    pytest.param(lambda: m.mse(np.zeros((2, 1)), np.zeros(3)), ValueError,
                 r"target: expected shape \(B, K\) = \(2, 1\), got \(3, 1\)", id="mse-target"),
    pytest.param(lambda: m.mse(np.zeros((0, 1)), np.zeros(0)), ValueError, r"pred: expected at least one row",
                 id="mse-B0"),
    pytest.param(lambda: m.mse(np.array([[np.inf]]), np.zeros(1)), ValueError, r"pred: .*finite", id="mse-inf"),
    pytest.param(lambda: m.softmax(np.array([["a"]])), TypeError, r"logits: .*<U1", id="softmax-str"),
    # metrics
    pytest.param(lambda: m.accuracy(_logits, np.array([[0], [1], [1]])), ValueError,
                 r"labels: expected shape \(B\) = \(3,\), got \(3, 1\)", id="accuracy-labels-B1"),
    pytest.param(lambda: m.accuracy(_logits, np.array([0])), ValueError, r"labels: .*\(3,\), got \(1,\)",
                 id="accuracy-labels-1"),
    pytest.param(lambda: m.accuracy(_logits, np.array(["a", "b", "c"])), TypeError, r"labels: .*<U1",
                 id="accuracy-labels-str"),
    pytest.param(lambda: m.accuracy(_logits, np.array([0, 1, 2])), ValueError, r"labels: .*\[0, 2\)",
                 id="accuracy-labels-K"),
    pytest.param(lambda: m.fraction_solved(np.zeros((3, 2)), np.zeros(3)), ValueError,
                 r"target: expected the shape of pred, \(3, 2\).*got \(3,\)", id="fraction-K-mismatch"),
    pytest.param(lambda: m.fraction_solved(np.zeros((3, 1)), np.zeros(3), tol=-1), ValueError, r"tol: .*> 0",
                 id="tol-negative"),
    pytest.param(lambda: m.fraction_solved(np.zeros((3, 1)), np.zeros(3), tol=np.nan), ValueError, r"tol: ",
                 id="tol-nan"),
    pytest.param(lambda: m.fraction_solved(np.zeros((3, 1)), np.array(["a"] * 3)), TypeError, r"target: .*<U1",
                 id="fraction-target-str"),
]


@pytest.mark.parametrize("call, exc, match", BAD_INPUT)
def test_bad_input_is_refused_by_name(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_metrics_on_the_shapes_the_chapters_use():
    # (B, 1) predictions against (B,) targets count as the same shape; (B,) against (B,) too
    assert m.fraction_solved(np.array([[0.5], [0.5], [0.9]]), np.array([0.53, 0.55, 0.9])) == pytest.approx(2 / 3)
    assert m.fraction_solved(np.full(4, 0.5), np.array([0.5, 0.6, 0.51, 0.0])) == 0.5
    assert m.accuracy(_logits, np.array([0, 1, 1])) == pytest.approx(2 / 3)


def test_parameter_count_counts_every_number():
    import lstm_utils as lu

    D, H = 3, 5
    assert lu.parameter_count(lu.init_rnn(D, H, rng=0)) == H * (H + D + 1)
    assert lu.parameter_count(lu.init_lstm(D, H, rng=0)) == 4 * H * (H + D + 1)
    assert lu.parameter_count(lu.init_gru(D, H, rng=0)) == 3 * H * (H + D + 1)
    assert lu.parameter_count(m.init_model("lstm", D, H, 2, rng=0)) == 4 * H * (H + D + 1) + 2 * H + 2
    assert isinstance(lu.parameter_count({"a": np.ones((2, 2))}), int)


@pytest.mark.parametrize("params, match", [
    (None, r"params: expected a dict of arrays, got NoneType"),
    ([np.ones(2)], r"params: expected a dict of arrays, got list"),
    ({"W": np.array(["a"])}, r"params\['W'\]: expected a numeric array, got dtype <U1"),
])
def test_parameter_count_refuses_a_non_dict(params, match):
    import lstm_utils as lu

    with pytest.raises(TypeError, match=match):
        lu.parameter_count(params)
