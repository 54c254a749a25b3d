r"""Vanishing and exploding gradients in the vanilla RNN, measured (chapter 02).

Notation (as in :mod:`lstm_utils.rnn`): ``T`` steps, ``B`` sequences, ``D`` inputs, ``H`` hidden units;
``hs[t - 1]`` holds :math:`h_t` for t = 1..T and :math:`h_0` is the initial state. The recurrent block of
``W_h = [W_hh, W_x]`` (shape ``(H, H + D)``) is ``W_hh = W_h[:, :H]``, the part that multiplies :math:`h_{t-1}`.

Equations. One step back through :math:`h_t = \tanh(W_h \cdot [h_{t-1}, x_t] + b_h)` multiplies by the step Jacobian

.. math:: J_t = \frac{\partial h_t}{\partial h_{t-1}} = \mathrm{diag}(1 - h_t^2)\, W_{hh},

so a gradient travelling from step T back to step t is multiplied by a product of ``T - t`` such matrices,

.. math:: \frac{\partial h_T}{\partial h_t} = J_T J_{T-1} \cdots J_{t+1}.

With :math:`|\tanh'| \le \gamma = 1` (:math:`\gamma = 1/4` for the sigmoid) and :math:`\lambda_1` the largest
singular value of :math:`W_{hh}`, each factor has norm at most :math:`\gamma \lambda_1`, hence the bound of
Pascanu, Mikolov and Bengio (2013):

.. math:: \left\| \frac{\partial h_T}{\partial h_t} \right\| \le (\gamma \lambda_1)^{T-t},

and :math:`\lambda_1 < 1/\gamma` is *sufficient* for the gradient to vanish exponentially fast. Exploding needs
:math:`\lambda_1 > 1/\gamma`; in the linear case a spectral radius :math:`\rho(W_{hh}) > 1` is *necessary*.
Global-norm clipping rescales an exploding gradient, :math:`g \leftarrow c\, g / \|g\|` when :math:`\|g\| > c`.

Introduced in chapter 02 (``notebooks/02_vanishing_gradients.ipynb``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._checks import ArgumentTypeError, check_shape, compute_dtype, finite, real_array
from .rnn import init_rnn_spectral  # noqa: F401  (defined beside init_rnn; imported here for old code)

# Largest slope of each squashing function: tanh'(0) = 1, sigmoid'(0) = 1/4.
GAMMA = {"tanh": 1.0, "sigmoid": 0.25}


# --------------------------------------------------------------------------------------------------------------
# The recurrent block and its spectrum
# --------------------------------------------------------------------------------------------------------------
def recurrent_block(W_h) -> np.ndarray:
    r"""The block :math:`W_{hh}` = ``W_h[:, :H]`` that multiplies :math:`h_{t-1}`; ``W_h`` is ``(H, H + D)``.

    A square ``(H, H)`` matrix is taken to be :math:`W_{hh}` already. A params dict ``{"W_h": ...}`` is accepted too.
    """
    if isinstance(W_h, Mapping):
        if "W_h" not in W_h:
            raise ValueError(f"W_h: expected an array of shape (H, H + D) or a dict with key 'W_h', "
                             f"got a dict with keys {', '.join(map(str, W_h)) or 'none'}")
        W_h = W_h["W_h"]
    W = real_array("W_h", W_h, compute_dtype(W_h))
    if W.ndim != 2 or W.shape[0] < 1 or W.shape[1] < W.shape[0]:
        raise ValueError(f"W_h: expected shape (H, H + D) with H >= 1, D >= 0, got {tuple(W.shape)}")
    return finite("W_h", W[:, : W.shape[0]])   # before LAPACK, which fails on NaN with a message of its own


def largest_singular_value(W_h) -> float:
    r""":math:`\lambda_1 = \|W_{hh}\|_2`, the largest singular value of the recurrent block of ``W_h``."""
    return float(np.linalg.svd(recurrent_block(W_h), compute_uv=False)[0])


def spectral_radius(W_h) -> float:
    r""":math:`\rho(W_{hh}) = \max_i |\mu_i|`, the largest eigenvalue modulus of the recurrent block
    (:math:`\le \lambda_1`)."""
    return float(np.max(np.abs(np.linalg.eigvals(recurrent_block(W_h)))))


def _gamma(activation: str) -> float:
    if not isinstance(activation, str):
        raise ArgumentTypeError(f"activation: expected one of {', '.join(map(repr, GAMMA))}, "
                                f"got {type(activation).__name__} {activation!r}")
    if activation not in GAMMA:
        raise ValueError(f"activation: expected one of {', '.join(map(repr, GAMMA))}, got {activation!r}")
    return GAMMA[activation]


def critical_singular_value(activation: str = "tanh") -> float:
    r"""The threshold :math:`1/\gamma`: :math:`\lambda_1` below it is sufficient for vanishing (1 for tanh, 4 for
    sigmoid)."""
    return 1.0 / _gamma(activation)


def pascanu_bound(lambda_1, distance, activation: str = "tanh") -> np.ndarray:
    r"""Upper bound :math:`\|\partial h_T / \partial h_t\| \le (\gamma \lambda_1)^{T-t}` with ``distance`` = T - t.

    ``lambda_1`` is a number (the largest singular value of :math:`W_{hh}`) or a weight ``W_h`` to read it from;
    ``distance`` is a non-negative number or array of them. Returns an array shaped like ``distance``. A bound
    beyond the largest float (``lambda_1=2, distance=2000``) is ``inf``, the true limit, without a warning.
    """
    gamma = _gamma(activation)
    if isinstance(lambda_1, Mapping) or np.ndim(lambda_1) == 2:
        lambda_1 = largest_singular_value(lambda_1)
    elif np.ndim(lambda_1) > 0:
        raise ValueError(f"lambda_1: expected a number or a weight W_h of shape (H, H + D), got an array of shape "
                         f"{np.shape(lambda_1)}")
    if isinstance(lambda_1, (bool, str, bytes)) or not isinstance(lambda_1, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(f"lambda_1: expected a number or a weight W_h, got {type(lambda_1).__name__} "
                                f"{lambda_1!r}")
    lambda_1 = float(lambda_1)
    if not np.isfinite(lambda_1) or lambda_1 < 0:
        raise ValueError(f"lambda_1: expected a finite non-negative number, got {lambda_1!r}")
    d = real_array("distance", distance, np.float64)
    if np.any(d < 0) or not np.all(np.isfinite(d)):
        raise ValueError("distance: expected finite non-negative step counts T - t")
    with np.errstate(over="ignore"):             # an overflow is the bound's true value, +inf
        return (gamma * lambda_1) ** d


# --------------------------------------------------------------------------------------------------------------
# Jacobians along a sequence
# --------------------------------------------------------------------------------------------------------------
def _hidden_states(hs, W_h):
    """Validated ``hs`` (T, B, H) and ``W_hh`` (H, H) in a common dtype."""
    W_hh = recurrent_block(W_h)
    H = W_hh.shape[0]
    dtype = compute_dtype(hs, W_hh)
    hs = real_array("hs", hs, dtype)
    check_shape("hs", hs, (None, None, H), "T, B, H")
    if hs.shape[0] == 0 or hs.shape[1] == 0:
        raise ValueError(f"hs: expected at least one step and one sequence, got shape {tuple(hs.shape)}")
    finite("hs", hs)
    if np.abs(hs).max() > 1:                    # tanh states lie in [-1, 1]; anything else is not an RNN's hs
        idx = tuple(int(i) for i in np.argwhere(np.abs(hs) > 1)[0])
        raise ValueError(f"hs: expected tanh hidden states, |h| <= 1, got {hs[idx]} at index {idx}")
    return hs, W_hh.astype(dtype, copy=False)


def step_jacobians(hs, W_h) -> np.ndarray:
    r"""Every step Jacobian :math:`J_t = \partial h_t / \partial h_{t-1} = \mathrm{diag}(1 - h_t^2)\, W_{hh}`.

    ``hs``: (T, B, H), the states ``h_1..h_T`` from :func:`~lstm_utils.rnn_forward`; ``W_h``: (H, H + D) or a
    params dict. Returns ``J`` of shape (T, B, H, H) with ``J[t - 1]`` = :math:`J_t`.
    """
    hs, W_hh = _hidden_states(hs, W_h)
    # diag(1 - h^2) @ W_hh scales row i of W_hh by 1 - h_i^2: a broadcast, no diagonal matrix needed.
    return (1.0 - hs**2)[..., :, None] * W_hh


def jacobian_product(hs, W_h, t: int) -> np.ndarray:
    r""":math:`\partial h_T / \partial h_t = J_T J_{T-1} \cdots J_{t+1}` for one ``t`` in 0..T, shape (B, H, H).

    ``t = T`` gives the identity; ``t = 0`` differentiates with respect to the initial state ``h0``.
    """
    hs, W_hh = _hidden_states(hs, W_h)
    T, B, H = hs.shape
    if not isinstance(t, (int, np.integer)) or isinstance(t, bool) or not 0 <= t <= T:
        raise ValueError(f"t: expected an integer step in 0..T = 0..{T}, got {t!r}")
    P = np.broadcast_to(np.eye(H, dtype=hs.dtype), (B, H, H)).copy()
    for k in range(T, t, -1):                       # multiply on the right by J_T, then J_{T-1}, ...
        P = P @ ((1.0 - hs[k - 1] ** 2)[:, :, None] * W_hh)
    return P


def jacobian_norms(hs, W_h) -> np.ndarray:
    r"""Spectral norms :math:`\|\partial h_T / \partial h_t\|_2` for every t = 0..T and every sequence.

    Returns an array of shape (T + 1, B) indexed by the step t itself: row ``T`` is 1 (the identity), row ``T - 50``
    is the norm 50 steps back, row 0 is the norm with respect to ``h0``. Computed in one backward sweep,
    :math:`\partial h_T/\partial h_{t-1} = (\partial h_T/\partial h_t)\, J_t`.
    """
    hs, W_hh = _hidden_states(hs, W_h)
    T, B, H = hs.shape
    P = np.broadcast_to(np.eye(H, dtype=hs.dtype), (B, H, H)).copy()
    products = np.empty((T + 1, B, H, H), dtype=hs.dtype)
    products[T] = P
    with np.errstate(over="ignore", invalid="ignore"):      # checked below, by name
        for t in range(T, 0, -1):
            P = P @ ((1.0 - hs[t - 1] ** 2)[:, :, None] * W_hh)
            products[t - 1] = P
    if not np.isfinite(products).all():
        raise ValueError(f"W_h: expected a recurrent block whose Jacobian products stay finite over {T} steps, got "
                         f"entries up to {float(np.abs(W_hh).max()):.3g} (they overflow)")
    # Largest singular value of each (H, H) product; one batched SVD is faster than T * B small ones.
    return np.linalg.svd(products, compute_uv=False)[..., 0]


# --------------------------------------------------------------------------------------------------------------
# What backpropagation through time carries
# --------------------------------------------------------------------------------------------------------------
def hidden_state_grads(dhs, cache) -> np.ndarray:
    r"""The total gradient :math:`\partial L / \partial h_t` that BPTT holds at every t = 0..T, shape (T + 1, B, H).

    ``dhs`` and ``cache`` are those of :func:`~lstm_utils.rnn_backward`. The recurrence it runs is

    .. math:: \frac{\partial L}{\partial h_{t-1}} = \mathrm{dhs}_{t-1}
              + \left(\frac{\partial L}{\partial h_t} \odot (1 - h_t^2)\right) W_{hh},

    i.e. a row vector multiplied by :math:`J_t` at every step back. Row ``t`` is :math:`\partial L/\partial h_t`
    (row 0 is ``dh0``, equal to what ``rnn_backward`` returns).
    """
    hs, W_h = _rnn_cache(cache)
    T, B, H = hs.shape
    dhs = real_array("dhs", dhs, hs.dtype)
    check_shape("dhs", dhs, hs.shape, "T, B, H")
    finite("dhs", dhs)
    W_hh = W_h[:, :H]
    out = np.empty((T + 1, B, H), dtype=hs.dtype)
    dh_next = np.zeros((B, H), dtype=hs.dtype)      # what step t + 1 sends back to h_t
    for t in range(T, 0, -1):
        out[t] = dhs[t - 1] + dh_next
        dh_next = (out[t] * (1.0 - hs[t - 1] ** 2)) @ W_hh   # backprop through tanh, then through W_hh
    out[0] = dh_next
    return out


def _rnn_cache(cache):
    """``(hs, W_h)`` from the cache of :func:`~lstm_utils.rnn_forward`; another cell's cache, or none, is refused.

    Reads the cache as a dict with the states ``hs`` (T, B, H) and the ``params``, or as the per-step caches (a
    list, or a dict with key ``"steps"``) whose ``h`` are the states.
    """
    what = "the cache returned by rnn_forward"
    steps = cache.get("steps") if isinstance(cache, Mapping) and "hs" not in cache else cache
    if isinstance(cache, Mapping) and "hs" in cache and "params" in cache:
        hs, params = cache["hs"], cache["params"]
    elif isinstance(steps, (list, tuple)) and steps and all(isinstance(c, Mapping) and "h" in c and "params" in c
                                                           for c in steps):
        hs, params = np.stack([c["h"] for c in steps]), steps[0]["params"]
    else:
        got = (f"a dict with keys {', '.join(map(str, cache)) or 'none'}" if isinstance(cache, Mapping)
               else type(cache).__name__)
        raise ArgumentTypeError(f"cache: expected {what} (with the states 'hs' and the 'params'), got {got}")
    if not isinstance(params, Mapping) or set(params) != {"W_h", "b_h"}:
        keys = ", ".join(map(str, params)) if isinstance(params, Mapping) else type(params).__name__
        raise ValueError(f"cache: expected {what}, whose params are W_h, b_h; got the cache of a cell with "
                         f"params {keys}")
    hs = np.asarray(hs)
    if hs.ndim != 3:
        raise ValueError(f"cache: expected {what}, whose states are (T, B, H); got shape {hs.shape}")
    return hs, np.asarray(params["W_h"])


def bptt_grad_norms(dhs, cache) -> np.ndarray:
    r"""Euclidean norms :math:`\|\partial L / \partial h_t\|` for every t = 0..T and sequence, shape (T + 1, B)."""
    return np.linalg.norm(hidden_state_grads(dhs, cache), axis=-1)


# --------------------------------------------------------------------------------------------------------------
# Averaging norms over sequences
# --------------------------------------------------------------------------------------------------------------
def geometric_mean(values, axis=0) -> np.ndarray:
    r"""The geometric mean :math:`\exp(\overline{\log v})` of non-negative ``values`` along ``axis``.

    The right average for quantities that decay or grow exponentially, such as gradient norms over sequences: the
    arithmetic mean of 1e-3 and 1e-9 is 5e-4, dominated by the larger one, while their geometric mean is 1e-6, the
    typical order of magnitude (the mean of the straight lines on a log axis).

    Parameters
    ----------
    values : array_like
        Finite, non-negative numbers, e.g. ``jacobian_norms(hs, W_h)`` of shape (T + 1, B). A zero (a norm that
        underflowed) makes the mean along its axis zero.
    axis : int, tuple of ints or None
        The axis (or axes) to average over, e.g. the sequences; ``None``: all of them. Default 0.

    Returns
    -------
    ndarray
        ``values`` with ``axis`` removed (a 0-d array for ``axis=None``), float64 (float32 stays float32).
    """
    dtype = compute_dtype(values)
    v = real_array("values", values, dtype)
    if v.size == 0:
        raise ValueError(f"values: expected at least one value, got shape {tuple(v.shape)}")
    bad = ~np.isfinite(v) | (v < 0)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"values: expected finite non-negative numbers, got {float(v[first])!r} at index {first}")
    if axis is not None:
        axes = axis if isinstance(axis, tuple) else (axis,)
        for a in axes:
            if isinstance(a, bool) or not isinstance(a, (int, np.integer)) or not -v.ndim <= a < v.ndim:
                raise ValueError(f"axis: expected None or integer axes of an array of shape {tuple(v.shape)}, "
                                 f"got {axis!r}")
    with np.errstate(divide="ignore"):                 # log 0 = -inf, and exp(-inf) = 0: a zero gives zero
        return np.exp(np.mean(np.log(v), axis=axis))


# --------------------------------------------------------------------------------------------------------------
# Global-norm clipping
# --------------------------------------------------------------------------------------------------------------
def _gradient_arrays(grads):
    """The gradient dict's arrays, real and finite, each in its own float dtype."""
    if not isinstance(grads, Mapping):
        raise ArgumentTypeError(f"grads: expected a non-empty dict of gradient arrays, got {type(grads).__name__}")
    if len(grads) == 0:
        raise ValueError("grads: expected a non-empty dict of gradient arrays, got an empty dict")
    out = {}
    for k, g in grads.items():
        a = real_array(f"grads[{k!r}]", g, compute_dtype(g))
        out[k] = finite(f"grads[{k!r}]", a)
    return out


# Below this largest entry, squares neither overflow nor underflow to zero in float64, and the norm is summed
# directly (the rounding of every training run stays what it was); beyond it, the arrays are scaled first.
_SAFE = (1e-140, 1e140)


def _scaled_norm(arrays):
    r"""``(s, r)`` with the global norm = ``s * r``, computed without overflow or underflow.

    Within :data:`_SAFE`, ``s = 1`` and ``r`` is the plain :math:`\sqrt{\sum g^2}`; otherwise ``s`` is the largest
    entry in absolute value and ``r`` the norm of ``g / s`` (at most a few units, never overflowing).
    """
    s = max((float(np.max(np.abs(a))) for a in arrays.values() if a.size), default=0.0)
    if s == 0.0:
        return 1.0, 0.0
    if _SAFE[0] < s < _SAFE[1]:
        s = 1.0
    total = 0.0
    for a in arrays.values():
        total += float(np.sum((a.astype(np.float64) / s) ** 2))
    return s, float(np.sqrt(total))


def global_norm(grads) -> float:
    r""":math:`\|g\| = \sqrt{\sum_k \|g_k\|^2}` over every array of the dict ``grads``, as one vector.

    When the largest entry :math:`s` (in absolute value) lies beyond 1e140 or below 1e-140, computed as
    :math:`s \sqrt{\sum_k \|g_k / s\|^2}`, so gradients near 1e200 do not overflow when squared (nor tiny ones
    underflow); otherwise summed directly. A NaN or infinite entry raises
    ``ValueError`` naming the key and the index.
    """
    s, r = _scaled_norm(_gradient_arrays(grads))
    with np.errstate(over="ignore"):
        return float(np.float64(s) * r)       # inf only if the norm itself exceeds the largest float64


def clip_grad_norm(grads, max_norm):
    r"""Global-norm clipping: :math:`g \leftarrow c\, g / \|g\|` when :math:`\|g\| > c`, all parameters together.

    Returns ``(clipped, norm)``: a new dict (the input is not modified) and the global norm *before* clipping.
    Every array is scaled by the same factor, so the direction of the whole gradient is kept; only its length
    changes. Clipping can shrink an exploding gradient; it cannot enlarge one that has vanished.

    The factor :math:`c / \|g\|` is applied as :math:`(c / r)` times :math:`g / s` with :math:`\|g\| = s r`
    (see :func:`global_norm`), so the direction survives even when :math:`\|g\|` itself overflows. A NaN or
    infinite gradient raises ``ValueError`` (clipping cannot give it a direction).
    """
    if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(f"max_norm: expected a finite positive number, got {type(max_norm).__name__} "
                                f"{max_norm!r}")
    if not np.isfinite(max_norm) or max_norm <= 0:
        raise ValueError(f"max_norm: expected a finite positive number, got {max_norm!r}")
    arrays = _gradient_arrays(grads)
    s, r = _scaled_norm(arrays)
    with np.errstate(over="ignore"):
        norm = float(np.float64(s) * r)
    clipped = {}
    for k, a in arrays.items():
        if norm > max_norm and s != 1.0:
            # c g / ||g|| = (c / r) (g / s): every factor finite, whatever the size of g
            clipped[k] = ((a.astype(np.float64) / s) * (float(max_norm) / r)).astype(a.dtype)
        else:
            clipped[k] = a * a.dtype.type(float(max_norm) / norm if norm > max_norm else 1.0)
    return clipped, norm
