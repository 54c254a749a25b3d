"""The two squashing functions of recurrent cells.

* ``sigmoid`` maps any real number into (0, 1): the gates use it as a soft, differentiable switch.
* ``tanh`` maps any real number into (-1, 1): the cells use it to keep activations bounded step after step.

Both keep the dtype of a floating-point input (float32 in, float32 out), convert booleans and integers to float64,
and never overflow. Complex, string and object input is refused (``TypeError``): the book's activations are real.
NaN is passed through (``sigmoid(nan)`` is nan) and the infinities map to the limits (``sigmoid(inf) = 1``), as
numpy's elementwise functions do; the cells refuse non-finite input before it reaches them.
"""

from __future__ import annotations

import numpy as np

from ._checks import real_array


def sigmoid(x):
    r"""Logistic sigmoid, :math:`\sigma(x) = 1 / (1 + e^{-x})`.

    The textbook formula, evaluated as written: one ``exp``, one add, one divide (the sequence functions call it at
    every step, so its cost is the loop's). For very negative ``x`` (below -709 in float64, -88 in float32)
    ``exp(-x)`` overflows to ``inf`` and the result is exactly 0.0, within one subnormal of the true value; that
    overflow is expected, so its warning is silenced. Mathematically :math:`0 < \sigma(x) < 1`; in floating point
    the result rounds to exactly 1.0 once ``x`` exceeds about 37 (float64) or 17 (float32).
    """
    x = real_array("x", x)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def tanh(x):
    r"""Hyperbolic tangent, :math:`\tanh(x) = (e^{x} - e^{-x}) / (e^{x} + e^{-x})`, in (-1, 1).

    numpy's ``tanh`` is already overflow-free; this wrapper only fixes the dtype rule (integers become float64)
    and refuses complex or non-numeric input.
    """
    x = real_array("x", x)
    return np.tanh(x)
