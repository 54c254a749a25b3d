"""Property tests (hypothesis) of every forward and backward of the three cells, over random sizes and layouts.

For random T, B, D, H, a random cell (the GRU in both placements of the reset gate) and random memory layouts of
its array arguments:

* the results are exactly those of the C-contiguous copies (no dependence on layout);
* the sequence functions agree with the step functions looped over t (to round-off);
* the backward pass is the derivative of the forward pass: a central difference of the loss along a random
  direction of every input agrees with the gradients' inner product with that direction;
* states stay in (-1, 1) for the RNN and GRU started from |h0| < 1 (a convex combination / a tanh);
* the step functions are the sequence functions with T = 1.

Kept fast: few examples, small sizes (a few seconds in all).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st
from numpy.testing import assert_allclose

import lstm_utils as lu
from helpers import layouts, make_problem, run_sequence, run_step_loop

VARIANTS = [("rnn", False), ("lstm", False), ("gru", False), ("gru", True)]
LAYOUTS = ["C", "F", "reversed-strides", "strided"]
FAST = settings(max_examples=15, deadline=None)

sizes = st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(1, 3), st.integers(1, 4))   # T, B, D, H
variants = st.sampled_from(VARIANTS)
seeds = st.integers(0, 2**16)


def _relayout(pb, choice):
    """The problem with each array argument in the layout ``choice[name]``."""
    out = {k: layouts(v)[choice[k]] for k, v in pb.items() if k != "params"}
    out["params"] = {k: layouts(v)[choice[k]] for k, v in pb["params"].items()}
    return out


@FAST
@given(size=sizes, variant=variants, seed=seeds, data=st.data())
def test_any_layout_gives_the_results_of_the_contiguous_copy(size, variant, seed, data):
    cell, reset_after = variant
    pb = make_problem(cell, *size, seed=seed)
    names = [k for k in pb if k != "params"] + list(pb["params"])
    choice = {k: data.draw(st.sampled_from(LAYOUTS), label=k) for k in names}
    ref = run_sequence(cell, pb, reset_after=reset_after)
    got = run_sequence(cell, _relayout(pb, choice), reset_after=reset_after)
    for a, b in zip(got, ref, strict=True):
        for k in b:
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)


@FAST
@given(size=sizes, variant=variants, seed=seeds)
def test_sequence_functions_are_the_step_functions_looped(size, variant, seed):
    cell, reset_after = variant
    pb = make_problem(cell, *size, seed=seed)
    ours = run_sequence(cell, pb, reset_after=reset_after)
    for a, b in zip(ours, run_step_loop(cell, pb, reset_after=reset_after), strict=True):
        for k in b:
            assert_allclose(a[k], b[k], rtol=1e-11, atol=1e-12, err_msg=k)


def _loss(cell, pb, reset_after):
    states, _ = run_sequence(cell, pb, reset_after=reset_after)
    value = np.sum(pb["dhs"] * states["hs"])
    if cell == "lstm":
        value += np.sum(pb["dc_last"] * states["cs"][-1])
    return value


@FAST
@given(size=sizes, variant=variants, seed=seeds)
def test_backward_is_the_derivative_of_forward_along_a_random_direction(size, variant, seed):
    cell, reset_after = variant
    pb = make_problem(cell, *size, seed=seed)
    _, grads = run_sequence(cell, pb, reset_after=reset_after)
    rng = np.random.default_rng(seed + 1)
    wrt = {"xs": "dxs", "h0": "dh0", **({"c0": "dc0"} if cell == "lstm" else {}), **{k: k for k in pb["params"]}}
    direction = {k: rng.standard_normal((pb[k] if k in pb else pb["params"][k]).shape) for k in wrt}

    def moved(eps):
        out = {k: (v + eps * direction[k] if k in direction else v) for k, v in pb.items() if k != "params"}
        out["params"] = {k: v + eps * direction[k] for k, v in pb["params"].items()}
        return out

    eps = 1e-6
    numeric = (_loss(cell, moved(eps), reset_after) - _loss(cell, moved(-eps), reset_after)) / (2 * eps)
    analytic = sum(np.sum(grads[g] * direction[k]) for k, g in wrt.items())
    assert abs(numeric - analytic) <= 1e-6 * max(1.0, abs(analytic))


@FAST
@given(size=sizes, cell=st.sampled_from(["rnn", "gru"]), reset_after=st.booleans(), seed=seeds,
       amp=st.floats(0.1, 5.0))
def test_rnn_and_gru_states_stay_inside_minus_one_one(size, cell, reset_after, seed, amp):
    pb = make_problem(cell, *size, seed=seed)
    pb["xs"] = amp * pb["xs"]
    pb["h0"] = np.tanh(pb["h0"])
    states, grads = run_sequence(cell, pb, reset_after=reset_after and cell == "gru")
    assert np.all(np.abs(states["hs"]) <= 1)
    assert all(np.all(np.isfinite(v)) for v in grads.values())


@FAST
@given(size=sizes, variant=variants, seed=seeds)
def test_step_functions_are_the_sequence_functions_with_one_step(size, variant, seed):
    cell, reset_after = variant
    _, B, D, H = size
    pb = make_problem(cell, 1, B, D, H, seed=seed)
    states, grads = run_sequence(cell, pb, reset_after=reset_after)
    x_t, h0, dh = pb["xs"][0], pb["h0"], pb["dhs"][0]
    if cell == "rnn":
        h, cache = lu.rnn_step(x_t, h0, pb["params"])
        g, dx, dh_prev = lu.rnn_step_backward(dh, cache)
    elif cell == "gru":
        h, cache = lu.gru_step(x_t, h0, pb["params"], reset_after=reset_after)
        g, dx, dh_prev = lu.gru_step_backward(dh, cache)
    else:
        h, c, cache = lu.lstm_step(x_t, h0, pb["c0"], pb["params"])
        g, dx, dh_prev, dc_prev = lu.lstm_step_backward(dh, pb["dc_last"], cache)
        assert_allclose(c, states["cs"][0], rtol=1e-12, atol=1e-14)
        assert_allclose(dc_prev, grads["dc0"], rtol=1e-12, atol=1e-14)
    assert_allclose(h, states["hs"][0], rtol=1e-12, atol=1e-14)
    assert_allclose(dx, grads["dxs"][0], rtol=1e-12, atol=1e-14)
    assert_allclose(dh_prev, grads["dh0"], rtol=1e-12, atol=1e-14)
    for k in g:
        assert_allclose(g[k], grads[k], rtol=1e-12, atol=1e-14, err_msg=k)
