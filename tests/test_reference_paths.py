"""The fast sequence functions compute what the readable step functions compute, to float round-off.

For each cell (RNN, LSTM, GRU) the reference is its step function run in a Python loop over t, and its step
backward run back over t with the parameter gradients summed: the code the chapters derive equation by equation.
The sequence functions (``*_forward`` / ``*_backward``: validation once, fused weights, all input projections in
one product, a loop over a private step) must give the same states and the same gradients: to about 1e-12 of their
size in float64, 1e-4 in float32.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import lstm_utils as lu

TOL = {np.float64: 1e-12, np.float32: 1e-4}


def assert_close(actual, desired, dtype, what):
    """Elementwise, relative to the array's largest entry (entries near zero carry the round-off of big terms)."""
    actual, desired = np.asarray(actual), np.asarray(desired)
    assert actual.dtype == np.dtype(dtype), f"{what}: dtype {actual.dtype}, expected {np.dtype(dtype)}"
    assert actual.shape == desired.shape, f"{what}: shape {actual.shape}, expected {desired.shape}"
    scale = max(float(np.max(np.abs(desired), initial=0.0)), 1e-300)
    assert_allclose(actual, desired, rtol=TOL[dtype], atol=TOL[dtype] * scale, err_msg=what)


def problem(cell, T, B, D, H, dtype, seed, gain=1.0):
    """Parameters (weights times ``gain``: large gains saturate the gates), inputs, states and upstream gradients."""
    rng = np.random.default_rng(seed)
    init = {"rnn": lu.init_rnn, "lstm": lu.init_lstm, "gru": lu.init_gru}[cell]
    params = {k: (v * gain if k.startswith("W") else v + rng.standard_normal(v.shape)).astype(dtype)
              for k, v in init(D, H, rng=rng).items()}
    xs = rng.standard_normal((T, B, D)).astype(dtype)
    h0 = rng.standard_normal((B, H)).astype(dtype)
    c0 = rng.standard_normal((B, H)).astype(dtype)
    dhs = rng.standard_normal((T, B, H)).astype(dtype)
    dc_last = rng.standard_normal((B, H)).astype(dtype)
    return params, xs, h0, c0, dhs, dc_last


# ----------------------------------------------------------------------------------------------------------------
# The reference: the step functions in a loop
# ----------------------------------------------------------------------------------------------------------------
def reference_rnn(params, xs, h0, dhs, step=lu.rnn_step, step_backward=lu.rnn_step_backward):
    h, caches, hs = h0, [], []
    for x_t in xs:
        h, cache = step(x_t, h, params)
        hs.append(h)
        caches.append(cache)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dxs = np.empty_like(xs)
    dh_next = np.zeros_like(h0)
    for t in range(len(xs) - 1, -1, -1):
        g, dxs[t], dh_next = step_backward(dhs[t] + dh_next, caches[t])
        for k in grads:
            grads[k] += g[k]
    return np.stack(hs), grads, dxs, dh_next


def reference_lstm(params, xs, h0, c0, dhs, dc_last):
    h, c, caches, hs, cs = h0, c0, [], [], []
    for x_t in xs:
        h, c, cache = lu.lstm_step(x_t, h, c, params)
        hs.append(h)
        cs.append(c)
        caches.append(cache)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dxs = np.empty_like(xs)
    dh_next, dc_next = np.zeros_like(h0), dc_last
    for t in range(len(xs) - 1, -1, -1):
        g, dxs[t], dh_next, dc_next = lu.lstm_step_backward(dhs[t] + dh_next, dc_next, caches[t])
        for k in grads:
            grads[k] += g[k]
    return np.stack(hs), np.stack(cs), grads, dxs, dh_next, dc_next


def check_rnn_like(cell, T, B, D, H, dtype, seed, gain=1.0):
    forward, backward = {"rnn": (lu.rnn_forward, lu.rnn_backward), "gru": (lu.gru_forward, lu.gru_backward)}[cell]
    steps = {"rnn": (lu.rnn_step, lu.rnn_step_backward), "gru": (lu.gru_step, lu.gru_step_backward)}[cell]
    params, xs, h0, _, dhs, _ = problem(cell, T, B, D, H, dtype, seed, gain)
    hs_ref, grads_ref, dxs_ref, dh0_ref = reference_rnn(params, xs, h0, dhs, *steps)
    hs, cache = forward(xs, h0, params)
    grads, dxs, dh0 = backward(dhs, cache)
    assert_close(hs, hs_ref, dtype, "hs")
    assert_close(dxs, dxs_ref, dtype, "dxs")
    assert_close(dh0, dh0_ref, dtype, "dh0")
    assert set(grads) == set(params)
    for k in params:
        assert_close(grads[k], grads_ref[k], dtype, k)


def check_lstm(T, B, D, H, dtype, seed, gain=1.0):
    params, xs, h0, c0, dhs, dc_last = problem("lstm", T, B, D, H, dtype, seed, gain)
    hs_ref, cs_ref, grads_ref, dxs_ref, dh0_ref, dc0_ref = reference_lstm(params, xs, h0, c0, dhs, dc_last)
    hs, cs, cache = lu.lstm_forward(xs, h0, c0, params)
    grads, dxs, dh0, dc0 = lu.lstm_backward(dhs, cache, dc_last)
    for name, a, b in [("hs", hs, hs_ref), ("cs", cs, cs_ref), ("dxs", dxs, dxs_ref), ("dh0", dh0, dh0_ref),
                       ("dc0", dc0, dc0_ref)]:
        assert_close(a, b, dtype, name)
    assert set(grads) == set(params)
    for k in params:
        assert_close(grads[k], grads_ref[k], dtype, k)


CASES = [  # (T, B, D, H): a single step, a single unit, and sizes where every block of the code is exercised
    (1, 1, 1, 1), (1, 3, 2, 4), (7, 1, 3, 2), (12, 4, 5, 6), (30, 2, 3, 8),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("T, B, D, H", CASES)
def test_rnn_fast_path_equals_step_loop(T, B, D, H, dtype):
    check_rnn_like("rnn", T, B, D, H, dtype, seed=T * 100 + H)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("T, B, D, H", CASES)
def test_lstm_fast_path_equals_step_loop(T, B, D, H, dtype):
    check_lstm(T, B, D, H, dtype, seed=T * 100 + H)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("T, B, D, H", CASES)
def test_gru_fast_path_equals_step_loop(T, B, D, H, dtype):
    check_rnn_like("gru", T, B, D, H, dtype, seed=T * 100 + H)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("gain", [4.0, 30.0])
def test_fast_path_equals_step_loop_with_saturated_gates(cell, gain):
    """Large weights push gates to 0 and 1 and tanh to ±1, where σ(x) = (1 + tanh(x/2))/2 and 1/(1 + e^{-x})
    differ most in relative terms (a gate of 1e-20 may come out as 0): the absolute difference stays round-off."""
    if cell == "lstm":
        check_lstm(15, 3, 4, 5, np.float64, seed=7, gain=gain)
    else:
        check_rnn_like(cell, 15, 3, 4, 5, np.float64, seed=7, gain=gain)


@settings(max_examples=25, deadline=None)
@given(T=st.integers(1, 6), B=st.integers(1, 3), D=st.integers(1, 4), H=st.integers(1, 5),
       seed=st.integers(0, 2**16), cell=st.sampled_from(["rnn", "lstm", "gru"]))
def test_fast_path_equals_step_loop_any_shape(T, B, D, H, seed, cell):
    if cell == "lstm":
        check_lstm(T, B, D, H, np.float64, seed)
    else:
        check_rnn_like(cell, T, B, D, H, np.float64, seed)


# ----------------------------------------------------------------------------------------------------------------
# What the in-place fast path must not do
# ----------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lstm_fast_path_leaves_inputs_and_cache_unchanged(dtype):
    """In-place updates stay inside the function's own buffers: the caller's arrays are not modified, and a second
    backward through the same cache gives the same gradients."""
    params, xs, h0, c0, dhs, dc_last = problem("lstm", 6, 3, 2, 4, dtype, seed=11)
    before = [a.copy() for a in (xs, h0, c0, dhs, dc_last, *params.values())]
    _, _, cache = lu.lstm_forward(xs, h0, c0, params)
    first = lu.lstm_backward(dhs, cache, dc_last)
    second = lu.lstm_backward(dhs, cache, dc_last)
    for a, b in zip(before, (xs, h0, c0, dhs, dc_last, *params.values())):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(first[1:], second[1:]):
        np.testing.assert_array_equal(a, b)
    for k in first[0]:
        np.testing.assert_array_equal(first[0][k], second[0][k])


def test_rnn_fast_path_leaves_inputs_and_cache_unchanged():
    params, xs, h0, _, dhs, _ = problem("rnn", 6, 3, 2, 4, np.float64, seed=12)
    before = [a.copy() for a in (xs, h0, dhs, *params.values())]
    _, cache = lu.rnn_forward(xs, h0, params)
    first = lu.rnn_backward(dhs, cache)
    second = lu.rnn_backward(dhs, cache)
    for a, b in zip(before, (xs, h0, dhs, *params.values())):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(first[1:], second[1:]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(first[0]["W_h"], second[0]["W_h"])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lstm_fast_path_huge_preactivations_no_overflow(dtype):
    """Pre-activations of size ~1e4: no overflow warning (pytest turns RuntimeWarnings into errors), gates in [0, 1]."""
    params, xs, h0, c0, dhs, _ = problem("lstm", 4, 2, 3, 5, dtype, seed=5, gain=1e4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hs, cs, cache = lu.lstm_forward(xs, h0, c0, params)
        grads, dxs, dh0, dc0 = lu.lstm_backward(dhs, cache)
    gates = lu.gate_values(cache)
    for name in ("f", "i", "o"):
        assert np.all((gates[name] >= 0) & (gates[name] <= 1)), name
    assert np.all(np.abs(gates["c_tilde"]) <= 1)
    assert all(np.all(np.isfinite(a)) for a in (hs, cs, dxs, dh0, dc0, *grads.values()))


# ---------------------------------------------------------------------------------------------------------------
# Layout: a non-contiguous input gives the same outputs and gradients as its C-contiguous copy

def _layouts(xs):
    """The same values as ``xs`` (T, B, D) in four layouts: C order, Fortran order, a transposed view, a batch
    drawn by fancy indexing (what lstm_utils.train draws from a fixed data set)."""
    T, B, D = xs.shape
    wide = np.concatenate([xs, xs], axis=1)
    return {"C": np.ascontiguousarray(xs), "F": np.asfortranarray(xs),
            "transposed": np.ascontiguousarray(xs.transpose(1, 0, 2)).transpose(1, 0, 2),
            "fancy": wide[:, np.arange(B)]}


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_non_contiguous_inputs_give_the_same_gradients(cell):
    rng = np.random.default_rng(7)
    xs = rng.normal(size=(6, 3, 4))
    params = lu.models.init_model(cell, 4, 5, 2, rng=1)
    out = {}
    for name, x in _layouts(xs).items():
        y, cache = lu.models.model_forward(cell, params, x)
        grads, dxs = lu.models.model_backward(np.ones_like(y), cache)
        out[name] = (y, grads, dxs)
    y0, g0, d0 = out["C"]
    for name, (y, g, d) in out.items():
        np.testing.assert_array_equal(y, y0, err_msg=name)
        np.testing.assert_array_equal(d, d0, err_msg=name)
        for k in g0:
            np.testing.assert_array_equal(g[k], g0[k], err_msg=f"{name} {k}")
