r"""The LSTM cell (with forget gate, Gers et al. 2000), forward and backward.

Notation as in :mod:`lstm_utils.rnn`; ``c0`` and every ``C_t`` have shape ``(B, H)`` like the hidden state.
Parameters: ``W_f, W_i, W_c, W_o`` of shape ``(H, H + D)`` and ``b_f, b_i, b_c, b_o`` of shape ``(H,)``.

Equations, in the book's notation:

.. math::

    f_t &= \sigma(W_f \cdot [h_{t-1}, x_t] + b_f), \quad
    i_t  = \sigma(W_i \cdot [h_{t-1}, x_t] + b_i), \\
    o_t &= \sigma(W_o \cdot [h_{t-1}, x_t] + b_o), \quad
    \tilde C_t = \tanh(W_C \cdot [h_{t-1}, x_t] + b_C), \\
    C_t &= f_t \odot C_{t-1} + i_t \odot \tilde C_t, \quad h_t = o_t \odot \tanh(C_t)

Code: :func:`lstm_step` and :func:`lstm_step_backward` are chapter 07's equations, one line each: the forward's
six (f, i, C̃, o, C, h), the backward's named gradients (δo, δC, δf, δi, δC̃, then δa for each gate and the weight
gradients). :func:`lstm_forward` / :func:`lstm_backward`, the sequence functions used from chapter 07 on, compute
the same numbers on a private, fused path: the four gate weights stacked into one ``(4H, H + D)`` matrix in the
order f, i, C̃, o (:data:`GATES`), the inputs of all steps projected in one matrix product, then a loop over the
private :func:`_step` (one matrix product per step) and back over :func:`_step_backward`. Both caches hold the same
named values (:data:`STEP_KEYS`): one step's in the step cache, every step's, stacked on a leading T axis, in the
sequence cache. Every public function checks its arguments once (:mod:`lstm_utils._checks`), then computes.
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    CELL_GATES,
    as_rng,
    cell_keys,
    cell_params,
    check_bias,
    check_cache,
    check_gradient,
    check_sequence,
    check_sizes,
    check_state,
    check_step_input,
    compute_dtype,
    gate_weight,
)
from .activations import sigmoid

#: The LSTM's gates in the package's one order, ``("f", "i", "c", "o")``: the rows of the fused weight and every
#: loop over gates follow it (``to_torch_layout`` reorders them to PyTorch's i, f, g, o).
GATES = CELL_GATES["lstm"]
WEIGHT_KEYS, BIAS_KEYS = cell_keys("lstm")
STEP_KEYS = ("x", "h_prev", "c_prev", "f", "i", "c_tilde", "o", "tanh_c")
"""The per-step values in both caches: the step's input and starting states, its gates and :math:`\\tanh C_t`."""


def init_lstm(input_size, hidden_size, *, rng=None, forget_bias=1.0, input_bias=0.0, scale=None,
              dtype=np.float64):
    """Parameters of an LSTM: weights from N(0, scale²) (default scale 1/sqrt(H + D)), biases zero except ``b_f``.

    Parameters
    ----------
    input_size, hidden_size : int
        ``D`` and ``H``, positive.
    rng : None, int or numpy.random.Generator
        The source of the random weights (``None``: fresh entropy).
    forget_bias : float
        ``b_f`` (default 1, as Jozefowicz et al. 2015 recommend): starts the forget gate near σ(1) ≈ 0.73, so the
        cell keeps most of its content before training has taught it what to keep.
    input_bias : float
        ``b_i`` (default 0). A negative value starts the input gate nearly closed, σ(-3) ≈ 0.05, so that the cell
        writes little until training opens the gate (chapter 10 compares this start with the GRU's, whose coupled
        gate writes little when it keeps much).
    scale : float, optional
        Standard deviation of the weights' entries.
    dtype : numpy floating dtype

    Returns
    -------
    dict
        ``W_f, b_f, W_i, b_i, W_c, b_c, W_o, b_o``: weights (H, H + D), biases (H,).
    """
    D, H = check_sizes(input_size, hidden_size)
    start = {"f": check_bias("forget_bias", forget_bias), "i": check_bias("input_bias", input_bias)}
    rng = as_rng(rng)
    params = {}
    for g in GATES:
        params[f"W_{g}"] = gate_weight(rng, H, D, scale, dtype)
        params[f"b_{g}"] = np.full(H, start.get(g, 0.0), dtype=dtype)
    return params


def _lstm_params(params, dtype):
    return cell_params(params, "lstm", dtype)


def fuse_params(p):
    """The four gate weights stacked in the order f, i, C̃, o: ``W`` (4H, H + D) and ``b`` (4H,)."""
    W = np.concatenate([p[k] for k in WEIGHT_KEYS], axis=0)
    b = np.concatenate([p[k] for k in BIAS_KEYS], axis=0)
    return W, b


def _split(W, H):
    """The columns of the fused ``W`` that read :math:`h_{t-1}`, ``W_hh`` (4H, H), and :math:`x_t`, ``W_x`` (4H, D),
    each as its own array (a contiguous operand makes each step's product one BLAS call)."""
    return np.ascontiguousarray(W[:, :H]), np.ascontiguousarray(W[:, H:])


# ----------------------------------------------------------------------------------------------------------------
# The fused path of the sequence functions (private). Unvalidated; the public functions validate once.
# ----------------------------------------------------------------------------------------------------------------
def _step(a_x, h_prev, c_prev, W_hh):
    r"""One step from the input projection ``a_x = x_t W_x^T + b`` (B, 4H) and the states (B, H).

    ``W_hh`` (4H, H): the fused weights' columns that read :math:`h_{t-1}`. Returns :math:`h_t`, :math:`C_t` and the
    step's gates and :math:`\tanh C_t`.
    """
    H = h_prev.shape[1]
    a = a_x + h_prev @ W_hh.T                  # (B, 4H): the four pre-activations, blocks f, i, C~, o
    s = sigmoid(a)                             # σ of every block in one call, cheaper than three calls
    f, i, o = s[:, :H], s[:, H : 2 * H], s[:, 3 * H :]   # forget, input and output gates (σ of C~ unused)
    c_tilde = np.tanh(a[:, 2 * H : 3 * H])     # candidate
    c = f * c_prev + i * c_tilde               # cell state
    tanh_c = np.tanh(c)
    h = o * tanh_c                             # hidden state
    return h, c, {"f": f, "i": i, "c_tilde": c_tilde, "o": o, "tanh_c": tanh_c}


def _local_derivatives(v):
    r"""The partial derivatives of one step's outputs with respect to its pre-activations and its cell state, at
    the step values ``v`` of one step or of every step (any leading shape); with
    :math:`\sigma' = \sigma(1 - \sigma)` and :math:`\tanh' = 1 - \tanh^2`:

    * ``"h/C"``: :math:`\partial h_t / \partial C_t = o_t (1 - \tanh^2 C_t)`;
    * ``"C/a_f"``: :math:`\partial C_t / \partial a_f = C_{t-1}\, f_t (1 - f_t)`;
    * ``"C/a_i"``: :math:`\partial C_t / \partial a_i = \tilde C_t\, i_t (1 - i_t)`;
    * ``"C/a_c"``: :math:`\partial C_t / \partial a_C = i_t (1 - \tilde C_t^2)`;
    * ``"h/a_o"``: :math:`\partial h_t / \partial a_o = \tanh(C_t)\, o_t (1 - o_t)`.

    All elementwise (each is the diagonal of a diagonal Jacobian), and they depend on the forward pass only.
    """
    f, i, c_tilde, o, tanh_c = v["f"], v["i"], v["c_tilde"], v["o"], v["tanh_c"]
    return {"h/C": o * (1.0 - tanh_c**2),
            "C/a_f": v["c_prev"] * f * (1.0 - f),
            "C/a_i": c_tilde * i * (1.0 - i),
            "C/a_c": i * (1.0 - c_tilde**2),
            "h/a_o": tanh_c * o * (1.0 - o)}


def _step_backward(dh, dc, d, f, W_hh):
    r"""Backward of :func:`_step`, from :math:`\delta h_t` (``dh``), the gradient :math:`\delta C_t` arriving
    along the cell from step t+1 (``dc``), the step's local derivatives ``d`` (:func:`_local_derivatives`) and its
    forget gate ``f``.

    Returns the gradient on the four pre-activations ``da`` (B, 4H), order f, i, C̃, o, and on the starting
    states, :math:`\delta h_{t-1} = \delta a\, W_{hh}` and :math:`\delta C_{t-1} = \delta C_t\, f_t`.
    """
    dc = dc + dh * d["h/C"]                                    # C_t reaches the loss also through h_t
    da = np.concatenate([dc * d["C/a_f"], dc * d["C/a_i"], dc * d["C/a_c"], dh * d["h/a_o"]], axis=1)
    return da, da @ W_hh, dc * f


def _gradients(da, x, h_prev, W_x):
    r"""Parameter and input gradients from the pre-activation gradients of every step, ``da`` (T, B, 4H):
    :math:`\delta W = \sum_t \delta a_t^\top [h_{t-1}, x_t]`, :math:`\delta b = \sum_t \delta a_t` and
    :math:`\delta x_t = \delta a_t W_x`, each one matrix product over all steps."""
    T, B, H4 = da.shape
    H = H4 // 4
    da2 = da.reshape(T * B, H4)
    dW = np.concatenate([da2.T @ h_prev.reshape(T * B, H), da2.T @ x.reshape(T * B, -1)], axis=1)  # (4H, H + D)
    db = da2.sum(axis=0)
    grads = {}
    for k, (w, b) in enumerate(zip(WEIGHT_KEYS, BIAS_KEYS, strict=True)):
        grads[w] = dW[k * H : (k + 1) * H]
        grads[b] = db[k * H : (k + 1) * H]
    return grads, (da2 @ W_x).reshape(T, B, -1)


# ----------------------------------------------------------------------------------------------------------------
# Public functions
# ----------------------------------------------------------------------------------------------------------------
def lstm_step(x_t, h_prev, c_prev, params):
    r"""One LSTM step: chapter 07's six equations, one line each (the same as :mod:`lstm_utils.gates`' functions).

    Parameters
    ----------
    x_t : array (B, D)
    h_prev, c_prev : array (B, H) or None
        :math:`h_{t-1}` and :math:`C_{t-1}`; ``None`` means zeros.
    params : dict
        ``W_f, W_i, W_c, W_o`` (H, H + D) and ``b_f, b_i, b_c, b_o`` (H,), as from :func:`init_lstm`.

    Returns
    -------
    h_t, c_t : array (B, H)
    cache : dict
        For :func:`lstm_step_backward`: the values of :data:`STEP_KEYS`, ``x`` (B, D) and the others (B, H), and
        the validated ``params``.

    Equations
    ---------
    :math:`f_t, i_t, o_t = \sigma(W_g [h_{t-1}, x_t] + b_g)`, :math:`\tilde C_t = \tanh(W_C [h_{t-1}, x_t] + b_C)`,
    :math:`C_t = f_t C_{t-1} + i_t \tilde C_t`, :math:`h_t = o_t \tanh(C_t)`.
    """
    dtype = compute_dtype(x_t)
    p, H, D = _lstm_params(params, dtype)
    x_t = check_step_input(x_t, D, dtype)
    h_prev = check_state("h_prev", h_prev, x_t.shape[0], H, dtype)
    c_prev = check_state("c_prev", c_prev, x_t.shape[0], H, dtype)
    z = np.concatenate([h_prev, x_t], axis=1)                 # [h_{t-1}, x_t]
    f = sigmoid(z @ p["W_f"].T + p["b_f"])                     # forget gate
    i = sigmoid(z @ p["W_i"].T + p["b_i"])                     # input gate
    c_tilde = np.tanh(z @ p["W_c"].T + p["b_c"])               # candidate
    o = sigmoid(z @ p["W_o"].T + p["b_o"])                     # output gate
    c_t = f * c_prev + i * c_tilde                             # cell state
    tanh_c = np.tanh(c_t)
    h_t = o * tanh_c                                           # hidden state
    cache = {"x": x_t, "h_prev": h_prev, "c_prev": c_prev, "f": f, "i": i, "c_tilde": c_tilde, "o": o,
             "tanh_c": tanh_c, "params": p, "made_by": "lstm_step"}
    return h_t, c_t, cache


def lstm_step_backward(dh_t, dc_t, cache):
    r"""Backward of :func:`lstm_step`: chapter 07's named gradients, one line per equation.

    Parameters
    ----------
    dh_t : array (B, H)
        :math:`\partial L / \partial h_t`.
    dc_t : array (B, H) or None
        The gradient on :math:`C_t` arriving from step t+1 (``None``: zero).
    cache : dict
        The cache returned by :func:`lstm_step`.

    Returns
    -------
    grads : dict
        ``W_f, b_f, ..., W_o, b_o``, shapes as the parameters.
    dx_t : array (B, D)
    dh_prev, dc_prev : array (B, H)

    Equations
    ---------
    * :math:`h_t = o_t \tanh(C_t)` gives :math:`\delta o = \delta h \tanh C_t` and adds
      :math:`\delta h\, o_t (1 - \tanh^2 C_t)` to :math:`\delta C_t`;
    * :math:`C_t = f_t C_{t-1} + i_t \tilde C_t` gives :math:`\delta f = \delta C\, C_{t-1}`,
      :math:`\delta i = \delta C\, \tilde C_t`, :math:`\delta \tilde C = \delta C\, i_t` and
      :math:`\delta C_{t-1} = \delta C\, f_t`;
    * through the squashings :math:`\sigma' = \sigma(1-\sigma)`, :math:`\tanh' = 1 - \tanh^2`, then each
      pre-activation :math:`a_g = W_g [h_{t-1}, x_t] + b_g` gives :math:`\delta W_g = \delta a_g^\top [h_{t-1}, x_t]`
      and :math:`\delta [h_{t-1}, x_t] = \sum_g \delta a_g W_g`.
    """
    cache = check_cache(cache, "lstm_step")
    f, i, c_tilde, o, tanh_c = (cache[k] for k in ("f", "i", "c_tilde", "o", "tanh_c"))
    B, H = f.shape
    dh_t = check_gradient("dh_t", dh_t, (B, H), "B, H", f.dtype)
    dc_t = check_state("dc_t", dc_t, B, H, f.dtype)
    # h_t = o_t ⊙ tanh(C_t)
    d_o = dh_t * tanh_c
    dc = dc_t + dh_t * o * (1.0 - tanh_c**2)                   # δC_t: from step t+1, and through h_t
    # C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t
    d_f = dc * cache["c_prev"]
    d_i = dc * c_tilde
    d_c_tilde = dc * i
    dc_prev = dc * f                                           # along the cell state: f_t only
    # through the squashings, σ' = σ(1 - σ) and tanh' = 1 - tanh², to the pre-activations a_g
    d_a = {"f": d_f * f * (1.0 - f),
           "i": d_i * i * (1.0 - i),
           "c": d_c_tilde * (1.0 - c_tilde**2),
           "o": d_o * o * (1.0 - o)}
    # a_g = W_g · [h_{t-1}, x_t] + b_g
    z = np.concatenate([cache["h_prev"], cache["x"]], axis=1)
    grads, dz = {}, 0.0
    for g, da in d_a.items():
        grads[f"W_{g}"] = da.T @ z
        grads[f"b_{g}"] = da.sum(axis=0)
        dz = dz + da @ cache["params"][f"W_{g}"]               # δ[h_{t-1}, x_t]: a sum over the four gates
    return grads, dz[:, H:], dz[:, :H], dc_prev


def lstm_forward(xs, h0, c0, params):
    r"""Run the LSTM over a sequence: the equations of :func:`lstm_step` for t = 1..T, on the fused path.

    Parameters
    ----------
    xs : array (T, B, D)
        The inputs, time-major. Integer and boolean arrays are converted to float64; float32 data is computed in
        float32 (the parameters are cast to it).
    h0, c0 : array (B, H) or None
        The initial states; ``None`` means zeros.
    params : dict
        ``W_f, W_i, W_c, W_o`` (H, H + D) and ``b_f, b_i, b_c, b_o`` (H,), as from :func:`init_lstm`.

    Returns
    -------
    hs, cs : array (T, B, H)
        The hidden and cell states :math:`h_1..h_T`, :math:`C_1..C_T`.
    cache : dict
        For :func:`lstm_backward`: the values of :data:`STEP_KEYS` for every step, stacked, ``x`` (T, B, D) (the same
        array as ``xs``) and the others (T, B, H); also ``xs``, ``h0``, ``c0``, ``hs``, ``cs`` and the validated
        ``params``. ``h_prev``, ``c_prev``, ``hs`` and ``cs`` are views of one array of the states
        :math:`h_0..h_T` (and one of :math:`C_0..C_T`): the returned ``hs``, ``cs`` are the cache's own arrays, so
        writing into them changes what :func:`lstm_backward` computes.

    Equations
    ---------
    For t = 1..T, with :math:`h_0, C_0` = ``h0``, ``c0`` and :math:`W = [W_f; W_i; W_C; W_o]` (4H, H + D):

    .. math::

        a_t &= W \cdot [h_{t-1}, x_t] + b, \\
        f_t, i_t, o_t &= \sigma(a_{t,f}), \sigma(a_{t,i}), \sigma(a_{t,o}), \quad
        \tilde C_t = \tanh(a_{t,C}), \\
        C_t &= f_t \odot C_{t-1} + i_t \odot \tilde C_t, \quad h_t = o_t \odot \tanh(C_t).

    The input half of :math:`a_t`, :math:`W_x x_t + b` with :math:`W = [W_{hh}, W_x]`, does not depend on the past,
    so it is computed for all steps in one product before the loop; each step adds :math:`W_{hh} h_{t-1}`.
    """
    dtype = compute_dtype(xs)
    p, H, D = _lstm_params(params, dtype)
    xs = check_sequence(xs, D, dtype)
    T, B, _ = xs.shape
    h0 = check_state("h0", h0, B, H, dtype)
    c0 = check_state("c0", c0, B, H, dtype)
    W, b = fuse_params(p)
    W_hh, W_x = _split(W, H)
    a_xs = xs @ W_x.T + b                                      # (T, B, 4H): the input projections of all steps
    hs = np.empty((T + 1, B, H), dtype=dtype)                 # h_0..h_T, filled step by step
    cs = np.empty((T + 1, B, H), dtype=dtype)                 # C_0..C_T
    hs[0], cs[0] = h0, c0
    cache = {k: np.empty((T, B, H), dtype=dtype) for k in STEP_KEYS[3:]}   # f, i, C~, o, tanh C
    for t in range(T):
        h, c, s = _step(a_xs[t], hs[t], cs[t], W_hh)
        hs[t + 1], cs[t + 1] = h, c
        for k, v in s.items():
            cache[k][t] = v
    cache.update(x=xs, h_prev=hs[:-1], c_prev=cs[:-1], xs=xs, h0=h0, c0=c0, hs=hs[1:], cs=cs[1:], params=p,
                 made_by="lstm_forward")
    return hs[1:], cs[1:], cache


def lstm_backward(dhs, cache, dc_last=None):
    r"""Backpropagation through time for :func:`lstm_forward`.

    Parameters
    ----------
    dhs : array (T, B, H)
        The loss gradient on every hidden state from outside the recurrence (zeros where the loss does not read
        :math:`h_t`).
    cache : dict
        The cache returned by :func:`lstm_forward`.
    dc_last : array (B, H) or None
        An extra gradient on the last cell state :math:`C_T` (``None``: zero).

    Returns
    -------
    grads : dict
        ``W_f, b_f, ..., W_o, b_o``, shapes as the parameters.
    dxs : array (T, B, D)
    dh0, dc0 : array (B, H)

    Equations
    ---------
    Going back from t = T, the total gradients on the states are :math:`\delta h_t` = ``dhs[t]`` plus what step
    t+1 sends back, and :math:`\delta C_t` as step t+1 sends it back (``dc_last`` for t = T); the equations of
    :func:`lstm_step_backward` turn them into the gradients on the step's pre-activations and on
    :math:`h_{t-1}, C_{t-1}`. Along the cell state the gradient is multiplied only by :math:`f_t`
    (:math:`\partial C_t / \partial C_{t-1} = \mathrm{diag}(f_t)` on the direct path). The parameter gradients and
    ``dxs`` are sums (or maps) over the steps, formed after the loop, one matrix product each.
    """
    values = check_cache(cache, "lstm_forward")
    hs = values["hs"]
    T, B, H = hs.shape
    dtype = hs.dtype
    dhs = check_gradient("dhs", dhs, hs.shape, "T, B, H", dtype)
    dc = check_state("dc_last", dc_last, B, H, dtype)
    W_hh, W_x = _split(fuse_params(values["params"])[0], H)
    das = np.empty((T, B, 4 * H), dtype=dtype)                # the pre-activation gradients, filled going back
    dh_next = np.zeros((B, H), dtype=dtype)                   # what step t+1 sends back to h_t
    for t in range(T - 1, -1, -1):
        s = {k: values[k][t] for k in STEP_KEYS[2:]}           # the step's values: C_{t-1}, its gates, tanh C_t
        das[t], dh_next, dc = _step_backward(dhs[t] + dh_next, dc, _local_derivatives(s), s["f"], W_hh)
    grads, dxs = _gradients(das, values["x"], values["h_prev"], W_x)
    return grads, dxs, dh_next, dc
