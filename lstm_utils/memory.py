r"""How far back an LSTM's cell state remembers: the direct path and the full Jacobian (chapters 03-05).

The cell state is updated by :math:`C_t = f_t * C_{t-1} + i_t * \tilde C_t`. Holding the gates fixed, one step back
along the cell state multiplies by :math:`\mathrm{diag}(f_t)`, so the *direct path* from :math:`C_t` to :math:`C_T` is

.. math:: \left.\frac{\partial C_T}{\partial C_t}\right|_{\text{direct}} = \prod_{k=t+1}^{T} \mathrm{diag}(f_k),

with no weight matrix and no :math:`\tanh'` in it (compare the RNN's :math:`\prod_k \mathrm{diag}(1-h_k^2) W_{hh}`,
chapter 02). The gates themselves read :math:`h_{t-1} = o_{t-1} * \tanh(C_{t-1})`, so :math:`C_t` also reaches
:math:`C_T` through the hidden states: the *indirect paths*. :func:`cell_jacobians` measures the whole derivative,
both kinds of path, by backpropagation through time with the package's own step functions
(:func:`~lstm_utils.lstm_step` and :func:`~lstm_utils.lstm_step_backward`).

Indexing: time runs t = 0..T, where :math:`C_0` is the initial cell state ``c0`` and :math:`C_t` for t >= 1 is
``cs[t - 1]`` of :func:`~lstm_utils.lstm_forward`. Every function here returns T + 1 entries, entry ``t`` belonging to
:math:`C_t`; the lag (steps back from the end) of entry ``t`` is T - t, so ``out[::-1]`` is indexed by lag.
The initial states ``h0`` and ``c0`` are independent inputs: no path runs from :math:`C_0` through :math:`h_0`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._checks import (
    ArgumentTypeError,
    check_sequence,
    check_shape,
    check_state,
    compute_dtype,
    finite,
    number,
    real_array,
)
from .gates import output_gate
from .lstm import STEP_KEYS, _lstm_params, lstm_step, lstm_step_backward

# The gates' keys in the LSTM's caches, f, i, c_tilde, o: lstm.STEP_KEYS' names (lstm.GATES, f, i, c, o, are the
# parameters' suffixes).
GATES = STEP_KEYS[3:7]


def gate_values(cache):
    r"""The gate activations of every step of a :func:`~lstm_utils.lstm_forward` run, from its ``cache``.

    Returns a dict with keys ``"f"``, ``"i"``, ``"c_tilde"``, ``"o"``, each of shape (T, B, H): entry ``t - 1`` holds
    :math:`f_t`, :math:`i_t`, :math:`\tilde C_t`, :math:`o_t` of step t.
    """
    what = "the cache returned by lstm_forward"
    if isinstance(cache, Mapping) and "acts" in cache and "H" in cache:        # all four gates side by side
        acts, H = cache["acts"], cache["H"]
        return {name: acts[:, :, k * H:(k + 1) * H] for k, name in enumerate(GATES)}
    if isinstance(cache, Mapping) and all(k in cache for k in GATES):         # one array per gate
        out = {k: np.asarray(cache[k]) for k in GATES}
        if all(a.ndim == 3 for a in out.values()):
            return out
    steps = cache.get("steps") if isinstance(cache, Mapping) else cache       # the per-step caches
    if isinstance(steps, (list, tuple)) and steps and all(isinstance(c, Mapping) and all(k in c for k in GATES)
                                                           for c in steps):
        return {k: np.stack([c[k] for c in steps]) for k in GATES}
    got = (f"a dict with keys {', '.join(map(str, cache)) or 'none'}" if isinstance(cache, Mapping)
           else type(cache).__name__)
    raise ArgumentTypeError(f"cache: expected {what} (which holds the gates f, i, c_tilde, o of every step), "
                            f"got {got}")


def forget_products(fs):
    r"""The direct-path gain :math:`\prod_{k=t+1}^{T} f_k` for every t = 0..T.

    ``fs``: forget-gate values :math:`f_1, \dots, f_T`, shape (T, B, H) (or (T, H), or (T,) for a single unit).
    Returns an array of shape (T + 1, ...) whose entry ``t`` is the product of the forget gates *after* step t:
    entry T is 1 (the empty product, :math:`\partial C_T / \partial C_T = I`), entry 0 is :math:`f_1 f_2 \cdots f_T`.
    Along the direct path this is the diagonal of :math:`\partial C_T / \partial C_t`.
    """
    fs = real_array("fs", fs, compute_dtype(fs))
    if fs.ndim < 1 or fs.shape[0] == 0:
        raise ValueError(f"fs: expected shape (T, ...) with at least one step, got {tuple(fs.shape)}")
    finite("fs", fs)
    ones = np.ones((1,) + fs.shape[1:], dtype=fs.dtype)
    # cumulative product from the end: out[t] = f_{t+1} * ... * f_T  (fs[t] holds f_{t+1})
    tail = np.cumprod(fs[::-1], axis=0)[::-1]
    return np.concatenate([tail, ones], axis=0)


def cell_gradients(xs, params, *, dhs=None, dc_last=None, h0=None, c0=None, times=None):
    r"""The total gradient :math:`\partial L / \partial C_t` of a loss on an LSTM run, for every t = 0..T.

    The loss is the one whose gradients are ``dhs`` (T, B, H) on the hidden states (``None``: zero) and ``dc_last``
    (B, H) on the last cell state :math:`C_T` (``None``: zero), as for :func:`~lstm_utils.lstm_backward`.

    Backpropagation through time, one step at a time, with the package's step functions: the run is made with
    :func:`~lstm_utils.lstm_step`, then :func:`~lstm_utils.lstm_step_backward` is called on each step's cache,
    from the last step back, with ``dc_t`` the gradient arriving along the cell from the step after. Each call
    returns the gradients on that step's starting state, :math:`h_{t-1}` and :math:`C_{t-1}`, which are handed to
    the step before. Since :math:`h_t = o_t * \tanh(C_t)` with :math:`o_t` independent of :math:`C_t`, the total
    gradient on the cell is

    .. math:: \frac{\partial L}{\partial C_t} = \delta C_t + \frac{\partial L}{\partial h_t} * o_t * (1 - \tanh^2 C_t)
              \qquad (t \ge 1),

    with :math:`\delta C_t` what step t+1 sends back along the cell (``dc_last`` for t = T) and
    :math:`\partial L/\partial h_t` the total gradient on :math:`h_t`; :math:`\partial L / \partial C_0` is the
    gradient on ``c0``. Returns an array of shape (T + 1, B, H), entry ``t`` for :math:`C_t`; with ``times``
    (integers in 0..T) only those entries, in that order, shape (len(times), B, H).
    """
    dtype = compute_dtype(xs)
    p, H, D = _lstm_params(params, dtype)
    xs = finite("xs", check_sequence(xs, D, dtype))
    T, B, _ = xs.shape
    h = finite("h0", check_state("h0", h0, B, H, dtype))
    c = finite("c0", check_state("c0", c0, B, H, dtype))
    dhs = np.zeros((T, B, H), dtype=dtype) if dhs is None else real_array("dhs", dhs, dtype)
    check_shape("dhs", dhs, (T, B, H), "T, B, H")
    finite("dhs", dhs)
    dc_next = finite("dc_last", check_state("dc_last", dc_last, B, H, dtype))
    times = _check_times(times, T)
    caches, o, tanh_c = [], [], []
    for t in range(T):                                           # the run, step by step
        o.append(output_gate(h, xs[t], p["W_o"], p["b_o"]))     # o_t, read by the total gradient on C_t
        h, c, cache = lstm_step(xs[t], h, c, p)
        caches.append(cache)
        tanh_c.append(np.tanh(c))
    out = np.empty((T + 1, B, H), dtype=dtype)
    dh_next = np.zeros((B, H), dtype=dtype)                      # what step t+1 sends back to h_t
    for t in range(T, 0, -1):                                    # step t lives at index t - 1
        dh_t = dhs[t - 1] + dh_next                              # total gradient on h_t
        out[t] = dc_next + dh_t * o[t - 1] * (1.0 - tanh_c[t - 1] ** 2)
        # the package's backward of step t: returns dL/dh_{t-1} and dL/dC_{t-1} along the cell
        _, _, dh_next, dc_next = lstm_step_backward(dh_t, dc_next, caches[t - 1])
    out[0] = dc_next                                             # h_0 and C_0 are independent inputs
    return out[times]


def _check_times(times, T):
    if times is None:
        return list(range(T + 1))
    arr = np.asarray(times)
    if arr.ndim != 1 or arr.dtype.kind not in "iu" or arr.size == 0 or arr.min() < 0 or arr.max() > T:
        raise ValueError(f"times: expected a 1-D sequence of integers in 0..T = 0..{T}, got {times!r}")
    return [int(t) for t in arr]


def cell_jacobians(xs, params, *, h0=None, c0=None, times=None):
    r"""The full Jacobians :math:`\partial C_T / \partial C_t` for every t = 0..T, all paths included.

    ``xs``: (T, B, D). Returns an array of shape (T + 1, B, H, H): entry ``[t, b, i, j]`` is
    :math:`\partial C_{T,i} / \partial C_{t,j}` for sequence b. Row i is :func:`cell_gradients` with
    ``dc_last`` the unit vector :math:`e_i`; the H rows of one sequence are computed at once, as a batch of H copies
    (one sequence at a time keeps the matrix products small).
    Entry T is the identity. Compare with :func:`forget_products`, the diagonal of the direct path alone.
    ``times`` selects entries as in :func:`cell_gradients` (shape (len(times), B, H, H)).
    """
    dtype = compute_dtype(xs)
    _, H, D = _lstm_params(params, dtype)
    xs = finite("xs", check_sequence(xs, D, dtype))              # at least one step and one sequence
    T, B, _ = xs.shape
    h0 = check_state("h0", h0, B, H, dtype)
    c0 = check_state("c0", c0, B, H, dtype)
    eye = np.eye(H, dtype=dtype)                                 # dc_last: e_0 .. e_{H-1}, one per copy

    def copies(a, b, axis):
        """Sequence ``b`` of ``a`` (its batch axis is ``axis``), H times along that axis."""
        return np.repeat(a[b:b + 1] if axis == 0 else a[:, b:b + 1], H, axis=axis)

    out = []
    for b in range(B):                                           # one sequence at a time: a batch of H copies
        out.append(cell_gradients(copies(xs, b, 1), params, dc_last=eye, h0=copies(h0, b, 0),
                                  c0=copies(c0, b, 0), times=times))
    return np.stack(out, axis=1)                                 # (len(times), B, H, H)


def steps_remembered(norms, threshold=1e-3, lags=None):
    r"""How many steps back a gradient reaches: the first lag at which ``norms`` falls below ``threshold``.

    ``norms``: a 1-D array indexed by lag (0 = the last step), e.g. ``jacobian_norms(...)[::-1]``. Returns the
    smallest lag k with ``norms[k] < threshold * norms[0]`` (relative to the value at lag 0), or ``len(norms)`` if the
    gradient never falls that low within the sequence. ``lags``: the lag of each entry when the curve is sampled
    (increasing, starting at 0); then the first sampled lag below the threshold is returned, or ``lags[-1] + 1``.
    """
    norms = real_array("norms", norms, np.dtype(np.float64))
    if norms.ndim != 1 or norms.size == 0:
        raise ValueError(f"norms: expected shape (T + 1,) indexed by lag, got {tuple(norms.shape)}")
    finite("norms", norms)           # a NaN is never below the threshold: it would read as "never forgets"
    if np.any(norms < 0):
        raise ValueError(f"norms: expected non-negative norms, got {float(norms[norms < 0][0])!r} at index "
                         f"{int(np.flatnonzero(norms < 0)[0])}")
    if norms[0] == 0:
        raise ValueError("norms: expected a positive norm at lag 0 (the threshold is relative to it), got 0")
    threshold = number("threshold", threshold, low=0.0, low_open=True)
    if lags is None:
        lags = np.arange(norms.size)
    lags = real_array("lags", lags, np.dtype(np.float64))
    check_shape("lags", lags, norms.shape, "len(norms)")
    finite("lags", lags)
    if lags[0] != 0 or np.any(np.diff(lags) <= 0):
        raise ValueError("lags: expected increasing lags starting at 0")
    below = np.flatnonzero(norms < threshold * norms[0])
    return int(lags[below[0]]) if below.size else int(lags[-1]) + 1
