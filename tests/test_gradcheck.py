"""Tests for lstm_utils.gradcheck: central differences and the normwise relative error."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import lstm_utils as lu


def test_numerical_gradient_of_a_known_function():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 5))
    g = lu.numerical_gradient(lambda: np.sum(np.sin(x)), x)
    assert g.shape == x.shape and g.dtype == x.dtype
    assert lu.relative_error(g, np.cos(x)) < 1e-9


def test_numerical_gradient_of_a_quadratic_form():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(3, 3))
    x = rng.normal(size=3)
    g = lu.numerical_gradient(lambda: x @ A @ x, x)
    assert lu.relative_error(g, (A + A.T) @ x) < 1e-9


def test_numerical_gradient_restores_x_exactly():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4)) * 10.0 ** rng.integers(-8, 8, size=(3, 4))  # values of many magnitudes
    before = x.copy()
    seen = []

    def f():
        seen.append(x.copy())
        return np.sum(np.exp(np.tanh(x)))

    lu.numerical_gradient(f, x)
    assert_array_equal(x, before)
    assert x.tobytes() == before.tobytes()  # bit for bit
    # each call sees exactly one entry nudged, all the others at their original values
    assert len(seen) == 2 * x.size
    for s in seen:
        assert np.count_nonzero(s != before) == 1


def test_numerical_gradient_on_a_view_and_a_scalar():
    base = np.arange(12, dtype=np.float64).reshape(3, 4) / 7.0
    view = base[:, ::2]                                   # not contiguous: nudged through the view
    g = lu.numerical_gradient(lambda: np.sum(base**2), view)
    assert_allclose(g, 2 * view, rtol=1e-8)
    scalar = np.array(0.3)
    assert_allclose(lu.numerical_gradient(lambda: np.sin(scalar), scalar), np.cos(0.3), rtol=1e-9)


def test_numerical_gradient_error_shrinks_like_eps_squared():
    x = np.array([0.7])
    exact = np.exp(0.7)
    e1 = abs(lu.numerical_gradient(lambda: np.exp(x[0]), x, eps=1e-2)[0] - exact)
    e2 = abs(lu.numerical_gradient(lambda: np.exp(x[0]), x, eps=1e-3)[0] - exact)
    assert 50 < e1 / e2 < 200  # ratio (1e-2 / 1e-3)^2 = 100


@pytest.mark.parametrize("bad", [[1.0, 2.0], np.arange(3), (1.0,), np.array([True, False])])
def test_numerical_gradient_needs_a_float_array(bad):
    with pytest.raises(ValueError, match="x: expected a floating-point numpy array"):
        lu.numerical_gradient(lambda: 0.0, bad)


def test_relative_error_values():
    a = np.array([3.0, 4.0])
    assert lu.relative_error(a, a) == 0.0
    assert lu.relative_error(a, np.zeros(2)) == 1.0                                     # 5 / (5 + 0)
    assert_allclose(lu.relative_error(np.array([1.0, 0.0]), np.array([0.0, 1.0])), np.sqrt(2) / 2, rtol=1e-15)
    assert_allclose(lu.relative_error(a, 1.001 * a), 0.001 / 2.001, rtol=1e-12)
    assert lu.relative_error(a, -a) == 1.0


def test_relative_error_is_symmetric_and_scale_free():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=10), rng.normal(size=10)
    assert lu.relative_error(a, b) == lu.relative_error(b, a)
    assert_allclose(lu.relative_error(1e-3 * a, 1e-3 * b), lu.relative_error(a, b), rtol=1e-12)


def test_relative_error_is_normwise_not_elementwise():
    """A tiny absolute error on an entry that is nearly zero does not dominate."""
    a = np.array([1.0, 1e-12])
    b = np.array([1.0, 2e-12])
    assert lu.relative_error(a, b) < 1e-12


def test_relative_error_floor():
    assert lu.relative_error(np.zeros(3), np.zeros(3)) == 0.0                           # 0 / 1e-12, no nan
    # below the 1e-12 floor the denominator is 1e-12, not ||a|| + ||b||
    assert_allclose(lu.relative_error(np.array([1e-13]), np.array([0.0])), 0.1, rtol=1e-12)
    assert_allclose(lu.relative_error(np.array([1e-11]), np.array([0.0])), 1.0, rtol=1e-12)


def test_relative_error_on_dicts():
    rng = np.random.default_rng(4)
    a = {"W": rng.normal(size=(2, 3)), "b": rng.normal(size=2)}
    b = {"b": a["b"] + 0.01, "W": a["W"].copy()}                                          # key order is irrelevant
    assert lu.relative_error(a, {k: v.copy() for k, v in a.items()}) == 0.0
    flat_a = np.concatenate([a["W"].ravel(), a["b"]])
    flat_b = np.concatenate([b["W"].ravel(), b["b"]])
    assert_allclose(lu.relative_error(a, b), lu.relative_error(flat_a, flat_b), rtol=1e-14)
    assert lu.relative_error(a, b) == lu.relative_error(b, a)


def test_relative_error_accepts_scalars_and_lists():
    assert lu.relative_error(2.0, 2.0) == 0.0
    assert_allclose(lu.relative_error([1.0, 2.0], [1.0, 2.0 + 3e-3]), 3e-3 / (np.sqrt(5) + np.hypot(1.0, 2.003)), rtol=1e-9)


@pytest.mark.parametrize("a, b, match", [
    (np.zeros(3), np.zeros(4), r"same shape.*\(3,\).*\(4,\)"),
    (np.zeros((2, 3)), np.zeros((3, 2)), r"\(2, 3\).*\(3, 2\)"),
    ({"W": np.zeros(2)}, {"b": np.zeros(2)}, r"same keys.*\['W'\].*\['b'\]"),
    ({"W": np.zeros(2)}, {"W": np.zeros(2), "b": np.zeros(1)}, "same keys"),
    ({"W": np.zeros(2)}, np.zeros(2), r"same keys.*ndarray"),
    ({"W": np.zeros((2, 2))}, {"W": np.zeros(4)}, r"'W'.*\(2, 2\).*\(4,\)"),
])
def test_relative_error_rejects_mismatches(a, b, match):
    with pytest.raises(ValueError, match=match):
        lu.relative_error(a, b)
