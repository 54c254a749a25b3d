"""Input validation shared by every cell.

Bad input must fail early, before any arithmetic, with a ``ValueError`` (a ``TypeError`` for an argument of the
wrong type) that names the argument, the expected shape, dtype or range, and what was given, instead of surfacing
later as a numpy broadcasting message deep inside a matrix product, or as NaN in the results.

The rules, the same for every public function of :mod:`~lstm_utils.rnn`, :mod:`~lstm_utils.lstm`,
:mod:`~lstm_utils.gru` and :mod:`~lstm_utils.torch_layout`:

* **dtype**: the computation runs in float32 if the data (``xs`` or ``x_t``) is float32, in float64 otherwise;
  every other array is cast to that dtype. Booleans, integers and float16 are converted (to float64 unless the
  data is float32); complex, object and string arrays are refused.
* **values**: NaN or ±inf in any input array is refused, naming the argument and the first offending index.
* **shapes**: the sizes ``H`` and ``D`` are read off the parameters by majority, so that one misshaped array is
  the one blamed, whichever it is.
* **caches**: a backward pass accepts only the cache made by its own forward pass, and says which one it got.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from ._validate import ArgumentTypeError, finite, real_array  # ArgumentTypeError: a TypeError, also a ValueError

__all__ = ["ArgumentTypeError", "CELL_GATES", "as_finite_array", "as_real_array", "cell_keys", "cell_params",
           "check_cache", "check_finite", "check_gradient", "check_params", "check_sequence", "check_shape",
           "check_state", "check_step_input", "compute_dtype", "input_size"]

# A dimension of an expected shape is an int (must match) or None (any size).
Dim = int | None

CELL_GATES = {"rnn": ("h",), "lstm": ("f", "i", "c", "o"), "gru": ("z", "r", "h")}
"""The gates of each cell, in the package's one order: the order of the parameter dicts, of the fused weights of
the sequence functions, and of the rows of the stacked weights. (PyTorch's orders, i, f, g, o for ``nn.LSTM`` and
r, z, n for ``nn.GRU``, live in :mod:`~lstm_utils.torch_layout`, the only module that needs them.)"""


def cell_keys(cell: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The weight keys ``W_g`` and the bias keys ``b_g`` of ``cell``, in :data:`CELL_GATES` order."""
    gates = CELL_GATES[cell]
    return tuple(f"W_{g}" for g in gates), tuple(f"b_{g}" for g in gates)


def compute_dtype(*arrays) -> np.dtype:
    """float32 if the data arrives as float32, float64 otherwise (the course's default)."""
    for a in arrays:
        # getattr, not np.asarray: a ragged list must reach as_real_array, whose error names the argument
        if a is not None and getattr(a, "dtype", None) == np.float32:
            return np.dtype(np.float32)
    return np.dtype(np.float64)


def as_real_array(name: str, value, dtype: np.dtype) -> np.ndarray:
    """``value`` as an array of ``dtype``; booleans, integers and other floats are converted, anything else
    (complex, strings, objects, ``None``) is refused with :class:`ArgumentTypeError` (:func:`_validate.real_array`
    with the cell's compute dtype)."""
    return real_array(name, value, dtype)


def check_finite(name: str, a: np.ndarray) -> None:
    """Raise unless every entry of ``a`` is finite, naming the first NaN or ±inf and its index
    (:func:`_validate.finite`)."""
    finite(name, a)


def as_finite_array(name: str, value, dtype: np.dtype) -> np.ndarray:
    """:func:`as_real_array`, then :func:`check_finite`."""
    a = as_real_array(name, value, dtype)
    check_finite(name, a)
    return a


def _format(shape: Sequence[Dim]) -> str:
    return "(" + ", ".join("*" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def check_shape(name: str, a: np.ndarray, shape: Sequence[Dim], labels: str) -> None:
    """Raise unless ``a.shape`` matches ``shape`` (``None`` matches any size); ``labels`` names the axes, e.g.
    "T, B, D"."""
    ok = a.ndim == len(shape) and all(d is None or d == n for d, n in zip(shape, a.shape, strict=True))
    if not ok:
        raise ValueError(f"{name}: expected shape ({labels}) = {_format(shape)}, got {tuple(a.shape)}")


def _majority(votes: list[int]) -> int:
    """The most common value; a tie goes to the one voted first (the first weight)."""
    counts = Counter(votes)
    best = max(counts.values())
    return next(v for v in votes if counts[v] == best)


def check_params(params: Mapping, weight_keys: Sequence[str], bias_keys: Sequence[str],
                 dtype: np.dtype, *, D: int | None = None, foreign: Sequence[str] = (),
                 cell: str | None = None) -> tuple[dict, int, int]:
    """Validate a parameter dict whose weights act on ``[h_{t-1}, x_t]``.

    Every weight must have shape ``(H, H + D)`` and every bias ``(H,)``. ``H`` is the size most of the weights and
    biases agree on, and ``D`` the input size most of the weights (and ``D``, the input's size if known) agree on, so
    that a single misshaped array is the one named, even when it is the first. ``foreign``: keys that belong to
    another cell (e.g. ``W_z`` for the RNN: GRU parameters also hold ``W_h`` and ``b_h``); any of them is refused,
    other extra keys are ignored. Every array must be real and finite. Returns the parameters cast to ``dtype`` and
    the sizes ``(H, D)``.
    """
    expected = list(weight_keys) + list(bias_keys)
    if not isinstance(params, Mapping):
        raise ArgumentTypeError(f"params: expected a dict with keys {', '.join(expected)}, "
                                f"got {type(params).__name__}")
    missing = [k for k in expected if k not in params]
    if missing:
        raise ValueError(f"params: missing key(s) {', '.join(map(repr, missing))}; "
                         f"expected keys {', '.join(expected)}, got {', '.join(map(str, params)) or 'none'}")
    alien = [k for k in foreign if k in params]
    if alien:
        whose = f" for {cell}" if cell else ""
        raise ValueError(f"params: key(s) {', '.join(map(repr, alien))} belong to another cell; expected the keys "
                         f"{', '.join(expected)}{whose}, got {', '.join(map(str, params))}")
    out = {k: as_finite_array(f"params[{k!r}]", params[k], dtype) for k in expected}
    weights = [out[k] for k in weight_keys]
    shaped = [w for w in weights if w.ndim == 2 and w.shape[1] > w.shape[0]]
    if not shaped:
        k = weight_keys[0]
        raise ValueError(f"params[{k!r}]: expected shape (H, H + D) with D >= 1, got {tuple(out[k].shape)}")
    H = _majority([w.shape[0] for w in shaped] + [out[k].shape[0] for k in bias_keys if out[k].ndim == 1])
    D_votes = [w.shape[1] - H for w in shaped if w.shape[1] > H]
    if D is not None:
        D_votes.append(D)
    D = _majority(D_votes) if D_votes else shaped[0].shape[1] - shaped[0].shape[0]
    for k in weight_keys:
        check_shape(f"params[{k!r}]", out[k], (H, H + D), "H, H + D")
    for k in bias_keys:
        check_shape(f"params[{k!r}]", out[k], (H,), "H")
    return out, H, D


def cell_params(params: Mapping, cell: str, dtype: np.dtype, *, D: int | None = None) -> tuple[dict, int, int]:
    """:func:`check_params` for one of the package's cells: its keys, and every other cell's gate keys refused."""
    weights, biases = cell_keys(cell)
    own = set(weights) | set(biases)
    foreign = [k for other in CELL_GATES if other != cell for k in sum(cell_keys(other), ()) if k not in own]
    return check_params(params, weights, biases, dtype, D=D, foreign=foreign, cell=cell)


def input_size(x, ndim: int) -> int | None:
    """The last dimension of the data ``x`` if it is an array of ``ndim`` dimensions (a vote for ``D``), else None."""
    shape = getattr(x, "shape", None)
    return int(shape[-1]) if shape is not None and len(shape) == ndim else None


def check_sequence(xs, D: int, dtype: np.dtype) -> np.ndarray:
    """The input sequence, time-major ``(T, B, D)`` with at least one step and one sequence, real and finite.

    Returned C-contiguous (a transposed view, a Fortran-ordered array or a fancy-indexed batch ``xs[:, idx]`` is
    copied once, here), so that every later reshape is a view and the results cannot depend on the layout.
    """
    xs = as_real_array("xs", xs, dtype)
    check_shape("xs", xs, (None, None, D), "T, B, D")
    if xs.shape[0] == 0 or xs.shape[1] == 0:
        raise ValueError(f"xs: expected at least one step and one sequence, got shape {tuple(xs.shape)}")
    check_finite("xs", xs)
    return np.ascontiguousarray(xs)


def check_step_input(x_t, D: int, dtype: np.dtype) -> np.ndarray:
    """The input of one step, ``(B, D)``, real and finite: the step functions' counterpart of
    :func:`check_sequence`."""
    x_t = as_real_array("x_t", x_t, dtype)
    check_shape("x_t", x_t, (None, D), "B, D")
    check_finite("x_t", x_t)
    return x_t


def check_state(name: str, state, B: int, H: int, dtype: np.dtype) -> np.ndarray:
    """A state (or a gradient on one) of shape ``(B, H)``, real and finite; ``None`` means zeros."""
    if state is None:
        return np.zeros((B, H), dtype=dtype)
    state = as_real_array(name, state, dtype)
    check_shape(name, state, (B, H), "B, H")
    check_finite(name, state)
    return state


def check_gradient(name: str, grad, shape: tuple[int, ...], labels: str, dtype: np.dtype) -> np.ndarray:
    """The upstream gradient of a backward pass (``dhs``, ``dh_t``): real, finite, of the forward output's shape."""
    grad = as_real_array(name, grad, dtype)
    check_shape(name, grad, shape, labels)
    check_finite(name, grad)
    return grad


def check_cache(cache, made_by: str) -> Mapping:
    """Refuse anything but a cache made by the function ``made_by`` (its ``"made_by"`` entry), naming what came."""
    if not isinstance(cache, Mapping):
        raise ArgumentTypeError(f"cache: expected the cache returned by {made_by}, got {type(cache).__name__}")
    got = cache.get("made_by")
    if got != made_by:
        what = (f"the cache of {got}" if isinstance(got, str) else
                f"a dict with keys {', '.join(map(str, cache))}" if cache else "an empty dict")
        raise ValueError(f"cache: expected the cache returned by {made_by}, got {what}")
    return cache
