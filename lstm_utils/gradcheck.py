r"""Checking a backward pass against finite differences.

A hand-written backward pass is trusted only after it agrees with central differences,

.. math:: \frac{\partial f}{\partial x_j} \approx \frac{f(x + \varepsilon e_j) - f(x - \varepsilon e_j)}{2\varepsilon},

whose error is :math:`O(\varepsilon^2)`. Agreement is measured normwise (:func:`relative_error`); in float64 a
correct backward pass gives errors around 1e-9 or below, and the course's tests require less than 1e-7.
"""

from __future__ import annotations

import numpy as np

from ._checks import ArgumentTypeError, finite, number, real_array


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of the scalar ``f()`` with respect to the array ``x``.

    ``f`` takes no arguments and reads ``x`` itself: each entry of ``x`` is nudged *in place* by ±eps, ``f`` is
    evaluated, and the entry is restored exactly before moving on. Returns an array shaped like ``x``.

    Parameters
    ----------
    f : callable
        ``f() -> float``, a scalar (a Python number or an array of size 1).
    x : ndarray of float32 or float64
        Writable (it is perturbed in place). float16 is refused: its 3 significant digits leave the central
        difference no correct digit.
    eps : float
        The step, positive and finite, and large enough to change every entry of ``x`` in its dtype (``x + eps !=
        x``); a step lost in rounding would give a zero gradient.
    """
    if not callable(f):
        raise ArgumentTypeError(f"f: expected a callable f() -> float that reads x, got {type(f).__name__}")
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise ValueError(f"x: expected a floating-point numpy array (it is perturbed in place), got "
                         f"{type(x).__name__}" + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else ""))
    if x.dtype not in (np.float32, np.float64):
        raise ValueError(f"x: expected dtype float32 or float64, got {x.dtype} (too few digits for a central "
                         f"difference)")
    if not x.flags.writeable:
        raise ValueError("x: expected a writable array (each entry is nudged in place), got a read-only one; "
                         "pass a copy and make f read the copy")
    eps = number("eps", eps, low=0.0, low_open=True)
    finite("x", x)
    lost = (x + x.dtype.type(eps)) == x
    if lost.any():
        idx = tuple(int(i) for i in np.argwhere(lost)[0])
        raise ValueError(f"eps: expected a step that changes every entry of x in {x.dtype}, got {eps!r}, "
                         f"which is lost in rounding at index {idx} (x = {float(x[idx])!r})")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    for _ in it:
        idx = it.multi_index
        old = x[idx]
        x[idx] = old + eps
        f_plus = _scalar(_call_f(f))
        x[idx] = old - eps
        f_minus = _scalar(_call_f(f))
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad


def _call_f(f):
    try:
        return f()
    except TypeError as exc:
        if "argument" not in str(exc):
            raise
        raise ArgumentTypeError(f"f: expected a callable of no arguments, f() -> float, that reads x itself; "
                                f"calling f() raised: {exc}") from None


def _scalar(value) -> float:
    a = np.asarray(value)
    if a.size != 1 or a.dtype.kind not in "biuf":
        raise ValueError(f"f: expected f() to return a real scalar, got "
                         f"{'an array of shape ' + str(a.shape) if a.size != 1 else 'dtype ' + str(a.dtype)}")
    v = float(a.reshape(()))
    if not np.isfinite(v):          # a gradient check of a NaN or infinite loss cannot pass: say so here
        raise ValueError(f"f: expected f() to return a finite number, got {v}")
    return v


def _flatten(name, a):
    if isinstance(a, dict):
        return np.concatenate([np.ravel(real_array(f"{name}[{k!r}]", a[k], np.float64)) for k in _keys(a)])
    return np.ravel(real_array(name, a, np.float64))


def _norm(v):
    """The 2-norm without overflow or underflow: scaled by the largest entry before squaring."""
    s = np.max(np.abs(v)) if v.size else 0.0
    if s == 0 or not np.isfinite(s):
        return float(s)
    return float(s * np.sqrt(np.sum((v / s) ** 2)))


def _keys(d):
    """The keys of ``d`` in one order that does not depend on insertion (sorted by their text, so that keys of
    mixed types can be compared)."""
    return sorted(d, key=repr)


def relative_error(a, b, *, floor=1e-12):
    r"""Normwise relative error :math:`\|a-b\| / \max(\text{floor}, \|a\| + \|b\|)`, floor :math:`10^{-12}`.

    ``a`` and ``b`` are real arrays of the same shape, or dicts of arrays with the same keys (compared as one
    vector). Normwise on purpose: the elementwise maximum is dominated by entries whose gradient is near zero, where
    finite differences have no correct digits, and would fail a correct backward pass at random.

    The ``floor`` makes the error absolute for tiny gradients: when :math:`\|a\| + \|b\|` is below it, the
    difference is divided by the floor, so two gradients that are both zero up to finite-difference noise (about
    1e-10 and below) count as agreeing. That is intended for gradient checks of functions of order one; for
    values far below 1e-12 (a quantity near 1e-200, say) pass ``floor=0`` for the purely relative error (two zero
    arrays then give 0). The norms are computed without overflow (scaled by the largest entry before squaring), so
    values near 1e200 are compared correctly. Complex, string and object arrays are refused.
    """
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)) or set(a) != set(b):
            raise ValueError(f"relative_error: expected two dicts with the same keys, got "
                             f"{_keys(a) if isinstance(a, dict) else type(a).__name__} and "
                             f"{_keys(b) if isinstance(b, dict) else type(b).__name__}")
        for k in a:
            if np.shape(a[k]) != np.shape(b[k]):
                raise ValueError(f"b[{k!r}]: expected the shape of a[{k!r}], {np.shape(a[k])}, got {np.shape(b[k])}")
    elif np.shape(a) != np.shape(b):
        raise ValueError(f"relative_error: expected arrays of the same shape, got {np.shape(a)} and {np.shape(b)}")
    floor = number("floor", floor, low=0.0)
    fa, fb = _flatten("a", a), _flatten("b", b)
    finite("a", fa)
    finite("b", fb)
    s = max(np.max(np.abs(fa), initial=0.0), np.max(np.abs(fb), initial=0.0))
    if s == 0:
        return 0.0
    # all three norms in units of s, the largest entry: no overflow near 1e300, no underflow near 1e-300
    diff, na, nb = _norm(fa / s - fb / s), _norm(fa / s), _norm(fb / s)
    # na + nb >= 1 (the largest entry is s), so s >= floor settles it without forming (na + nb) * s
    if s >= floor or (na + nb) * s >= floor:
        return float(diff / (na + nb))
    return float(diff * s / floor)
