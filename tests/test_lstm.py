"""Tests for lstm_utils.lstm: the whole LSTM cell, forward and backward.

Behaviour only (the inside of lstm_forward/lstm_backward may be rewritten for speed, same API): gradients against
central differences in float64, the sequence functions against the step functions and the gate functions,
bounds (hypothesis), initialisation, dtypes and error messages.
"""

import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import helpers
import lstm_utils as lu
from helpers import shape_error

D, H = 3, 4
KEYS = ["W_f", "b_f", "W_i", "b_i", "W_c", "b_c", "W_o", "b_o"]


def make_problem(T, B, seed=0):
    """Inputs, non-zero initial states, parameters with non-zero biases, and random upstream gradients
    (``helpers.make_problem``).

    The loss L = sum(G * hs) + sum(G_c * C_T) has dL/dhs = G and dL/dC_T = G_c (the ``dc_last`` argument);
    random G and G_c make every entry of every h_t, and of C_T, matter.
    """
    pb = helpers.make_problem("lstm", T, B, D, H, seed=seed)
    return pb["xs"], pb["h0"], pb["c0"], pb["params"], pb["dhs"], pb["dc_last"]


# ---------------------------------------------------------------------------------------------------------------
# Gradient checks (float64, normwise relative error < 1e-7)

SIZES = [(1, 1), (1, 3), (5, 1), (5, 3)]  # (T, B)
SIZE_IDS = [f"T{t}-B{b}" for t, b in SIZES]


@pytest.mark.parametrize("T, B", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("wrt", KEYS + ["xs", "h0", "c0"])
def test_lstm_backward_matches_finite_differences(T, B, wrt):
    xs, h0, c0, params, G, G_c = make_problem(T, B, seed=10 * T + B)
    hs, cs, cache = lu.lstm_forward(xs, h0, c0, params)
    grads, dxs, dh0, dc0 = lu.lstm_backward(G, cache, dc_last=G_c)
    analytic = {**grads, "xs": dxs, "h0": dh0, "c0": dc0}[wrt]
    target = {**params, "xs": xs, "h0": h0, "c0": c0}[wrt]

    def loss():  # reads `target` through xs / h0 / c0 / params, which numerical_gradient nudges in place
        hs, cs, _ = lu.lstm_forward(xs, h0, c0, params)
        return np.sum(G * hs) + np.sum(G_c * cs[-1])

    numeric = lu.numerical_gradient(loss, target)
    assert analytic.shape == target.shape
    assert np.linalg.norm(numeric) > 1e-3           # the check compares something, not two zeros
    assert lu.relative_error(analytic, numeric) < 1e-7


@pytest.mark.parametrize("T, B", SIZES, ids=SIZE_IDS)
def test_dc_last_alone_matches_finite_differences(T, B):
    """A loss on the last cell state only (dhs = 0): every gradient flows in through ``dc_last``."""
    xs, h0, c0, params, G, G_c = make_problem(T, B, seed=7 + T + B)
    _, _, cache = lu.lstm_forward(xs, h0, c0, params)
    grads, dxs, dh0, dc0 = lu.lstm_backward(np.zeros_like(G), cache, dc_last=G_c)

    def loss():
        return np.sum(G_c * lu.lstm_forward(xs, h0, c0, params)[1][-1])

    for name, analytic, target in [("params", grads, params), ("xs", dxs, xs), ("h0", dh0, h0), ("c0", dc0, c0)]:
        if isinstance(target, dict):
            numeric = {k: lu.numerical_gradient(loss, target[k]) for k in target}
        else:
            numeric = lu.numerical_gradient(loss, target)
        assert lu.relative_error(analytic, numeric) < 1e-7, name
    # with T = 1 the gradient on C_0 through the cell path alone is f_1 * dc_last
    if T == 1:
        f1 = lu.forget_gate(h0, xs[0], params["W_f"], params["b_f"])
        assert_allclose(dc0, f1 * G_c, rtol=1e-13, atol=1e-15)


def test_dc_last_none_is_zero_and_is_linear():
    xs, h0, c0, params, G, G_c = make_problem(4, 2, seed=3)
    _, _, cache = lu.lstm_forward(xs, h0, c0, params)
    out_none = lu.lstm_backward(G, cache)
    out_zero = lu.lstm_backward(G, cache, dc_last=np.zeros((2, H)))
    for a, b in zip(out_none[1:], out_zero[1:], strict=True):
        assert_array_equal(a, b)
    for k in KEYS:
        assert_array_equal(out_none[0][k], out_zero[0][k])
    # the backward pass is linear in (dhs, dc_last): the two loss terms add up
    both = lu.lstm_backward(G, cache, dc_last=G_c)
    only_c = lu.lstm_backward(np.zeros_like(G), cache, dc_last=G_c)
    assert_allclose(both[1], out_none[1] + only_c[1], rtol=1e-12, atol=1e-14)
    assert lu.relative_error(both[0], {k: out_none[0][k] + only_c[0][k] for k in KEYS}) < 1e-13


def test_backward_does_not_change_the_cache_or_its_arguments():
    xs, h0, c0, params, G, G_c = make_problem(4, 2, seed=4)
    hs, cs, cache = lu.lstm_forward(xs, h0, c0, params)
    G_copy, G_c_copy = G.copy(), G_c.copy()
    first = lu.lstm_backward(G, cache, dc_last=G_c)
    second = lu.lstm_backward(G, cache, dc_last=G_c)
    assert_array_equal(G, G_copy)
    assert_array_equal(G_c, G_c_copy)
    for a, b in zip(first[1:], second[1:], strict=True):
        assert_array_equal(a, b)


@pytest.mark.parametrize("B", [1, 3])
@pytest.mark.parametrize("wrt", KEYS + ["x_t", "h_prev", "c_prev"])
def test_lstm_step_backward_matches_finite_differences(B, wrt):
    rng = np.random.default_rng(B)
    _, h_prev, c_prev, params, _, _ = make_problem(1, B, seed=20 + B)
    x_t = rng.normal(size=(B, D))
    dh, dc = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    h_t, c_t, cache = lu.lstm_step(x_t, h_prev, c_prev, params)
    grads, dx, dh_prev, dc_prev = lu.lstm_step_backward(dh, dc, cache)
    analytic = {**grads, "x_t": dx, "h_prev": dh_prev, "c_prev": dc_prev}[wrt]
    target = {**params, "x_t": x_t, "h_prev": h_prev, "c_prev": c_prev}[wrt]

    def loss():
        h, c, _ = lu.lstm_step(x_t, h_prev, c_prev, params)
        return np.sum(dh * h) + np.sum(dc * c)

    numeric = lu.numerical_gradient(loss, target)
    assert analytic.shape == target.shape
    assert lu.relative_error(analytic, numeric) < 1e-7


def test_lstm_step_backward_dc_none_is_zero():
    _, h_prev, c_prev, params, G, _ = make_problem(1, 2, seed=5)
    x_t = np.linspace(-1, 1, 2 * D).reshape(2, D)
    _, _, cache = lu.lstm_step(x_t, h_prev, c_prev, params)
    a = lu.lstm_step_backward(G[0], None, cache)
    b = lu.lstm_step_backward(G[0], np.zeros((2, H)), cache)
    for x, y in zip(a[1:], b[1:], strict=True):
        assert_array_equal(x, y)


# ---------------------------------------------------------------------------------------------------------------
# Forward and backward identities


def test_gate_functions_compose_to_lstm_step():
    _, h_prev, c_prev, p, _, _ = make_problem(1, 3, seed=6)
    x_t = np.random.default_rng(6).normal(size=(3, D))
    f = lu.forget_gate(h_prev, x_t, p["W_f"], p["b_f"])
    i = lu.input_gate(h_prev, x_t, p["W_i"], p["b_i"])
    c_tilde = lu.candidate(h_prev, x_t, p["W_c"], p["b_c"])
    o = lu.output_gate(h_prev, x_t, p["W_o"], p["b_o"])
    c_t = lu.cell_state(f, c_prev, i, c_tilde)
    h_t = lu.hidden_state(o, c_t)
    h_step, c_step, _ = lu.lstm_step(x_t, h_prev, c_prev, p)
    assert_allclose(c_step, c_t, rtol=0, atol=1e-14)
    assert_allclose(h_step, h_t, rtol=0, atol=1e-14)
    # and the gates are the equations: sigma / tanh of [h_{t-1}, x_t] @ W.T + b
    z = np.concatenate([h_prev, x_t], axis=1)
    assert_allclose(f, 1 / (1 + np.exp(-(z @ p["W_f"].T + p["b_f"]))), rtol=1e-14)
    assert_allclose(c_tilde, np.tanh(z @ p["W_c"].T + p["b_c"]), rtol=1e-14, atol=1e-15)
    assert_allclose(c_t, f * c_prev + i * c_tilde, rtol=1e-14, atol=1e-15)
    assert_allclose(h_t, o * np.tanh(c_t), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("T, B", SIZES, ids=SIZE_IDS)
def test_lstm_step_over_T_steps_equals_lstm_forward(T, B):
    xs, h0, c0, params, _, _ = make_problem(T, B, seed=30 + T + B)
    hs, cs, _ = lu.lstm_forward(xs, h0, c0, params)
    h, c = h0, c0
    for t in range(T):
        h, c, _ = lu.lstm_step(xs[t], h, c, params)
        assert_allclose(hs[t], h, rtol=0, atol=1e-14)
        assert_allclose(cs[t], c, rtol=0, atol=1e-14)


def test_none_states_mean_zeros():
    xs, _, _, params, _, _ = make_problem(3, 2, seed=8)
    zeros = np.zeros((2, H))
    a = lu.lstm_forward(xs, None, None, params)
    b = lu.lstm_forward(xs, zeros, zeros, params)
    assert_array_equal(a[0], b[0])
    assert_array_equal(a[1], b[1])
    s1 = lu.lstm_step(xs[0], None, None, params)
    s2 = lu.lstm_step(xs[0], zeros, zeros, params)
    assert_array_equal(s1[0], s2[0])
    assert_array_equal(s1[1], s2[1])


@pytest.mark.parametrize("T, B", SIZES, ids=SIZE_IDS)
def test_step_backward_composition_equals_lstm_backward(T, B):
    pb = helpers.make_problem("lstm", T, B, D, H, seed=40 + T + B)
    (_, grads), (_, grads_ref) = helpers.run_sequence("lstm", pb), helpers.run_step_loop("lstm", pb)
    assert lu.relative_error({k: grads[k] for k in KEYS}, {k: grads_ref[k] for k in KEYS}) < 1e-13
    for k in ("dxs", "dh0", "dc0"):
        assert_allclose(grads[k], grads_ref[k], rtol=1e-12, atol=1e-14, err_msg=k)


@pytest.mark.parametrize("T, B, Dx, Hx, dtype", [(9, 33, 5, 65, np.float64), (23, 40, 3, 70, np.float32),
                                                 (3, 200, 4, 128, np.float64)])
def test_larger_sizes_agree_with_the_step_functions(T, B, Dx, Hx, dtype):
    """Larger sizes, float32 too: still the step equations."""
    pb = helpers.make_problem("lstm", T, B, Dx, Hx, dtype=dtype, seed=T)
    (states, grads), (states_ref, grads_ref) = helpers.run_sequence("lstm", pb), helpers.run_step_loop("lstm", pb)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    assert_allclose(states["hs"], states_ref["hs"], rtol=tol, atol=tol)
    assert_allclose(states["cs"], states_ref["cs"], rtol=tol, atol=tol)
    assert lu.relative_error({k: grads[k] for k in KEYS}, {k: grads_ref[k] for k in KEYS}) < tol
    for k in ("dxs", "dh0", "dc0"):
        assert lu.relative_error(grads[k], grads_ref[k]) < tol, k


def test_gradients_have_the_parameters_keys_and_shapes():
    xs, h0, c0, params, G, _ = make_problem(3, 2, seed=9)
    _, _, cache = lu.lstm_forward(xs, h0, c0, params)
    grads, dxs, dh0, dc0 = lu.lstm_backward(G, cache)
    assert set(grads) == set(KEYS)
    for k in KEYS:
        assert grads[k].shape == params[k].shape
    assert dxs.shape == xs.shape and dh0.shape == h0.shape and dc0.shape == c0.shape


# ---------------------------------------------------------------------------------------------------------------
# Bounds (hypothesis)


@st.composite
def lstm_case(draw, x_max):
    T = draw(st.integers(1, 6))
    B = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    forget_bias = draw(st.floats(-3.0, 3.0))
    rng = np.random.default_rng(seed)
    params = lu.init_lstm(D, H, rng=rng, forget_bias=forget_bias)
    xs = rng.uniform(-x_max, x_max, size=(T, B, D))
    h0 = rng.uniform(-1.0, 1.0, size=(B, H))
    c0 = rng.uniform(-3.0, 3.0, size=(B, H))
    return xs, h0, c0, params


@settings(max_examples=50, deadline=None)
@given(lstm_case(x_max=3.0))
def test_gates_strictly_inside_and_h_below_one_for_moderate_inputs(case):
    """Pre-activations of moderate size: every gate value strictly in (0, 1), C̃ and h strictly in (-1, 1)."""
    xs, h0, c0, p = case
    hs, cs, _ = lu.lstm_forward(xs, h0, c0, p)
    h = h0
    for t in range(xs.shape[0]):
        for gate, W, b in ((lu.forget_gate, "W_f", "b_f"), (lu.input_gate, "W_i", "b_i"),
                           (lu.output_gate, "W_o", "b_o")):
            g = gate(h, xs[t], p[W], p[b])
            assert np.all((g > 0) & (g < 1))
        c_tilde = lu.candidate(h, xs[t], p["W_c"], p["b_c"])
        assert np.all(np.abs(c_tilde) < 1)
        h = hs[t]
    assert np.all(np.abs(hs) < 1)
    # the cell state is not squashed: it moves by less than 1 per step, |C_t| < |C_0| + t
    steps = np.arange(1, xs.shape[0] + 1)[:, None, None]
    assert np.all(np.abs(cs) < np.abs(c0) + steps)


@settings(max_examples=50, deadline=None)
@given(lstm_case(x_max=1e4), st.floats(1.0, 100.0))
def test_h_never_exceeds_one_even_for_huge_inputs(case, weight_scale):
    xs, h0, c0, p = case
    p = {k: v * weight_scale for k, v in p.items()}
    with np.errstate(over="raise", invalid="raise"):      # stable: no overflow on the way
        hs, cs, _ = lu.lstm_forward(xs, h0, c0, p)
    assert np.all(np.isfinite(hs)) and np.all(np.isfinite(cs))
    assert np.all(np.abs(hs) <= 1)


# ---------------------------------------------------------------------------------------------------------------
# init_lstm


def test_init_lstm_keys_shapes_and_biases():
    p = lu.init_lstm(5, 7, rng=0)
    assert set(p) == set(KEYS)
    for g in "fico":
        assert p[f"W_{g}"].shape == (7, 7 + 5)
        assert p[f"b_{g}"].shape == (7,)
        assert p[f"W_{g}"].dtype == np.float64 and p[f"b_{g}"].dtype == np.float64
    assert_array_equal(p["b_f"], 1.0)                    # the default forget bias (Jozefowicz et al. 2015)
    for g in "ico":
        assert_array_equal(p[f"b_{g}"], 0.0)
    assert_array_equal(lu.init_lstm(5, 7, rng=0, forget_bias=-2.5)["b_f"], -2.5)
    assert_array_equal(lu.init_lstm(5, 7, rng=0, forget_bias=0.0)["b_f"], 0.0)
    p = lu.init_lstm(5, 7, rng=0, forget_bias=3.0, input_bias=-3.0)
    assert_array_equal(p["b_i"], -3.0)
    assert_array_equal(p["b_c"], 0.0)
    assert_array_equal(p["W_i"], lu.init_lstm(5, 7, rng=0)["W_i"])          # the weights do not change


def test_init_lstm_weights_are_random_with_scale_one_over_sqrt_fan_in():
    p = lu.init_lstm(40, 60, rng=1)
    W = np.concatenate([p[f"W_{g}"] for g in "fico"])
    assert abs(W.std() * np.sqrt(100) - 1) < 0.05
    assert abs(W.mean()) < 0.01
    assert not np.array_equal(p["W_f"], p["W_i"])       # each gate has its own weights


def test_init_lstm_seeding_is_reproducible():
    a, b, c = lu.init_lstm(3, 4, rng=123), lu.init_lstm(3, 4, rng=123), lu.init_lstm(3, 4, rng=124)
    for k in KEYS:
        assert_array_equal(a[k], b[k])
    assert not np.array_equal(a["W_f"], c["W_f"])
    g1, g2 = lu.init_lstm(3, 4, rng=np.random.default_rng(5)), lu.init_lstm(3, 4, rng=np.random.default_rng(5))
    for k in KEYS:
        assert_array_equal(g1[k], g2[k])
    assert not np.array_equal(lu.init_lstm(3, 4)["W_f"], lu.init_lstm(3, 4)["W_f"])   # None: fresh entropy


@pytest.mark.parametrize("args", [(0, 4), (3, 0), (3.5, 4), (3, -1), ("3", 4)])
def test_init_lstm_rejects_bad_sizes(args):
    with pytest.raises(ValueError, match="input_size|hidden_size"):
        lu.init_lstm(*args)


# ---------------------------------------------------------------------------------------------------------------
# dtypes: float32 in -> float32 out


def test_float32_in_float32_out():
    xs, h0, c0, params, G, G_c = make_problem(4, 2, seed=11)
    xs32, h032, c032, G32, Gc32 = (a.astype(np.float32) for a in (xs, h0, c0, G, G_c))
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    hs, cs, cache = lu.lstm_forward(xs32, h032, c032, p32)
    assert hs.dtype == cs.dtype == np.float32
    grads, dxs, dh0, dc0 = lu.lstm_backward(G32, cache, dc_last=Gc32)
    assert all(g.dtype == np.float32 for g in grads.values())
    assert dxs.dtype == dh0.dtype == dc0.dtype == np.float32
    # the float32 numbers are the float64 ones, rounded
    hs64, cs64, cache64 = lu.lstm_forward(xs, h0, c0, params)
    grads64, dxs64, _, _ = lu.lstm_backward(G, cache64, dc_last=G_c)
    assert_allclose(hs, hs64, rtol=1e-5, atol=1e-6)
    assert lu.relative_error(grads, grads64) < 1e-5
    assert_allclose(dxs, dxs64, rtol=1e-4, atol=1e-5)
    # float32 data with float64 parameters (the course's default init) still computes in float32
    hs_mixed, _, _ = lu.lstm_forward(xs32, None, None, params)
    assert hs_mixed.dtype == np.float32


def test_float32_step_and_step_backward():
    _, h0, c0, params, G, _ = make_problem(1, 2, seed=12)
    x32 = np.ones((2, D), dtype=np.float32)
    h, c, cache = lu.lstm_step(x32, h0.astype(np.float32), c0.astype(np.float32), params)
    assert h.dtype == c.dtype == np.float32
    grads, dx, dh, dc = lu.lstm_step_backward(G[0].astype(np.float32), None, cache)
    assert dx.dtype == dh.dtype == dc.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.values())


def test_float64_default_for_integer_input():
    _, _, _, params, _, _ = make_problem(1, 1)
    hs, cs, _ = lu.lstm_forward(np.ones((2, 1, D), dtype=int), None, None, params)
    assert hs.dtype == cs.dtype == np.float64


# ---------------------------------------------------------------------------------------------------------------
# Bad input: ValueError naming the argument, the expected shape and the shape given

T0, B0 = 4, 2


@pytest.fixture
def good():
    xs, h0, c0, params, G, G_c = make_problem(T0, B0, seed=13)
    return {"xs": xs, "h0": h0, "c0": c0, "params": params, "dhs": G, "dc_last": G_c}


@pytest.mark.parametrize("shape", [(T0, B0), (T0, B0, D, 1), (T0, B0, D + 1), (D,)])
def test_forward_rejects_bad_xs(good, shape):
    with pytest.raises(ValueError, match=shape_error("xs", "(T, B, D)", str(shape))):
        lu.lstm_forward(np.zeros(shape), None, None, good["params"])


@pytest.mark.parametrize("shape", [(0, B0, D), (T0, 0, D)])
def test_forward_rejects_empty_xs(good, shape):
    with pytest.raises(ValueError, match=r"xs.*" + re.escape(str(shape))):
        lu.lstm_forward(np.zeros(shape), None, None, good["params"])


@pytest.mark.parametrize("name", ["h0", "c0"])
@pytest.mark.parametrize("shape", [(B0 + 1, H), (B0, H + 1), (H,), (1, B0, H)])
def test_forward_rejects_bad_states(good, name, shape):
    states = {"h0": good["h0"], "c0": good["c0"], name: np.zeros(shape)}
    with pytest.raises(ValueError, match=shape_error(name, f"(B, H) = ({B0}, {H})", str(shape))):
        lu.lstm_forward(good["xs"], states["h0"], states["c0"], good["params"])


@pytest.mark.parametrize("shape", [(T0 - 1, B0, H), (T0, B0 + 1, H), (T0, B0, H + 1), (B0, H), (T0, B0, H, 1)])
def test_backward_rejects_bad_dhs(good, shape):
    _, _, cache = lu.lstm_forward(good["xs"], good["h0"], good["c0"], good["params"])
    with pytest.raises(ValueError, match=shape_error("dhs", f"(T, B, H) = ({T0}, {B0}, {H})", str(shape))):
        lu.lstm_backward(np.zeros(shape), cache)


@pytest.mark.parametrize("shape", [(B0 + 1, H), (B0, H - 1), (H,), (1, B0, H)])
def test_backward_rejects_bad_dc_last(good, shape):
    _, _, cache = lu.lstm_forward(good["xs"], good["h0"], good["c0"], good["params"])
    with pytest.raises(ValueError, match=shape_error("dc_last", f"(B, H) = ({B0}, {H})", str(shape))):
        lu.lstm_backward(good["dhs"], cache, dc_last=np.zeros(shape))


@pytest.mark.parametrize("key", KEYS)
def test_rejects_missing_parameter(good, key):
    params = {k: v for k, v in good["params"].items() if k != key}
    with pytest.raises(ValueError, match=rf"params: missing key\(s\) '{key}'"):
        lu.lstm_forward(good["xs"], None, None, params)
    with pytest.raises(ValueError, match=rf"params: missing key\(s\) '{key}'"):
        lu.lstm_step(good["xs"][0], None, None, params)


@pytest.mark.parametrize("key", KEYS)
def test_rejects_misshaped_parameter(good, key):
    # W_f is where H and D are read off, so its wrong shape must be wrong on its own: (H, H) leaves no room for x_t
    shape = (H, H) if key == "W_f" else (H, H + D + 1) if key.startswith("W") else (H + 1,)
    params = dict(good["params"], **{key: np.zeros(shape)})
    with pytest.raises(ValueError, match=re.escape(f"params['{key}']") + r".*expected shape.*"
                       + re.escape(str(shape))):
        lu.lstm_forward(good["xs"], None, None, params)
    with pytest.raises(ValueError, match=re.escape(f"params['{key}']")):
        lu.lstm_step(good["xs"][0], None, None, params)


@pytest.mark.parametrize("key", ["W_i", "W_c", "W_o", "b_f", "b_o"])
def test_misshaped_parameter_message_gives_the_expected_shape(good, key):
    """Sizes are read off W_f; every other parameter is checked against them, with the numbers spelt out."""
    expected = f"({H}, {H + D})" if key.startswith("W") else f"({H},)"
    shape = (H + 1, H + D) if key.startswith("W") else (2 * H,)
    params = dict(good["params"], **{key: np.zeros(shape)})
    with pytest.raises(ValueError, match=shape_error(f"params['{key}']", expected, str(shape))):
        lu.lstm_forward(good["xs"], None, None, params)


def test_rejects_params_that_are_not_a_dict(good):
    with pytest.raises(ValueError, match="params"):
        lu.lstm_forward(good["xs"], None, None, [good["params"]["W_f"]])


def test_rejects_non_numeric_input(good):
    with pytest.raises(ValueError, match="xs"):
        lu.lstm_forward(np.full((T0, B0, D), "a"), None, None, good["params"])


@pytest.mark.parametrize("name, shape", [("x_t", (B0, D + 1)), ("x_t", (D,)), ("h_prev", (B0, H + 1)),
                                         ("h_prev", (B0 + 1, H)), ("c_prev", (B0, H - 1)), ("c_prev", (H,))])
def test_step_rejects_bad_shapes(good, name, shape):
    args = {"x_t": good["xs"][0], "h_prev": good["h0"], "c_prev": good["c0"], name: np.zeros(shape)}
    with pytest.raises(ValueError, match=re.escape(name) + r".*expected shape.*" + re.escape(str(shape))):
        lu.lstm_step(args["x_t"], args["h_prev"], args["c_prev"], good["params"])


@pytest.mark.parametrize("name, shape", [("dh_t", (B0, H + 1)), ("dh_t", (H,)), ("dc_t", (B0 + 1, H))])
def test_step_backward_rejects_bad_shapes(good, name, shape):
    _, _, cache = lu.lstm_step(good["xs"][0], good["h0"], good["c0"], good["params"])
    args = {"dh_t": good["dhs"][0], "dc_t": None, name: np.zeros(shape)}
    with pytest.raises(ValueError, match=shape_error(name, f"(B, H) = ({B0}, {H})", str(shape))):
        lu.lstm_step_backward(args["dh_t"], args["dc_t"], cache)
