"""Tests for lstm_utils._checks: the validation every cell uses to fail early with a clear ValueError."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from lstm_utils._checks import as_real_array, check_params, check_sequence, check_shape, check_state, compute_dtype

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)


def test_compute_dtype():
    assert compute_dtype(np.zeros(2)) == F64
    assert compute_dtype(np.zeros(2, np.float32)) == F32
    assert compute_dtype(np.zeros(2), np.zeros(2, np.float32)) == F32     # any float32 argument decides
    assert compute_dtype(None, np.zeros(2, np.float32)) == F32
    assert compute_dtype(None) == F64
    assert compute_dtype() == F64
    assert compute_dtype(np.zeros(2, int), [1.0, 2.0], 3) == F64
    assert compute_dtype(np.zeros(2, np.float16)) == F64
    assert compute_dtype(np.float32(1.0)) == F32


def test_compute_dtype_leaves_ragged_input_to_the_named_check():
    ragged = [[0.0, 1.0], [0.0]]
    assert compute_dtype(ragged) == F64
    with pytest.raises(ValueError, match="xs: expected a real numeric array, could not convert"):
        as_real_array("xs", ragged, F64)


@pytest.mark.parametrize("value, dtype", [
    (np.array([1, 2]), F64), (np.array([True]), F64), ([1.5, 2.5], F32), (np.zeros(2, np.float32), F64),
    (np.zeros(2, np.uint8), F32), (3, F64),
])
def test_as_real_array_converts_real_input(value, dtype):
    a = as_real_array("x", value, dtype)
    assert isinstance(a, np.ndarray) and a.dtype == dtype
    assert_array_equal(a, np.asarray(value, dtype=dtype))


def test_as_real_array_does_not_copy_when_it_need_not():
    x = np.zeros(3)
    assert as_real_array("x", x, F64) is x


@pytest.mark.parametrize("value, given", [
    (np.array(["a", "b"]), "<U1"), (np.array([1 + 2j]), "complex128"), (np.array([None]), "object"),
    (np.array(["1.0"]), "<U3"),
])
def test_as_real_array_refuses_non_real(value, given):
    with pytest.raises(ValueError, match=rf"h0: expected a real numeric array \(float32 or float64\), "
                                         rf"got dtype {given}"):
        as_real_array("h0", value, F64)


def test_check_shape_accepts_and_wildcards():
    check_shape("xs", np.zeros((5, 2, 3)), (None, None, 3), "T, B, D")
    check_shape("b", np.zeros(4), (4,), "H")
    check_shape("s", np.zeros(()), (), "")


@pytest.mark.parametrize("shape, expected, labels, message", [
    ((5, 2, 4), (None, None, 3), "T, B, D", "xs: expected shape (T, B, D) = (*, *, 3), got (5, 2, 4)"),
    ((5, 2), (None, None, 3), "T, B, D", "xs: expected shape (T, B, D) = (*, *, 3), got (5, 2)"),
    ((5,), (4,), "H", "xs: expected shape (H) = (4,), got (5,)"),
    ((4, 1), (4,), "H", "xs: expected shape (H) = (4,), got (4, 1)"),
])
def test_check_shape_message(shape, expected, labels, message):
    with pytest.raises(ValueError) as info:
        check_shape("xs", np.zeros(shape), expected, labels)
    assert str(info.value) == message


def _params(H=4, D=3, keys=("W_f", "W_i"), bias=("b_f", "b_i")):
    p = {k: np.ones((H, H + D)) for k in keys}
    p.update({k: np.zeros(H) for k in bias})
    return p


def test_check_params_returns_sizes_and_casts():
    p = _params()
    out, H, D = check_params(p, ["W_f", "W_i"], ["b_f", "b_i"], F32)
    assert (H, D) == (4, 3)
    assert set(out) == {"W_f", "W_i", "b_f", "b_i"}
    assert all(v.dtype == F32 for v in out.values())
    assert p["W_f"].dtype == F64                                          # the caller's dict is untouched


def test_check_params_ignores_extra_keys():
    p = _params()
    p["readout"] = np.zeros(7)
    out, _, _ = check_params(p, ["W_f", "W_i"], ["b_f", "b_i"], F64)
    assert "readout" not in out


@pytest.mark.parametrize("change, match", [
    ({"W_i": np.ones((4, 8))}, r"params\['W_i'\]: expected shape \(H, H \+ D\) = \(4, 7\), got \(4, 8\)"),
    ({"W_i": np.ones((5, 7))}, r"params\['W_i'\]: expected shape \(H, H \+ D\) = \(4, 7\), got \(5, 7\)"),
    ({"b_i": np.zeros(3)}, r"params\['b_i'\]: expected shape \(H\) = \(4,\), got \(3,\)"),
    # a misshaped FIRST weight is the one named: the sizes are those most arrays agree on
    ({"W_f": np.ones((4, 4))}, r"params\['W_f'\]: expected shape \(H, H \+ D\) = \(4, 7\), got \(4, 4\)"),
    ({"W_f": np.ones(28)}, r"params\['W_f'\]: expected shape \(H, H \+ D\) = \(4, 7\), got \(28,\)"),
    ({"W_f": np.ones((5, 7))}, r"params\['W_f'\]: expected shape \(H, H \+ D\) = \(4, 7\), got \(5, 7\)"),
    ({"W_f": np.ones((4, 7)) * 1j}, r"params\['W_f'\]: expected a real numeric array.*complex128"),
])
def test_check_params_messages(change, match):
    p = {**_params(), **change}
    with pytest.raises(ValueError, match=match):
        check_params(p, ["W_f", "W_i"], ["b_f", "b_i"], F64)


def test_check_params_input_size_breaks_a_tie():
    """Two weights disagreeing on D: the data's D (the forward functions pass it) decides which one is named."""
    p = {**_params(), "W_f": np.ones((4, 8))}
    with pytest.raises(ValueError, match=r"params\['W_f'\]: expected shape \(H, H \+ D\) = \(4, 7\), got \(4, 8\)"):
        check_params(p, ["W_f", "W_i"], ["b_f", "b_i"], F64, D=3)


def test_check_params_refuses_another_cells_keys():
    p = {**_params(keys=("W_h",), bias=("b_h",)), "W_z": np.ones((4, 7))}
    with pytest.raises(ValueError, match=r"params: key\(s\) 'W_z' belong to another cell"):
        check_params(p, ["W_h"], ["b_h"], F64, foreign=["W_z", "W_r"])


def test_check_params_missing_keys_and_wrong_type():
    p = _params()
    del p["b_i"], p["W_i"]
    with pytest.raises(ValueError, match=r"params: missing key\(s\) 'W_i', 'b_i'; expected keys W_f, W_i, b_f, b_i, "
                                         r"got W_f, b_f"):
        check_params(p, ["W_f", "W_i"], ["b_f", "b_i"], F64)
    with pytest.raises(ValueError, match="got none"):
        check_params({}, ["W_f"], ["b_f"], F64)
    with pytest.raises(ValueError, match="params: expected a dict with keys W_f, b_f, got list"):
        check_params([np.ones((4, 7)), np.zeros(4)], ["W_f"], ["b_f"], F64)


def test_check_sequence():
    xs = check_sequence(np.zeros((5, 2, 3), np.float32), 3, F64)
    assert xs.shape == (5, 2, 3) and xs.dtype == F64
    with pytest.raises(ValueError, match=r"xs: expected shape \(T, B, D\) = \(\*, \*, 3\), got \(5, 2\)"):
        check_sequence(np.zeros((5, 2)), 3, F64)
    with pytest.raises(ValueError, match=r"xs: expected at least one step and one sequence, got shape \(5, 0, 3\)"):
        check_sequence(np.zeros((5, 0, 3)), 3, F64)
    with pytest.raises(ValueError, match=r"xs: expected at least one step.*\(0, 2, 3\)"):
        check_sequence(np.zeros((0, 2, 3)), 3, F64)


def test_check_state():
    s = check_state("c0", None, 2, 4, F32)
    assert s.shape == (2, 4) and s.dtype == F32 and not s.any()
    s = check_state("c0", np.ones((2, 4), int), 2, 4, F64)
    assert s.dtype == F64
    with pytest.raises(ValueError, match=r"c0: expected shape \(B, H\) = \(2, 4\), got \(4, 2\)"):
        check_state("c0", np.ones((4, 2)), 2, 4, F64)
    with pytest.raises(ValueError, match=r"c0: expected shape \(B, H\) = \(2, 4\), got \(4,\)"):
        check_state("c0", np.ones(4), 2, 4, F64)
