"""Tests for lstm_utils.gates: one function per LSTM equation (chapters 03-06).

Each gate against its equation written out with numpy, the bounds as hypothesis properties, dtypes, and every
mismatched shape -> ValueError naming the argument, the expected shape and the shape given.
"""

import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose

import lstm_utils as lu
from helpers import shape_error

B, D, H = 2, 3, 4
SIGMOID_GATES = [lu.forget_gate, lu.input_gate, lu.output_gate]
W_GATES = [(lu.forget_gate, "W_f", "b_f"), (lu.input_gate, "W_i", "b_i"),
           (lu.candidate, "W_c", "b_c"), (lu.output_gate, "W_o", "b_o")]
GATE_IDS = [g.__name__ for g, _, _ in W_GATES]


def mismatch_error(name, shape, n_args):
    """Elementwise equations list every argument with its shape when the shapes differ."""
    names = "f_t, c_prev, i_t, c_tilde" if n_args > 2 else "o_t, c_t"
    return re.escape(f"{names}: expected one shape (B, H), got") + ".*" + re.escape(f"{name} {shape}")


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return {"h": rng.normal(0, 0.5, (B, H)), "x": rng.normal(size=(B, D)),
            "W": rng.normal(0, 0.5, (H, H + D)), "b": rng.normal(size=H), "c": rng.normal(size=(B, H))}


# ---------------------------------------------------------------------------------------------------------------
# Each gate is its equation


@pytest.mark.parametrize("gate, squash", [(lu.forget_gate, "sigmoid"), (lu.input_gate, "sigmoid"),
                                          (lu.output_gate, "sigmoid"), (lu.candidate, "tanh")],
                         ids=["forget_gate", "input_gate", "output_gate", "candidate"])
def test_gate_is_its_equation(data, gate, squash):
    a = np.concatenate([data["h"], data["x"]], axis=1) @ data["W"].T + data["b"]   # W · [h_{t-1}, x_t] + b
    expected = 1 / (1 + np.exp(-a)) if squash == "sigmoid" else np.tanh(a)
    out = gate(data["h"], data["x"], data["W"], data["b"])
    assert out.shape == (B, H)
    assert_allclose(out, expected, rtol=1e-14, atol=1e-15)


def test_hidden_first_in_the_concatenation(data):
    """W[:, :H] reads h_{t-1} and W[:, H:] reads x_t: zero the x columns and x no longer matters."""
    W = data["W"].copy()
    W[:, H:] = 0.0
    a = lu.forget_gate(data["h"], data["x"], W, data["b"])
    b = lu.forget_gate(data["h"], 5 * data["x"], W, data["b"])
    assert_allclose(a, b, rtol=0, atol=0)
    c = lu.forget_gate(0.5 * data["h"], data["x"], W, data["b"])
    assert not np.allclose(a, c)


def test_cell_state_and_hidden_state_are_their_equations(data):
    rng = np.random.default_rng(1)
    f, i, o = rng.uniform(size=(3, B, H))
    c_tilde = rng.uniform(-1, 1, size=(B, H))
    c_t = lu.cell_state(f, data["c"], i, c_tilde)
    assert_allclose(c_t, f * data["c"] + i * c_tilde, rtol=1e-15)
    assert_allclose(lu.hidden_state(o, c_t), o * np.tanh(c_t), rtol=1e-15)
    # the switch at its limits: f = 1, i = 0 keeps the cell exactly; f = 0, i = 1 replaces it by the candidate
    ones, zeros = np.ones((B, H)), np.zeros((B, H))
    assert_allclose(lu.cell_state(ones, data["c"], zeros, c_tilde), data["c"], rtol=0, atol=0)
    assert_allclose(lu.cell_state(zeros, data["c"], ones, c_tilde), c_tilde, rtol=0, atol=0)


def test_gates_accept_python_lists_and_integers(data):
    out = lu.forget_gate(data["h"].tolist(), [[1, 0, -1]] * B, data["W"].tolist(), data["b"].tolist())
    assert out.dtype == np.float64 and out.shape == (B, H)


# ---------------------------------------------------------------------------------------------------------------
# Bounds (hypothesis)

moderate = st.floats(-3.0, 3.0, allow_nan=False)
huge = st.floats(-1e4, 1e4, allow_nan=False)


@st.composite
def gate_inputs(draw, elements):
    b = draw(st.integers(1, 4))
    h_ = draw(hnp.arrays(np.float64, (b, H), elements=st.floats(-1.0, 1.0)))
    x_ = draw(hnp.arrays(np.float64, (b, D), elements=elements))
    W = draw(hnp.arrays(np.float64, (H, H + D), elements=st.floats(-1.0, 1.0)))
    b_ = draw(hnp.arrays(np.float64, (H,), elements=st.floats(-3.0, 3.0)))
    return h_, x_, W, b_


@settings(max_examples=50, deadline=None)
@given(gate_inputs(moderate))
def test_gates_strictly_between_zero_and_one(args):
    """|pre-activation| <= 4*1 + 3*3 + 3 = 16: below 36.7, where the sigmoid rounds to 1 in float64, and below
    19, where tanh does; so the gates stay strictly inside (0, 1) and the candidate inside (-1, 1)."""
    for gate in SIGMOID_GATES:
        g = gate(*args)
        assert np.all((g > 0) & (g < 1))
    assert np.all(np.abs(lu.candidate(*args)) < 1)


@settings(max_examples=50, deadline=None)
@given(gate_inputs(huge))
def test_gates_in_closed_interval_and_finite_for_huge_inputs(args):
    with np.errstate(over="raise", invalid="raise"):
        for gate in SIGMOID_GATES:
            g = gate(*args)
            assert np.all(np.isfinite(g)) and np.all((g >= 0) & (g <= 1))
        assert np.all(np.abs(lu.candidate(*args)) <= 1)


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(np.float64, (B, H), elements=st.floats(0.0, 1.0)),
       hnp.arrays(np.float64, (B, H), elements=st.floats(-20.0, 20.0)))
def test_hidden_state_below_one(o, c):
    h = lu.hidden_state(o, c)
    assert np.all(np.abs(h) <= 1)
    assert np.all(np.abs(h) <= np.abs(c) + 1e-300)          # tanh shrinks, o <= 1 shrinks further
    moderate_c = np.abs(c) < 15                              # tanh(15) < 1 in float64
    assert np.all(np.abs(h[moderate_c]) < 1)


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(np.float64, (3, B, H), elements=st.floats(0.0, 1.0)),
       hnp.arrays(np.float64, (2, B, H), elements=st.floats(-10.0, 10.0)))
def test_cell_state_moves_by_at_most_one(gates, values):
    """With f, i in [0, 1] and |C̃| <= 1: |C_t| <= |C_{t-1}| + 1; the cell is never squashed, only gated."""
    f, i, _ = gates
    c_prev, raw = values
    c_tilde = np.tanh(raw)
    c_t = lu.cell_state(f, c_prev, i, c_tilde)
    assert np.all(np.abs(c_t) <= np.abs(c_prev) + 1 + 1e-12)


# ---------------------------------------------------------------------------------------------------------------
# dtypes


@pytest.mark.parametrize("gate", [g for g, _, _ in W_GATES], ids=GATE_IDS)
def test_float32_in_float32_out(data, gate):
    out = gate(data["h"].astype(np.float32), data["x"].astype(np.float32), data["W"], data["b"])
    assert out.dtype == np.float32
    assert_allclose(out, gate(data["h"], data["x"], data["W"], data["b"]), rtol=1e-5, atol=1e-6)


def test_float32_cell_and_hidden_state(data):
    f32 = np.full((B, H), 0.5, dtype=np.float32)
    assert lu.cell_state(f32, f32, f32, f32).dtype == np.float32
    assert lu.hidden_state(f32, f32).dtype == np.float32
    assert lu.hidden_state(f32.astype(np.float64), f32.astype(np.float64)).dtype == np.float64


# ---------------------------------------------------------------------------------------------------------------
# Mismatched shapes -> ValueError naming the argument, the expected and the given shape


@pytest.mark.parametrize("gate, W_name, b_name", W_GATES, ids=GATE_IDS)
@pytest.mark.parametrize("shape", [(H, H), (H + D,), (H, H + D, 1)])
def test_gate_rejects_bad_weight(data, gate, W_name, b_name, shape):
    with pytest.raises(ValueError, match=shape_error(W_name, "(H, H + D)", str(shape))):
        gate(data["h"], data["x"], np.zeros(shape), data["b"])


@pytest.mark.parametrize("gate, W_name, b_name", W_GATES, ids=GATE_IDS)
@pytest.mark.parametrize("shape", [(H + 1,), (H, 1), ()])
def test_gate_rejects_bad_bias(data, gate, W_name, b_name, shape):
    with pytest.raises(ValueError, match=shape_error(b_name, f"(H) = ({H},)", str(shape))):
        gate(data["h"], data["x"], data["W"], np.zeros(shape))


@pytest.mark.parametrize("gate", [g for g, _, _ in W_GATES], ids=GATE_IDS)
@pytest.mark.parametrize("shape", [(B, D + 1), (D,), (1, B, D)])
def test_gate_rejects_bad_x(data, gate, shape):
    with pytest.raises(ValueError, match=shape_error("x_t", f"(B, D) = (*, {D})", str(shape))):
        gate(data["h"], np.zeros(shape), data["W"], data["b"])


@pytest.mark.parametrize("gate", [g for g, _, _ in W_GATES], ids=GATE_IDS)
@pytest.mark.parametrize("shape", [(B, H + 1), (B + 1, H), (H,)])
def test_gate_rejects_bad_h_prev(data, gate, shape):
    with pytest.raises(ValueError, match=shape_error("h_prev", f"(B, H) = ({B}, {H})", str(shape))):
        gate(np.zeros(shape), data["x"], data["W"], data["b"])


@pytest.mark.parametrize("name", ["f_t", "c_prev", "i_t", "c_tilde"])
@pytest.mark.parametrize("shape", [(B, H + 1), (B + 1, H), (B, H, 1)])
def test_cell_state_rejects_mismatched_shapes(name, shape):
    args = {k: np.full((B, H), 0.5) for k in ("f_t", "c_prev", "i_t", "c_tilde")}
    args[name] = np.zeros(shape)
    with pytest.raises(ValueError, match=mismatch_error(name, shape, 4)):
        lu.cell_state(**args)


@pytest.mark.parametrize("name", ["o_t", "c_t"])
@pytest.mark.parametrize("shape", [(B, H + 1), (B + 1, H), (H,)])
def test_hidden_state_rejects_mismatched_shapes(name, shape):
    args = {"o_t": np.full((B, H), 0.5), "c_t": np.full((B, H), 0.5), name: np.zeros(shape)}
    with pytest.raises(ValueError, match=mismatch_error(name, shape, 2)):
        lu.hidden_state(**args)


def test_gate_rejects_non_numeric(data):
    with pytest.raises(ValueError, match="x_t"):
        lu.forget_gate(data["h"], np.full((B, D), "a"), data["W"], data["b"])


# ---------------------------------------------------------------------------------------------------------------
# Bad input, table: non-finite values are named with their index; complex weights refused

_rng = np.random.default_rng(5)
_h, _x = _rng.normal(size=(B, H)), _rng.normal(size=(B, D))
_W, _b, _c = _rng.normal(size=(H, H + D)), np.zeros(H), _rng.normal(size=(B, H))


def _with(a, idx, value):
    a = np.array(a, dtype=float)
    a[idx] = value
    return a


BAD_INPUT = [
    pytest.param(lambda: lu.forget_gate(_h, _with(_x, (1, 2), np.nan), _W, _b), ValueError,
                 r"x_t: expected finite values, got nan at index \(1, 2\)", id="nan-x_t"),
    pytest.param(lambda: lu.input_gate(_with(_h, (0, 3), np.inf), _x, _W, _b), ValueError,
                 r"h_prev: .*finite.*inf at index \(0, 3\)", id="inf-h_prev"),
    pytest.param(lambda: lu.candidate(_h, _x, _with(_W, (2, 0), -np.inf), _b), ValueError,
                 r"W_c: .*finite.*-inf at index \(2, 0\)", id="inf-W_c"),
    pytest.param(lambda: lu.output_gate(_h, _x, _W, _with(_b, 1, np.nan)), ValueError,
                 r"b_o: .*finite.*index \(1,\)", id="nan-b_o"),
    pytest.param(lambda: lu.forget_gate(_h, _x, _W + 0j, _b), ValueError, r"W_f: .*complex128", id="complex-W_f"),
    pytest.param(lambda: lu.cell_state(_c, _with(_c, (1, 1), np.nan), _c, _c), ValueError,
                 r"c_prev: .*finite.*\(1, 1\)", id="nan-c_prev"),
    pytest.param(lambda: lu.cell_state(np.ones((B, H + 1)), _c, _c, _c), ValueError,
                 rf"f_t, c_prev, i_t, c_tilde: expected one shape \(B, H\), got f_t \({B}, {H + 1}\), c_prev",
                 id="f_t-named-with-its-shape"),
    pytest.param(lambda: lu.hidden_state(_with(_c, (0, 0), np.inf), _c), ValueError, r"o_t: .*finite",
                 id="inf-o_t"),
    pytest.param(lambda: lu.hidden_state(_c, np.full((B, H), "a")), ValueError, r"c_t: .*dtype <U1",
                 id="string-c_t"),
]


@pytest.mark.parametrize("call, exc, match", BAD_INPUT)
def test_bad_input_is_refused_by_name(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_cell_state_dtype_rule_is_documented():
    # any float32 argument gives float32: float32 data is computed in float32
    out = lu.cell_state(_c.astype(np.float32), _c, _c, _c)
    assert out.dtype == np.float32 and "float32 if any argument is float32" in lu.cell_state.__doc__
