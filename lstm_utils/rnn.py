r"""The vanilla (Elman) recurrent network, forward and backward.

Notation (chapter 01, and the book's notation page):

* ``T`` steps, ``B`` sequences in a batch, ``D`` input features, ``H`` hidden units.
* ``xs``: inputs, shape ``(T, B, D)``, time-major; ``h0`` and every ``h_t``: shape ``(B, H)``.
* ``z_t = [h_{t-1}, x_t]``: the previous hidden state and the input, concatenated (hidden first), shape ``(B, H + D)``.
* ``W_h``: shape ``(H, H + D)``; ``b_h``: shape ``(H,)``.

Equation
--------
.. math:: h_t = \tanh(W_h \cdot [h_{t-1}, x_t] + b_h)

Code: :func:`rnn_step` and :func:`rnn_forward` run the same private step, :func:`_step`; :func:`rnn_forward`
validates once, computes the input half of the product for all steps in one matrix product, and loops. The caches
hold the same named values (:data:`STEP_KEYS`): one step's in the step cache, every step's (stacked on a leading
T axis) in the sequence cache. The backward passes run :func:`_step_backward` back over the steps.

Introduced in chapter 01 (``notebooks/01_vanilla_rnn.ipynb``).
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    ArgumentTypeError,
    as_rng,
    cell_keys,
    cell_params,
    check_cache,
    check_gradient,
    check_sequence,
    check_sizes,
    check_state,
    check_step_input,
    compute_dtype,
    float_dtype,
    gate_weight,
    number,
)

PARAM_KEYS = sum(cell_keys("rnn"), ())                   # ("W_h", "b_h")
STEP_KEYS = ("x", "h_prev", "h")
"""The per-step values in both caches: the step's input, the state it starts from and the state it makes."""


def init_rnn(input_size, hidden_size, *, rng=None, scale=None, recurrent="normal", dtype=np.float64):
    """Parameters ``{"W_h": (H, H + D), "b_h": (H,)}``; entries of ``W_h`` from N(0, scale²), ``b_h`` zero.

    ``scale`` defaults to 1/sqrt(H + D). ``rng`` is ``None``, an integer seed or a ``numpy.random.Generator``.
    ``recurrent="identity"`` then replaces the recurrent block ``W_h[:, :H]`` by the identity matrix, the start of
    Le, Jaitly & Hinton (2015): at h = 0 the step Jacobian is then the identity, so at the start of training the
    gradient neither shrinks nor grows from step to step. The input block is drawn as before from the same ``rng``,
    so the two starts differ in the recurrent block only.
    """
    D, H = check_sizes(input_size, hidden_size)
    if not isinstance(recurrent, str) or recurrent not in ("normal", "identity"):
        raise ValueError(f"recurrent: expected 'normal' or 'identity', got {recurrent!r}")
    rng = as_rng(rng)
    W_h = gate_weight(rng, H, D, scale, dtype)
    if recurrent == "identity":
        W_h[:, :H] = np.eye(H, dtype=dtype)
    return {"W_h": W_h, "b_h": np.zeros(H, dtype=dtype)}


def init_rnn_spectral(input_size, hidden_size, *, largest_singular_value=None, spectral_radius=None,
                      orthogonal=False, input_scale=None, rng=None, dtype=np.float64):
    r"""RNN parameters ``{"W_h", "b_h"}`` whose recurrent block has a chosen :math:`\lambda_1` or :math:`\rho`.

    Give exactly one of ``largest_singular_value`` and ``spectral_radius``. :math:`W_{hh}` is drawn with entries
    from N(0, 1/H) (or, with ``orthogonal=True``, as a random orthogonal matrix, whose singular values and
    eigenvalue moduli are all equal, so :math:`\lambda_1 = \rho` = every singular value) and rescaled to the target.
    The input block :math:`W_x` has entries from N(0, input_scale²) (default 1/sqrt(D)); ``b_h`` is zero.
    Chapter 02 uses it to set the one number that decides whether gradients vanish or explode.

    Returns
    -------
    dict
        ``W_h`` (H, H + D) and ``b_h`` (H,), in ``dtype`` (float32 or float64).
    """
    D, H = check_sizes(input_size, hidden_size)
    if (largest_singular_value is None) == (spectral_radius is None):
        raise ValueError("init_rnn_spectral: give exactly one of largest_singular_value and spectral_radius, "
                         f"got largest_singular_value={largest_singular_value!r}, spectral_radius={spectral_radius!r}")
    name, target = (("largest_singular_value", largest_singular_value) if spectral_radius is None
                    else ("spectral_radius", spectral_radius))
    if isinstance(target, bool) or not isinstance(target, (int, float, np.integer, np.floating)) \
            or not np.isfinite(target) or target < 0:
        raise ValueError(f"{name}: expected a finite non-negative number, got {target!r}")
    if not isinstance(orthogonal, (bool, np.bool_)):
        raise ArgumentTypeError(f"orthogonal: expected True or False, got {orthogonal!r}")
    std = 1.0 / np.sqrt(D) if input_scale is None else number("input_scale", input_scale, low=0.0)
    dtype = float_dtype("dtype", dtype)
    rng = as_rng(rng)
    A = rng.normal(0.0, 1.0 / np.sqrt(H), size=(H, H))
    if orthogonal:
        Q, R = np.linalg.qr(A)
        A = Q * np.sign(np.diag(R))            # sign fix: Haar-distributed orthogonal matrix
    current = (np.linalg.svd(A, compute_uv=False)[0] if spectral_radius is None
               else np.max(np.abs(np.linalg.eigvals(A))))
    W_hh = A * (float(target) / current)
    W_x = rng.normal(0.0, std, size=(H, D))
    return {"W_h": np.concatenate([W_hh, W_x], axis=1).astype(dtype), "b_h": np.zeros(H, dtype=dtype)}


def _rnn_params(params, dtype):
    return cell_params(params, "rnn", dtype)


def _split(W_h, H):
    """The columns of ``W_h`` that read :math:`h_{t-1}`, ``W_hh`` (H, H), and :math:`x_t`, ``W_x`` (H, D), each its
    own contiguous array."""
    return np.ascontiguousarray(W_h[:, :H]), np.ascontiguousarray(W_h[:, H:])


# ----------------------------------------------------------------------------------------------------------------
# One step: the equation. Unvalidated; the public functions validate once.
# ----------------------------------------------------------------------------------------------------------------
def _step(a_x, h_prev, W_hh):
    """:math:`h_t = \\tanh(W_{hh} h_{t-1} + a_x)` with the input projection ``a_x = x_t W_x^T + b_h`` (B, H)."""
    return np.tanh(a_x + h_prev @ W_hh.T)


def _step_backward(dh, h, W_hh):
    """From :math:`\\delta h_t` and :math:`h_t`: the gradient on the pre-activation, :math:`\\delta a_t = \\delta h_t
    (1 - h_t^2)` (tanh' = 1 - tanh²), and on :math:`h_{t-1}`, :math:`\\delta a_t W_{hh}`."""
    da = dh * (1.0 - h**2)
    return da, da @ W_hh


def _gradients(da, x, h_prev, W_x):
    """Parameter and input gradients from the pre-activation gradients of every step, ``da`` (T, B, H):
    :math:`\\delta W_h = \\sum_t \\delta a_t^\\top [h_{t-1}, x_t]`, :math:`\\delta b_h = \\sum_t \\delta a_t`,
    :math:`\\delta x_t = \\delta a_t W_x`, each one matrix product over all steps."""
    T, B, H = da.shape
    da2 = da.reshape(T * B, H)
    hx = np.concatenate([h_prev, x], axis=2).reshape(T * B, -1)   # [h_{t-1}, x_t] of every step
    grads = {"W_h": da2.T @ hx, "b_h": da2.sum(axis=0)}
    return grads, (da2 @ W_x).reshape(T, B, -1)


# ----------------------------------------------------------------------------------------------------------------
# Public functions
# ----------------------------------------------------------------------------------------------------------------
def rnn_step(x_t, h_prev, params):
    r"""One step, :math:`h_t = \tanh(W_h \cdot [h_{t-1}, x_t] + b_h)`.

    Parameters
    ----------
    x_t : array (B, D)
    h_prev : array (B, H) or None
        :math:`h_{t-1}`; ``None`` means zeros.
    params : dict
        ``W_h`` (H, H + D) and ``b_h`` (H,), as from :func:`init_rnn`.

    Returns
    -------
    h_t : array (B, H)
    cache : dict
        For :func:`rnn_step_backward`: ``x`` (B, D), ``h_prev``, ``h`` (B, H) and the validated ``params``.
    """
    dtype = compute_dtype(x_t)
    p, H, D = _rnn_params(params, dtype)
    x_t = check_step_input(x_t, D, dtype)
    h_prev = check_state("h_prev", h_prev, x_t.shape[0], H, dtype)
    W_hh, W_x = _split(p["W_h"], H)
    h_t = _step(x_t @ W_x.T + p["b_h"], h_prev, W_hh)
    return h_t, {"x": x_t, "h_prev": h_prev, "h": h_t, "params": p, "made_by": "rnn_step"}


def rnn_step_backward(dh_t, cache):
    r"""Backward of :func:`rnn_step`.

    Parameters
    ----------
    dh_t : array (B, H)
        :math:`\partial L / \partial h_t`.
    cache : dict
        The cache returned by :func:`rnn_step`.

    Returns
    -------
    grads : dict
        ``W_h`` (H, H + D), ``b_h`` (H,).
    dx_t : array (B, D)
    dh_prev : array (B, H)

    Equations
    ---------
    With :math:`a = W_h [h_{t-1}, x_t] + b_h` and :math:`\tanh' = 1 - \tanh^2`:
    :math:`\partial L/\partial a = \partial L/\partial h_t \odot (1 - h_t^2)`,
    :math:`\partial L/\partial W_h = (\partial L/\partial a)^\top [h_{t-1}, x_t]`,
    :math:`\partial L/\partial [h_{t-1}, x_t] = (\partial L/\partial a) W_h`, split into ``dh_prev`` and ``dx_t``.
    """
    cache = check_cache(cache, "rnn_step")
    h_t = cache["h"]
    dh_t = check_gradient("dh_t", dh_t, h_t.shape, "B, H", h_t.dtype)
    W_hh, W_x = _split(cache["params"]["W_h"], h_t.shape[1])
    da, dh_prev = _step_backward(dh_t, h_t, W_hh)
    grads, dx = _gradients(da[None], cache["x"][None], cache["h_prev"][None], W_x)
    return grads, dx[0], dh_prev


def rnn_forward(xs, h0, params):
    r"""Run the RNN over a sequence: :func:`rnn_step` for t = 1..T.

    Parameters
    ----------
    xs : array (T, B, D)
        The inputs, time-major. Integer and boolean arrays are converted to float64; float32 data is computed in
        float32 (the parameters are cast to it).
    h0 : array (B, H) or None
        The initial state; ``None`` means zeros.
    params : dict
        ``W_h`` (H, H + D) and ``b_h`` (H,), as from :func:`init_rnn`.

    Returns
    -------
    hs : array (T, B, H)
        :math:`h_1, \dots, h_T`.
    cache : dict
        For :func:`rnn_backward`: the step values for every step, stacked, ``x`` (T, B, D) (the same array as
        ``xs``), ``h_prev`` and ``h`` (T, B, H); also ``xs``, ``h0``, ``hs`` (= ``h``) and the validated ``params``.
        ``h_prev`` and ``h`` are views of one array of the states :math:`h_0..h_T`: the returned ``hs`` is the
        cache's own array, so writing into it changes what :func:`rnn_backward` computes.

    Equations
    ---------
    .. math:: h_t = \tanh(W_h \cdot [h_{t-1}, x_t] + b_h) = \tanh(W_{hh} h_{t-1} + W_x x_t + b_h), \quad t = 1..T,

    with :math:`h_0` = ``h0`` and :math:`W_h = [W_{hh}, W_x]`. The input half :math:`W_x x_t + b_h` does not depend
    on the past, so it is computed for all steps in one product before the loop.
    """
    dtype = compute_dtype(xs)
    p, H, D = _rnn_params(params, dtype)
    xs = check_sequence(xs, D, dtype)
    T, B, _ = xs.shape
    h0 = check_state("h0", h0, B, H, dtype)
    W_hh, W_x = _split(p["W_h"], H)
    a_xs = xs @ W_x.T + p["b_h"]                               # (T, B, H): the input projections of all steps
    states = np.empty((T + 1, B, H), dtype=dtype)             # h_0..h_T, filled step by step
    states[0] = h0
    for t in range(T):
        states[t + 1] = _step(a_xs[t], states[t], W_hh)
    hs = states[1:]
    cache = {"x": xs, "h_prev": states[:-1], "h": hs, "xs": xs, "h0": h0, "hs": hs, "params": p,
             "made_by": "rnn_forward"}
    return hs, cache


def rnn_backward(dhs, cache):
    r"""Backpropagation through time for :func:`rnn_forward`.

    Parameters
    ----------
    dhs : array (T, B, H)
        The gradient of the loss with respect to every hidden state *from outside* the recurrence (zeros where the
        loss does not read :math:`h_t`).
    cache : dict
        The cache returned by :func:`rnn_forward`.

    Returns
    -------
    grads : dict
        ``W_h`` (H, H + D), ``b_h`` (H,).
    dxs : array (T, B, D)
    dh0 : array (B, H)

    Equations
    ---------
    Going back from t = T, the total gradient on :math:`h_t` is ``dhs[t]`` plus what step t+1 sends back;
    :math:`\delta_t = (\partial L/\partial h_t) \odot (1 - h_t^2)` and
    :math:`\partial L/\partial h_{t-1} \mathrel{+}= \delta_t W_{hh}`. Parameter and input gradients are sums over
    steps, formed after the loop, one matrix product each.
    """
    cache = check_cache(cache, "rnn_forward")
    hs = cache["h"]
    T, B, H = hs.shape
    dhs = check_gradient("dhs", dhs, hs.shape, "T, B, H", hs.dtype)
    W_hh, W_x = _split(cache["params"]["W_h"], H)
    das = np.empty((T, B, H), dtype=hs.dtype)                 # the pre-activation gradients, filled going back
    dh_next = np.zeros((B, H), dtype=hs.dtype)                # what step t+1 sends back to h_t
    for t in range(T - 1, -1, -1):
        das[t], dh_next = _step_backward(dhs[t] + dh_next, hs[t], W_hh)
    grads, dxs = _gradients(das, cache["x"], cache["h_prev"], W_x)
    return grads, dxs, dh_next
