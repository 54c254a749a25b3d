"""Tests for lstm_utils._checks: every bad argument is refused before any arithmetic, by name, saying what was
expected and what came. One case per public function and kind of error: the helpers of ``_checks`` first, then
each public function of the three cells (step, step backward, forward, backward) with a wrong shape, a
non-finite value, a value of the wrong type, and (backward passes) a cache from elsewhere."""

import re

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import lstm_utils as lu
from helpers import make_problem
from lstm_utils import _checks as ck

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)


# ---------------------------------------------------------------------------------------------------------------
# The helpers
# ---------------------------------------------------------------------------------------------------------------
def test_compute_dtype():
    """float32 if any data argument is float32, float64 otherwise (float16 and integers included)."""
    assert [ck.compute_dtype(np.zeros(2)), ck.compute_dtype(np.zeros(2), np.zeros(2, np.float32)),
            ck.compute_dtype(None), ck.compute_dtype(np.zeros(2, np.float16))] == [F64, F32, F64, F64]


def test_real_array_converts_and_refuses():
    a = ck.real_array("x", [1, 2], F32)
    assert a.dtype == F32
    assert_array_equal(a, [1.0, 2.0])
    x = np.zeros(3)
    assert ck.real_array("x", x, F64) is x                   # no copy when none is needed
    with pytest.raises(ck.ArgumentTypeError, match=r"h0: expected a real numeric array .*got dtype complex128"):
        ck.real_array("h0", np.array([1 + 2j]), F64)
    with pytest.raises(ValueError, match="xs: expected a real numeric array, could not convert"):
        ck.real_array("xs", [[0.0, 1.0], [0.0]], F64)


def test_finite_names_the_first_bad_entry():
    with pytest.raises(ValueError, match=re.escape("a: expected finite values, got nan at index (1,)")):
        ck.finite("a", np.array([0.0, np.nan, np.inf]))


def test_check_shape_message():
    with pytest.raises(ValueError) as info:
        ck.check_shape("xs", np.zeros((5, 2, 4)), (None, None, 3), "T, B, D")
    assert str(info.value) == "xs: expected shape (T, B, D) = (*, *, 3), got (5, 2, 4)"


def test_numbers_integers_flags_dtypes_seeds():
    with pytest.raises(ValueError, match=r"lr: expected a finite number > 0, got 0"):
        ck.number("lr", 0, low=0.0, low_open=True)
    with pytest.raises(ck.ArgumentTypeError, match=r"n: expected an integer, got bool"):
        ck.integer("n", True)
    with pytest.raises(ck.ArgumentTypeError, match=r"jacobians: expected True or False, got str 'no'"):
        ck.flag("jacobians", "no")
    with pytest.raises(ValueError, match=r"dtype: expected a floating-point dtype.*int64"):
        ck.float_dtype("dtype", np.int64)
    with pytest.raises(ValueError, match=r"rng: expected a non-negative integer seed"):
        ck.rng("rng", -1)


def test_check_params():
    p = {"W_f": np.ones((4, 7)), "W_i": np.ones((4, 7)), "b_f": np.zeros(4), "b_i": np.zeros(4), "extra": 1}
    out, H, D = ck.check_params(p, ["W_f", "W_i"], ["b_f", "b_i"], F32)
    assert (H, D) == (4, 3) and out["W_f"].dtype == F32 and "extra" not in out
    with pytest.raises(ValueError, match=re.escape("params['W_i']: expected shape (H, H + D) = (4, 7) like "
                                                   "params['W_f'], got (4, 8)")):
        ck.check_params(dict(p, W_i=np.ones((4, 8))), ["W_f", "W_i"], ["b_f", "b_i"], F64)
    with pytest.raises(ValueError, match=r"params: missing key\(s\) 'b_i'"):
        ck.check_params({k: v for k, v in p.items() if k != "b_i"}, ["W_f", "W_i"], ["b_f", "b_i"], F64)
    with pytest.raises(TypeError, match=r"params: expected a dict"):
        ck.check_params([1, 2], ["W_f"], ["b_f"], F64)


def test_check_sequence_and_state():
    xs = np.ones((5, 2, 3)).transpose(1, 0, 2)              # a non-contiguous view is copied once
    assert ck.check_sequence(xs, 3, F64).flags.c_contiguous
    with pytest.raises(ValueError, match=r"xs: expected at least one step and one sequence"):
        ck.check_sequence(np.zeros((4, 0, 3)), 3, F64)
    with pytest.raises(ValueError, match=r"x_t: expected at least one sequence \(B >= 1\)"):
        ck.check_step_input(np.zeros((0, 3)), 3, F64)
    assert not ck.check_state("c0", None, 2, 4, F32).any()
    with pytest.raises(ValueError, match=r"c0: expected shape \(B, H\) = \(2, 4\), got \(4, 2\)"):
        ck.check_state("c0", np.ones((4, 2)), 2, 4, F64)


# ---------------------------------------------------------------------------------------------------------------
# Each public function of the cells, once per kind of error
# ---------------------------------------------------------------------------------------------------------------
T_, B_, D_, H_ = 3, 2, 3, 4
PB = {cell: make_problem(cell, T_, B_, D_, H_) for cell in ("rnn", "lstm", "gru")}


def _call(cell, fn, **change):
    """Call ``lu.<cell>_<fn>`` on the cell's problem, with some arguments changed."""
    pb = {**PB[cell], **change}
    c0 = (pb["c0"],) if cell == "lstm" else ()
    step = (pb["xs"][0], pb["h0"], *c0, pb["params"])
    if fn == "step":
        return getattr(lu, f"{cell}_step")(pb.get("x_t", step[0]), *step[1:])
    if fn == "forward":
        return getattr(lu, f"{cell}_forward")(pb["xs"], pb["h0"], *c0, pb["params"])
    if fn == "step_backward":
        cache = pb.get("cache", getattr(lu, f"{cell}_step")(*step)[-1])
        dc = (pb["dc_last"],) if cell == "lstm" else ()
        return getattr(lu, f"{cell}_step_backward")(pb.get("dh_t", pb["dhs"][0]), *dc, cache)
    cache = pb.get("cache", getattr(lu, f"{cell}_forward")(PB[cell]["xs"], PB[cell]["h0"], *c0,
                                                           PB[cell]["params"])[-1])
    return getattr(lu, f"{cell}_backward")(pb["dhs"], cache)


def _nan_at_end(a):
    a = np.array(a, dtype=float)
    a.flat[-1] = np.nan
    return a


CASES = []
for cell in ("rnn", "lstm", "gru"):
    W = "W_h" if cell == "rnn" else "W_" + ck.CELL_GATES[cell][0]
    CASES += [
        (cell, "step", "shape", {"x_t": np.zeros((B_, D_ + 1))}, ValueError,
         re.escape(f"x_t: expected shape (B, D) = (*, {D_}), got ({B_}, {D_ + 1})")),
        (cell, "step", "non-finite", {"h0": _nan_at_end(PB[cell]["h0"])}, ValueError,
         r"h_prev: expected finite values, got nan"),
        (cell, "step", "type", {"params": {**PB[cell]["params"], W: "a"}}, TypeError,
         re.escape(f"params['{W}']: expected a real numeric array")),
        (cell, "step", "empty batch", {"x_t": np.zeros((0, D_))}, ValueError, r"x_t: expected at least one"),
        (cell, "forward", "shape", {"xs": np.zeros((T_, B_, D_ + 1))}, ValueError,
         re.escape(f"xs: expected shape (T, B, D) = (*, *, {D_}), got ({T_}, {B_}, {D_ + 1})")),
        (cell, "forward", "non-finite", {"xs": _nan_at_end(PB[cell]["xs"])}, ValueError,
         r"xs: expected finite values, got nan"),
        (cell, "forward", "type", {"xs": np.full((T_, B_, D_), "a")}, TypeError, r"xs: expected a real numeric"),
        (cell, "step_backward", "shape", {"dh_t": np.zeros(H_)}, ValueError,
         re.escape(f"dh_t: expected shape (B, H) = ({B_}, {H_}), got ({H_},)")),
        (cell, "step_backward", "non-finite", {"dh_t": _nan_at_end(PB[cell]["dhs"][0])}, ValueError,
         r"dh_t: expected finite values"),
        (cell, "step_backward", "cache", {"cache": {}}, ValueError,
         rf"cache: expected the cache returned by {cell}_step, got an empty dict"),
        (cell, "backward", "shape", {"dhs": np.zeros((T_, B_, H_ + 1))}, ValueError,
         re.escape(f"dhs: expected shape (T, B, H) = ({T_}, {B_}, {H_}), got ({T_}, {B_}, {H_ + 1})")),
        (cell, "backward", "non-finite", {"dhs": _nan_at_end(PB[cell]["dhs"])}, ValueError,
         r"dhs: expected finite values"),
        (cell, "backward", "cache", {"cache": None}, TypeError,
         rf"cache: expected the cache returned by {cell}_forward, got NoneType"),
    ]


@pytest.mark.parametrize("cell, fn, kind, change, exc, match", CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_bad_argument_is_refused_by_name(cell, fn, kind, change, exc, match):
    with pytest.raises(exc, match=match):
        _call(cell, fn, **change)


def test_another_cells_parameters_are_refused():
    """A GRU's dict also holds W_h and b_h: given to an RNN function it would run silently as an RNN."""
    with pytest.raises(ValueError, match=r"params: key\(s\) 'W_z', 'W_r'.*belong to another cell"):
        lu.rnn_forward(PB["gru"]["xs"], None, PB["gru"]["params"])


def test_integer_input_is_converted_to_float64():
    hs, _ = lu.rnn_forward(np.ones((T_, B_, D_), dtype=int), None, PB["rnn"]["params"])
    assert hs.dtype == F64


def test_init_refuses_what_would_give_a_wrong_network():
    with pytest.raises(ValueError, match=r"dtype: expected a floating-point dtype.*int64"):
        lu.init_lstm(3, 4, dtype=np.int64)                      # every weight would round to 0
    with pytest.raises(TypeError, match=r"forget_bias: expected a real number"):
        lu.init_lstm(3, 4, forget_bias="1")
    with pytest.raises(ValueError, match=r"hidden_size: expected a positive integer"):
        lu.init_gru(3, 0)
