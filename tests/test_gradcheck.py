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
    assert_allclose(lu.relative_error([1.0, 2.0], [1.0, 2.0 + 3e-3]), 3e-3 / (np.sqrt(5) + np.hypot(1.0, 2.003)),
                    rtol=1e-9)


def test_relative_error_does_not_overflow_or_underflow():
    a, b = np.array([1e200, 2e200]), np.array([1.1e200, 2e200])
    expected = 0.1 / (np.hypot(1, 2) + np.hypot(1.1, 2))
    assert lu.relative_error(a, b) == pytest.approx(expected, rel=1e-12)
    assert lu.relative_error(a * 1e-200 * 1e-200, b * 1e-200 * 1e-200, floor=0) == pytest.approx(expected, rel=1e-12)
    assert lu.relative_error(np.array([1e308, -1e308]), np.array([-1e308, 1e308])) == pytest.approx(1.0)


def test_relative_error_floor_is_absolute_below_it_and_can_be_removed():
    a, b = np.array([1e-200]), np.array([7.7e-200])
    assert lu.relative_error(a, b) < 1e-180                      # below the floor: an absolute difference
    assert lu.relative_error(a, b, floor=0) == pytest.approx(6.7 / 8.7)
    assert lu.relative_error(np.zeros(2), np.zeros(2), floor=0) == 0.0


def test_numerical_gradient_in_float32_with_a_step_it_can_hold():
    x = np.array([1.0, 2.0], dtype=np.float32)
    g = lu.numerical_gradient(lambda: float(np.sum(x.astype(np.float64) ** 2)), x, eps=1e-2)
    assert g.dtype == np.float32 and np.allclose(g, [2.0, 4.0], rtol=1e-3)


# ---------------------------------------------------------------------------------------------------------------
# Bad input, table: messages matched on the argument's name, the shapes, dtypes or values given

_x = np.ones(3)
_x16 = np.ones(3, dtype=np.float16)
_ro = np.ones(3)
_ro.flags.writeable = False
_sq = lambda: float(np.sum(_x ** 2))      # noqa: E731

BAD_INPUT = [
    # numerical_gradient
    *[pytest.param(lambda bad=bad: lu.numerical_gradient(lambda: 0.0, bad), ValueError,
                   r"x: expected a floating-point numpy array", id=f"x-{type(bad).__name__}-{i}")
      for i, bad in enumerate([[1.0, 2.0], np.arange(3), (1.0,), np.array([True, False])])],
    pytest.param(lambda: lu.numerical_gradient(lambda: 0.0, _x16), ValueError, r"x: .*float32 or float64, got float16",
                 id="x-float16"),
    pytest.param(lambda: lu.numerical_gradient(_sq, _ro), ValueError, r"x: expected a writable array",
                 id="x-read-only"),
    pytest.param(lambda: lu.numerical_gradient(lambda: 0.0, np.array([1.0, np.nan])), ValueError,
                 r"x: expected finite values, got nan at index \(1,\)", id="x-nan"),
    pytest.param(lambda: lu.numerical_gradient(_sq, _x, eps=1e-20), ValueError,
                 r"eps: .*changes every entry of x in float64, got 1e-20.*index \(0,\)", id="eps-lost-in-rounding"),
    pytest.param(lambda: lu.numerical_gradient(_sq, np.ones(2, dtype=np.float32), eps=1e-8), ValueError,
                 r"eps: .*float32", id="eps-too-small-for-float32"),
    *[pytest.param(lambda e=e: lu.numerical_gradient(_sq, _x, eps=e), ValueError, r"eps: expected a finite number > 0",
                   id=f"eps-{e}") for e in (0, -1e-6, np.nan, np.inf)],
    *[pytest.param(lambda e=e: lu.numerical_gradient(_sq, _x, eps=e), TypeError, r"eps: expected a real number",
                   id=f"eps-{type(e).__name__}") for e in ("1e-6", None)],
    pytest.param(lambda: lu.numerical_gradient(3.0, _x), TypeError, r"f: expected a callable", id="f-not-callable"),
    pytest.param(lambda: lu.numerical_gradient(lambda: _x * 2, _x), ValueError,
                 r"f: expected f\(\) to return a real scalar, got an array of shape \(3,\)", id="f-returns-array"),
    pytest.param(lambda: lu.numerical_gradient(lambda: "a", _x), ValueError, r"f: .*real scalar.*dtype <U1",
                 id="f-returns-str"),
    # relative_error
    pytest.param(lambda: lu.relative_error(np.zeros(3), np.zeros(4)), ValueError, r"same shape.*\(3,\).*\(4,\)",
                 id="shapes"),
    pytest.param(lambda: lu.relative_error(np.zeros((2, 3)), np.zeros((3, 2))), ValueError, r"\(2, 3\).*\(3, 2\)",
                 id="shapes-2d"),
    pytest.param(lambda: lu.relative_error({"W": np.zeros(2)}, {"b": np.zeros(2)}), ValueError,
                 r"same keys.*\['W'\].*\['b'\]", id="keys"),
    pytest.param(lambda: lu.relative_error({"W": np.zeros(2)}, {"W": np.zeros(2), "b": np.zeros(1)}), ValueError,
                 "same keys", id="extra-key"),
    pytest.param(lambda: lu.relative_error({"W": np.zeros(2)}, np.zeros(2)), ValueError, r"same keys.*ndarray",
                 id="dict-and-array"),
    pytest.param(lambda: lu.relative_error({"W": np.zeros((2, 2))}, {"W": np.zeros(4)}), ValueError,
                 r"'W'.*\(2, 2\).*\(4,\)", id="key-shapes"),
    pytest.param(lambda: lu.relative_error(np.array([1 + 1j]), np.array([1.0])), TypeError, r"a: .*complex128",
                 id="complex"),
    pytest.param(lambda: lu.relative_error({"W": np.array(["a"])}, {"W": np.array(["b"])}), TypeError,
                 r"a\['W'\]: .*<U1", id="string-in-dict"),
    pytest.param(lambda: lu.relative_error(np.array([1.0]), np.array([np.nan])), ValueError,
                 r"b: expected finite values, got nan at index \(0,\)", id="nan"),
    pytest.param(lambda: lu.relative_error(_x, _x, floor=-1), ValueError, r"floor: .*>= 0", id="floor"),
]


@pytest.mark.parametrize("call, exc, match", BAD_INPUT)
def test_bad_input_is_refused_by_name(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
