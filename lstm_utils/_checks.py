"""Argument checks for the whole package, and the cells' random initialisation. A reader can skip this file.

Every public function checks its arguments here, once, before any arithmetic: a bad argument raises an error that
names the argument, says what was expected and what came, instead of surfacing later as a numpy broadcasting
message deep inside a matrix product, or as NaN in the results. ``ValueError`` for a wrong value or shape,
:class:`ArgumentTypeError` for a wrong type (it is a ``TypeError`` and also a ``ValueError``, so ``except
ValueError`` catches every bad argument).

The rules:

* **dtype**: the cells compute in float32 if the data (``xs`` or ``x_t``) is float32, in float64 otherwise; every
  other array is cast to that dtype. Booleans, integers and float16 are converted; complex, object and string
  arrays are refused.
* **values**: NaN or ±inf in an input array is refused, naming the argument and the first offending index.
* **shapes**: ``H`` and ``D`` are read off the cell's first weight; every other array is checked against them.
* **caches**: a backward pass takes only the cache of its own forward pass, and says which one it got.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Integral, Real

import numpy as np


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (a string where a number is due, ``None`` where an array is, ...)."""


def _given(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype} and shape {tuple(value.shape)}"
    text = repr(value)
    return f"{text[:60]}..." if len(text) > 60 else text


# ----------------------------------------------------------------------------------------------------------------
# Numbers, arrays, dtypes, seeds
# ----------------------------------------------------------------------------------------------------------------
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


def flag(name: str, value) -> bool:
    """``True`` or ``False`` (numpy's booleans too); anything else, ``'no'`` or ``1`` included, is refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(f"{name}: expected True or False, got {type(value).__name__} {_given(value)}")
    return bool(value)


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


# ----------------------------------------------------------------------------------------------------------------
# The cells' arguments
# ----------------------------------------------------------------------------------------------------------------
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
        # getattr, not np.asarray: a ragged list must reach real_array, whose error names the argument
        if a is not None and getattr(a, "dtype", None) == np.float32:
            return np.dtype(np.float32)
    return np.dtype(np.float64)


def _format(shape: Sequence[Dim]) -> str:
    return "(" + ", ".join("*" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def check_shape(name: str, a: np.ndarray, shape: Sequence[Dim], labels: str, like: str = "") -> None:
    """Raise unless ``a.shape`` matches ``shape`` (``None`` matches any size); ``labels`` names the axes, e.g.
    "T, B, D"; ``like`` says where the sizes were read."""
    ok = a.ndim == len(shape) and all(d is None or d == n for d, n in zip(shape, a.shape, strict=True))
    if not ok:
        raise ValueError(f"{name}: expected shape ({labels}) = {_format(shape)}{like}, got {tuple(a.shape)}")


def check_params(params: Mapping, weight_keys: Sequence[str], bias_keys: Sequence[str],
                 dtype: np.dtype, *, foreign: Sequence[str] = (), cell: str | None = None) -> tuple[dict, int, int]:
    """Validate a parameter dict whose weights act on ``[h_{t-1}, x_t]``.

    The first weight, shape ``(H, H + D)``, gives ``H`` and ``D``; every other weight must have its shape and every
    bias ``(H,)``. ``foreign``: keys that belong to another cell (e.g. ``W_z`` for the RNN: GRU parameters also hold
    ``W_h`` and ``b_h``, so a GRU's dict would otherwise run as an RNN); any of them is refused, other extra keys
    are ignored. Every array must be real and finite. Returns the parameters cast to ``dtype`` and ``(H, D)``.
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
    out = {k: finite(f"params[{k!r}]", real_array(f"params[{k!r}]", params[k], dtype)) for k in expected}
    first = weight_keys[0]
    W = out[first]
    if W.ndim != 2 or W.shape[1] <= W.shape[0]:
        raise ValueError(f"params[{first!r}]: expected shape (H, H + D) with D >= 1, got {tuple(W.shape)}")
    H, D = W.shape[0], W.shape[1] - W.shape[0]
    like = f" like params[{first!r}]"
    for k in weight_keys[1:]:
        check_shape(f"params[{k!r}]", out[k], (H, H + D), "H, H + D", like)
    for k in bias_keys:
        check_shape(f"params[{k!r}]", out[k], (H,), "H", like)
    return out, H, D


def cell_params(params: Mapping, cell: str, dtype: np.dtype) -> tuple[dict, int, int]:
    """:func:`check_params` for one of the package's cells: its keys, and every other cell's gate keys refused."""
    weights, biases = cell_keys(cell)
    own = set(weights) | set(biases)
    foreign = [k for other in CELL_GATES if other != cell for k in sum(cell_keys(other), ()) if k not in own]
    return check_params(params, weights, biases, dtype, foreign=foreign, cell=cell)


def check_sequence(xs, D: int, dtype: np.dtype) -> np.ndarray:
    """The input sequence, time-major ``(T, B, D)`` with at least one step and one sequence, real and finite.

    Returned C-contiguous (a transposed view, a Fortran-ordered array or a fancy-indexed batch ``xs[:, idx]`` is
    copied once, here), so that every later reshape is a view and the results cannot depend on the layout.
    """
    xs = real_array("xs", xs, dtype)
    check_shape("xs", xs, (None, None, D), "T, B, D")
    if xs.shape[0] == 0 or xs.shape[1] == 0:
        raise ValueError(f"xs: expected at least one step and one sequence, got shape {tuple(xs.shape)}")
    finite("xs", xs)
    return np.ascontiguousarray(xs)


def check_step_input(x_t, D: int, dtype: np.dtype) -> np.ndarray:
    """The input of one step, ``(B, D)`` with at least one sequence, real and finite: the step functions'
    counterpart of :func:`check_sequence`."""
    x_t = real_array("x_t", x_t, dtype)
    check_shape("x_t", x_t, (None, D), "B, D")
    if x_t.shape[0] == 0:
        raise ValueError(f"x_t: expected at least one sequence (B >= 1), got shape {tuple(x_t.shape)}")
    return finite("x_t", x_t)


def check_state(name: str, state, B: int, H: int, dtype: np.dtype) -> np.ndarray:
    """A state (or a gradient on one) of shape ``(B, H)``, real and finite; ``None`` means zeros."""
    if state is None:
        return np.zeros((B, H), dtype=dtype)
    state = real_array(name, state, dtype)
    check_shape(name, state, (B, H), "B, H")
    return finite(name, state)


def check_gradient(name: str, grad, shape: tuple[int, ...], labels: str, dtype: np.dtype) -> np.ndarray:
    """The upstream gradient of a backward pass (``dhs``, ``dh_t``): real, finite, of the forward output's shape."""
    grad = real_array(name, grad, dtype)
    check_shape(name, grad, shape, labels)
    return finite(name, grad)


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


# ----------------------------------------------------------------------------------------------------------------
# Random initialisation of the cells (init_rnn, init_lstm, init_gru): seeded, float64 unless asked otherwise
# ----------------------------------------------------------------------------------------------------------------
def as_rng(value) -> np.random.Generator:
    """A ``Generator`` from ``None`` (fresh entropy), a non-negative integer seed, or an existing ``Generator``."""
    return rng("rng", value)


def check_sizes(input_size, hidden_size) -> tuple[int, int]:
    """``(input_size, hidden_size)`` as ints, each a positive integer (booleans refused)."""
    for name, n in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"{name}: expected a positive integer, got {n!r}")
    return int(input_size), int(hidden_size)


def check_bias(name: str, value) -> float:
    """A start bias (``forget_bias``, ``update_bias``, ...): a finite real number."""
    return number(name, value)


def gate_weight(generator: np.random.Generator, hidden_size: int, input_size: int, scale: float | None,
                dtype) -> np.ndarray:
    """A weight of shape ``(H, H + D)`` with entries drawn from N(0, scale²); default scale 1/sqrt(H + D).

    The default keeps the pre-activation ``z @ W.T`` of order one when the entries of ``z = [h, x]`` are.
    """
    dtype = float_dtype("dtype", dtype)
    fan_in = hidden_size + input_size
    std = 1.0 / np.sqrt(fan_in) if scale is None else number("scale", scale, low=0.0)
    return generator.normal(0.0, std, size=(hidden_size, fan_in)).astype(dtype)
