"""Tests for lstm_utils/paths.py: the direct path, the full Jacobian and the input gradient, against finite
differences in float64 (normwise relative error below 1e-7)."""

import numpy as np
import pytest

import lstm_utils as lu
from lstm_utils import paths
from lstm_utils.models import init_model


def _setup(T=7, B=3, D=2, H=4, seed=0, forget_bias=1.0):
    rng = np.random.default_rng(seed)
    params = lu.init_lstm(D, H, rng=rng, forget_bias=forget_bias)
    for k in ("b_i", "b_c", "b_o"):
        params[k] = params[k] + rng.normal(0.0, 0.5, size=H)
    xs = rng.normal(size=(T, B, D))
    dhs = rng.normal(size=(T, B, H))
    dc_last = rng.normal(size=(B, H))
    return params, xs, dhs, dc_last


def _loss(xs, params, dhs, dc_last, frozen_h=None):
    """sum(dhs * h) + sum(dc_last * C_T); with ``frozen_h`` (T + 1, B, H) the gates of step t read frozen_h[t - 1]
    instead of h_{t-1}: a stop-gradient on the paths through h, whose x-gradient at frozen_h = h is the truncated
    one."""
    if frozen_h is None:
        hs, cs, _ = lu.lstm_forward(xs, None, None, params)
        return np.sum(dhs * hs) + np.sum(dc_last * cs[-1])
    c = np.zeros(frozen_h.shape[1:])
    total = 0.0
    for t in range(xs.shape[0]):
        hp = frozen_h[t]
        f = lu.forget_gate(hp, xs[t], params["W_f"], params["b_f"])
        i = lu.input_gate(hp, xs[t], params["W_i"], params["b_i"])
        g = lu.candidate(hp, xs[t], params["W_c"], params["b_c"])
        o = lu.output_gate(hp, xs[t], params["W_o"], params["b_o"])
        c = lu.cell_state(f, c, i, g)
        total += np.sum(dhs[t] * lu.hidden_state(o, c))
    return total + np.sum(dc_last * c)


def test_full_input_grads_match_finite_differences():
    params, xs, dhs, dc_last = _setup()
    dxs = paths.lstm_input_grads(xs, params, dhs, dc_last=dc_last)
    x = xs.copy()
    num = lu.numerical_gradient(lambda: _loss(x, params, dhs, dc_last), x)
    assert lu.relative_error(dxs, num) < 1e-7


def test_truncated_input_grads_match_stop_gradient_finite_differences():
    params, xs, dhs, dc_last = _setup()
    hs, _, _ = lu.lstm_forward(xs, None, None, params)
    frozen = np.concatenate([np.zeros((1,) + hs.shape[1:]), hs], axis=0)
    x = xs.copy()
    num = lu.numerical_gradient(lambda: _loss(x, params, dhs, dc_last, frozen_h=frozen), x)
    dxs = paths.lstm_input_grads(xs, params, dhs, dc_last=dc_last, truncated=True)
    assert lu.relative_error(dxs, num) < 1e-7
    full = paths.lstm_input_grads(xs, params, dhs, dc_last=dc_last)
    assert lu.relative_error(full, dxs) > 1e-3                   # the paths through h matter here
    np.testing.assert_allclose(dxs[-1], full[-1], rtol=1e-12)     # at the last step nothing has come back yet


def test_truncated_equals_full_when_gates_ignore_h():
    params, xs, dhs, dc_last = _setup()
    H = params["b_f"].size
    for k in ("W_f", "W_i", "W_c", "W_o"):
        params[k][:, :H] = 0.0
    full = paths.lstm_input_grads(xs, params, dhs, dc_last=dc_last)
    trunc = paths.lstm_input_grads(xs, params, dhs, dc_last=dc_last, truncated=True)
    assert lu.relative_error(full, trunc) < 1e-14


def test_rnn_input_grads_match_finite_differences():
    rng = np.random.default_rng(1)
    p = lu.init_rnn(2, 4, rng=rng)
    xs, dhs = rng.normal(size=(6, 3, 2)), rng.normal(size=(6, 3, 4))
    x = xs.copy()
    num = lu.numerical_gradient(lambda: np.sum(dhs * lu.rnn_forward(x, None, p)[0]), x)
    assert lu.relative_error(paths.rnn_input_grads(xs, p, dhs), num) < 1e-7


def test_cell_jacobian_norms_match_finite_differences():
    params, xs, _, _ = _setup(T=5, B=2)
    hs, cs, cache = lu.lstm_forward(xs, None, None, params)
    o = lu.gate_values(cache)["o"]
    T, B, H = cs.shape
    norms = paths.cell_jacobian_norms(xs, params)
    assert norms.shape == (T + 1, B)
    np.testing.assert_allclose(norms[T], 1.0, rtol=1e-14)
    h_states = np.concatenate([np.zeros((1, B, H)), hs])
    c_states = np.concatenate([np.zeros((1, B, H)), cs])
    for t in (0, 2, 4):
        for b in range(B):
            J = np.empty((H, H))
            for j in range(H):
                c = c_states[t, b:b + 1].copy()

                def c_T(c=c, t=t, b=b):
                    # h_t = o_t * tanh(C_t) follows C_t (o_t held); h_0 is an independent input
                    h = h_states[t, b:b + 1] if t == 0 else o[t - 1, b:b + 1] * np.tanh(c)
                    return lu.lstm_forward(xs[t:, b:b + 1], h, c, params)[1][-1, 0]
                eps = 1e-6
                c[0, j] += eps
                plus = c_T()
                c[0, j] -= 2 * eps
                minus = c_T()
                J[:, j] = (plus - minus) / (2 * eps)
            full = lu.cell_jacobians(xs[:, b:b + 1], params)[t, 0]
            assert lu.relative_error(full, J) < 1e-7
            assert abs(np.linalg.norm(J, 2) - norms[t, b]) < 1e-7 * norms[t, b]


def test_direct_path_norms_are_the_largest_forget_product():
    params, xs, _, _ = _setup(T=9, forget_bias=2.0)
    _, _, cache = lu.lstm_forward(xs, None, None, params)
    f = lu.gate_values(cache)["f"]
    loop = np.ones(f.shape[1:])
    expected = [loop.max(axis=-1)]
    for t in range(f.shape[0] - 1, -1, -1):
        loop = loop * f[t]
        expected.append(loop.max(axis=-1))
    np.testing.assert_allclose(paths.direct_path_norms(xs, params), np.array(expected[::-1]), rtol=1e-13)


def test_input_gradient_paths_shapes_and_consistency():
    rng = np.random.default_rng(3)
    xs = rng.normal(size=(8, 2, 2))
    for cell in ("rnn", "lstm"):
        p = init_model(cell, 2, 4, 1, rng=0)
        out = paths.input_gradient_paths(cell, p, xs)
        assert out["input"].shape == (8, 2)
        if cell == "lstm":
            assert set(out) == {"input", "input_direct", "input_indirect", "direct_path", "cell_jacobian"}
            assert out["direct_path"].shape == out["cell_jacobian"].shape == (9, 2)
            np.testing.assert_allclose(out["input_direct"][0], out["input"][0], rtol=1e-12)   # distance 0
            assert np.all(out["input_indirect"][0] < 1e-12)
    # the readout's gradient: L = W_y h_T + b_y, so dL/dh_T = W_y
    p = init_model("lstm", 2, 4, 1, rng=0)
    cell_p = {k: v for k, v in p.items() if k not in ("W_y", "b_y")}
    dhs = np.zeros((8, 2, 4))
    dhs[-1] = p["W_y"][0]
    np.testing.assert_allclose(paths.input_gradient_paths("lstm", p, xs, jacobians=False)["input"][::-1],
                               np.linalg.norm(lu.lstm_backward(dhs, lu.lstm_forward(xs, None, None, cell_p)[2])[1],
                                              axis=-1), rtol=1e-13)


def test_bad_input_is_refused():
    params, xs, dhs, _ = _setup()
    with pytest.raises(ValueError, match="dhs"):
        paths.lstm_input_grads(xs, params, dhs[:, :, :2])
    with pytest.raises(ValueError, match="dhs"):
        paths.lstm_input_grads(xs, params, np.full_like(dhs, np.nan))
    with pytest.raises(TypeError, match="truncated"):
        paths.lstm_input_grads(xs, params, dhs, truncated="yes")
    with pytest.raises(ValueError, match="xs"):
        paths.direct_path_norms(xs[:, :, :1], params)
    with pytest.raises(ValueError, match="dc_last"):
        paths.lstm_input_grads(xs, params, dhs, dc_last=np.zeros((1, 1)))
    with pytest.raises(ValueError, match="params"):
        paths.rnn_input_grads(xs, params, dhs)
    with pytest.raises(ValueError, match="dxs"):
        paths.grad_norms(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="cell"):
        paths.input_gradient_paths("gru", init_model("gru", 2, 4, 1, rng=0), xs)
    with pytest.raises(TypeError, match="params"):
        paths.input_gradient_paths("lstm", [1, 2], xs)
    with pytest.raises(ValueError, match="W_y"):
        paths.input_gradient_paths("lstm", init_model("lstm", 2, 4, 3, rng=0), xs)
