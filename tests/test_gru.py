"""Tests for lstm_utils.gru: gradient checks, step == sequence, properties, bad input, dtypes."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from numpy.testing import assert_allclose

import helpers
import lstm_utils as lu
from helpers import naive_sigmoid, shape_error
from lstm_utils.gru import BIAS_KEYS, WEIGHT_KEYS

KEYS = WEIGHT_KEYS + BIAS_KEYS


def _setup(T, B, D, H, seed=0, dtype=np.float64):
    """Parameters with non-zero biases, inputs, a non-zero h0, and the weights ``w`` of a loss L = sum(w * hs)
    that reads every hidden state (``helpers.make_problem``)."""
    pb = helpers.make_problem("gru", T, B, D, H, dtype=dtype, seed=seed)
    return pb["params"], pb["xs"], pb["h0"], pb["dhs"]


def _step_loop(xs, h0, params, reset_after=False):
    h, hs, caches = h0, [], []
    for x_t in xs:
        h, cache = lu.gru_step(x_t, h, params, reset_after=reset_after)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs), caches


# ---------------------------------------------------------------- initialisation

def test_init_shapes_keys_and_seed():
    p = lu.init_gru(3, 5, rng=1)
    assert tuple(p) == ("W_z", "b_z", "W_r", "b_r", "W_h", "b_h")   # the contract's order
    for k in WEIGHT_KEYS:
        assert p[k].shape == (5, 8) and p[k].dtype == np.float64
    for k in BIAS_KEYS:
        assert_allclose(p[k], np.zeros(5))
    q = lu.init_gru(3, 5, rng=1)
    for k in KEYS:
        assert_allclose(p[k], q[k])
    assert not np.allclose(p["W_z"], p["W_r"])          # each weight drawn separately


def test_init_update_bias_and_scale():
    p = lu.init_gru(2, 4, rng=0, update_bias=-1.0)
    assert_allclose(p["b_z"], -np.ones(4))
    assert_allclose(p["b_r"], np.zeros(4))
    big = lu.init_gru(50, 50, rng=0)["W_h"]
    assert abs(big.std() - 1 / np.sqrt(100)) < 0.01     # default scale 1/sqrt(H + D)


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "3"])
def test_init_bad_sizes(bad):
    with pytest.raises(ValueError, match="input_size"):
        lu.init_gru(bad, 4)
    with pytest.raises(ValueError, match="hidden_size"):
        lu.init_gru(3, bad)


# ---------------------------------------------------------------- gradient checks

@pytest.mark.parametrize("reset_after", [False, True])
@pytest.mark.parametrize("T,B", [(1, 1), (1, 3), (4, 1), (5, 3)])
def test_gru_backward_gradcheck(T, B, reset_after):
    D, H = 3, 4
    params, xs, h0, w = _setup(T, B, D, H, seed=T * 10 + B)

    def loss():
        hs, _ = lu.gru_forward(xs, h0, params, reset_after=reset_after)
        return np.sum(w * hs)

    _, cache = lu.gru_forward(xs, h0, params, reset_after=reset_after)
    grads, dxs, dh0 = lu.gru_backward(w, cache)
    for k in KEYS:
        num = lu.numerical_gradient(loss, params[k])
        assert lu.relative_error(grads[k], num) < 1e-7, k
    assert lu.relative_error(dxs, lu.numerical_gradient(loss, xs)) < 1e-7
    assert lu.relative_error(dh0, lu.numerical_gradient(loss, h0)) < 1e-7


@pytest.mark.parametrize("reset_after", [False, True])
@pytest.mark.parametrize("B", [1, 3])
def test_gru_step_backward_gradcheck(B, reset_after):
    D, H = 3, 4
    params, xs, h0, w = _setup(1, B, D, H, seed=7 + B)
    x_t, dh = xs[0], w[0]

    def loss():
        h, _ = lu.gru_step(x_t, h0, params, reset_after=reset_after)
        return np.sum(dh * h)

    _, cache = lu.gru_step(x_t, h0, params, reset_after=reset_after)
    grads, dx, dh_prev = lu.gru_step_backward(dh, cache)
    for k in KEYS:
        assert lu.relative_error(grads[k], lu.numerical_gradient(loss, params[k])) < 1e-7, k
    assert lu.relative_error(dx, lu.numerical_gradient(loss, x_t)) < 1e-7
    assert lu.relative_error(dh_prev, lu.numerical_gradient(loss, h0)) < 1e-7


def test_gradient_only_from_last_step():
    """A loss on h_T alone (dhs zero elsewhere): the case the long-lag tasks train on."""
    params, xs, h0, w = _setup(6, 2, 3, 4, seed=3)
    w[:-1] = 0.0

    def loss():
        return np.sum(w * lu.gru_forward(xs, h0, params)[0])

    grads, dxs, dh0 = lu.gru_backward(w, lu.gru_forward(xs, h0, params)[1])
    assert lu.relative_error(grads, {k: lu.numerical_gradient(loss, params[k]) for k in KEYS}) < 1e-7
    assert lu.relative_error(dxs, lu.numerical_gradient(loss, xs)) < 1e-7
    assert lu.relative_error(dh0, lu.numerical_gradient(loss, h0)) < 1e-7


# ---------------------------------------------------------------- step composition == sequence

@pytest.mark.parametrize("reset_after", [False, True])
@pytest.mark.parametrize("T,B", [(1, 1), (7, 3)])
def test_steps_compose_to_forward_and_backward(T, B, reset_after):
    params, xs, h0, w = _setup(T, B, 3, 5, seed=11)
    hs, cache = lu.gru_forward(xs, h0, params, reset_after=reset_after)
    hs_steps, caches = _step_loop(xs, h0, params, reset_after)
    for k in ("h_prev", "z", "r", "h_tilde", "Wh_h" if reset_after else "r_h"):   # the step caches' values
        assert_allclose(cache[k], np.stack([c[k] for c in caches]), rtol=1e-12, atol=1e-14, err_msg=k)
    assert_allclose(hs, hs_steps, rtol=1e-12, atol=1e-14)

    grads, dxs, dh0 = lu.gru_backward(w, cache)
    total = {k: np.zeros_like(params[k]) for k in KEYS}
    dxs_steps = np.empty_like(xs)
    dh = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        g, dxs_steps[t], dh = lu.gru_step_backward(w[t] + dh, caches[t])
        for k in KEYS:
            total[k] += g[k]
    for k in KEYS:
        assert_allclose(grads[k], total[k], rtol=1e-10, atol=1e-12, err_msg=k)
    assert_allclose(dxs, dxs_steps, rtol=1e-10, atol=1e-12)
    assert_allclose(dh0, dh, rtol=1e-10, atol=1e-12)


def test_h0_none_means_zeros():
    params, xs, _, w = _setup(4, 2, 3, 4)
    hs_none, c_none = lu.gru_forward(xs, None, params)
    hs_zero, _ = lu.gru_forward(xs, np.zeros((2, 4)), params)
    assert_allclose(hs_none, hs_zero)
    h1, _ = lu.gru_step(xs[0], None, params)
    assert_allclose(h1, hs_none[0])


def test_equations_by_hand():
    """gru_step is exactly the four equations of the contract, written out independently here."""
    params, xs, h0, _ = _setup(1, 2, 3, 4, seed=5)
    x = xs[0]
    hx = np.hstack([h0, x])
    z = naive_sigmoid(hx @ params["W_z"].T + params["b_z"])
    r = naive_sigmoid(hx @ params["W_r"].T + params["b_r"])
    h_tilde = np.tanh(np.hstack([r * h0, x]) @ params["W_h"].T + params["b_h"])
    expected = (1 - z) * h0 + z * h_tilde
    h, cache = lu.gru_step(x, h0, params)
    assert_allclose(h, expected, rtol=1e-12)
    assert_allclose(cache["z"], z, rtol=1e-12)
    assert_allclose(cache["r"], r, rtol=1e-12)


def test_reset_after_equations_by_hand():
    """reset_after=True: the reset gate multiplies W_h[:, :H] h_{t-1}, after the product (PyTorch's placement)."""
    params, xs, h0, _ = _setup(1, 2, 3, 4, seed=5)
    x, H = xs[0], 4
    hx = np.hstack([h0, x])
    z = naive_sigmoid(hx @ params["W_z"].T + params["b_z"])
    r = naive_sigmoid(hx @ params["W_r"].T + params["b_r"])
    W_h = params["W_h"]
    h_tilde = np.tanh(x @ W_h[:, H:].T + params["b_h"] + r * (h0 @ W_h[:, :H].T))
    h, cache = lu.gru_step(x, h0, params, reset_after=True)
    assert_allclose(h, (1 - z) * h0 + z * h_tilde, rtol=1e-12)
    assert_allclose(cache["h_tilde"], h_tilde, rtol=1e-12)
    # the two placements agree when the reset gate is open (r = 1) and differ otherwise
    open_ = dict(params, b_r=np.full(H, 40.0))
    assert_allclose(lu.gru_step(x, h0, open_, reset_after=True)[0], lu.gru_step(x, h0, open_)[0], rtol=1e-12)
    assert np.abs(h - lu.gru_step(x, h0, params)[0]).max() > 1e-6


@pytest.mark.parametrize("bad", [1, "yes", None])
def test_reset_after_must_be_a_bool(bad):
    params = lu.init_gru(3, 4, rng=0)
    with pytest.raises(TypeError, match="reset_after: expected True or False"):
        lu.gru_forward(np.zeros((2, 1, 3)), None, params, reset_after=bad)
    with pytest.raises(TypeError, match="reset_after: expected True or False"):
        lu.gru_step(np.zeros((1, 3)), None, params, reset_after=bad)


def test_update_gate_extremes():
    """z -> 0 copies h_{t-1} (the gradient passes unchanged); z -> 1 replaces it with the candidate."""
    params, xs, h0, _ = _setup(1, 2, 3, 4, seed=6)
    keep = dict(params, b_z=np.full(4, -40.0))
    h, _ = lu.gru_step(xs[0], h0, keep)
    assert_allclose(h, h0, atol=1e-15)
    write = dict(params, b_z=np.full(4, 40.0))
    h, cache = lu.gru_step(xs[0], h0, write)
    assert_allclose(h, cache["h_tilde"], atol=1e-15)


def test_reset_gate_closed_ignores_past():
    """r -> 0: the candidate does not read h_{t-1} at all."""
    params, xs, h0, _ = _setup(1, 2, 3, 4, seed=8)
    closed = dict(params, b_r=np.full(4, -40.0))
    _, c1 = lu.gru_step(xs[0], h0, closed)
    _, c2 = lu.gru_step(xs[0], 5 * h0, closed)
    assert_allclose(c1["h_tilde"], c2["h_tilde"], atol=1e-14)


# ---------------------------------------------------------------- properties

@settings(max_examples=50, deadline=None)
@given(T=st.integers(1, 12), B=st.integers(1, 4), D=st.integers(1, 5), H=st.integers(1, 6),
       seed=st.integers(0, 2**32 - 1), amp=st.floats(0.1, 3.0))
def test_gates_in_open_unit_interval_and_state_bounded(T, B, D, H, seed, amp):
    rng = np.random.default_rng(seed)
    params = lu.init_gru(D, H, rng=rng)
    xs = amp * rng.normal(size=(T, B, D))
    hs, cache = lu.gru_forward(xs, None, params)
    for gate in ("z", "r"):
        assert np.all(cache[gate] > 0) and np.all(cache[gate] < 1)
    # h_t is a convex combination of h_{t-1} and h~_t in (-1, 1), so |h_t| < 1 by induction from h_0 = 0
    assert np.all(np.abs(hs) < 1)
    assert np.all(np.isfinite(hs))


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), T=st.integers(1, 8))
def test_state_between_previous_and_candidate(seed, T):
    """Each entry of h_t lies between h_{t-1} and h~_t (the update gate interpolates, never extrapolates)."""
    rng = np.random.default_rng(seed)
    params = lu.init_gru(2, 3, rng=rng)
    xs = rng.normal(size=(T, 2, 2))
    h0 = rng.uniform(-1, 1, size=(2, 3))
    hs, cache = lu.gru_forward(xs, h0, params)
    prev = np.concatenate([h0[None], hs[:-1]])
    lo, hi = np.minimum(prev, cache["h_tilde"]), np.maximum(prev, cache["h_tilde"])
    assert np.all(hs >= lo - 1e-15) and np.all(hs <= hi + 1e-15)


def test_batch_rows_independent():
    params, xs, h0, _ = _setup(5, 3, 2, 4, seed=9)
    hs, _ = lu.gru_forward(xs, h0, params)
    hs1, _ = lu.gru_forward(xs[:, 1:2], h0[1:2], params)
    assert_allclose(hs[:, 1:2], hs1, rtol=1e-12)


def test_no_overflow_for_huge_inputs():
    params = lu.init_gru(2, 3, rng=0)
    with np.errstate(over="raise", invalid="raise"):
        hs, _ = lu.gru_forward(np.full((3, 1, 2), 1e4), None, params)
    assert np.all(np.abs(hs) <= 1)


# ---------------------------------------------------------------- bad input

_P = lu.init_gru(3, 4, rng=0)
_STEP_CACHE = lu.gru_step(np.zeros((2, 3)), None, _P)[1]
_SEQ_CACHE = lu.gru_forward(np.zeros((5, 2, 3)), None, _P)[1]
BAD_INPUT = [  # (what, call, error, regex on the argument's name and the shapes)
    ("xs D", lambda: lu.gru_forward(np.zeros((5, 2, 2)), None, _P), ValueError,
     shape_error("xs", "(T, B, D) = (*, *, 3)", "(5, 2, 2)")),
    ("xs rank", lambda: lu.gru_forward(np.zeros((5, 3)), None, _P), ValueError,
     shape_error("xs", "(T, B, D)", "(5, 3)")),
    ("xs T=0", lambda: lu.gru_forward(np.zeros((0, 2, 3)), None, _P), ValueError,
     r"xs: .*at least one step.*\(0, 2, 3\)"),
    ("xs str", lambda: lu.gru_forward(np.full((2, 1, 3), "a"), None, _P), TypeError,
     r"xs: expected a real numeric array"),
    ("h0", lambda: lu.gru_forward(np.zeros((5, 2, 3)), np.zeros((2, 5)), _P), ValueError,
     shape_error("h0", "(B, H) = (2, 4)", "(2, 5)")),
    ("h_prev", lambda: lu.gru_step(np.zeros((2, 3)), np.zeros(4), _P), ValueError,
     shape_error("h_prev", "(B, H) = (2, 4)", "(4,)")),
    ("x_t", lambda: lu.gru_step(np.zeros((2, 4)), None, _P), ValueError,
     shape_error("x_t", "(B, D) = (*, 3)", "(2, 4)")),
    ("missing W_r", lambda: lu.gru_forward(np.zeros((2, 1, 3)), None, {k: v for k, v in _P.items() if k != "W_r"}),
     ValueError, r"params: missing key.*'W_r'"),
    ("LSTM params", lambda: lu.gru_forward(np.zeros((2, 1, 3)), None, lu.init_lstm(3, 4, rng=0)), ValueError,
     r"params: missing key"),
    ("W_h", lambda: lu.gru_forward(np.zeros((2, 1, 3)), None, dict(_P, W_h=np.zeros((4, 6)))), ValueError,
     shape_error("params['W_h']", "(H, H + D) = (4, 7)", "(4, 6)")),
    ("W_z first", lambda: lu.gru_forward(np.zeros((2, 1, 3)), None, dict(_P, W_z=np.zeros((4, 8)))), ValueError,
     shape_error("params['W_r']", "(H, H + D) = (4, 8) like params['W_z']", "(4, 7)")),
    ("b_z", lambda: lu.gru_step(np.zeros((1, 3)), None, dict(_P, b_z=np.zeros(3))), ValueError,
     shape_error("params['b_z']", "(H) = (4,)", "(3,)")),
    ("params list", lambda: lu.gru_forward(np.zeros((2, 1, 3)), None, [1, 2]), TypeError, r"params: expected a dict"),
    ("dhs", lambda: lu.gru_backward(np.zeros((5, 2, 3)), _SEQ_CACHE), ValueError,
     shape_error("dhs", "(T, B, H) = (5, 2, 4)", "(5, 2, 3)")),
    ("dh_t", lambda: lu.gru_step_backward(np.zeros(4), _STEP_CACHE), ValueError,
     shape_error("dh_t", "(B, H) = (2, 4)", "(4,)")),
    ("step cache to gru_backward", lambda: lu.gru_backward(np.zeros((5, 2, 4)), _STEP_CACHE), ValueError,
     r"cache: expected the cache returned by gru_forward, got the cache of gru_step"),
    ("None cache", lambda: lu.gru_step_backward(np.zeros((2, 4)), None), TypeError,
     r"cache: expected the cache returned by gru_step, got NoneType"),
    ("nan in h0", lambda: lu.gru_forward(np.zeros((5, 2, 3)), np.full((2, 4), np.nan), _P), ValueError,
     r"h0: expected finite values, got nan at index \(0, 0\)"),
]


@pytest.mark.parametrize("call, error, match", [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT])
def test_bad_input_is_refused_by_name(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------- dtypes

def test_float32_in_float32_out():
    params, xs, h0, w = _setup(4, 2, 3, 5, dtype=np.float32)
    hs, cache = lu.gru_forward(xs, h0, params)
    assert hs.dtype == np.float32
    grads, dxs, dh0 = lu.gru_backward(w, cache)
    assert dxs.dtype == np.float32 and dh0.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.values())
    h, c = lu.gru_step(xs[0], h0, params)
    assert h.dtype == np.float32
    g, dx, dh = lu.gru_step_backward(w[0], c)
    assert dx.dtype == np.float32 and dh.dtype == np.float32 and g["W_z"].dtype == np.float32
    # and agrees with float64 to float32 precision
    p64 = {k: v.astype(np.float64) for k, v in params.items()}
    hs64, _ = lu.gru_forward(xs.astype(np.float64), h0.astype(np.float64), p64)
    assert_allclose(hs, hs64, rtol=1e-4, atol=1e-5)
    assert lu.init_gru(2, 3, rng=0, dtype=np.float32)["W_z"].dtype == np.float32


def test_float32_params_with_float64_data_compute_in_float64():
    params, xs, h0, _ = _setup(3, 2, 3, 4, dtype=np.float32)
    hs, _ = lu.gru_forward(xs.astype(np.float64), None, params)
    assert hs.dtype == np.float64


def test_integer_input_becomes_float64():
    params = lu.init_gru(2, 3, rng=0)
    hs, _ = lu.gru_forward(np.ones((2, 1, 2), dtype=int), None, params)
    assert hs.dtype == np.float64


# ---------------------------------------------------------------- the training harness

def test_registered_in_training_harness():
    """models.CELLS["gru"] wraps gru_forward / gru_backward (zero initial state, many-to-one readout)."""
    from lstm_utils.models import CELLS, init_model, model_backward, model_forward

    assert "gru" in CELLS
    params = init_model("gru", 3, 4, 2, rng=0, update_bias=-1.0)
    assert set(params) == set(KEYS) | {"W_y", "b_y"}
    assert_allclose(params["b_z"], -np.ones(4))
    rng = np.random.default_rng(1)
    xs, dy = rng.normal(size=(5, 2, 3)), rng.normal(size=(2, 2))
    y, cache = model_forward("gru", params, xs)
    cell = {k: params[k] for k in KEYS}
    hs, gcache = lu.gru_forward(xs, None, cell)
    assert_allclose(y, hs[-1] @ params["W_y"].T + params["b_y"], rtol=1e-12)
    grads, dxs = model_backward(dy, cache)
    dhs = np.zeros_like(hs)
    dhs[-1] = dy @ params["W_y"]
    g, dxs_ref, _ = lu.gru_backward(dhs, gcache)
    assert_allclose(dxs, dxs_ref, rtol=1e-12)
    for k in KEYS:
        assert_allclose(grads[k], g[k], rtol=1e-12, err_msg=k)
