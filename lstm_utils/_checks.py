"""Input validation shared by every cell.

Bad input must fail early with a ``ValueError`` that names the argument, the expected shape and the shape given,
instead of surfacing later as a numpy broadcasting message deep inside a matrix product.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

# A dimension of an expected shape is an int (must match) or None (any size).
Dim = int | None


def compute_dtype(*arrays) -> np.dtype:
    """float32 if the data arrives as float32, float64 otherwise (the course's default)."""
    for a in arrays:
        # getattr, not np.asarray: a ragged list must reach as_real_array, whose error names the argument
        if a is not None and getattr(a, "dtype", None) == np.float32:
            return np.dtype(np.float32)
    return np.dtype(np.float64)


def as_real_array(name: str, value, dtype: np.dtype) -> np.ndarray:
    """``value`` as an array of ``dtype``; booleans and integers are converted, anything else non-real is refused."""
    try:
        a = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name}: expected a real numeric array, could not convert it ({exc})") from None
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{name}: expected a real numeric array (float32 or float64), got dtype {a.dtype}")
    return a.astype(dtype, copy=False)


def _format(shape: Sequence[Dim]) -> str:
    return "(" + ", ".join("*" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def check_shape(name: str, a: np.ndarray, shape: Sequence[Dim], labels: str) -> None:
    """Raise unless ``a.shape`` matches ``shape`` (``None`` matches any size); ``labels`` names the axes, e.g. "T, B, D"."""
    ok = a.ndim == len(shape) and all(d is None or d == n for d, n in zip(shape, a.shape))
    if not ok:
        raise ValueError(f"{name}: expected shape ({labels}) = {_format(shape)}, got {tuple(a.shape)}")


def check_params(params: Mapping, weight_keys: Sequence[str], bias_keys: Sequence[str],
                 dtype: np.dtype) -> tuple[dict, int, int]:
    """Validate a parameter dict whose weights act on ``z = [h_{t-1}, x_t]``.

    Every weight must have shape ``(H, H + D)`` and every bias ``(H,)``, with ``H`` and ``D`` read off the first weight.
    Returns the parameters cast to ``dtype`` and the sizes ``(H, D)``.
    """
    if not isinstance(params, Mapping):
        raise ValueError(f"params: expected a dict with keys {', '.join(weight_keys + bias_keys)}, "
                         f"got {type(params).__name__}")
    expected = list(weight_keys) + list(bias_keys)
    missing = [k for k in expected if k not in params]
    if missing:
        raise ValueError(f"params: missing key(s) {', '.join(map(repr, missing))}; "
                         f"expected keys {', '.join(expected)}, got {', '.join(map(str, params)) or 'none'}")
    out = {k: as_real_array(f"params[{k!r}]", params[k], dtype) for k in expected}
    first = out[weight_keys[0]]
    if first.ndim != 2 or first.shape[1] <= first.shape[0]:
        raise ValueError(f"params[{weight_keys[0]!r}]: expected shape (H, H + D) with D >= 1, "
                         f"got {tuple(first.shape)}")
    H, D = first.shape[0], first.shape[1] - first.shape[0]
    for k in weight_keys:
        check_shape(f"params[{k!r}]", out[k], (H, H + D), "H, H + D")
    for k in bias_keys:
        check_shape(f"params[{k!r}]", out[k], (H,), "H")
    return out, H, D


def check_sequence(xs, D: int, dtype: np.dtype) -> np.ndarray:
    """The input sequence, time-major ``(T, B, D)`` with at least one step and one sequence, C-contiguous.

    A transposed view, a Fortran-ordered array or a fancy-indexed batch (``xs[:, idx]``) is copied once into C order
    here: the sequence functions write their input gradients through reshaped views of an array laid out like
    ``xs``, and a reshape of a non-contiguous array is a copy, so those writes would be lost.
    """
    xs = as_real_array("xs", xs, dtype)
    check_shape("xs", xs, (None, None, D), "T, B, D")
    if xs.shape[0] == 0 or xs.shape[1] == 0:
        raise ValueError(f"xs: expected at least one step and one sequence, got shape {tuple(xs.shape)}")
    return np.ascontiguousarray(xs)


def check_step_input(x_t, D: int, dtype: np.dtype) -> np.ndarray:
    """The input of one step, ``(B, D)``: the step functions' counterpart of :func:`check_sequence`."""
    x_t = as_real_array("x_t", x_t, dtype)
    check_shape("x_t", x_t, (None, D), "B, D")
    return x_t


def check_state(name: str, state, B: int, H: int, dtype: np.dtype) -> np.ndarray:
    """A state of shape ``(B, H)``; ``None`` means zeros."""
    if state is None:
        return np.zeros((B, H), dtype=dtype)
    state = as_real_array(name, state, dtype)
    check_shape(name, state, (B, H), "B, H")
    return state
