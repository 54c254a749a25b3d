"""The book's figure style: one look for every chapter.

* ``PALETTE``: the Okabe-Ito colours, distinguishable with the common forms of colour blindness; ``COLORS`` names
  the ones the book gives a fixed meaning (the RNN is always vermillion, the LSTM always blue, the GRU green).
* ``use_style()``: white figure background (legible on the book's dark theme too), a light grid, readable sizes.
* ``log_axis(ax)``: a base-10 log scale for quantities that decay exponentially.
* ``plot_norm_decay(ax, norms, ...)``: the book's gradient figure, a norm against the distance T - t on a log axis,
  with a band over sequences and a bound (chapters 02, 05, 07).
* ``plot_history(history, ax)``: a training curve from :func:`lstm_utils.train.train` (chapters 08-10).

This module needs matplotlib (``pip install "lstm_utils[book]"``); the rest of the package needs numpy only.
"""

from __future__ import annotations

from numbers import Real

import matplotlib as mpl
import numpy as np
from cycler import cycler

from .._checks import real_array

PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
COLORS = {
    "lstm": "#0072B2",      # blue
    "rnn": "#D55E00",       # vermillion
    "gru": "#009E73",       # bluish green
    "theory": "#000000",    # black, dashed: bounds and predictions
    "accent": "#CC79A7",    # reddish purple
    "muted": "#999999",
}

STYLE = {
    "axes.prop_cycle": cycler(color=PALETTE),
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.bbox": "tight",
    "axes.facecolor": "white",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.frameon": False,
    "font.size": 10,
}


def use_style() -> None:
    """Apply the book's style to every figure made afterwards."""
    mpl.rcParams.update(STYLE)


def _check_ax(ax):
    if not (hasattr(ax, "plot") and hasattr(ax, "set_yscale")):
        raise TypeError(f"ax: expected a matplotlib Axes, got {type(ax).__name__}")


def log_axis(ax, axis: str = "y") -> None:
    """Base-10 log scale on ``axis`` ("x", "y" or "both"): exponential decay becomes a straight line."""
    _check_ax(ax)
    if axis not in ("x", "y", "both"):
        raise ValueError(f"axis: expected 'x', 'y' or 'both', got {axis!r}")
    if axis in ("y", "both"):
        ax.set_yscale("log")
    if axis in ("x", "both"):
        ax.set_xscale("log")


DISTANCE_LABEL = "distance $T - t$ (steps)"
BOUND_LABEL = r"bound $(\gamma\lambda_1)^{T-t}$"


def _curve(name, a, n):
    a = real_array(name, a, np.dtype(np.float64))
    if a.shape != (n,):
        raise ValueError(f"{name}: expected shape (N,) = ({n},), one value per row of norms, got {tuple(a.shape)}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name}: expected finite values, got a non-finite one at index "
                         f"{int(np.flatnonzero(~np.isfinite(a))[0])}")
    return a


def plot_norm_decay(ax, norms, *, distance=None, label=None, color=None, band=None, bound=None,
                    bound_label=None, activation="tanh", center="geometric", linestyle="-", linewidth=None,
                    band_alpha=0.25, threshold=None, xlabel=DISTANCE_LABEL, ylabel=None, legend="best", **line_kw):
    r"""Draw a gradient norm against the distance :math:`T - t` on a log axis: the book's decay figure.

    One call draws one curve, and optionally the band over sequences behind it, a bound and a threshold line; call
    it again on the same ``ax`` to add curves (the legend is redrawn each time with every labelled curve).
    The distance increases from left to right; the y axis is base-10 logarithmic, where exponential decay is a
    straight line.

    Parameters
    ----------
    ax : matplotlib Axes
    norms : array_like, shape (N,) or (N, B, ...)
        Non-negative norms, one row per step. 1-D: one curve. More dimensions: the trailing axes are samples
        (sequences, networks), and the curve is their typical value (``center``), e.g.
        :func:`~lstm_utils.jacobian_norms` of shape (T + 1, B) directly.
    distance : array_like, shape (N,), optional
        The distance :math:`T - t` of each row. Default: rows indexed by the step t = 0..T, as
        :func:`~lstm_utils.jacobian_norms`, :func:`~lstm_utils.bptt_grad_norms` and
        :func:`~lstm_utils.cell_gradients` return them, so row t is at distance T - t (row T at 0). For a
        curve already indexed by lag (``norms[::-1]``), pass ``distance=np.arange(N)``.
    label, color, linestyle, linewidth :
        Of the curve (matplotlib's meanings). ``color`` colours the band too.
    band : None, "range", (low_percentile, high_percentile) or (low, high) arrays of shape (N,)
        A shaded band behind the curve: over the samples (needs ``norms`` of 2 or more dimensions) from the
        smallest to the largest value (``"range"``) or between two percentiles (``(10, 90)``); or given
        explicitly as two arrays. Drawn with ``band_alpha`` (default 0.25) beneath every line.
    bound : None, a number or array_like of shape (N,)
        A dashed black reference line. A number is :math:`\lambda_1`, and the line is the Pascanu bound
        :math:`(\gamma\lambda_1)^{T-t}` (:func:`~lstm_utils.pascanu_bound` with ``activation``); an array is drawn
        as given (e.g. the direct path :math:`\prod f_k`). ``bound_label`` labels it (default: the bound's formula
        for a number, ``"bound"`` for an array).
    center : "geometric" or "median"
        How a multi-dimensional ``norms`` is summarised over its samples: the geometric mean
        (:func:`~lstm_utils.geometric_mean`, the typical order of magnitude) or the median.
    threshold : float, optional
        A dotted horizontal line at this value (e.g. the 1e-3 of :func:`~lstm_utils.steps_remembered`).
    xlabel, ylabel : str or None
        Axis labels; ``None`` leaves the axis' label as it is.
    legend : "best", another matplotlib legend location, "outside" or None
        Where the legend goes. ``"best"`` lets matplotlib pick the corner that covers the fewest data points,
        ``"outside"`` puts it to the right of the axes (it can then never cover data); ``None``: no legend.
    **line_kw
        Further keywords of the curve's ``ax.plot`` (``alpha``, ``marker``, ...).

    Returns
    -------
    ax : matplotlib Axes
        The same axes, for chaining.
    """
    _check_ax(ax)
    y = real_array("norms", norms, np.dtype(np.float64))
    if y.ndim < 1 or y.shape[0] == 0:
        raise ValueError(f"norms: expected shape (N,) or (N, B, ...) with N >= 1 rows, got {tuple(y.shape)}")
    bad = ~np.isfinite(y) | (y < 0)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"norms: expected finite non-negative norms, got {float(y[first])!r} at index {first}")
    N = y.shape[0]
    dist = (N - 1 - np.arange(N, dtype=np.float64)) if distance is None else _curve("distance", distance, N)
    if np.any(dist < 0):
        raise ValueError(f"distance: expected non-negative distances T - t, got {float(dist[dist < 0][0])!r} at index "
                         f"{int(np.flatnonzero(dist < 0)[0])}")
    if center not in ("geometric", "median"):
        raise ValueError(f"center: expected 'geometric' or 'median', got {center!r}")
    if not isinstance(band_alpha, Real) or not 0 < band_alpha <= 1:
        raise ValueError(f"band_alpha: expected a number in (0, 1], got {band_alpha!r}")
    samples = y.reshape(N, -1)
    if samples.shape[1] == 0:
        raise ValueError(f"norms: expected at least one sample per row, got shape {tuple(y.shape)}")
    # the band, checked before anything is drawn
    low = high = None
    if band is not None:
        if isinstance(band, str):
            if band != "range":
                raise ValueError(f"band: expected None, 'range', two percentiles or two arrays, got {band!r}")
            if y.ndim < 2:
                raise ValueError(f"band: 'range' needs samples, norms of shape (N, B, ...); got {tuple(y.shape)}")
            low, high = samples.min(axis=1), samples.max(axis=1)
        elif isinstance(band, (tuple, list)) and len(band) == 2 and all(np.ndim(b) == 0 for b in band):
            if y.ndim < 2:
                raise ValueError(f"band: percentiles need samples, norms of shape (N, B, ...); got {tuple(y.shape)}")
            lo_p, hi_p = band
            if not all(isinstance(p, Real) and not isinstance(p, bool) for p in band) or not 0 <= lo_p < hi_p <= 100:
                raise ValueError(f"band: expected percentiles 0 <= low < high <= 100, got {band!r}")
            low, high = np.percentile(samples, lo_p, axis=1), np.percentile(samples, hi_p, axis=1)
        elif isinstance(band, (tuple, list)) and len(band) == 2:
            low, high = _curve("band[0]", band[0], N), _curve("band[1]", band[1], N)
            if np.any(low > high):
                raise ValueError("band: expected low <= high at every row, got low > high at row "
                                 f"{int(np.flatnonzero(low > high)[0])}")
        else:
            raise ValueError(f"band: expected None, 'range', two percentiles or two arrays, got {band!r}")
    bound_y = None
    if bound is not None:
        if np.ndim(bound) == 0:
            from ..gradients import pascanu_bound

            bound_y = pascanu_bound(bound, np.abs(dist), activation)
            bound_label = BOUND_LABEL if bound_label is None else bound_label
        else:
            bound_y = _curve("bound", bound, N)
            bound_label = "bound" if bound_label is None else bound_label
    if threshold is not None and (not isinstance(threshold, Real) or not np.isfinite(threshold) or threshold <= 0):
        raise ValueError(f"threshold: expected a positive number (it is drawn on a log axis), got {threshold!r}")
    if legend is not None and not isinstance(legend, (str, int)):
        raise ValueError(f"legend: expected None, 'best', 'outside' or a matplotlib location, got {legend!r}")

    from ..gradients import geometric_mean

    curve = samples[:, 0] if samples.shape[1] == 1 else (
        geometric_mean(samples, axis=1) if center == "geometric" else np.median(samples, axis=1))
    order = np.argsort(dist, kind="stable")             # drawn left to right, distance increasing
    x = dist[order]
    if low is not None:
        ax.fill_between(x, low[order], high[order], color=color, alpha=band_alpha, linewidth=0, zorder=1.0)
    line_kw.setdefault("zorder", 2.5)
    ax.plot(x, curve[order], color=color, label=label, linestyle=linestyle, linewidth=linewidth, **line_kw)
    if bound_y is not None:
        ax.plot(x, bound_y[order], linestyle="--", color=COLORS["theory"], linewidth=1.2, label=bound_label,
                zorder=2.2)
    if threshold is not None:
        ax.axhline(threshold, color=COLORS["muted"], linestyle=":", linewidth=1, zorder=1.5)
    ax.set_yscale("log")
    if ax.xaxis_inverted():
        ax.invert_xaxis()
    ax.set_xmargin(0)
    ax.autoscale_view()
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if legend is not None and ax.get_legend_handles_labels()[0]:     # only when something is labelled
        if legend == "outside":
            ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
        else:
            ax.legend(loc=legend)
    return ax


def plot_history(history, ax=None, *, label=None, color=None, metric=False):
    """Plot a training curve from :func:`lstm_utils.train.train`'s history on ``ax``: the training loss per step
    (log scale).

    With ``metric=True``, the validation metric at the evaluation steps instead (needs a history trained with
    ``val``). ``ax=None`` makes a new figure. Returns ``ax``.
    """
    import matplotlib.pyplot as plt

    if not isinstance(history, dict):
        raise TypeError(f"history: expected the dict returned by train(), got {type(history).__name__}")
    need = ("eval_step", "val_metric") if metric else ("loss",)
    missing = [k for k in need if k not in history]
    if missing:
        raise ValueError(f"history: expected the dict returned by train() with key(s) {', '.join(need)}"
                         f"{' (train with val=...)' if metric else ''}; missing {', '.join(missing)}")
    if ax is None:
        _, ax = plt.subplots()
    _check_ax(ax)
    if metric:
        ax.plot(history["eval_step"], history["val_metric"], label=label, color=color)
        ax.set_ylabel("validation metric")
    else:
        ax.plot(np.arange(1, len(history["loss"]) + 1), history["loss"], label=label, color=color, lw=1)
        ax.set_yscale("log")
        ax.set_ylabel("training loss")
    ax.set_xlabel("training step")
    return ax
