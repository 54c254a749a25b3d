"""The sequence functions compute what the readable step functions compute, to float round-off, in any layout.

For each cell (RNN, LSTM, GRU in both placements of the reset gate) the reference is its step function run in a
Python loop over t, and its step backward run back over t with the parameter gradients summed
(``helpers.run_step_loop``). The sequence functions (``*_forward`` / ``*_backward``: validation once, fused
weights, all input projections in one product, a loop over a private step) must give the same states and the same
gradients: to about 1e-12 of their size in float64, 1e-4 in float32. And a non-contiguous argument (Fortran order,
a transposed or strided view, a fancy-indexed batch) must give exactly what its C-contiguous copy gives.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from numpy.testing import assert_allclose

import lstm_utils as lu
from helpers import layouts, make_problem, run_sequence, run_step_loop

TOL = {np.float64: 1e-12, np.float32: 1e-4}
VARIANTS = [("rnn", False), ("lstm", False), ("gru", False), ("gru", True)]   # (cell, reset_after)
VARIANT_IDS = ["rnn", "lstm", "gru", "gru-reset-after"]


def assert_close(actual, desired, dtype, what):
    """Elementwise, relative to the array's largest entry (entries near zero carry the round-off of big terms)."""
    actual, desired = np.asarray(actual), np.asarray(desired)
    assert actual.dtype == np.dtype(dtype), f"{what}: dtype {actual.dtype}, expected {np.dtype(dtype)}"
    assert actual.shape == desired.shape, f"{what}: shape {actual.shape}, expected {desired.shape}"
    scale = max(float(np.max(np.abs(desired), initial=0.0)), 1e-300)
    assert_allclose(actual, desired, rtol=TOL[dtype], atol=TOL[dtype] * scale, err_msg=what)


def check(cell, reset_after, T, B, D, H, dtype, seed, gain=1.0):
    pb = make_problem(cell, T, B, D, H, dtype=dtype, seed=seed, gain=gain)
    states, grads = run_sequence(cell, pb, reset_after=reset_after)
    states_ref, grads_ref = run_step_loop(cell, pb, reset_after=reset_after)
    assert set(grads) == set(grads_ref)
    for k in states_ref:
        assert_close(states[k], states_ref[k], dtype, k)
    for k in grads_ref:
        assert_close(grads[k], grads_ref[k], dtype, k)


CASES = [  # (T, B, D, H): a single step, a single unit, longer sequences
    (1, 1, 1, 1), (1, 3, 2, 4), (7, 1, 3, 2), (12, 4, 5, 6), (30, 2, 3, 8),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("T, B, D, H", CASES)
@pytest.mark.parametrize("cell, reset_after", VARIANTS, ids=VARIANT_IDS)
def test_sequence_functions_equal_step_loop(cell, reset_after, T, B, D, H, dtype):
    check(cell, reset_after, T, B, D, H, dtype, seed=T * 100 + H)


@pytest.mark.parametrize("cell, reset_after", VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("gain", [4.0, 30.0])
def test_sequence_functions_equal_step_loop_with_saturated_gates(cell, reset_after, gain):
    """Large weights push gates to 0 and 1 and tanh to ±1: the absolute difference stays round-off."""
    check(cell, reset_after, 15, 3, 4, 5, np.float64, seed=7, gain=gain)


@settings(max_examples=25, deadline=None)
@given(T=st.integers(1, 6), B=st.integers(1, 3), D=st.integers(1, 4), H=st.integers(1, 5),
       seed=st.integers(0, 2**16), variant=st.sampled_from(VARIANTS))
def test_sequence_functions_equal_step_loop_any_shape(T, B, D, H, seed, variant):
    check(*variant, T, B, D, H, np.float64, seed)


# ----------------------------------------------------------------------------------------------------------------
# What the sequence functions must not do
# ----------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cell, reset_after", VARIANTS, ids=VARIANT_IDS)
def test_inputs_and_cache_unchanged(cell, reset_after, dtype):
    """The caller's arrays are not modified, and a second backward through the same cache gives the same
    gradients."""
    pb = make_problem(cell, 6, 3, 2, 4, dtype=dtype, seed=11)
    before = {k: v.copy() for k, v in pb.items() if k != "params"} | {k: v.copy() for k, v in pb["params"].items()}
    first = run_sequence(cell, pb, reset_after=reset_after)
    second = run_sequence(cell, pb, reset_after=reset_after)
    after = {k: v for k, v in pb.items() if k != "params"} | pb["params"]
    for k in before:
        np.testing.assert_array_equal(before[k], after[k], err_msg=k)
    for a, b in zip(first, second, strict=True):
        for k in a:
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cell, reset_after", VARIANTS, ids=VARIANT_IDS)
def test_huge_preactivations_no_overflow(cell, reset_after, dtype):
    """Pre-activations of size ~1e4: no overflow warning, gates in [0, 1], everything finite."""
    pb = make_problem(cell, 4, 2, 3, 5, dtype=dtype, seed=5, gain=1e4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        states, grads = run_sequence(cell, pb, reset_after=reset_after)
    assert all(np.all(np.isfinite(a)) for a in (*states.values(), *grads.values()))
    if cell == "lstm":
        _, _, cache = lu.lstm_forward(pb["xs"], pb["h0"], pb["c0"], pb["params"])
        gates = lu.gate_values(cache)
        for name in ("f", "i", "o"):
            assert np.all((gates[name] >= 0) & (gates[name] <= 1)), name
        assert np.all(np.abs(gates["c_tilde"]) <= 1)


# ----------------------------------------------------------------------------------------------------------------
# Layout: a non-contiguous argument gives exactly what its C-contiguous copy gives, for every forward and backward
# (lstm_backward once wrote dxs through reshapes of an array laid out like xs, which are copies for a non-contiguous
# xs, and returned uninitialised memory)
# ----------------------------------------------------------------------------------------------------------------
ARGS = {"rnn": ["xs", "h0", "dhs", "W_h", "b_h"],
        "lstm": ["xs", "h0", "c0", "dhs", "dc_last", "W_f", "W_o", "b_i"],
        "gru": ["xs", "h0", "dhs", "W_z", "W_h", "b_r"]}
LAYOUT_CASES = [(cell, ra, arg, layout) for cell, ra in VARIANTS for arg in ARGS[cell]
                for layout in ("F", "reversed-strides", "strided") + (("fancy",) if arg in ("xs", "dhs") else ())]


def _with(pb, arg, value):
    if arg in pb:
        return {**pb, arg: value}
    return {**pb, "params": {**pb["params"], arg: value}}


@pytest.mark.parametrize("cell, reset_after, arg, layout", LAYOUT_CASES,
                         ids=[f"{c}{'-ra' if ra else ''}-{a}-{lay}" for c, ra, a, lay in LAYOUT_CASES])
def test_non_contiguous_arguments_give_the_same_results(cell, reset_after, arg, layout):
    pb = make_problem(cell, 6, 3, 4, 5, seed=7)
    variants = layouts(pb[arg] if arg in pb else pb["params"][arg])
    states0, grads0 = run_sequence(cell, _with(pb, arg, variants["C"]), reset_after=reset_after)
    states, grads = run_sequence(cell, _with(pb, arg, variants[layout]), reset_after=reset_after)
    for ref, out in ((states0, states), (grads0, grads)):
        for k in ref:
            np.testing.assert_array_equal(out[k], ref[k], err_msg=k)


@pytest.mark.parametrize("layout", ["F", "reversed-strides", "strided"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_non_contiguous_step_arguments_give_the_same_results(cell, layout):
    pb = make_problem(cell, 1, 3, 4, 5, seed=8)
    x_t, h, dh = pb["xs"][0], pb["h0"], pb["dhs"][0]

    def run(x_t, h, dh):
        if cell == "rnn":
            out, cache = lu.rnn_step(x_t, h, pb["params"])
            return (out, *lu.rnn_step_backward(dh, cache)[1:])
        if cell == "gru":
            out, cache = lu.gru_step(x_t, h, pb["params"], reset_after=True)
            return (out, *lu.gru_step_backward(dh, cache)[1:])
        out, c, cache = lu.lstm_step(x_t, h, pb["c0"], pb["params"])
        return (out, c, *lu.lstm_step_backward(dh, pb["dc_last"], cache)[1:])

    ref = run(x_t, h, dh)
    got = run(layouts(x_t)[layout], layouts(h)[layout], layouts(dh)[layout])
    for a, b in zip(got, ref, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_non_contiguous_batches_train_the_same_model(cell):
    """What train() does with a fixed data set: model_forward/backward on ``xs[:, idx]``."""
    rng = np.random.default_rng(7)
    xs = rng.normal(size=(6, 3, 4))
    params = lu.models.init_model(cell, 4, 5, 2, rng=1)
    out = {}
    for name, x in layouts(xs).items():
        y, cache = lu.models.model_forward(cell, params, x)
        grads, dxs = lu.models.model_backward(np.ones_like(y), cache)
        out[name] = (y, grads, dxs)
    y0, g0, d0 = out["C"]
    for name, (y, g, d) in out.items():
        np.testing.assert_array_equal(y, y0, err_msg=name)
        np.testing.assert_array_equal(d, d0, err_msg=name)
        for k in g0:
            np.testing.assert_array_equal(g[k], g0[k], err_msg=f"{name} {k}")
