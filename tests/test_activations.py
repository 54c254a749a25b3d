"""Tests for lstm_utils.activations: sigmoid in (0, 1), tanh in (-1, 1), no overflow, dtype kept."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import lstm_utils as lu
from helpers import naive_sigmoid

FUNCS = {"sigmoid": lu.sigmoid, "tanh": lu.tanh}


def naive_tanh(x):
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))


def test_values_at_zero():
    assert lu.sigmoid(0.0) == 0.5
    assert lu.tanh(0.0) == 0.0


def test_symmetries():
    x = np.linspace(-40, 40, 2001)
    assert_allclose(lu.sigmoid(-x), 1.0 - lu.sigmoid(x), rtol=0, atol=1e-15)
    assert_array_equal(lu.tanh(-x), -lu.tanh(x))  # odd, exactly
    # tanh is a rescaled sigmoid: tanh(x) = 2 sigma(2x) - 1
    assert_allclose(lu.tanh(x), 2.0 * lu.sigmoid(2.0 * x) - 1.0, rtol=0, atol=1e-15)


def test_limits():
    big = np.array([-1e4, -800.0, 800.0, 1e4, -np.inf, np.inf])
    assert_array_equal(lu.sigmoid(big), [0.0, 0.0, 1.0, 1.0, 0.0, 1.0])
    assert_array_equal(lu.tanh(big), [-1.0, -1.0, 1.0, 1.0, -1.0, 1.0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_no_overflow_warning_at_large_inputs(name, dtype):
    x = np.array([-1e4, -1e3, -100.0, 0.0, 100.0, 1e3, 1e4], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = FUNCS[name](x)
    assert np.all(np.isfinite(y))
    assert y.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_warning_test_has_teeth(dtype):
    """The textbook sigmoid does overflow at -1e4: the test above would catch a naive implementation."""
    x = np.array([-1e4], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning, match="overflow"):
            naive_sigmoid(x)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
@pytest.mark.parametrize("dtype, expected", [
    (np.float64, np.float64), (np.float32, np.float32), (np.int64, np.float64), (np.int32, np.float64),
    (np.bool_, np.float64),
])
def test_dtype(name, dtype, expected):
    x = np.array([[-2, 0, 3]], dtype=dtype)
    y = FUNCS[name](x)
    assert y.dtype == expected
    assert y.shape == x.shape
    assert_allclose(y, FUNCS[name](x.astype(np.float64)), rtol=1e-6)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_python_scalars_and_lists(name):
    f = FUNCS[name]
    assert np.asarray(f(1.5)).dtype == np.float64
    assert np.shape(f(1.5)) == ()
    assert_allclose(f([1.5, -0.5]), [f(1.5), f(-0.5)], rtol=0, atol=0)


def test_agreement_with_the_naive_formula():
    x = np.linspace(-20, 20, 4001)
    assert_allclose(lu.sigmoid(x), naive_sigmoid(x), rtol=1e-14, atol=0)
    assert_allclose(lu.tanh(x), naive_tanh(x), rtol=1e-13, atol=1e-15)
    x32 = x.astype(np.float32)
    assert_allclose(lu.sigmoid(x32), naive_sigmoid(x32.astype(np.float64)), rtol=1e-6, atol=0)


def test_nan_propagates():
    assert np.isnan(lu.sigmoid(np.nan))
    assert np.isnan(lu.tanh(np.nan))


def test_derivatives_by_finite_differences():
    """sigma' = sigma (1 - sigma) and tanh' = 1 - tanh^2, the identities every backward pass in the course uses."""
    x = np.linspace(-6, 6, 121)
    eps = 1e-6
    s, t = lu.sigmoid(x), lu.tanh(x)
    assert_allclose((lu.sigmoid(x + eps) - lu.sigmoid(x - eps)) / (2 * eps), s * (1 - s), rtol=1e-7, atol=1e-10)
    assert_allclose((lu.tanh(x + eps) - lu.tanh(x - eps)) / (2 * eps), 1 - t**2, rtol=1e-7, atol=1e-10)


# ---------------------------------------------------------------------------------------------------------------
# Properties

finite64 = st.floats(allow_nan=False, allow_infinity=False)
finite32 = st.floats(allow_nan=False, allow_infinity=False, width=32)


@settings(max_examples=50, deadline=None)
@given(st.floats(-30, 30))
def test_sigmoid_strictly_between_zero_and_one(x):
    """Mathematically 0 < sigma(x) < 1; in float64 that survives rounding for |x| < 30 (it rounds to 1 past ~37)."""
    y = lu.sigmoid(np.float64(x))
    assert 0.0 < y < 1.0


@settings(max_examples=50, deadline=None)
@given(finite64)
def test_sigmoid_within_closed_unit_interval_float64(x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = lu.sigmoid(np.float64(x))
    assert 0.0 <= y <= 1.0


@settings(max_examples=50, deadline=None)
@given(finite32)
def test_sigmoid_within_closed_unit_interval_float32(x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = lu.sigmoid(np.float32(x))
    assert y.dtype == np.float32
    assert 0.0 <= y <= 1.0


@settings(max_examples=50, deadline=None)
@given(st.floats(-15, 15))
def test_tanh_strictly_inside_minus_one_one(x):
    assert abs(lu.tanh(np.float64(x))) < 1.0


@settings(max_examples=50, deadline=None)
@given(finite64)
def test_tanh_within_closed_interval(x):
    assert abs(lu.tanh(np.float64(x))) <= 1.0


@settings(max_examples=50, deadline=None)
@given(finite64, finite64)
@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_monotonic(name, a, b):
    lo, hi = min(a, b), max(a, b)
    f = FUNCS[name]
    assert f(np.float64(lo)) <= f(np.float64(hi))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=2, max_size=30))
def test_monotonic_on_sorted_arrays(values):
    x = np.sort(np.array(values))
    for f in FUNCS.values():
        assert np.all(np.diff(f(x)) >= 0)


# ---------------------------------------------------------------------------------------------------------------
# Bad input: one table, messages matched on the argument's name and the dtype or type given

BAD_INPUT = [
    pytest.param(lambda f: f(np.array([1 + 1j])), TypeError, r"x: .*real.*complex128", id="complex"),
    pytest.param(lambda f: f("1.5"), TypeError, r"x: .*real numeric array, got str", id="str"),
    pytest.param(lambda f: f(None), TypeError, r"x: .*got NoneType", id="None"),
    pytest.param(lambda f: f(np.array(["a", "b"])), TypeError, r"x: .*dtype <U1", id="string-array"),
    pytest.param(lambda f: f(np.array([object()])), TypeError, r"x: .*dtype object", id="object-array"),
    pytest.param(lambda f: f({"x": 1.0}), TypeError, r"x: .*got dict", id="dict"),
    pytest.param(lambda f: f([[1.0], [1.0, 2.0]]), ValueError, r"x: .*could not convert", id="ragged"),
]


@pytest.mark.parametrize("name", sorted(FUNCS))
@pytest.mark.parametrize("call, exc, match", BAD_INPUT)
def test_bad_input_is_refused_by_name(name, call, exc, match):
    with pytest.raises(exc, match=match):
        call(FUNCS[name])


def test_type_errors_are_value_errors_too():
    # code written when every bad input raised ValueError still catches the TypeError
    with pytest.raises(ValueError):
        lu.sigmoid("1.5")
