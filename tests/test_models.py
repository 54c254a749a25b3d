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


def test_bad_input_names_the_argument():
    p = m.init_model("rnn", 2, 3, 1, rng=0)
    with pytest.raises(ValueError, match="xs"):
        m.model_forward("rnn", p, np.ones((4, 2, 5)))
    with pytest.raises(ValueError, match="W_y"):
        m.model_forward("rnn", {k: p[k] for k in ("W_h", "b_h", "b_y")}, np.ones((4, 2, 2)))
    with pytest.raises(ValueError, match="labels"):
        m.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="target"):
        m.mse(np.zeros((2, 1)), np.zeros(3))


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
