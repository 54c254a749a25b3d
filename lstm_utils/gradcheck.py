r"""Checking a backward pass against finite differences.

A hand-written backward pass is trusted only after it agrees with central differences,

.. math:: \frac{\partial f}{\partial x_j} \approx \frac{f(x + \varepsilon e_j) - f(x - \varepsilon e_j)}{2\varepsilon},

whose error is :math:`O(\varepsilon^2)`. Agreement is measured normwise (:func:`relative_error`); in float64 a
correct backward pass gives errors around 1e-9 or below, and the course's tests require less than 1e-7.
"""

from __future__ import annotations

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of the scalar ``f()`` with respect to the array ``x``.

    ``f`` takes no arguments and reads ``x`` itself: each entry of ``x`` is nudged *in place* by ±eps, ``f`` is
    evaluated, and the entry is restored exactly before moving on. Returns an array shaped like ``x``.
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise ValueError(f"x: expected a floating-point numpy array (it is perturbed in place), got "
                         f"{type(x).__name__}" + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else ""))
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    for _ in it:
        idx = it.multi_index
        old = x[idx]
        x[idx] = old + eps
        f_plus = float(f())
        x[idx] = old - eps
        f_minus = float(f())
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad


def _flatten(a):
    if isinstance(a, dict):
        return np.concatenate([np.ravel(np.asarray(a[k], dtype=np.float64)) for k in sorted(a)])
    return np.ravel(np.asarray(a, dtype=np.float64))


def relative_error(a, b):
    r"""Normwise relative error :math:`\|a-b\| / \max(10^{-12}, \|a\| + \|b\|)`.

    ``a`` and ``b`` are arrays of the same shape, or dicts of arrays with the same keys (compared as one vector).
    Normwise on purpose: the elementwise maximum is dominated by entries whose gradient is near zero, where
    finite differences have no correct digits, and would fail a correct backward pass at random.
    """
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)) or set(a) != set(b):
            raise ValueError(f"relative_error: expected two dicts with the same keys, got "
                             f"{sorted(a) if isinstance(a, dict) else type(a).__name__} and "
                             f"{sorted(b) if isinstance(b, dict) else type(b).__name__}")
        for k in a:
            if np.shape(a[k]) != np.shape(b[k]):
                raise ValueError(f"relative_error: key {k!r} has shape {np.shape(a[k])} and {np.shape(b[k])}")
    elif np.shape(a) != np.shape(b):
        raise ValueError(f"relative_error: expected arrays of the same shape, got {np.shape(a)} and {np.shape(b)}")
    fa, fb = _flatten(a), _flatten(b)
    return float(np.linalg.norm(fa - fb) / max(1e-12, np.linalg.norm(fa) + np.linalg.norm(fb)))
