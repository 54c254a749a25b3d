"""The book's figure style: one look for every chapter.

* ``PALETTE``: the Okabe-Ito colours, distinguishable with the common forms of colour blindness; ``COLORS`` names
  the ones the book gives a fixed meaning (the RNN is always vermillion, the LSTM always blue, the GRU green).
* ``use_style()``: white figure background (legible on the book's dark theme too), a light grid, readable sizes.
* ``log_axis(ax)``: a base-10 log scale for quantities that decay exponentially.
"""

from __future__ import annotations

import matplotlib as mpl
from cycler import cycler

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


def log_axis(ax, axis: str = "y") -> None:
    """Base-10 log scale on ``axis`` ("x", "y" or "both"): exponential decay becomes a straight line."""
    if axis in ("y", "both"):
        ax.set_yscale("log")
    if axis in ("x", "both"):
        ax.set_xscale("log")
