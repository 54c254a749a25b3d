r"""Many-to-one models: a recurrent cell read out by a linear layer on its last hidden state.

Chapters 08-10 train the RNN, the LSTM and the GRU on the same tasks through one interface. Every cell is
registered in :data:`CELLS` under a name, with three functions of uniform signature:

* ``init(input_size, hidden_size, *, rng) -> params`` (a dict of arrays, keyed after the cell's equations);
* ``forward(xs, params) -> (hs, cache)``: ``xs`` of shape (T, B, D), zero initial state, ``hs`` of shape (T, B, H);
* ``backward(dhs, cache) -> (grads, dxs)``: ``dhs`` of shape (T, B, H), ``grads`` keyed like ``params``,
  ``dxs`` of shape (T, B, D).

``"rnn"`` and ``"lstm"`` are registered here; another cell joins with :func:`register_cell` (chapter 10 adds
``"gru"``) and from then on works with :func:`init_model`, :func:`model_forward`, :func:`model_backward` and
:func:`lstm_utils.train.train` unchanged.

The model reads only the last hidden state (the task's answer is due at the end of the sequence):

.. math:: y = W_y h_T + b_y, \qquad W_y \in \mathbb{R}^{K \times H},\ b_y \in \mathbb{R}^{K}

``y`` holds K logits for a K-class task or K real outputs for a regression. The model's parameters are one flat
dict: the cell's keys plus ``"W_y"`` and ``"b_y"`` (no cell uses those names), so an optimiser can treat every
array alike.

Introduced in chapter 08 (``notebooks/08_long_range_memory.ipynb``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

import numpy as np

from ._checks import (
    ArgumentTypeError,
    check_shape,
    check_sizes,
    compute_dtype,
    finite,
    float_dtype,
    integer,
    number,
    real_array,
    rng as as_rng,
)
from .gru import gru_backward, gru_forward, init_gru
from .lstm import init_lstm, lstm_backward, lstm_forward
from .rnn import init_rnn, rnn_backward, rnn_forward

READOUT_KEYS = ("W_y", "b_y")


class Cell(NamedTuple):
    """A recurrent cell as the models see it: ``init``, ``forward`` and ``backward`` of uniform signature.

    See the module docstring for the three signatures.
    """

    init: Callable
    forward: Callable
    backward: Callable


CELLS: dict[str, Cell] = {}
"""Registered cells by name: ``"rnn"``, ``"lstm"`` (and ``"gru"`` once chapter 10's module registers it)."""


def register_cell(name: str, init: Callable, forward: Callable, backward: Callable) -> Cell:
    """Register a cell under ``name`` (replacing any cell of that name) and return it.

    ``init(input_size, hidden_size, *, rng) -> params``; ``forward(xs, params) -> (hs, cache)`` from a zero state;
    ``backward(dhs, cache) -> (grads, dxs)``. Example (what chapter 10 does for the GRU)::

        register_cell("gru", lambda D, H, *, rng=None: init_gru(D, H, rng=rng),
                      lambda xs, p: gru_forward(xs, None, p),
                      lambda dhs, cache: gru_backward(dhs, cache)[:2])
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name: expected a non-empty string, got {name!r}")
    for arg, fn in (("init", init), ("forward", forward), ("backward", backward)):
        if not callable(fn):
            raise ValueError(f"{arg}: expected a callable, got {type(fn).__name__}")
    CELLS[name] = Cell(init, forward, backward)
    return CELLS[name]


_KEYS: dict = {}


def cell_keys(cell) -> frozenset | None:
    """The parameter keys a cell's ``init`` makes (read once from a 1-unit init), or None if that fails."""
    c = get_cell(cell)
    if c not in _KEYS:
        try:
            _KEYS[c] = frozenset(c.init(1, 1, rng=0))
        except Exception:  # a custom cell whose init takes other arguments: no check
            _KEYS[c] = None
    return _KEYS[c]


def get_cell(cell) -> Cell:
    """A :class:`Cell` from a registered name or a :class:`Cell` itself."""
    if isinstance(cell, Cell):
        return cell
    if isinstance(cell, str) and cell in CELLS:
        return CELLS[cell]
    raise ValueError(f"cell: expected one of {', '.join(map(repr, sorted(CELLS)))} or a Cell, got {cell!r}")


# The two cells of the course so far, wrapped to the uniform signatures (zero initial state).
def _lstm_forward(xs, params):
    hs, _cs, cache = lstm_forward(xs, None, None, params)
    return hs, cache


register_cell("rnn",
              lambda input_size, hidden_size, *, rng=None, **kw: init_rnn(input_size, hidden_size, rng=rng, **kw),
              lambda xs, params: rnn_forward(xs, None, params),
              lambda dhs, cache: rnn_backward(dhs, cache)[:2])
register_cell("lstm",
              lambda input_size, hidden_size, *, rng=None, **kw: init_lstm(input_size, hidden_size, rng=rng, **kw),
              _lstm_forward,
              lambda dhs, cache: lstm_backward(dhs, cache)[:2])
register_cell("gru",                                   # chapter 10
              lambda input_size, hidden_size, *, rng=None, **kw: init_gru(input_size, hidden_size, rng=rng, **kw),
              lambda xs, params: gru_forward(xs, None, params),
              lambda dhs, cache: gru_backward(dhs, cache)[:2])


def split_params(params, cell=None) -> tuple[dict, dict]:
    """``(cell_params, readout_params)``: the model's flat dict split into the cell's keys and ``W_y``, ``b_y``.

    With ``cell``, the cell's keys are checked too: the parameters of another cell (a GRU's given to the RNN, which
    shares the key ``W_h``) are refused instead of silently read.
    """
    if not isinstance(params, Mapping):
        raise ArgumentTypeError(f"params: expected a dict of arrays (the cell's keys plus 'W_y', 'b_y'), got "
                                f"{type(params).__name__}")
    missing = [k for k in READOUT_KEYS if k not in params]
    if missing:
        raise ValueError(f"params: missing readout key(s) {', '.join(map(repr, missing))}; "
                         f"a model's params hold the cell's keys plus 'W_y' (K, H) and 'b_y' (K,)")
    cell_params = {k: v for k, v in params.items() if k not in READOUT_KEYS}
    if cell is not None:
        keys = cell_keys(cell)
        if keys is not None and set(cell_params) != keys:
            name = cell if isinstance(cell, str) else "the cell"
            raise ValueError(f"params: expected the keys of {name!r} ({', '.join(sorted(keys))}) plus W_y, b_y; "
                             f"got {', '.join(sorted(map(str, params)))}")
    return cell_params, {k: params[k] for k in READOUT_KEYS}


def _readout(ro, H, dtype):
    """The readout ``W_y`` (K, H) and ``b_y`` (K,), checked against the hidden size and each other."""
    W_y = finite("params['W_y']", real_array("params['W_y']", ro["W_y"], dtype))
    b_y = finite("params['b_y']", real_array("params['b_y']", ro["b_y"], dtype))
    check_shape("params['W_y']", W_y, (None, H), "K, H")
    check_shape("params['b_y']", b_y, (W_y.shape[0],), "K")
    return W_y, b_y


def parameter_count(params) -> int:
    """The number of trainable numbers in ``params``: the sum of the sizes of its arrays.

    ``params``: a dict of arrays, e.g. from :func:`init_model`, :func:`~lstm_utils.init_lstm` (an LSTM has
    :math:`4H(H + D + 1)`) or :func:`~lstm_utils.init_rnn` (:math:`H(H + D + 1)`).
    """
    if not isinstance(params, Mapping):
        raise TypeError(f"params: expected a dict of arrays, got {type(params).__name__}")
    total = 0
    for k, v in params.items():
        a = np.asarray(v)
        if a.dtype.kind not in "biuf":
            raise TypeError(f"params[{k!r}]: expected a numeric array, got dtype {a.dtype}")
        total += int(a.size)
    return total


def init_model(cell, input_size, hidden_size, output_size, *, rng=None, **cell_kw):
    """Parameters of a many-to-one model: the cell's, plus ``W_y`` (K, H) from N(0, 1/H) and ``b_y`` (K,) zero.

    ``cell``: a registered name (``"rnn"``, ``"lstm"``, ...) or a :class:`Cell`. ``cell_kw`` go to the cell's
    ``init`` (for instance ``forget_bias`` if that init accepts it). One ``rng`` draws the cell first, then the
    readout, so a seed fixes the whole model. ``output_size`` is K >= 1; ``dtype``, if given, must be float32 or
    float64 (an integer dtype would round every weight to zero).
    """
    c = get_cell(cell)
    D, H = check_sizes(input_size, hidden_size)
    K = integer("output_size", output_size, minimum=1)
    rng = as_rng("rng", rng)
    if "dtype" in cell_kw:
        cell_kw["dtype"] = float_dtype("dtype", cell_kw["dtype"])
    params = dict(c.init(D, H, rng=rng, **cell_kw))
    dtype = params[next(iter(params))].dtype
    params["W_y"] = rng.normal(0.0, 1.0 / np.sqrt(H), size=(K, H)).astype(dtype)
    params["b_y"] = np.zeros(K, dtype=dtype)
    return params


def model_forward(cell, params, xs):
    r"""The model's outputs :math:`y = W_y h_T + b_y`, shape (B, K), and a cache for :func:`model_backward`.

    ``xs``: (T, B, D), time-major. The cell runs from a zero state over all T steps; only :math:`h_T` is read.
    """
    c = get_cell(cell)
    cell_params, ro = split_params(params, cell)
    hs, cell_cache = c.forward(xs, cell_params)
    W_y, b_y = _readout(ro, hs.shape[2], hs.dtype)
    h_last = hs[-1]                                        # (B, H)
    y = h_last @ W_y.T + b_y                               # (B, K)
    return y, {"cell": c, "cell_cache": cell_cache, "hs": hs, "W_y": W_y}


def model_backward(dy, cache):
    r"""Backward of :func:`model_forward`. ``dy``: dLoss/dy, (B, K). Returns ``(grads, dxs)``.

    :math:`\partial L/\partial W_y = dy^\top h_T`, :math:`\partial L/\partial b_y = \sum_b dy`, and the only
    gradient entering the recurrence from outside is :math:`\partial L/\partial h_T = dy\, W_y` at the last step;
    every earlier :math:`h_t` receives gradient only through the cell's own backward pass (BPTT).
    """
    if not (isinstance(cache, Mapping) and {"cell", "cell_cache", "hs", "W_y"} <= set(cache)):
        got = (f"a dict with keys {', '.join(map(str, cache)) or 'none'}" if isinstance(cache, Mapping)
               else type(cache).__name__)
        raise ArgumentTypeError(f"cache: expected the cache returned by model_forward, got {got}")
    hs, W_y = cache["hs"], cache["W_y"]
    dy = real_array("dy", dy, hs.dtype)
    check_shape("dy", dy, (hs.shape[1], W_y.shape[0]), "B, K")
    finite("dy", dy)
    dhs = np.zeros_like(hs)
    dhs[-1] = dy @ W_y                                     # (B, H)
    grads, dxs = cache["cell"].backward(dhs, cache["cell_cache"])
    grads = dict(grads)
    grads["W_y"] = dy.T @ hs[-1]
    grads["b_y"] = dy.sum(axis=0)
    return grads, dxs


def predict_each_step(cell, params, xs):
    r"""The readout applied after every step, :math:`y_t = W_y h_t + b_y`, shape (T, B, K).

    The model was trained to answer after the last step only; reading it after every step shows how its answer
    forms as the sequence arrives (chapter 09 reads a review word by word this way).
    """
    c = get_cell(cell)
    cell_params, ro = split_params(params, cell)
    hs, _ = c.forward(xs, cell_params)
    W_y, b_y = _readout(ro, hs.shape[2], hs.dtype)
    return hs @ W_y.T + b_y


# ---------------------------------------------------------------------------------------------------------------
# Losses: each returns (loss, dLoss/doutput), the loss averaged over the batch.
# ---------------------------------------------------------------------------------------------------------------

def softmax(logits):
    r"""Row-wise :math:`\mathrm{softmax}(y)_k = e^{y_k} / \sum_j e^{y_j}`, computed after subtracting the row max."""
    logits = finite("logits", real_array("logits", logits))
    if logits.ndim < 1 or logits.shape[-1] == 0:
        raise ValueError(f"logits: expected shape (..., K) with K >= 1, got {tuple(logits.shape)}")
    z = logits - logits.max(axis=-1, keepdims=True)       # no overflow; the softmax is shift-invariant
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_cross_entropy(logits, labels):
    r"""Mean cross-entropy of integer ``labels`` (B,) under ``softmax(logits)`` (B, K), and its gradient.

    .. math:: L = -\frac{1}{B} \sum_b \log p_{b, y_b}, \qquad
              \frac{\partial L}{\partial \text{logits}} = \frac{1}{B}\,(p - \mathrm{onehot}(y))

    Returns ``(loss, dlogits)``.
    """
    dtype = compute_dtype(logits)
    logits = finite("logits", real_array("logits", logits, dtype))
    _check_batch("logits", logits)
    B, K = logits.shape
    labels = _labels(labels, B, K)
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(B), labels].mean()
    d = np.exp(log_p)
    d[np.arange(B), labels] -= 1.0
    return float(loss), (d / B).astype(dtype)


def _check_batch(name, a):
    check_shape(name, a, (None, None), "B, K")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"{name}: expected at least one row and one output, got shape {tuple(a.shape)}")


def _labels(labels, B, K):
    """Integer class labels of shape (B,) in [0, K)."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise ArgumentTypeError(f"labels: expected integer class labels in [0, {K}), got dtype {labels.dtype}")
    check_shape("labels", labels, (B,), "B")
    if labels.min() < 0 or labels.max() >= K:
        raise ValueError(f"labels: expected integers in [0, {K}), got range [{labels.min()}, {labels.max()}]")
    return labels


def mse(pred, target):
    r"""Mean squared error over the batch and outputs, and its gradient.

    .. math:: L = \frac{1}{BK} \sum_{b,k} (\hat y_{bk} - y_{bk})^2, \qquad
              \frac{\partial L}{\partial \hat y} = \frac{2}{BK} (\hat y - y)

    ``pred``: (B, K); ``target``: (B, K) or (B,) when K = 1. Returns ``(loss, dpred)``.
    """
    dtype = compute_dtype(pred)
    pred = finite("pred", real_array("pred", pred, dtype))
    _check_batch("pred", pred)
    target = finite("target", real_array("target", target, dtype))
    if target.ndim == 1 and pred.shape[1] == 1:
        target = target[:, None]
    check_shape("target", target, pred.shape, "B, K")
    diff = pred - target
    return float(np.mean(diff**2)), (2.0 / diff.size) * diff


LOSSES = {"classification": softmax_cross_entropy, "regression": mse}
"""Loss by task: ``"classification"`` (softmax cross-entropy on integer labels), ``"regression"`` (MSE)."""


def accuracy(logits, labels) -> float:
    """Fraction of rows whose largest logit is the label. ``logits``: (B, K); ``labels``: integers (B,) in [0, K)."""
    logits = finite("logits", real_array("logits", logits))
    _check_batch("logits", logits)
    labels = _labels(labels, *logits.shape)
    return float(np.mean(np.argmax(logits, axis=1) == labels))


def fraction_solved(pred, target, tol=0.04) -> float:
    """Fraction of sequences with ``|prediction - target| < tol`` (Hochreiter & Schmidhuber 1997 use 0.04).

    ``pred`` and ``target``: (B,) or (B, K) of the same shape ((B, 1) and (B,) count as the same); a sequence with
    K outputs is solved when all K are within ``tol``. ``tol`` is a positive number.
    """
    tol = number("tol", tol, low=0.0, low_open=True)
    pred = finite("pred", real_array("pred", pred))
    target = finite("target", real_array("target", target))
    for name, a in (("pred", pred), ("target", target)):
        if a.ndim not in (1, 2) or a.shape[0] == 0:
            raise ValueError(f"{name}: expected shape (B,) or (B, K) with B >= 1, got {tuple(a.shape)}")
    p2 = pred.reshape(len(pred), -1)
    t2 = target.reshape(len(target), -1)
    if p2.shape != t2.shape:
        raise ValueError(f"target: expected the shape of pred, {tuple(pred.shape)} (B, K), got {tuple(target.shape)}")
    return float(np.mean(np.all(np.abs(p2 - t2) < tol, axis=1)))


METRICS = {"classification": accuracy, "regression": fraction_solved}
"""Metric by task: accuracy for classification, the fraction solved (|error| < 0.04) for regression."""
