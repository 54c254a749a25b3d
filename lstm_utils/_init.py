"""Random initialisation shared by the cells: seeded, float64 unless asked otherwise."""

from __future__ import annotations

import numpy as np


def as_rng(rng) -> np.random.Generator:
    """A ``Generator`` from ``None`` (fresh entropy), an integer seed, or an existing ``Generator``."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    raise ValueError(f"rng: expected None, an integer seed or a numpy Generator, got {type(rng).__name__}")


def check_sizes(input_size, hidden_size) -> tuple[int, int]:
    for name, n in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"{name}: expected a positive integer, got {n!r}")
    return int(input_size), int(hidden_size)


def gate_weight(rng: np.random.Generator, hidden_size: int, input_size: int, scale: float | None,
                dtype) -> np.ndarray:
    """A weight of shape ``(H, H + D)`` with entries drawn from N(0, scale²); default scale 1/sqrt(H + D).

    The default keeps the pre-activation ``z @ W.T`` of order one when the entries of ``z = [h, x]`` are.
    """
    fan_in = hidden_size + input_size
    std = 1.0 / np.sqrt(fan_in) if scale is None else float(scale)
    if not np.isfinite(std) or std < 0:
        raise ValueError(f"scale: expected a finite, non-negative number, got {scale!r}")
    return rng.normal(0.0, std, size=(hidden_size, fan_in)).astype(dtype)
