r"""Character-level language models: an RNN, LSTM or GRU that reads text one character at a time and predicts the next.

Notation (as in the rest of the package): T steps, B streams of text read side by side, V characters in the
alphabet (:data:`lstm_utils.corpus.ALPHABET`, V = 96), H hidden units. At every step the model reads the one-hot
vector :math:`x_t \in \{0, 1\}^V` of character t, updates its cell (:func:`~lstm_utils.rnn_forward`,
:func:`~lstm_utils.lstm_forward` or :func:`~lstm_utils.gru_forward`) and outputs a distribution over character
t + 1:

.. math::

    y_t = W_y h_t + b_y, \qquad p_t = \mathrm{softmax}(y_t), \qquad
    L = -\frac{1}{TB} \sum_{t, b} \log p_{t, b}[c_{t+1, b}]

Parameters are one flat dict: the cell's keys plus ``W_y`` (V, H) and ``b_y`` (V,). The loss is in nats; divided
by :math:`\ln 2` it is **bits per character** (bpc), the measure of chapter 11: a model that knew nothing but the
alphabet would pay :math:`\log_2 96 = 6.58` bits.

**Truncated backpropagation through time** (as in min-char-rnn and d2l): the training text is cut into B long
contiguous streams, read side by side in chunks of ``seq_len`` characters. The state at the end of a chunk is the
initial state of the next (so the model can carry a string or a bracket across the chunk boundary), but the
gradient stops there: each chunk is backpropagated alone, and the cost of a step does not grow with the text read.

Introduced in chapter 11 (``notebooks/11_text.ipynb``).
"""

from __future__ import annotations

import json
import time

import numpy as np

from ._checks import ArgumentTypeError, finite, integer, mapping, number, real_array, rng as as_rng
from .corpus import ALPHABET
from .gradients import clip_grad_norm
from .gru import gru_backward, gru_forward, init_gru
from .lstm import init_lstm, lstm_backward, lstm_forward
from .rnn import init_rnn, rnn_backward, rnn_forward
from .train import Adam

CHAR_CELLS = ("rnn", "lstm", "gru")
"""The cells a character model can use."""
VOCAB_SIZE = len(ALPHABET)
READOUT = ("W_y", "b_y")
LN2 = float(np.log(2.0))


def _cell(cell):
    if cell not in CHAR_CELLS:
        raise ValueError(f"cell: expected one of {', '.join(map(repr, CHAR_CELLS))}, got {cell!r}")
    return cell


def init_charlm(cell, hidden_size, *, vocab_size=VOCAB_SIZE, rng=None, forget_bias=1.0):
    """Parameters of a character model: the cell's (one-hot input of size ``vocab_size``) plus ``W_y``, ``b_y``.

    The readout weights start at N(0, 1/H), its biases at zero; the cell uses the package's initialisation
    (``forget_bias`` for the LSTM only).
    """
    cell = _cell(cell)
    H = integer("hidden_size", hidden_size, minimum=1)
    V = integer("vocab_size", vocab_size, minimum=2)
    g = as_rng("rng", rng)
    if cell == "rnn":
        p = init_rnn(V, H, rng=g)
    elif cell == "lstm":
        p = init_lstm(V, H, rng=g, forget_bias=number("forget_bias", forget_bias))
    else:
        p = init_gru(V, H, rng=g)
    p["W_y"] = g.normal(0.0, 1.0 / np.sqrt(H), size=(V, H))
    p["b_y"] = np.zeros(V)
    return p


def matched_hidden_size(cell, n_params, *, vocab_size=VOCAB_SIZE):
    """The hidden size H at which ``cell``'s character model has the number of parameters closest to ``n_params``.

    An RNN step has one weight block of :math:`H(H + V) + H` numbers, a GRU three, an LSTM four; the readout adds
    :math:`VH + V`.
    """
    cell, n = _cell(cell), integer("n_params", n_params, minimum=1)
    V = integer("vocab_size", vocab_size, minimum=2)
    blocks = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    return min(range(1, 2048), key=lambda H: abs(blocks * (H * (H + V) + H) + V * H + V - n))


def _check_ids(name, ids, V, ndim=2):
    a = np.asarray(ids)
    if a.dtype.kind not in "iu":
        raise ArgumentTypeError(f"{name}: expected an integer array of character ids, got dtype {a.dtype}")
    if a.ndim != ndim or 0 in a.shape:
        want = "(T, B)" if ndim == 2 else "(N,)"
        raise ValueError(f"{name}: expected shape {want} with every size >= 1, got {tuple(a.shape)}")
    if a.min() < 0 or a.max() >= V:
        raise ValueError(f"{name}: expected character ids in 0..{V - 1}, got values in {a.min()}..{a.max()}")
    return a.astype(np.int64, copy=False)


def _readout(params):
    mapping("params", params, "a character model's dict of arrays (the cell's keys plus 'W_y', 'b_y')")
    missing = [k for k in READOUT if k not in params]
    if missing:
        raise ValueError(f"params: expected a character model's dict (the cell's keys plus 'W_y', 'b_y'), missing "
                         f"{', '.join(map(repr, missing))}")
    W_y, b_y = np.asarray(params["W_y"], float), np.asarray(params["b_y"], float)
    if W_y.ndim != 2 or b_y.shape != (W_y.shape[0],):
        raise ValueError(f"params: expected W_y of shape (V, H) and b_y of shape (V,), got {W_y.shape} and "
                         f"{b_y.shape}")
    return W_y, b_y


def one_hot(ids, vocab_size=VOCAB_SIZE):
    """One-hot vectors of integer ``ids`` of any shape: an array of shape ``ids.shape + (vocab_size,)``."""
    V = integer("vocab_size", vocab_size, minimum=1)
    a = np.asarray(ids)
    _check_ids("ids", a.reshape(-1) if a.size else np.zeros(1, int), V, ndim=1)
    out = np.zeros(a.shape + (V,))
    np.put_along_axis(out, a[..., None].astype(np.int64), 1.0, axis=-1)
    return out


def _state(name, state, cell, B, H):
    keys = ("h", "c") if cell == "lstm" else ("h",)
    if state is None:
        return {k: None for k in keys}
    if not isinstance(state, dict) or set(state) != set(keys):
        raise ValueError(f"{name}: expected None or a dict with keys {keys} (the {cell}'s state), got "
                         f"{type(state).__name__}" + (f" with keys {tuple(state)}" if isinstance(state, dict) else ""))
    for k in keys:
        if np.shape(state[k]) != (B, H):
            raise ValueError(f"{name}[{k!r}]: expected shape ({B}, {H}), got {np.shape(state[k])}")
    return state


def charlm_forward(cell, params, ids, state=None):
    """Run a character model over ``ids`` (T, B) from ``state``: ``(logits, state, cache)``.

    Returns the logits (T, B, V) of the next character after each step, the state after the last step (a dict,
    ``{"h"}`` or, for the LSTM, ``{"h", "c"}``, each (B, H), to start the next chunk from) and a cache for
    :func:`charlm_backward`. ``state=None`` starts from zeros.
    """
    cell = _cell(cell)
    W_y, b_y = _readout(params)
    V, H = W_y.shape
    ids = _check_ids("ids", ids, V)
    state = _state("state", state, cell, ids.shape[1], H)
    return _forward(cell, params, one_hot(ids, V), state)


def _forward(cell, params, xs, state):
    """:func:`charlm_forward` from input vectors ``xs`` (T, B, V) (one-hot in use; any reals for the tests)."""
    W_y, b_y = _readout(params)
    cp = {k: v for k, v in params.items() if k not in READOUT}
    if cell == "rnn":
        hs, cc = rnn_forward(xs, state["h"], cp)
        new = {"h": hs[-1].copy()}
    elif cell == "lstm":
        hs, cs, cc = lstm_forward(xs, state["h"], state["c"], cp)
        new = {"h": hs[-1].copy(), "c": cs[-1].copy()}
    else:
        hs, cc = gru_forward(xs, state["h"], cp)
        new = {"h": hs[-1].copy()}
    logits = hs @ W_y.T + b_y
    return logits, new, {"cell": cell, "cell_cache": cc, "hs": hs, "W_y": W_y, "made_by": "charlm_forward"}


def log_softmax(logits):
    """:math:`\\log \\mathrm{softmax}` along the last axis, computed after subtracting the maximum."""
    z = logits - logits.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def charlm_loss(logits, targets):
    """Mean cross-entropy (nats per character) of ``targets`` (T, B) under ``logits`` (T, B, V), and its gradient
    ``dlogits = (softmax(logits) - onehot(targets)) / (T B)``."""
    logits = finite("logits", real_array("logits", logits, np.float64))
    if logits.ndim != 3:
        raise ValueError(f"logits: expected shape (T, B, V), got {logits.shape}")
    targets = _check_ids("targets", targets, logits.shape[2])
    if targets.shape != logits.shape[:2]:
        raise ValueError(f"targets: expected shape {logits.shape[:2]} (the logits' T, B), got {targets.shape}")
    logp = log_softmax(logits)
    n = targets.size
    loss = -np.take_along_axis(logp, targets[..., None], axis=-1).sum() / n
    d = np.exp(logp)
    np.put_along_axis(d, targets[..., None], np.take_along_axis(d, targets[..., None], axis=-1) - 1.0, axis=-1)
    return float(loss), d / n


def charlm_backward(dlogits, cache):
    """Backward pass of :func:`charlm_forward`: ``(grads, dxs, dstate)``.

    ``grads`` is keyed like the parameters; ``dxs`` (T, B, V) is the gradient on the one-hot inputs (chapter 11's
    connectivity reads it); ``dstate`` the gradient on the initial state (a dict like the state). Through the
    readout: :math:`\\delta W_y = \\sum_t \\delta y_t^\\top h_t`, :math:`\\delta h_t = \\delta y_t W_y`; then the
    cell's own backward pass.
    """
    if not isinstance(cache, dict) or cache.get("made_by") != "charlm_forward":
        raise ValueError("cache: expected the cache returned by charlm_forward")
    hs, W_y, cell = cache["hs"], cache["W_y"], cache["cell"]
    dlogits = finite("dlogits", real_array("dlogits", dlogits, np.float64))
    if dlogits.shape != hs.shape[:2] + (W_y.shape[0],):
        raise ValueError(f"dlogits: expected shape {hs.shape[:2] + (W_y.shape[0],)} (T, B, V), got {dlogits.shape}")
    T, B, H = hs.shape
    d2 = dlogits.reshape(T * B, -1)
    grads = {"W_y": d2.T @ hs.reshape(T * B, H), "b_y": d2.sum(axis=0)}
    dhs = dlogits @ W_y                                        # (T, B, H)
    if cell == "rnn":
        g, dxs, dh0 = rnn_backward(dhs, cache["cell_cache"])
        dstate = {"h": dh0}
    elif cell == "lstm":
        g, dxs, dh0, dc0 = lstm_backward(dhs, cache["cell_cache"])
        dstate = {"h": dh0, "c": dc0}
    else:
        g, dxs, dh0 = gru_backward(dhs, cache["cell_cache"])
        dstate = {"h": dh0}
    grads.update(g)
    return grads, dxs, dstate


def streams(ids, batch_size):
    """Cut the 1-D ``ids`` into ``batch_size`` contiguous streams of equal length: an array (N // B, B).

    Column b is the text from ``b * (N // B)`` on: read down the rows, each column is a stretch of the text in
    order, so the state carried from one chunk of rows to the next belongs to the same stretch.
    """
    ids = _check_ids("ids", ids, VOCAB_SIZE, ndim=1)
    B = integer("batch_size", batch_size, minimum=1, maximum=len(ids) // 2)
    n = len(ids) // B
    return ids[:n * B].reshape(B, n).T


def bits_per_char(cell, params, ids, *, batch_size=16, seq_len=256):
    """Bits per character of the model on the text ``ids`` (1-D): :math:`-\\frac{1}{N \\ln 2}\\sum \\ln p`.

    The text is read as ``batch_size`` streams (:func:`streams`), ``seq_len`` characters at a time, with the state
    carried (each stream starts from zeros, so its first characters are predicted with no context).
    """
    cols = streams(ids, batch_size)
    seq_len = integer("seq_len", seq_len, minimum=1)
    state, total, n = None, 0.0, 0
    for s in range(0, cols.shape[0] - 1, seq_len):
        chunk = cols[s:s + seq_len + 1]
        logits, state, _ = charlm_forward(cell, params, chunk[:-1], state)
        loss, _ = charlm_loss(logits, chunk[1:])
        total += loss * chunk[1:].size
        n += chunk[1:].size
    return total / n / LN2


def unigram_bits(train_ids, ids):
    """Bits per character of the unigram baseline: each character predicted by its frequency in ``train_ids``
    (add-one smoothed), ignoring all context."""
    train_ids = _check_ids("train_ids", train_ids, VOCAB_SIZE, ndim=1)
    ids = _check_ids("ids", ids, VOCAB_SIZE, ndim=1)
    counts = np.bincount(train_ids, minlength=VOCAB_SIZE) + 1.0
    p = counts / counts.sum()
    return float(-np.log2(p[ids]).mean())


def train_charlm(cell, params, ids, *, steps, batch_size=32, seq_len=64, lr=3e-3, clip=1.0, rng=None,
                 val_ids=None, eval_every=None, progress=False):
    """Train a character model on the 1-D text ``ids`` by truncated BPTT with Adam; returns ``(params, history)``.

    Each step reads the next ``seq_len`` characters of ``batch_size`` streams (:func:`streams`, started at a
    random offset drawn from ``rng``), starting from the state the previous chunk ended in, backpropagates through
    the chunk only, clips the gradient's global norm to ``clip`` and takes an Adam step. At the end of the streams
    it starts them again from zero states. ``history``: ``loss`` (bits per character of each training chunk),
    ``val_step``, ``val_bpc`` (every ``eval_every`` steps on ``val_ids``, if given), ``seconds``.
    """
    cell = _cell(cell)
    steps = integer("steps", steps, minimum=1)
    seq_len = integer("seq_len", seq_len, minimum=1)
    clip = number("clip", clip, low=0.0, low_open=True)
    g = as_rng("rng", rng)
    ids = _check_ids("ids", ids, VOCAB_SIZE, ndim=1)
    _readout(params)
    if val_ids is not None:
        val_ids = _check_ids("val_ids", val_ids, VOCAB_SIZE, ndim=1)
        eval_every = integer("eval_every", steps if eval_every is None else eval_every, minimum=1)
    offset = int(g.integers(0, len(ids) // 2))
    cols = streams(np.roll(ids, -offset), batch_size)
    opt = Adam(lr=lr)
    hist = {"loss": [], "val_step": [], "val_bpc": []}
    start, pos, state = time.perf_counter(), 0, None
    for step in range(1, steps + 1):
        if pos + seq_len + 1 > cols.shape[0]:
            pos, state = 0, None
        chunk = cols[pos:pos + seq_len + 1]
        pos += seq_len
        logits, state, cache = charlm_forward(cell, params, chunk[:-1], state)
        loss, dlogits = charlm_loss(logits, chunk[1:])
        grads, _, _ = charlm_backward(dlogits, cache)
        grads, _ = clip_grad_norm(grads, clip)
        opt.step(params, grads)
        hist["loss"].append(loss / LN2)
        if val_ids is not None and (step % eval_every == 0 or step == steps):
            hist["val_step"].append(step)
            hist["val_bpc"].append(bits_per_char(cell, params, val_ids))
            if progress:
                print(f"step {step}: train {np.mean(hist['loss'][-eval_every:]):.3f} bpc, "
                      f"val {hist['val_bpc'][-1]:.3f} bpc", flush=True)
    hist["seconds"] = time.perf_counter() - start
    return params, hist


def run_states(cell, params, ids, *, batch_size=16):
    """Read the 1-D text ``ids`` as ``batch_size`` streams and return what the model holds after each character.

    Returns a dict of arrays over the first ``N = batch_size * (len(ids) // batch_size)`` characters, in text
    order: ``h`` (N, H), ``c`` (N, H) for the LSTM (its cell state; the hidden state for the others), ``p``
    (N, V), the distribution over the next character, and ``ids`` (N,).
    """
    cell = _cell(cell)
    cols = streams(ids, batch_size)                 # (n, B)
    cp = {k: v for k, v in params.items() if k not in READOUT}
    W_y, b_y = _readout(params)
    xs = one_hot(cols, W_y.shape[0])
    if cell == "lstm":
        hs, cs, _ = lstm_forward(xs, None, None, cp)
    else:
        hs = (rnn_forward if cell == "rnn" else gru_forward)(xs, None, cp)[0]
        cs = hs
    p = np.exp(log_softmax(hs @ W_y.T + b_y))

    def flat(a):                                     # (n, B, K) -> (B * n, K), stream after stream = text order
        return np.ascontiguousarray(a.transpose(1, 0, 2).reshape(-1, a.shape[2]))
    return {"h": flat(hs), "c": flat(cs), "p": flat(p), "ids": cols.T.reshape(-1)}


def input_gradients(cell, params, ids):
    """Connectivity: how much the prediction after the last character of each window depends on every character.

    ``ids`` (T + 1, B): B windows, each T input characters and the character that follows (the target). Returns
    (T, B): :math:`\\|\\partial \\log p(c_{T+1}) / \\partial x_t\\|` for t = 1..T, the norm of the gradient of the
    target's log-probability with respect to the one-hot input at step t (from zero state at the window's start).
    Row T - 1 is the last input (distance 0), row 0 the first (distance T - 1).
    """
    ids = _check_ids("ids", ids, VOCAB_SIZE)
    if ids.shape[0] < 2:
        raise ValueError(f"ids: expected shape (T + 1, B) with T >= 1, got {ids.shape}")
    logits, _, cache = charlm_forward(cell, params, ids[:-1])
    T, B, V = logits.shape
    p = np.exp(log_softmax(logits[-1]))
    dlogits = np.zeros_like(logits)
    dlogits[-1] = -p                                           # d log p[target] / d logits = onehot - p
    dlogits[-1, np.arange(B), ids[-1]] += 1.0
    _, dxs, _ = charlm_backward(dlogits, cache)
    return np.linalg.norm(dxs, axis=2)


def sample(cell, params, n, *, temperature=1.0, prime="\n", num_samples=1, rng=None):
    r"""Generate ``num_samples`` texts of ``n`` characters each, after reading ``prime``.

    Each character is drawn from the model's distribution at temperature :math:`\tau`,
    :math:`p_i \propto \exp(y_i / \tau)`: :math:`\tau = 1` is the model's own distribution, :math:`\tau < 1`
    sharpens it towards the most likely character, :math:`\tau > 1` flattens it towards uniform. Returns a list of
    strings.
    """
    from .corpus import decode, encode

    cell = _cell(cell)
    n = integer("n", n, minimum=1)
    tau = number("temperature", temperature, low=0.0, low_open=True)
    S = integer("num_samples", num_samples, minimum=1)
    if not isinstance(prime, str) or not prime:
        raise ValueError(f"prime: expected a non-empty str, got {prime!r}")
    g = as_rng("rng", rng)
    ids = np.repeat(encode(prime)[:, None], S, axis=1)
    logits, state, _ = charlm_forward(cell, params, ids)
    last = logits[-1]
    out = np.empty((n, S), dtype=np.int64)
    for t in range(n):
        p = np.exp(log_softmax(last / tau))
        u = g.random(S)[:, None]
        out[t] = np.minimum((p.cumsum(axis=1) < u).sum(axis=1), p.shape[1] - 1)
        logits, state, _ = charlm_forward(cell, params, out[t:t + 1], state)
        last = logits[-1]
    return [decode(out[:, s]) for s in range(S)]


def _corr_columns(X, y):
    """Pearson correlation of every column of ``X`` (N, H) with ``y`` (N,); 0 for a constant column."""
    Xc = X - X.mean(axis=0)
    yc = y - y.mean()
    den = np.sqrt((Xc**2).sum(axis=0) * (yc**2).sum())
    num = Xc.T @ yc
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def best_units(states_select, labels_select, states_score, labels_score):
    """For each labelled property: the unit whose state tracks it best, chosen on one text and scored on another.

    ``states_*`` (N, H) are what the model holds after each character (:func:`run_states`), ``labels_*`` dicts of
    per-character labels (:func:`lstm_utils.corpus.python_labels`). The unit is the one with the largest absolute
    Pearson correlation on the *select* text; its score is its correlation on the *score* text, signed so that
    the sign found in selection counts as positive (a unit that flips sign between texts scores negative).
    Returns ``{property: {"unit": int, "r": float}}``.
    """
    out = {}
    for k in labels_select:
        r_sel = _corr_columns(states_select, np.asarray(labels_select[k], float))
        u = int(np.argmax(np.abs(r_sel)))
        r = _corr_columns(states_score[:, [u]], np.asarray(labels_score[k], float))[0]
        out[k] = {"unit": u, "r": float(np.sign(r_sel[u]) * r)}
    return out


def probe_scores(states_select, labels_select, states_score, labels_score):
    """A linear probe per property: least squares from all units (and a constant) fitted on the select text;
    returns the correlation between its prediction and the label on the score text, ``{property: r}``."""
    A = np.column_stack([states_select, np.ones(len(states_select))])
    B = np.column_stack([states_score, np.ones(len(states_score))])
    out = {}
    for k in labels_select:
        w, *_ = np.linalg.lstsq(A, np.asarray(labels_select[k], float), rcond=None)
        out[k] = float(_corr_columns((B @ w)[:, None], np.asarray(labels_score[k], float))[0])
    return out


def closing_cases(text_ids, labels, kind, *, window=100, min_distance=1):
    """Windows that end just before a closing character whose opener is ``min_distance`` to ``window - 1``
    characters back: ``(windows, distances)``.

    ``kind="bracket"``: a closing ``)``, ``]`` or ``}`` (outside strings and comments) and its opening bracket;
    ``kind="quote"``: the closing quote of a single-line string (``'...'`` or ``"..."``) and its opening quote.
    ``windows`` (window + 1, B): the ``window`` characters up to the one before the closer, then the closer (the
    target, for :func:`input_gradients`); ``distances`` (B,): how far back the opener lies from the last input
    (0 = the last input itself).
    """
    ids = _check_ids("text_ids", text_ids, VOCAB_SIZE, ndim=1)
    window = integer("window", window, minimum=2)
    pairs = []
    code = (np.asarray(labels["string"]) == 0) & (np.asarray(labels["comment"]) == 0)
    chars = ALPHABET
    if kind == "bracket":
        stack = []
        for t in np.flatnonzero(code):
            ch = chars[ids[t]]
            if ch in "([{":
                stack.append(t)
            elif ch in ")]}" and stack:
                pairs.append((stack.pop(), t))
    elif kind == "quote":
        s = np.asarray(labels["string"])
        starts = np.flatnonzero(np.diff(np.concatenate([[0], s])) == 1)
        ends = np.flatnonzero(np.diff(np.concatenate([s, [0]])) == -1)
        for a, b in zip(starts, ends, strict=True):
            q = chars[ids[b]]
            span = "".join(chars[i] for i in ids[a:b + 1])
            if q in "'\"" and span[0] == q and "\n" not in span and not span.startswith(q * 3):
                pairs.append((a, b))
    else:
        raise ValueError(f"kind: expected 'bracket' or 'quote', got {kind!r}")
    wins, dists = [], []
    for a, b in pairs:
        d = b - 1 - a                                # the opener's distance from the last input (at b - 1)
        if min_distance <= d <= window - 1 and b - window >= 0:
            wins.append(ids[b - window:b + 1])
            dists.append(d)
    if not wins:
        return np.zeros((window + 1, 0), np.int64), np.zeros(0, np.int64)
    return np.stack(wins, axis=1), np.asarray(dists)


def load_char_results() -> dict:
    """Chapter 11's stored statistics (``lstm_utils/results/char_models.json``, written by
    ``scripts/train_char_models.py``): the settings, and per cell and seed every measure of the chapter."""
    from importlib import resources

    return json.loads(resources.files("lstm_utils").joinpath("results", "char_models.json").read_text())


def load_char_model(cell) -> dict:
    """The shipped character model of ``cell`` (seed 0; weights stored as float32), as float64 arrays."""
    from importlib import resources

    cell = _cell(cell)
    with resources.files("lstm_utils").joinpath("results", f"char_{cell}.npz").open("rb") as fh, np.load(fh) as z:
        return {k: z[k].astype(np.float64) for k in z.files}
