"""Tests for lstm_utils.memory: the direct path prod f_k and the full Jacobian dC_T/dC_t of the LSTM."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from numpy.testing import assert_allclose

import lstm_utils as lu
from lstm_utils import memory


def _setup(T=5, B=2, D=3, H=4, seed=0, forget_bias=1.0):
    rng = np.random.default_rng(seed)
    params = lu.init_lstm(D, H, rng=seed + 1, forget_bias=forget_bias)
    xs = rng.normal(size=(T, B, D))
    h0 = 0.5 * rng.normal(size=(B, H))
    c0 = rng.normal(size=(B, H))
    return params, xs, h0, c0, rng


def _loss_with_cell_nudge(xs, params, h0, c0, dhs, dc_last, t, delta):
    """L = sum_s <dhs_s, h_s> + <dc_last, C_T>, with delta added to C_t (t >= 1) and h_t recomputed from it."""
    h, c, loss = h0, c0, 0.0
    for s in range(xs.shape[0]):
        h, c, cache = lu.lstm_step(xs[s], h, c, params)
        if s + 1 == t:
            c = c + delta
            h = cache["o"] * np.tanh(c)          # h_t = o_t * tanh(C_t): the nudge reaches h_t too
        loss += np.sum(dhs[s] * h)
    return loss + np.sum(dc_last * c)


def test_cell_gradients_match_finite_differences_at_every_step():
    params, xs, h0, c0, rng = _setup()
    T, B, H = xs.shape[0], xs.shape[1], h0.shape[1]
    dhs, dc_last = rng.normal(size=(T, B, H)), rng.normal(size=(B, H))
    g = memory.cell_gradients(xs, params, dhs=dhs, dc_last=dc_last, h0=h0, c0=c0)
    assert g.shape == (T + 1, B, H)
    for t in range(1, T + 1):
        delta = np.zeros((B, H))
        num = lu.numerical_gradient(
            lambda t=t, delta=delta: _loss_with_cell_nudge(xs, params, h0, c0, dhs, dc_last, t, delta), delta)
        assert lu.relative_error(num, g[t]) < 1e-7, t


def test_cell_gradient_at_c0_is_lstm_backward_dc0():
    params, xs, h0, c0, rng = _setup()
    dhs, dc_last = rng.normal(size=xs.shape[:2] + (4,)), rng.normal(size=(2, 4))
    _, _, cache = lu.lstm_forward(xs, h0, c0, params)
    dc0 = lu.lstm_backward(dhs, cache, dc_last=dc_last)[3]
    g = memory.cell_gradients(xs, params, dhs=dhs, dc_last=dc_last, h0=h0, c0=c0)
    assert_allclose(g[0], dc0, rtol=1e-12, atol=1e-14)


def test_cell_gradients_match_rerunning_the_lstm_from_each_state():
    # Independent route: run lstm_forward again from (h_t, C_t) over the remaining steps, backpropagate the whole
    # suffix with lstm_backward, then add the path C_t -> h_t = o_t tanh(C_t) by the chain rule.
    params, xs, h0, c0, rng = _setup(T=7, B=2)
    T, B, H = 7, 2, 4
    dhs, dc_last = rng.normal(size=(T, B, H)), rng.normal(size=(B, H))
    g = memory.cell_gradients(xs, params, dhs=dhs, dc_last=dc_last, h0=h0, c0=c0)
    hs, cs, cache = lu.lstm_forward(xs, h0, c0, params)
    o = memory.gate_values(cache)["o"]
    for t in range(1, T):
        _, _, sub = lu.lstm_forward(xs[t:], hs[t - 1], cs[t - 1], params)
        _, _, dh, dc = lu.lstm_backward(dhs[t:], sub, dc_last=dc_last)
        expected = dc + (dh + dhs[t - 1]) * o[t - 1] * (1 - np.tanh(cs[t - 1]) ** 2)
        assert_allclose(g[t], expected, rtol=1e-10, atol=1e-13)


def test_times_selects_entries():
    params, xs, h0, c0, rng = _setup(T=6)
    dc_last = rng.normal(size=(2, 4))
    full = memory.cell_gradients(xs, params, dc_last=dc_last, h0=h0, c0=c0)
    some = memory.cell_gradients(xs, params, dc_last=dc_last, h0=h0, c0=c0, times=[6, 3, 0])
    assert_allclose(some, full[[6, 3, 0]], rtol=1e-12, atol=1e-15)
    J = memory.cell_jacobians(xs, params, h0=h0, c0=c0)
    assert_allclose(memory.cell_jacobians(xs, params, h0=h0, c0=c0, times=[2]), J[[2]], rtol=1e-12, atol=1e-15)


def test_jacobian_rows_are_gradients_and_last_is_identity():
    params, xs, h0, c0, rng = _setup(T=6, B=3)
    J = memory.cell_jacobians(xs, params, h0=h0, c0=c0)
    T, B, H = 6, 3, 4
    assert J.shape == (T + 1, B, H, H)
    assert_allclose(J[T], np.broadcast_to(np.eye(H), (B, H, H)), atol=0)
    v = rng.normal(size=(B, H))
    g = memory.cell_gradients(xs, params, dc_last=v, h0=h0, c0=c0)
    assert_allclose(np.einsum("tbij,bi->tbj", J, v), g, rtol=1e-10, atol=1e-13)


def test_jacobian_is_direct_path_when_gates_ignore_h():
    # With the hidden block of every weight zero, C_t reaches C_T only along the cell: dC_T/dC_t = diag(prod f).
    params, xs, h0, c0, _ = _setup(T=8, B=2, H=4)
    for k in ("W_f", "W_i", "W_c", "W_o"):
        params[k][:, :4] = 0.0
    J = memory.cell_jacobians(xs, params, h0=h0, c0=c0)
    _, _, cache = lu.lstm_forward(xs, h0, c0, params)
    P = memory.forget_products(memory.gate_values(cache)["f"])
    direct = P[..., :, None] * np.eye(4)                          # (T + 1, B, H, H) diagonal matrices
    assert_allclose(J, direct, rtol=1e-12, atol=1e-15)


def test_jacobian_differs_from_direct_path_when_gates_read_h():
    params, xs, h0, c0, _ = _setup(T=8)
    J = memory.cell_jacobians(xs, params, h0=h0, c0=c0)
    _, _, cache = lu.lstm_forward(xs, h0, c0, params)
    P = memory.forget_products(memory.gate_values(cache)["f"])
    assert lu.relative_error(J[4], P[4][..., None] * np.eye(4)) > 1e-3


@settings(max_examples=50, deadline=None)
@given(T=st.integers(1, 12), H=st.integers(1, 5), seed=st.integers(0, 2**31 - 1))
def test_forget_products_is_product_of_later_gates(T, H, seed):
    fs = np.random.default_rng(seed).uniform(0.01, 0.99, size=(T, 2, H))
    P = memory.forget_products(fs)
    assert P.shape == (T + 1, 2, H)
    for t in range(T + 1):
        assert_allclose(P[t], np.prod(fs[t:], axis=0), rtol=1e-12)
    assert np.all(np.diff(P, axis=0) >= 0)                    # fewer factors in (0, 1): never smaller


def test_forget_products_constant_gate_is_power():
    P = memory.forget_products(np.full(50, 0.9))
    assert_allclose(P[0], 0.9**50, rtol=1e-12)
    assert_allclose(P[::-1], 0.9 ** np.arange(51), rtol=1e-12)


def test_gate_values_match_the_gate_functions():
    params, xs, h0, c0, _ = _setup(T=3)
    _, _, cache = lu.lstm_forward(xs, h0, c0, params)
    gv = memory.gate_values(cache)
    h, c = h0, c0
    for t in range(3):
        f = lu.forget_gate(h, xs[t], params["W_f"], params["b_f"])
        o = lu.output_gate(h, xs[t], params["W_o"], params["b_o"])
        c_tilde = lu.candidate(h, xs[t], params["W_c"], params["b_c"])
        assert_allclose(gv["f"][t], f, rtol=1e-13)
        assert_allclose(gv["o"][t], o, rtol=1e-13)
        assert_allclose(gv["c_tilde"][t], c_tilde, rtol=1e-13)
        h, c, _ = lu.lstm_step(xs[t], h, c, params)


def test_float32_in_float32_out():
    params, xs, h0, c0, _ = _setup(T=4)
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    J = memory.cell_jacobians(xs.astype(np.float32), p32)
    assert J.dtype == np.float32
    assert memory.forget_products(np.full((3, 2), 0.5, dtype=np.float32)).dtype == np.float32


def test_steps_remembered():
    norms = 0.5 ** np.arange(30)
    assert memory.steps_remembered(norms, threshold=1e-3) == 10     # 0.5**10 < 1e-3 <= 0.5**9
    assert memory.steps_remembered(np.ones(5)) == 5                 # never falls: the whole sequence
    assert memory.steps_remembered(3 * norms, threshold=1e-3) == 10  # relative to lag 0
    assert memory.steps_remembered(norms[::4], lags=np.arange(0, 30, 4)) == 12   # sampled every 4 steps
    assert memory.steps_remembered(np.ones(3), lags=[0, 5, 10]) == 11


_P, _XS, _, _, _ = _setup()

BAD_INPUT = [
    pytest.param(lambda: memory.cell_gradients(_XS[:, :, :2], _P), ValueError,
                 r"xs: expected shape \(T, B, D\) = \(\*, \*, 3\), got \(5, 2, 2\)", id="xs-D"),
    pytest.param(lambda: memory.cell_gradients(_XS, _P, dc_last=np.zeros((3, 4))), ValueError,
                 r"dc_last: expected shape \(B, H\) = \(2, 4\), got \(3, 4\)", id="dc_last-shape"),
    pytest.param(lambda: memory.cell_gradients(_XS, _P, dhs=np.zeros((5, 2, 3))), ValueError,
                 r"dhs: expected shape \(T, B, H\) = \(5, 2, 4\), got \(5, 2, 3\)", id="dhs-shape"),
    pytest.param(lambda: memory.cell_gradients(_XS, _P, times=[0, 9]), ValueError, r"times: expected .*0\.\.5",
                 id="times-range"),
    pytest.param(lambda: memory.cell_jacobians(_XS, _P, h0=np.zeros((2, 5))), ValueError,
                 r"h0: expected shape \(B, H\) = \(2, 4\), got \(2, 5\)", id="h0-shape"),
    pytest.param(lambda: memory.cell_jacobians(np.ones((4, 0, 3)), _P), ValueError,
                 r"xs: expected at least one step and one sequence, got shape \(4, 0, 3\)", id="cell_jacobians-B0"),
    pytest.param(lambda: memory.cell_jacobians(np.ones((0, 2, 3)), _P), ValueError,
                 r"xs: expected at least one step.*\(0, 2, 3\)", id="cell_jacobians-T0"),
    pytest.param(lambda: memory.cell_gradients(np.where(np.arange(3) == 1, np.nan, _XS), _P), ValueError,
                 r"xs: expected finite values, got nan at index \(0, 0, 1\)", id="xs-nan"),
    pytest.param(lambda: memory.cell_gradients(_XS, _P, dc_last=np.full((2, 4), np.inf)), ValueError,
                 r"dc_last: .*finite", id="dc_last-inf"),
    pytest.param(lambda: memory.forget_products(np.zeros((0, 3))), ValueError, r"fs: expected shape", id="fs-empty"),
    pytest.param(lambda: memory.forget_products(np.array([0.5, np.nan])), ValueError,
                 r"fs: .*finite.*index \(1,\)", id="fs-nan"),
    pytest.param(lambda: memory.gate_values({"xs": _XS}), TypeError,
                 r"cache: expected the cache returned by lstm_forward.*keys xs", id="cache-not-lstm"),
    pytest.param(lambda: memory.gate_values(None), TypeError, r"cache: .*got NoneType", id="cache-None"),
    pytest.param(lambda: memory.gate_values(lu.rnn_forward(np.ones((2, 1, 1)), None, lu.init_rnn(1, 2))[1]),
                 TypeError, r"cache: .*lstm_forward", id="cache-rnn"),
    pytest.param(lambda: memory.steps_remembered(np.ones((2, 2))), ValueError, r"norms: expected shape \(T \+ 1,\)",
                 id="norms-2d"),
    pytest.param(lambda: memory.steps_remembered(np.full(5, np.nan)), ValueError,
                 r"norms: expected finite values, got nan at index \(0,\)", id="norms-all-nan"),
    pytest.param(lambda: memory.steps_remembered(np.array([1.0, -1.0])), ValueError, r"norms: .*non-negative",
                 id="norms-negative"),
    pytest.param(lambda: memory.steps_remembered(np.array([0.0, 0.0])), ValueError, r"norms: .*positive norm at lag 0",
                 id="norms-zero-at-0"),
    pytest.param(lambda: memory.steps_remembered(np.ones(3), threshold=0), ValueError, r"threshold: expected",
                 id="threshold-0"),
    pytest.param(lambda: memory.steps_remembered(np.ones(3), threshold="a"), TypeError, r"threshold: .*str",
                 id="threshold-str"),
    pytest.param(lambda: memory.steps_remembered(np.ones(3), lags=[1, 2, 3]), ValueError,
                 r"lags: expected increasing", id="lags"),
]


@pytest.mark.parametrize("call, exc, match", BAD_INPUT)
def test_bad_input_is_refused_by_name(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_gate_values_reads_the_per_step_caches_too():
    # the layout a loop over lstm_step gives: a list of step caches, with the gates by name
    params, xs, h0, c0, _ = _setup()
    h, c, steps = h0, c0, []
    for t in range(xs.shape[0]):
        h, c, cache = lu.lstm_step(xs[t], h, c, params)
        steps.append(cache)
    expected = memory.gate_values(lu.lstm_forward(xs, h0, c0, params)[2])
    for layout in (steps, {"steps": steps}, {k: np.stack([s[k] for s in steps]) for k in memory.GATES}):
        got = memory.gate_values(layout)
        for k in memory.GATES:
            assert_allclose(got[k], expected[k], rtol=1e-13, atol=1e-15)
