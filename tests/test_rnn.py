"""Tests for lstm_utils.rnn: the vanilla RNN, h_t = tanh(W_h · [h_{t-1}, x_t] + b_h).

Behaviour only (the inside of rnn_forward/rnn_backward may be rewritten for speed): gradients against central
differences in float64, the sequence functions against the step functions, bounds, dtypes and error messages.
"""

import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal

import lstm_utils as lu
from helpers import rnn_problem, run_step_loop, shape_error

D, H = 3, 4


def make_problem(T, B, seed=0, dtype=np.float64):
    """Inputs, a non-zero initial state, parameters with a non-zero bias, and random upstream gradients G.

    The loss L = sum(G * hs) has dL/dhs = G; random G makes every entry of every h_t matter
    (``helpers.rnn_problem``).
    """
    return rnn_problem(T, B, D, H, seed=seed, scale=0.6, dtype=dtype)


# ---------------------------------------------------------------------------------------------------------------
# Gradient checks (float64, normwise relative error < 1e-7)

SIZES = [(1, 1), (1, 3), (6, 1), (6, 3)]  # (T, B)


@pytest.mark.parametrize("T, B", SIZES, ids=[f"T{t}-B{b}" for t, b in SIZES])
@pytest.mark.parametrize("wrt", ["W_h", "b_h", "xs", "h0"])
def test_rnn_backward_matches_finite_differences(T, B, wrt):
    xs, h0, params, G = make_problem(T, B, seed=10 * T + B)
    hs, cache = lu.rnn_forward(xs, h0, params)
    grads, dxs, dh0 = lu.rnn_backward(G, cache)
    analytic = {"W_h": grads["W_h"], "b_h": grads["b_h"], "xs": dxs, "h0": dh0}[wrt]
    target = {"W_h": params["W_h"], "b_h": params["b_h"], "xs": xs, "h0": h0}[wrt]

    def loss():  # reads `target` through xs / h0 / params, which numerical_gradient nudges in place
        return np.sum(G * lu.rnn_forward(xs, h0, params)[0])

    numeric = lu.numerical_gradient(loss, target)
    assert analytic.shape == target.shape
    assert lu.relative_error(analytic, numeric) < 1e-7


def test_rnn_backward_loss_on_last_state_only():
    """Many-to-one: the loss reads only h_T, so dhs is zero before T and every gradient flows back through time."""
    xs, h0, params, G = make_problem(7, 2, seed=3)
    G[:-1] = 0.0
    _, cache = lu.rnn_forward(xs, h0, params)
    grads, dxs, dh0 = lu.rnn_backward(G, cache)

    def loss():
        return np.sum(G * lu.rnn_forward(xs, h0, params)[0])

    for analytic, target in [(grads["W_h"], params["W_h"]), (grads["b_h"], params["b_h"]), (dxs, xs), (dh0, h0)]:
        assert lu.relative_error(analytic, lu.numerical_gradient(loss, target)) < 1e-7
    assert np.abs(dxs[0]).max() > 0  # the first input does receive a gradient through the recurrence


@pytest.mark.parametrize("B", [1, 3])
@pytest.mark.parametrize("wrt", ["W_h", "b_h", "x_t", "h_prev"])
def test_rnn_step_backward_matches_finite_differences(B, wrt):
    xs, h0, params, G = make_problem(1, B, seed=B)
    x_t, dh = xs[0], G[0]
    _, cache = lu.rnn_step(x_t, h0, params)
    grads, dx, dh_prev = lu.rnn_step_backward(dh, cache)
    analytic = {"W_h": grads["W_h"], "b_h": grads["b_h"], "x_t": dx, "h_prev": dh_prev}[wrt]
    target = {"W_h": params["W_h"], "b_h": params["b_h"], "x_t": x_t, "h_prev": h0}[wrt]

    def loss():
        return np.sum(dh * lu.rnn_step(x_t, h0, params)[0])

    numeric = lu.numerical_gradient(loss, target)
    assert analytic.shape == target.shape
    assert lu.relative_error(analytic, numeric) < 1e-7


def test_gradient_check_detects_a_wrong_backward():
    """The check has teeth: a BPTT that forgets the tanh derivative (1 - h^2) fails it by a wide margin."""
    xs, h0, params, G = make_problem(4, 2, seed=5)
    _, cache = lu.rnn_forward(xs, h0, params)
    grads, _, _ = lu.rnn_backward(G, cache)
    W_hh = params["W_h"][:, :H]
    wrong_db, g_next = np.zeros(H), np.zeros_like(h0)
    for t in reversed(range(len(xs))):
        delta = G[t] + g_next                   # the bug: no "* (1 - hs[t] ** 2)"
        wrong_db += delta.sum(axis=0)
        g_next = delta @ W_hh

    def loss():
        return np.sum(G * lu.rnn_forward(xs, h0, params)[0])

    numeric = lu.numerical_gradient(loss, params["b_h"])
    assert lu.relative_error(grads["b_h"], numeric) < 1e-7
    assert lu.relative_error(wrong_db, numeric) > 1e-2


# ---------------------------------------------------------------------------------------------------------------
# The sequence functions are the step functions, composed


@pytest.mark.parametrize("T, B", SIZES, ids=[f"T{t}-B{b}" for t, b in SIZES])
def test_rnn_forward_is_rnn_step_repeated(T, B):
    xs, h0, params, _ = make_problem(T, B, seed=1)
    hs, _ = lu.rnn_forward(xs, h0, params)
    assert hs.shape == (T, B, H)
    h = h0
    for t in range(T):
        h, _ = lu.rnn_step(xs[t], h, params)
        assert_allclose(hs[t], h, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("T, B", SIZES, ids=[f"T{t}-B{b}" for t, b in SIZES])
def test_rnn_backward_is_rnn_step_backward_composed(T, B):
    xs, h0, params, G = make_problem(T, B, seed=2)
    _, cache = lu.rnn_forward(xs, h0, params)
    grads, dxs, dh0 = lu.rnn_backward(G, cache)
    _, ref = run_step_loop("rnn", {"params": params, "xs": xs, "h0": h0, "dhs": G})
    for got, want in [(grads["W_h"], ref["W_h"]), (grads["b_h"], ref["b_h"]), (dxs, ref["dxs"]), (dh0, ref["dh0"])]:
        assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_h0_none_means_zeros():
    xs, h0, params, G = make_problem(5, 2, seed=4)
    hs_none, cache_none = lu.rnn_forward(xs, None, params)
    hs_zero, cache_zero = lu.rnn_forward(xs, np.zeros_like(h0), params)
    assert_array_equal(hs_none, hs_zero)
    out_none, out_zero = lu.rnn_backward(G, cache_none), lu.rnn_backward(G, cache_zero)
    assert_array_equal(out_none[0]["W_h"], out_zero[0]["W_h"])
    assert_array_equal(out_none[2], out_zero[2])
    h_none, _ = lu.rnn_step(xs[0], None, params)
    assert_array_equal(h_none, hs_none[0])


def test_rnn_step_is_the_equation():
    xs, h0, params, _ = make_problem(1, 3, seed=6)
    h, _ = lu.rnn_step(xs[0], h0, params)
    z = np.concatenate([h0, xs[0]], axis=1)
    assert_allclose(h, np.tanh(z @ params["W_h"].T + params["b_h"]), rtol=1e-14, atol=1e-15)


def test_inputs_are_not_modified():
    xs, h0, params, G = make_problem(4, 2, seed=7)
    copies = [a.copy() for a in (xs, h0, params["W_h"], params["b_h"], G)]
    _, cache = lu.rnn_forward(xs, h0, params)
    lu.rnn_backward(G, cache)
    _, c = lu.rnn_step(xs[0], h0, params)
    lu.rnn_step_backward(G[0], c)
    for before, after in zip(copies, (xs, h0, params["W_h"], params["b_h"], G), strict=True):
        assert_array_equal(before, after)


def test_python_lists_are_accepted():
    xs, h0, params, _ = make_problem(3, 2, seed=8)
    hs, _ = lu.rnn_forward(xs.tolist(), h0.tolist(), {k: v.tolist() for k, v in params.items()})
    assert_array_equal(hs, lu.rnn_forward(xs, h0, params)[0])


# ---------------------------------------------------------------------------------------------------------------
# The hidden state stays in (-1, 1)

# |pre-activation| <= (H + D) * 1 * max(1, 2) + 1 = 15 < 19, below which tanh rounds to less than 1 in float64.
weights = hnp.arrays(np.float64, (H, H + D), elements=st.floats(-1, 1))
biases = hnp.arrays(np.float64, (H,), elements=st.floats(-1, 1))
inputs = hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=4).map(lambda s: s + (D,)),
                    elements=st.floats(-2, 2))


@settings(max_examples=50, deadline=None)
@given(W=weights, b=biases, xs=inputs)
def test_hidden_state_is_strictly_inside_minus_one_one(W, b, xs):
    hs, _ = lu.rnn_forward(xs, None, {"W_h": W, "b_h": b})
    assert np.all(np.abs(hs) < 1.0)


# ---------------------------------------------------------------------------------------------------------------
# dtypes: float64 by default, float32 in -> float32 out


def test_float32_in_float32_out():
    xs, h0, params, G = make_problem(5, 2, seed=9)
    hs64, cache64 = lu.rnn_forward(xs, h0, params)
    grads64, dxs64, dh064 = lu.rnn_backward(G, cache64)

    xs32 = xs.astype(np.float32)
    hs, cache = lu.rnn_forward(xs32, h0.astype(np.float32), {k: v.astype(np.float32) for k, v in params.items()})
    grads, dxs, dh0 = lu.rnn_backward(G.astype(np.float32), cache)
    for a in (hs, grads["W_h"], grads["b_h"], dxs, dh0):
        assert a.dtype == np.float32
    assert_allclose(hs, hs64, rtol=1e-5, atol=1e-6)
    assert_allclose(grads["W_h"], grads64["W_h"], rtol=1e-4, atol=1e-5)
    assert_allclose(dxs, dxs64, rtol=1e-4, atol=1e-5)

    # float32 data with float64 parameters (as init_rnn gives by default) still computes in float32
    hs_mixed, cache_mixed = lu.rnn_forward(xs32, None, params)
    assert hs_mixed.dtype == np.float32
    assert lu.rnn_backward(G, cache_mixed)[0]["W_h"].dtype == np.float32

    h, c = lu.rnn_step(xs32[0], None, params)
    g, dx, dh = lu.rnn_step_backward(G[0], c)
    assert {h.dtype, g["W_h"].dtype, g["b_h"].dtype, dx.dtype, dh.dtype} == {np.dtype(np.float32)}


def test_integer_input_gives_float64():
    rng = np.random.default_rng(11)
    params = lu.init_rnn(D, H, rng=rng)
    xs = rng.integers(-2, 3, size=(4, 2, D))
    hs, cache = lu.rnn_forward(xs, None, params)
    grads, dxs, dh0 = lu.rnn_backward(np.ones((4, 2, H), dtype=int), cache)
    for a in (hs, grads["W_h"], dxs, dh0):
        assert a.dtype == np.float64
    assert_allclose(hs, lu.rnn_forward(xs.astype(np.float64), None, params)[0], rtol=0, atol=0)
    h, _ = lu.rnn_step(xs[0], None, params)
    assert h.dtype == np.float64


# ---------------------------------------------------------------------------------------------------------------
# init_rnn


def test_init_rnn_shapes_seed_and_scale():
    p = lu.init_rnn(D, H, rng=0)
    assert set(p) == {"W_h", "b_h"}
    assert p["W_h"].shape == (H, H + D) and p["b_h"].shape == (H,)
    assert p["W_h"].dtype == np.float64
    assert_array_equal(p["W_h"], lu.init_rnn(D, H, rng=0)["W_h"])           # seeded
    assert not np.array_equal(p["W_h"], lu.init_rnn(D, H, rng=1)["W_h"])
    assert_array_equal(p["b_h"], 0.0)
    big = lu.init_rnn(50, 200, rng=0, scale=0.1)["W_h"]
    assert abs(big.std() - 0.1) < 0.005
    default = lu.init_rnn(50, 200, rng=0)["W_h"]
    assert abs(default.std() - 1 / np.sqrt(250)) < 0.005
    assert lu.init_rnn(D, H, rng=0, dtype=np.float32)["W_h"].dtype == np.float32


def test_init_rnn_identity_start():
    p = lu.init_rnn(D, H, rng=0, recurrent="identity")
    assert_array_equal(p["W_h"][:, :H], np.eye(H))
    assert_array_equal(p["W_h"][:, H:], lu.init_rnn(D, H, rng=0)["W_h"][:, H:])     # same input block
    # at h = 0 the step Jacobian diag(1 - h_t^2) W_hh is the identity: the gradient neither shrinks nor grows
    hs, _ = lu.rnn_forward(np.zeros((3, 1, D)), None, p)
    assert_array_equal(hs, 0.0)


@pytest.mark.parametrize("args, kwargs, match", [
    ((0, 4), {}, "input_size"),
    ((3, 0), {}, "hidden_size"),
    ((3.0, 4), {}, "input_size"),
    ((3, 4), {"rng": "seed"}, "rng"),
    ((3, 4), {"scale": -1.0}, "scale"),
    ((3, 4), {"recurrent": "orthogonal"}, "recurrent"),
])
def test_init_rnn_rejects_bad_arguments(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        lu.init_rnn(*args, **kwargs)


# ---------------------------------------------------------------------------------------------------------------
# Bad input: ValueError naming the argument, the expected shape and the shape given

T_, B_ = 5, 2


def _good():
    xs, h0, params, G = make_problem(T_, B_, seed=12)
    return xs, h0, params, G


@pytest.mark.parametrize("xs_shape, match", [
    ((T_, D), shape_error("xs", "(T, B, D) = (*, *, 3)", "(5, 3)")),              # a missing batch axis
    ((T_, B_, D + 1), shape_error("xs", "(T, B, D) = (*, *, 3)", "(5, 2, 4)")),  # wrong number of features
    ((T_, B_, D, 1), shape_error("xs", "(T, B, D) = (*, *, 3)", "(5, 2, 3, 1)")),
    ((0, B_, D), r"xs.*at least one step.*\(0, 2, 3\)"),
])
def test_rnn_forward_rejects_misshaped_xs(xs_shape, match):
    _, h0, params, _ = _good()
    with pytest.raises(ValueError, match=match):
        lu.rnn_forward(np.zeros(xs_shape), None, params)


@pytest.mark.parametrize("h0_shape, given", [((B_, H + 1), "(2, 5)"), ((H,), "(4,)"), ((B_ + 1, H), "(3, 4)"),
                                             ((1, B_, H), "(1, 2, 4)")])
def test_rnn_forward_rejects_misshaped_h0(h0_shape, given):
    xs, _, params, _ = _good()
    with pytest.raises(ValueError, match=shape_error("h0", "(B, H) = (2, 4)", given)):
        lu.rnn_forward(xs, np.zeros(h0_shape), params)


@pytest.mark.parametrize("dhs_shape, given", [((T_, B_, H + 1), "(5, 2, 5)"), ((T_ - 1, B_, H), "(4, 2, 4)"),
                                              ((B_, H), "(2, 4)")])
def test_rnn_backward_rejects_misshaped_dhs(dhs_shape, given):
    xs, h0, params, _ = _good()
    _, cache = lu.rnn_forward(xs, h0, params)
    with pytest.raises(ValueError, match=shape_error("dhs", "(T, B, H) = (5, 2, 4)", given)):
        lu.rnn_backward(np.zeros(dhs_shape), cache)


def test_rnn_step_rejects_misshaped_inputs():
    xs, h0, params, G = _good()
    with pytest.raises(ValueError, match=shape_error("x_t", "(B, D) = (*, 3)", "(2, 4)")):
        lu.rnn_step(np.zeros((B_, D + 1)), h0, params)
    with pytest.raises(ValueError, match=shape_error("x_t", "(B, D) = (*, 3)", "(3,)")):
        lu.rnn_step(np.zeros(D), None, params)
    with pytest.raises(ValueError, match=shape_error("h_prev", "(B, H) = (2, 4)", "(2, 3)")):
        lu.rnn_step(xs[0], np.zeros((B_, H - 1)), params)
    _, cache = lu.rnn_step(xs[0], h0, params)
    with pytest.raises(ValueError, match=shape_error("dh_t", "(B, H) = (2, 4)", "(2, 5)")):
        lu.rnn_step_backward(np.zeros((B_, H + 1)), cache)


@pytest.mark.parametrize("fn", ["forward", "step"])
@pytest.mark.parametrize("change, match", [
    ({"b_h": None}, r"params.*missing.*'b_h'.*expected keys W_h, b_h.*got W_h"),
    ({"W_h": None}, r"params.*missing.*'W_h'"),
    ({"W_h": np.zeros(H * (H + D))}, shape_error("params['W_h']", "(H, H + D)", "(28,)")),
    ({"W_h": np.zeros((H, H))}, shape_error("params['W_h']", "(H, H + D) with D >= 1", "(4, 4)")),
    ({"W_h": np.zeros((1, H, H + D))}, shape_error("params['W_h']", "(H, H + D)", "(1, 4, 7)")),
    ({"b_h": np.zeros(H + 1)}, shape_error("params['b_h']", "(H) = (4,)", "(5,)")),
    ({"b_h": np.zeros((1, H))}, shape_error("params['b_h']", "(H) = (4,)", "(1, 4)")),
])
def test_rejects_bad_params(fn, change, match):
    xs, h0, params, _ = _good()
    params = dict(params)
    for k, v in change.items():
        if v is None:
            del params[k]
        else:
            params[k] = v
    with pytest.raises(ValueError, match=match):
        if fn == "forward":
            lu.rnn_forward(xs, h0, params)
        else:
            lu.rnn_step(xs[0], h0, params)


def test_weight_that_does_not_fit_the_input_is_reported_on_xs():
    """H and D are read off W_h; an input with another D is reported with the D that W_h implies."""
    xs, h0, params, _ = _good()
    params = {"W_h": np.zeros((H, H + D + 2)), "b_h": np.zeros(H)}
    with pytest.raises(ValueError, match=shape_error("xs", "(*, *, 5)", "(5, 2, 3)")):
        lu.rnn_forward(xs, h0, params)


def test_params_must_be_a_dict():
    xs, h0, params, _ = _good()
    with pytest.raises(ValueError, match=r"params.*dict.*got tuple"):
        lu.rnn_forward(xs, h0, (params["W_h"], params["b_h"]))


@pytest.mark.parametrize("where", ["xs", "h0", "W_h", "b_h", "dhs"])
@pytest.mark.parametrize("bad_dtype", ["str", "complex", "object"])
def test_rejects_non_real_dtypes(where, bad_dtype):
    xs, h0, params, G = _good()
    convert = {
        "str": lambda a: a.astype(str),
        "complex": lambda a: a.astype(np.complex128),
        "object": lambda a: a.astype(object),
    }[bad_dtype]
    name = {"xs": "xs", "h0": "h0", "W_h": "params['W_h']", "b_h": "params['b_h']", "dhs": "dhs"}[where]
    given = {"str": "<U", "complex": "complex128", "object": "object"}[bad_dtype]
    match = re.escape(name) + ".*real numeric.*" + re.escape(given)
    if where == "dhs":
        _, cache = lu.rnn_forward(xs, h0, params)
        with pytest.raises(ValueError, match=match):
            lu.rnn_backward(convert(G), cache)
        return
    if where in ("xs", "h0"):
        xs, h0 = (convert(xs), h0) if where == "xs" else (xs, convert(h0))
    else:
        params = {**params, where: convert(params[where])}
    with pytest.raises(ValueError, match=match):
        lu.rnn_forward(xs, h0, params)


def test_rejects_ragged_input():
    _, _, params, _ = _good()
    with pytest.raises(ValueError, match="xs"):
        lu.rnn_forward([[[0.0, 1.0, 2.0]], [[0.0, 1.0]]], None, params)
