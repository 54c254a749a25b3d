"""The book's figure style: one look for every chapter.

* ``PALETTE``: the Okabe-Ito colours, distinguishable with the common forms of colour blindness; ``COLORS`` names
  the ones the book gives a fixed meaning (the RNN is always vermillion, the LSTM always blue, the GRU green).
* ``GATE_COLORS``: one colour per part of a cell, the same in the cell diagrams (:mod:`.diagrams`) and in the data
  plots: the forget gate (and the GRU's update gate, which plays its part) vermillion, the input gate green, the
  candidate orange, the output gate purple, the GRU's reset gate sky blue, the cell state blue, paths through h black.
* ``use_style()``: white figure background (legible on the book's dark theme too), a light grid, figures the width
  of the book's text column (``COLUMN_WIDTH`` inches at ``figure.dpi`` 100, shown at that size) served as 2x PNGs, and
  text no smaller than 9.5 pt, about 13 px on the page.
* ``log_axis(ax)``: a base-10 log scale for quantities that decay exponentially.
* ``plot_norm_decay(ax, norms, ...)``: the book's gradient figure, a norm against the distance T - t on a log axis,
  with a band over sequences and a bound (chapters 02, 05, 07).
* ``plot_history(history, ax)``: a training curve from :func:`lstm_utils.train.train` (chapters 08-10).
* ``plot_longest_solved(records)``: chapter 08's headline, every run of the long-range sweep by model and length,
  with the longest length most runs solve.

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

#: One colour per part of a cell, in the diagrams and in the data plots alike. The GRU's update gate z_t takes the
#: forget gate's colour (1 - z_t keeps the old state, as f_t does); the reset gate r_t has its own.
GATE_COLORS = {
    "forget": "#D55E00",     # vermillion
    "input": "#009E73",      # bluish green
    "candidate": "#E69F00",  # orange
    "output": "#CC79A7",     # reddish purple
    "update": "#D55E00",     # the GRU's z_t: the forget gate's colour
    "reset": "#56B4E9",      # sky blue
    "cell": "#0072B2",       # the cell state, the conveyor: blue
    "hidden": "#000000",     # paths through h: black (dashed in the diagrams)
}

#: The width of a figure, in inches: the book's text column is 672 px wide at a 1280 px window (measured in the
#: built book), and a figure is drawn at 100 dpi (``figure.dpi``) and shown at that size, so 6.5 in (650 px, with
#: the 0.1 in margins of a tight bounding box at most 670 px) fits it without being shrunk. The PNG has twice the
#: pixels (``retina``), for sharp text on high-density screens and for a reader who opens the full-size image on a
#: phone.
COLUMN_WIDTH = 6.5
FIGURE_DPI = 100

STYLE = {
    "axes.prop_cycle": cycler(color=PALETTE),
    "figure.figsize": (COLUMN_WIDTH, 3.4),
    "figure.dpi": FIGURE_DPI,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.bbox": "tight",
    "axes.facecolor": "white",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10.5,
    "legend.frameon": False,
    "legend.fontsize": 9.5,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "font.size": 10,
}


def use_style() -> None:
    """Apply the book's style to every figure made afterwards; in a notebook, also show figures as 2x PNGs.

    The inline backend's ``retina`` format saves each figure at twice ``figure.dpi`` and tells the page to show it
    at the size it has at ``figure.dpi``; the book then links the image to its full-size file.
    """
    mpl.rcParams.update(STYLE)
    try:
        from IPython import get_ipython
    except ImportError:                  # pragma: no cover - IPython comes with ipywidgets
        return
    ip = get_ipython()
    if ip is not None and "inline" in str(mpl.get_backend()).lower():
        from matplotlib.figure import Figure
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("retina")
        ip.display_formatter.formatters["image/png"].for_type(Figure, retina_png)


def retina_png(fig):
    """The inline backend's ``retina`` PNG of ``fig`` (twice ``figure.dpi``, shown at half its pixel size),
    reduced to a 256-colour palette as the explorers' frames are (``widgets.figure_to_png``): the
    same lines and text, about a quarter of the bytes, so that a page of 2x figures stays light.
    Returns ``(png_bytes, {"width": ..., "height": ...})``, what IPython's PNG formatter expects."""
    import io

    from IPython.core.pylabtools import print_figure
    from PIL import Image

    data = print_figure(fig, "retina")
    if not data:                        # an empty figure
        return None
    with Image.open(io.BytesIO(data)) as im:
        w, h = im.size
        pal = im.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        out = io.BytesIO()
        pal.save(out, format="PNG", optimize=True)
    return out.getvalue(), {"width": w // 2, "height": h // 2}


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


_RECORD_KEYS = ("task", "model", "T", "seed", "score", "solved")


def _check_records(records) -> list[dict]:
    if isinstance(records, (str, bytes, dict)) or not hasattr(records, "__iter__"):
        raise TypeError(f"records: expected a list of run records (dicts), got {type(records).__name__}")
    rs = list(records)
    if not rs:
        raise ValueError("records: expected at least one run record, got none")
    for k, r in enumerate(rs):
        if not isinstance(r, dict):
            raise TypeError(f"records: expected dicts, got {type(r).__name__} at index {k}")
        missing = [key for key in _RECORD_KEYS if key not in r]
        if missing:
            raise ValueError(f"records: the record at index {k} lacks the key(s) {', '.join(missing)} "
                             f"(a run record has {', '.join(_RECORD_KEYS)})")
    return rs


def longest_solved(records, *, min_rate=0.8) -> dict:
    """The longest length each model solves: ``{(task, model): T}``, the largest ``T`` at which at least
    ``min_rate`` of the model's runs are solved (8 of 10 with the default), or None when no length is.

    ``records`` are run records as :func:`lstm_utils.experiments.run` writes them (dicts with the keys ``task``,
    ``model``, ``T``, ``seed``, ``score``, ``solved``), e.g. the lines of ``lstm_utils/results/long_range_sweep.jsonl``.
    """
    rs = _check_records(records)
    if isinstance(min_rate, bool) or not isinstance(min_rate, Real) or not 0 < min_rate <= 1:
        raise ValueError(f"min_rate: expected a fraction of runs in (0, 1], got {min_rate!r}")
    cells: dict = {}
    for r in rs:
        cells.setdefault((r["task"], r["model"]), {}).setdefault(int(r["T"]), []).append(bool(r["solved"]))
    out = {}
    for key, by_T in cells.items():
        ok = [T for T, s in by_T.items() if sum(s) >= min_rate * len(s) - 1e-9]
        out[key] = max(ok) if ok else None
    return out


def model_label(model: str) -> str:
    """The label of a model of :data:`lstm_utils.experiments.MODELS` in mathtext: ``"lstm_bf3"`` gives
    ``"LSTM, $b_f = 3$"``; a name the registry does not know is returned as it is."""
    import re

    from ..experiments import MODELS

    m = MODELS.get(model)
    if m is None:
        return model
    label = m.label
    # "b_f = 3", "b_i = -3 | -6", "W_C / 10": symbols and their values in mathtext, with a true minus sign
    label = re.sub(r"\b([A-Za-z])_([A-Za-z])\b( = -?\d+(?: \| -?\d+)*| / \d+)?",
                   lambda g: "$" + f"{g.group(1)}_{g.group(2)}" + (g.group(3) or "").replace("|", r"\mid") + "$",
                   label)
    return label


def _model_color(model: str) -> str:
    for family in ("lstm", "gru", "rnn"):
        if model.startswith(family):
            return COLORS[family]
    return COLORS["muted"]


def plot_longest_solved(records, *, tasks=None, models=None, min_rate=0.8, labels=None, fig=None):
    r"""Chapter 08's headline: which lengths each model solves, every run shown.

    One panel per task, stacked; in each, one row per model and one column per sequence length ``T`` (equally
    spaced: the lengths roughly double). Each run is a dot: filled in the model's colour when the run is solved,
    hollow grey when it fails; within its cell a run's height is its score (the fraction of test sequences solved,
    0 at the bottom of the row, 1 at the top; a dashed line across the row marks the score that counts as solved)
    and the runs are spread left to right in order of score. A light bar runs from the first length to the longest
    one at which at least ``min_rate`` of the runs are solved (:func:`longest_solved`), labelled with that length.

    Parameters
    ----------
    records : list of dict
        Run records with the keys ``task``, ``model``, ``T``, ``seed``, ``score``, ``solved``, e.g. the lines of
        ``lstm_utils/results/long_range_sweep.jsonl`` (``[json.loads(line) for line in f]``).
    tasks, models : list of str, optional
        Which tasks (panels, top to bottom) and models (rows, top to bottom) to show, in this order; by default
        all of them: tasks in the order they first appear, models in the order of
        :data:`lstm_utils.experiments.MODELS`.
    min_rate : float
        The share of solved runs that counts a length as solved: 0.8 is 8 of 10.
    labels : dict, optional
        ``{model: label}`` overriding :func:`model_label`.
    fig : matplotlib Figure, optional
        Drawn into (cleared); by default a new figure the width of the column.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    rs = _check_records(records)
    best = longest_solved(rs, min_rate=min_rate)

    def _order(name, given, present):
        if given is None:
            return list(dict.fromkeys(present))
        if isinstance(given, str) or not hasattr(given, "__iter__"):
            raise TypeError(f"{name}: expected a list of names, got {type(given).__name__}")
        given = list(given)
        unknown = [g for g in given if g not in set(present)]
        if unknown or not given:
            raise ValueError(f"{name}: expected names from {sorted(set(present))}, got {unknown or given}")
        return given

    tasks = _order("tasks", tasks, [r["task"] for r in rs])
    from ..experiments import MODELS, SETTINGS

    known = list(MODELS)          # the registry's order: RNNs, LSTMs, GRUs
    present = sorted({r["model"] for r in rs}, key=lambda m: (known.index(m) if m in known else len(known), m))
    models = _order("models", models, present)
    if labels is not None and not isinstance(labels, dict):
        raise TypeError(f"labels: expected None or a dict {{model: label}}, got {type(labels).__name__}")
    Ts = sorted({int(r["T"]) for r in rs if r["task"] in tasks and r["model"] in models})
    col = {T: k for k, T in enumerate(Ts)}
    n = len(models)
    if fig is None:
        fig = plt.figure(figsize=(COLUMN_WIDTH, len(tasks) * (0.46 * n + 0.75) + 0.75))
    else:
        fig.clear()
    axes = fig.subplots(len(tasks), 1, sharex=True, squeeze=False)[:, 0]
    half = 0.36                                      # a row is 2 * half high, a cell 2 * half wide
    for ax, task in zip(axes, tasks, strict=True):
        for row, model in enumerate(models):
            y0 = n - 1 - row                             # the first model at the top
            color = _model_color(model)
            longest = best.get((task, model))
            # the line a run must reach to count as solved, across the row
            line = y0 - half + 2 * half * SETTINGS["solved_at"]
            ax.plot([-0.5, len(Ts) - 0.5], [line, line], color=COLORS["theory"], lw=0.6, ls=(0, (3, 2)), zorder=1)
            if longest is not None:
                ax.barh(y0, col[longest] + 2 * half, left=-half, height=2 * half + 0.1, color=color, alpha=0.13,
                        linewidth=0, zorder=0)
                ax.plot([col[longest] + half] * 2, [y0 - half - 0.05, y0 + half + 0.05], color=color, lw=2.2,
                        solid_capstyle="butt", zorder=1)
            # the longest length solved, in a column right of the axes
            ax.text(1.015, (y0 + 0.55) / (n + 0.1), "none" if longest is None else str(longest),
                    transform=ax.transAxes, color=color if longest is not None else COLORS["muted"],
                    fontsize=10, fontweight="bold", ha="left", va="center")
            for T in Ts:
                runs = sorted((r for r in rs if r["task"] == task and r["model"] == model and int(r["T"]) == T),
                              key=lambda r: (r["score"], r["seed"]))
                if not runs:
                    continue
                xs = col[T] + np.linspace(-half + 0.06, half - 0.06, len(runs)) if len(runs) > 1 else [col[T]]
                for x, r in zip(xs, runs, strict=True):
                    y = y0 - half + 2 * half * float(np.clip(r["score"], 0, 1))
                    if r["solved"]:
                        ax.plot(x, y, "o", ms=4.6, color=color, mec=color, zorder=2)
                    else:
                        ax.plot(x, y, "o", ms=4.6, mfc="white", mec=COLORS["muted"], mew=1.0, zorder=2)
        ax.set_yticks(range(n), [(labels or {}).get(m, model_label(m)) for m in models][::-1])
        ax.set_ylim(-0.5 - 0.05, n - 0.5 + 0.05)
        ax.set_xlim(-0.5, len(Ts) - 0.5)
        ax.grid(False)
        for k in range(1, len(Ts)):
            ax.axvline(k - 0.5, color="#e4e4e4", lw=0.8, zorder=0)
        ax.set_title(task.replace("_", " ").capitalize() if task.islower() else task, loc="left")
        ax.text(1.015, 1.0, "longest\n$T$ solved", transform=ax.transAxes, fontsize=9.5, ha="left", va="bottom")
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
    axes[-1].set_xticks(range(len(Ts)), [str(T) for T in Ts])
    axes[-1].set_xlabel("sequence length $T$ (steps)")
    share = f"{round(min_rate * 10)} of 10" if abs(min_rate * 10 - round(min_rate * 10)) < 1e-9 else f"{min_rate:.0%}"
    handles = [Line2D([], [], ls="", marker="o", ms=5, color=COLORS["lstm"], label="run solved"),
               Line2D([], [], ls="", marker="o", ms=5, mfc="white", mec=COLORS["muted"], label="run failed"),
               Line2D([], [], color=COLORS["theory"], lw=0.8, ls=(0, (3, 2)),
                      label=f"solved line ({SETTINGS['solved_at']:.0%} of the test set)"),
               Patch(color=COLORS["lstm"], alpha=0.2, label=f"lengths up to the longest\nthat {share} runs solve")]
    fig.legend(handles=handles, loc="upper center", ncol=2, bbox_to_anchor=(0.5, 1.0), borderaxespad=0.2,
               handletextpad=0.4, columnspacing=1.2)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.72 / fig.get_size_inches()[1]))
    return fig
