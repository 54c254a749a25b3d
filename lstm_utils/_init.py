"""Random initialisation shared by the cells: seeded, float64 unless asked otherwise.

Every argument is checked before anything is drawn: sizes are positive integers, ``rng`` is ``None``, a
non-negative integer seed or a ``numpy.random.Generator``, ``scale`` and the start biases are finite real numbers,
and ``dtype`` is float32 or float64 (an integer dtype would round every weight to zero, a complex one is not a
real network). A wrong type raises :class:`~lstm_utils._validate.ArgumentTypeError` (a ``TypeError`` that is
also a ``ValueError``), a wrong value ``ValueError``; both name the argument.
"""

from __future__ import annotations

import numpy as np

from ._validate import float_dtype, number, rng as _rng


def as_rng(rng) -> np.random.Generator:
    """A ``Generator`` from ``None`` (fresh entropy), a non-negative integer seed, or an existing ``Generator``."""
    return _rng("rng", rng)


def check_sizes(input_size, hidden_size) -> tuple[int, int]:
    """``(input_size, hidden_size)`` as ints, each a positive integer (booleans refused)."""
    for name, n in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"{name}: expected a positive integer, got {n!r}")
    return int(input_size), int(hidden_size)


def check_bias(name: str, value) -> float:
    """A start bias (``forget_bias``, ``update_bias``, ...): a finite real number."""
    return number(name, value)


def gate_weight(rng: np.random.Generator, hidden_size: int, input_size: int, scale: float | None,
                dtype) -> np.ndarray:
    """A weight of shape ``(H, H + D)`` with entries drawn from N(0, scale²); default scale 1/sqrt(H + D).

    The default keeps the pre-activation ``z @ W.T`` of order one when the entries of ``z = [h, x]`` are.
    """
    dtype = float_dtype("dtype", dtype)
    fan_in = hidden_size + input_size
    std = 1.0 / np.sqrt(fan_in) if scale is None else number("scale", scale, low=0.0)
    return rng.normal(0.0, std, size=(hidden_size, fan_in)).astype(dtype)
