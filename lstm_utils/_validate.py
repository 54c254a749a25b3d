"""Argument checks for the modules around the cells: numbers, integers, arrays, seeds, dtypes, finiteness.

Every check raises before any arithmetic, naming the argument, what was expected and what was given:
``ValueError`` for a value out of range or of the wrong shape, :class:`ArgumentTypeError` for a value of the wrong
type. ``ArgumentTypeError`` is a ``TypeError`` that is also a ``ValueError`` (as numpy's ``AxisError`` is both a
``ValueError`` and an ``IndexError``), so code written when every bad input raised ``ValueError`` still catches it.
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (a string where a number is due, ``None`` where an array is, ...)."""


def _given(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype} and shape {tuple(value.shape)}"
    text = repr(value)
    return f"{text[:60]}..." if len(text) > 60 else text


def integer(name: str, value, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as an ``int``; booleans and non-integral numbers are refused."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ArgumentTypeError(f"{name}: expected an integer, got {type(value).__name__} {_given(value)}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        rng = (f">= {minimum}" if maximum is None else f"<= {maximum}" if minimum is None
               else f"in {minimum}..{maximum}")
        raise ValueError(f"{name}: expected an integer {rng}, got {value!r}")
    return int(value)


def number(name: str, value, *, low: float | None = None, high: float | None = None, low_open: bool = False,
           high_open: bool = False) -> float:
    """``value`` as a finite ``float`` in the interval given by ``low``/``high`` (closed unless ``*_open``)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ArgumentTypeError(f"{name}: expected a real number, got {type(value).__name__} {_given(value)}")
    v = float(value)
    too_low = low is not None and (v <= low if low_open else v < low)
    too_high = high is not None and (v >= high if high_open else v > high)
    if not np.isfinite(v) or too_low or too_high:
        lo = "" if low is None else ("(" if low_open else "[") + f"{low:g}"
        hi = "" if high is None else f"{high:g}" + (")" if high_open else "]")
        where = (f" in {lo}, {hi}" if low is not None and high is not None
                 else f" {'>' if low_open else '>='} {low:g}" if low is not None
                 else f" {'<' if high_open else '<='} {high:g}" if high is not None else "")
        raise ValueError(f"{name}: expected a finite number{where}, got {value!r}")
    return v


def real_array(name: str, value, dtype=None) -> np.ndarray:
    """``value`` as a real array (booleans and integers converted to ``dtype``, default float64).

    Complex, string, object arrays and things that are not arrays (``None``, a string, a dict) are refused.
    """
    if value is None or isinstance(value, (str, bytes, Mapping)):
        raise ArgumentTypeError(f"{name}: expected a real numeric array, got {type(value).__name__}")
    try:
        a = np.asarray(value)
    except Exception as exc:  # ragged lists
        raise ValueError(f"{name}: expected a real numeric array, could not convert it ({exc})") from None
    if a.dtype.kind not in "biuf":
        raise ArgumentTypeError(f"{name}: expected a real numeric array (float32 or float64), got dtype {a.dtype}")
    if dtype is None:
        dtype = a.dtype if a.dtype.kind == "f" else np.float64
    return a.astype(dtype, copy=False)


def finite(name: str, a: np.ndarray) -> np.ndarray:
    """Raise unless every entry of ``a`` is finite, naming the first NaN or infinity and its index."""
    # min and max propagate NaN and expose +-inf: two reductions and no temporary array in the common (finite)
    # case, which the cells pay on every input of every call
    if a.dtype.kind in "fc" and a.size and not (np.isfinite(a.min()) and np.isfinite(a.max())):
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        where = f"at index {idx}" if idx else "(a scalar)"
        raise ValueError(f"{name}: expected finite values, got {a[idx]} {where}")
    return a


def float_dtype(name: str, value) -> np.dtype:
    """A floating-point dtype (float32 or float64); integer, complex and string dtypes are refused."""
    try:
        dt = np.dtype(value)
    except TypeError:
        raise ArgumentTypeError(f"{name}: expected a floating-point dtype (np.float32 or np.float64), "
                                f"got {_given(value)}") from None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"{name}: expected a floating-point dtype (np.float32 or np.float64), got {dt}")
    return dt


def seed(name: str, value):
    """``None``, a non-negative integer or a numpy ``Generator``, as :func:`numpy.random.default_rng` takes them."""
    if value is None or isinstance(value, np.random.Generator):
        return value
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ArgumentTypeError(f"{name}: expected None, a non-negative integer seed or a numpy Generator, "
                                f"got {type(value).__name__} {_given(value)}")
    if value < 0:
        raise ValueError(f"{name}: expected a non-negative integer seed, got {value!r}")
    return value


def rng(name: str, value) -> np.random.Generator:
    """A ``Generator`` from ``None``, a non-negative integer seed or a ``Generator`` (checked by :func:`seed`)."""
    value = seed(name, value)
    return value if isinstance(value, np.random.Generator) else np.random.default_rng(value)


def mapping(name: str, value, what: str = "a dict of arrays") -> Mapping:
    if not isinstance(value, Mapping):
        raise ArgumentTypeError(f"{name}: expected {what}, got {type(value).__name__}")
    return value
