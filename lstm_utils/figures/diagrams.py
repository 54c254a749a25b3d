r"""Cell diagrams in the book's symbols: the vanilla RNN, the LSTM and the GRU drawn from code.

Each ``draw_*_cell`` draws one step of a cell on a matplotlib Axes in the notation of the book's notation page:
the inputs :math:`h_{t-1}` (shape :math:`(B, H)`) and :math:`x_t` (shape :math:`(B, D)`), their concatenation
:math:`[h_{t-1}, x_t]` (shape :math:`(B, H + D)`), one box per affine map and activation (:math:`\sigma` or
:math:`\tanh`), the elementwise products (:math:`\times`) and sums (:math:`+`), and the outputs. Two kinds of path
are drawn differently, in colour *and* line style, so that they stay apart in greyscale and for colour-blind readers:

* the LSTM's cell state :math:`C_{t-1} \to C_t` along the top, the conveyor: a thick solid blue line;
* the paths through the hidden state :math:`h`: dashed black lines.

The gates have one colour each (Okabe-Ito, from :mod:`lstm_utils.figures.plotting`). ``highlight`` names the parts a
chapter is about; they keep their colours and the rest turns light grey. :func:`cell_diagram_alt` gives the alt text
of the same diagram.

Every drawn artist carries a gid ``"lu-<cell>:<part>"`` (``<part>`` one of the highlight names, or ``"frame"`` for
the cell's outline and the legend), which the tests use to find the highlighted parts.

Introduced in chapter 01 (the RNN), chapters 03-07 (the LSTM, gate by gate) and chapter 10 (the GRU).
"""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib.colors as mcolors
import matplotlib.patheffects as pe
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from .plotting import COLORS, COLUMN_WIDTH, GATE_COLORS

__all__ = ["HIGHLIGHTS", "cell_axes", "cell_diagram_alt", "diagram_size", "draw_gru_cell", "draw_lstm_cell",
           "draw_rnn_cell", "draw_unrolled", "unrolled_alt"]

#: The parts each diagram can highlight.
HIGHLIGHTS = {
    "rnn": ("hidden",),
    "lstm": ("forget", "input", "candidate", "cell", "output", "hidden"),
    "gru": ("reset", "update", "candidate", "hidden"),
}

_CELL_COLOR = GATE_COLORS["cell"]      # the conveyor: blue, thick, solid
_HIDDEN_COLOR = GATE_COLORS["hidden"]  # paths through h: black, dashed
_GATE_COLORS = {k: v for k, v in GATE_COLORS.items() if k not in ("cell", "hidden")}   # one palette: plotting
_BOX_COLORS = {"rnn": COLORS["rnn"], "hidden": "#555555"}  # the RNN's tanh; tanh(C_t) on the path through h
_GREY_LINE = "#c8c8c8"
_GREY_TEXT = "#8c8c8c"
_GREY_FILL = "#f3f3f3"
_CELL_LW, _HIDDEN_LW, _GATE_LW = 4.0, 2.0, 1.8
_HIDDEN_DASH = (0, (4.0, 2.2))
# font sizes (points at full size: 100 dpi, shown 1:1, so 1 pt is 1.39 px): labels and box names 13, equations
# and the legend 11, as large as the book's figure text or larger
_LABEL_FS, _BOX_FS, _EQ_FS, _NOTE_FS = 13, 13, 11.5, 11
_NODE_R = 0.3
_BOX_H = 0.9
_DESIGN_UNIT = COLUMN_WIDTH / 14.2    # inches per data unit at full size: there the sizes are as written


def _check_cell(cell) -> str:
    if not isinstance(cell, str):
        raise TypeError(f"cell: expected one of {sorted(HIGHLIGHTS)} as a str, got {type(cell).__name__}")
    key = cell.lower()
    if key not in HIGHLIGHTS:
        raise ValueError(f"cell: expected one of {sorted(HIGHLIGHTS)}, got {cell!r}")
    return key


def _check_highlight(cell: str, highlight) -> frozenset | None:
    """``highlight`` as a frozenset of valid part names, or None for the whole diagram in colour."""
    valid = HIGHLIGHTS[cell]
    if highlight is None:
        return None
    if isinstance(highlight, str):
        names = [highlight]
    elif isinstance(highlight, Iterable) and not isinstance(highlight, (bytes, dict)):
        names = list(highlight)
    else:
        raise TypeError(f"highlight: expected None, a str or a list of str from {list(valid)}, "
                        f"got {type(highlight).__name__}")
    if not names:
        raise ValueError(f"highlight: expected None or one or more of {list(valid)} for the {cell.upper()} "
                         f"cell, got an empty {type(highlight).__name__}")
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"highlight: expected names (str) from {list(valid)}, got {name!r} "
                            f"({type(name).__name__})")
        if name not in valid:
            raise ValueError(f"highlight: expected None or one or more of {list(valid)} for the {cell.upper()} "
                             f"cell, got {name!r}")
    return frozenset(names)


class _Canvas:
    """Draws parts on ``ax``; a part is in colour when ``highlight`` is None or names one of its groups."""

    def __init__(self, ax: Axes, cell: str, highlight: frozenset | None):
        self.ax, self.cell, self.highlight = ax, cell, highlight
        self.s = _scale(ax)

    def on(self, groups) -> bool:
        return self.highlight is None or "frame" in groups or any(g in self.highlight for g in groups)

    def _gid(self, groups) -> str:
        return f"lu-{self.cell}:{groups[0]}"

    def _style(self, kind: str, groups) -> dict:
        on = self.on(groups)
        if on and self.highlight is not None and kind in _GATE_COLORS and kind not in self.highlight:
            # a product of two gates in the colour of the highlighted one (i_t * C~_t with the candidate)
            kind = next((g for g in groups if g in self.highlight and g in _GATE_COLORS), kind)
        if kind == "cell":
            return {"color": _CELL_COLOR if on else _GREY_LINE, "lw": _CELL_LW, "ls": "-"}
        if kind == "hidden":
            return {"color": _HIDDEN_COLOR if on else _GREY_LINE, "lw": _HIDDEN_LW, "ls": _HIDDEN_DASH}
        return {"color": _GATE_COLORS[kind] if on else _GREY_LINE, "lw": _GATE_LW, "ls": "-"}

    def path(self, points, kind, groups, *, arrow=True, halo=False, lw=None):
        """A polyline through ``points``, with an arrowhead ending exactly at the last point."""
        st = self._style(kind, groups)
        if lw is not None:
            st["lw"] = lw
        st["lw"] *= self.s
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        head = 0.32
        if arrow:
            (x0, y0), (x1, y1) = points[-2], points[-1]
            d = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
            ux, uy = (x1 - x0) / d, (y1 - y0) / d
            xs[-1], ys[-1] = x1 - 0.6 * head * ux, y1 - 0.6 * head * uy
        effects = [pe.Stroke(linewidth=st["lw"] + 5 * self.s, foreground="white"), pe.Normal()] if halo else None
        (line,) = self.ax.plot(xs, ys, color=st["color"], lw=st["lw"], ls=st["ls"], solid_capstyle="butt",
                               dash_capstyle="butt", zorder=3 if halo else 2, path_effects=effects)
        line.set_gid(self._gid(groups))
        if arrow:
            tip = points[-1]
            tail = (tip[0] - head * ux, tip[1] - head * uy)
            a = FancyArrowPatch(tail, tip, arrowstyle="-|>", mutation_scale=(11 * self.s + 1.5 * st["lw"]),
                                shrinkA=0, shrinkB=0, color=st["color"], lw=0.8, zorder=4)
            a.set_gid(self._gid(groups))
            self.ax.add_patch(a)
        return line

    def box(self, xy, text, kind, groups, *, w=1.0, h=_BOX_H):
        """A gate: a rounded box with its activation's name."""
        on = self.on(groups)
        color = _GATE_COLORS.get(kind, _BOX_COLORS.get(kind)) if on else _GREY_LINE
        fill = _tint(color, 0.18) if on else _GREY_FILL
        b = FancyBboxPatch((xy[0] - w / 2, xy[1] - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.12",
                           fc=fill, ec=color, lw=2.0 * self.s, zorder=5)
        b.set_gid(self._gid(groups))
        self.ax.add_patch(b)
        self.text(xy, text, groups, size=_BOX_FS, ha="center", va="center", zorder=6)
        return b

    def node(self, xy, symbol, kind, groups, size=_LABEL_FS):
        """A pointwise operation: a circle with x or +."""
        on = self.on(groups)
        if on and self.highlight is not None and kind not in self.highlight:
            # in the colour of the highlighted part it belongs to (the output's x is the output gate's)
            kind = next(g for g in groups if g in self.highlight)
        color = _group_color(kind) if on else _GREY_LINE
        c = Circle(xy, _NODE_R, fc="white", ec=color, lw=2.0 * self.s, zorder=5)
        c.set_gid(self._gid(groups))
        self.ax.add_patch(c)
        self.text((xy[0], xy[1] - 0.01), symbol, groups, size=size, ha="center", va="center", zorder=6,
                  color_on=color if on else None)
        return c

    def dot(self, xy, kind, groups, r=0.09):
        st = self._style(kind, groups)
        c = Circle(xy, r, fc=st["color"], ec=st["color"], zorder=5)
        c.set_gid(self._gid(groups))
        self.ax.add_patch(c)
        return c

    def text(self, xy, s, groups, *, size=_LABEL_FS, color_on=None, **kw):
        on = self.on(groups)
        color = (color_on or "black") if on else _GREY_TEXT
        kw.setdefault("ha", "left")
        kw.setdefault("va", "center")
        t = self.ax.text(xy[0], xy[1], s, fontsize=size * self.s, color=color, **kw)
        t.set_gid(self._gid(groups))
        return t



def _group_color(kind: str) -> str:
    if kind == "cell":
        return _CELL_COLOR
    if kind == "hidden":
        return _HIDDEN_COLOR
    return _GATE_COLORS[kind]


def _tint(color: str, alpha: float) -> str:
    """``color`` mixed with white (alpha of the colour): a light fill that keeps black text legible."""
    c = color.lstrip("#")
    rgb = [int(c[i:i + 2], 16) for i in (0, 2, 4)]
    mixed = [round(alpha * v + (1 - alpha) * 255) for v in rgb]
    return "#" + "".join(f"{v:02x}" for v in mixed)


def _scale(ax: Axes) -> float:
    """Text and line sizes relative to the design (7 inches for the 14.2 data units across): on a smaller Axes
    (a panel of a grid) everything shrinks with the drawing, so that nothing overlaps."""
    fig = ax.figure
    pos = ax.get_position()
    w, h = fig.get_size_inches()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    unit = min(w * pos.width / (x1 - x0), h * pos.height / (y1 - y0))     # inches per data unit (equal aspect)
    return round(min(1.6, max(0.4, unit / _DESIGN_UNIT)), 2)


# --- extents, the frame, the legend ------------------------------------------------------------------------------

_X_EXTENT = (0.0, 14.2)
_TOP = {"rnn": 5.3, "lstm": 7.0, "gru": 7.0}         # room above the cell for h_t leaving upward
_BOTTOM = {"rnn": -0.95, "lstm": -0.95, "gru": -0.95}  # below x_t's label
_LEGEND_ROW, _EQ_ROW = 0.62, 0.66                      # heights of a legend row and an equation row


def _equations(cell: str, hl: frozenset | None) -> list[tuple[str, str]]:
    """The equations a highlighted diagram prints under the drawing: (part, mathtext), in the parts' order."""
    if hl is None or cell == "rnn":
        return []
    return [(p, _EQUATIONS[cell][p]) for p in HIGHLIGHTS[cell] if p in hl]


def _extent(cell: str, hl: frozenset | None, equations: bool = True):
    """(xlim, ylim) of a drawing: the cell, its equations (two to a row) and its two-row icon legend below."""
    n_eq = len(_equations(cell, hl)) if equations else 0
    bottom = _BOTTOM[cell] - _EQ_ROW * ((n_eq + 1) // 2) - 2 * _LEGEND_ROW - 0.1
    return _X_EXTENT, (bottom, _TOP[cell])


def diagram_size(cell, highlight=None, *, equations=True) -> tuple[float, float]:
    """(width, height) in inches of a cell diagram drawn at full size: the column's width
    (:data:`~lstm_utils.figures.plotting.COLUMN_WIDTH`), and the height its drawing, equations and legend need."""
    key = _check_cell(cell)
    (x0, x1), (y0, y1) = _extent(key, _check_highlight(key, highlight), equations)
    return COLUMN_WIDTH, round(COLUMN_WIDTH * (y1 - y0) / (x1 - x0), 3)


def cell_axes(panels, *, title_space=0.4):
    """A figure the column's width with one full-size Axes per cell diagram, stacked: for the two-cell figures
    (chapters 05, 06, 07 and 10), whose cells are then drawn as large as a single one, not shrunk.

    ``panels`` is a list with one entry per diagram, top to bottom: a cell name (``"lstm"``) or a pair
    ``(cell, highlight)`` as it will be drawn, so that each Axes has that drawing's height. ``title_space`` (inches)
    is left above each Axes for a title. Returns ``(fig, axes)``; draw with ``draw_lstm_cell(axes[0], ...)``.
    """
    if isinstance(panels, (str, bytes)) or not isinstance(panels, Iterable):
        raise TypeError(f"panels: expected a list of cell names or (cell, highlight) pairs, "
                        f"got {type(panels).__name__}")
    specs = [(p, None) if isinstance(p, str) else tuple(p) for p in panels]
    if not specs or any(len(s) != 2 for s in specs):
        raise ValueError(f"panels: expected one or more cell names or (cell, highlight) pairs, got {panels!r}")
    heights = [diagram_size(c, h)[1] for c, h in specs]
    total = sum(heights) + title_space * len(heights)
    fig = plt.figure(figsize=(COLUMN_WIDTH, total), dpi=100)
    axes, top = [], total
    for h in heights:
        top -= title_space
        axes.append(fig.add_axes((0, (top - h) / total, 1, h / total)))
        top -= h
    return fig, axes


def _setup(cell: str, ax, highlight, equations=True) -> _Canvas:
    """The checks, the Axes (a new figure at full size when None) and the canvas every drawing starts with."""
    hl = _check_highlight(cell, highlight)
    xlim, ylim = _extent(cell, hl, equations)
    if ax is None:
        w = COLUMN_WIDTH
        fig = plt.figure(figsize=(w, w * (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])), dpi=100)
        ax = fig.add_axes((0, 0, 1, 1))
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax: expected a matplotlib Axes or None, got {type(ax).__name__}")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return _Canvas(ax, cell, hl)


def _frame(cv: _Canvas, x0, x1, y0, y1, title):
    r = FancyBboxPatch((x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0,rounding_size=0.35",
                       fc="#fafafa", ec="#b0b0b0", lw=1.2 * cv.s, zorder=0)
    r.set_gid(f"lu-{cv.cell}:frame")
    cv.ax.add_patch(r)
    t = cv.ax.text(x1 - 0.15, y1 - 0.12, title, fontsize=_NOTE_FS * cv.s, color="#555555", ha="right", va="top")
    t.set_gid(f"lu-{cv.cell}:frame")


def _inputs(cv: _Canvas, y_b: float, x_dot: float = 2.3, *, h_prev: bool = True):
    """h_{t-1} from the left (unless ``h_prev`` is False: the GRU brings it down from the top) and x_t from below,
    joined into [h_{t-1}, x_t] at ``(x_dot, y_b)``: the start of every cell."""
    H = ("hidden",)
    if h_prev:
        cv.text((0.05, y_b), r"$h_{t-1}$", H)
        cv.path([(0.95, y_b), (x_dot - 0.09, y_b)], "hidden", H)
    cv.text((x_dot, -0.7), r"$x_t$", H, ha="center")
    cv.path([(x_dot, -0.45), (x_dot, y_b - 0.09)], "hidden", H)
    cv.dot((x_dot, y_b), "hidden", H)


def _h_out(cv: _Canvas, y: float, x_riser: float = 12.3, *, x_end: float = 13.2, top: float | None = None,
           bridge: bool = False, start=None):
    """h_t leaving the cell twice, as in colah's drawing: to the right (the next step) and upward (the output the
    layer above or the readout reads). ``start``: where the line along ``y`` begins (default: already drawn)."""
    H = ("hidden",)
    if start is not None:
        cv.path([start, (x_end, y)], "hidden", H)
    else:
        cv.path([(x_riser, y), (x_end, y)], "hidden", H)
    cv.text((x_end + 0.1, y), r"$h_t$", H)
    top = _TOP[cv.cell] - 0.5 if top is None else top
    cv.dot((x_riser, y), "hidden", H)
    cv.path([(x_riser, y), (x_riser, top)], "hidden", H, halo=bridge)
    cv.text((x_riser + 0.18, top - 0.12), r"$h_t$", H)


def _legend(cv: _Canvas, y: float):
    """The icon legend, two rows from ``y`` down: what each shape and line means (colah's key)."""
    ax, s = cv.ax, cv.s
    F = ("frame",)

    def label(x, yy, text):
        t = ax.text(x, yy, text, fontsize=_NOTE_FS * s, color="#333333", ha="left", va="center")
        t.set_gid(f"lu-{cv.cell}:frame")

    y1, y2 = y, y - _LEGEND_ROW
    # row 1: a learned layer, a pointwise operation, a copy
    b = FancyBboxPatch((0.3, y1 - 0.22), 0.75, 0.44, boxstyle="round,pad=0,rounding_size=0.08", fc="#f0f0f0",
                       ec="#555555", lw=1.4 * s, zorder=5)
    b.set_gid(f"lu-{cv.cell}:frame")
    ax.add_patch(b)
    t = ax.text(0.675, y1, r"$\sigma$", fontsize=_NOTE_FS * s, ha="center", va="center", zorder=6)
    t.set_gid(f"lu-{cv.cell}:frame")
    label(1.2, y1, r"learned layer: $\sigma$ or $\tanh$ of $W \cdot [\,\cdot\,] + b$")
    c = Circle((8.35, y1), 0.22, fc="white", ec="#555555", lw=1.4 * s, zorder=5)
    c.set_gid(f"lu-{cv.cell}:frame")
    ax.add_patch(c)
    t = ax.text(8.35, y1 - 0.01, r"$\times$", fontsize=_NOTE_FS * s, ha="center", va="center", zorder=6)
    t.set_gid(f"lu-{cv.cell}:frame")
    label(8.7, y1, "pointwise operation")
    # row 2: the two kinds of path, and a copy
    if cv.cell == "lstm":
        cv.path([(0.3, y2), (1.05, y2)], "cell", F, arrow=False)
        label(1.2, y2, r"cell state $C$")
        x = 4.0
    else:
        x = 0.3
    cv.path([(x, y2), (x + 0.75, y2)], "hidden", F, arrow=False)
    label(x + 0.9, y2, r"path through $h$")
    d = Circle((8.35, y2), 0.09, fc="#555555", ec="#555555", zorder=5)
    d.set_gid(f"lu-{cv.cell}:frame")
    ax.add_patch(d)
    label(8.7, y2, "copy; lines joining: concatenate")


def _finish(cv: _Canvas, equations: bool):
    """The highlighted parts' equations (two to a row, each in its part's colour) and the legend under them."""
    eqs = _equations(cv.cell, cv.highlight) if equations else []
    y = _BOTTOM[cv.cell] - 0.35
    for k, (part, tex) in enumerate(eqs):
        x = 0.3 if k % 2 == 0 else 7.3
        t = cv.ax.text(x, y - _EQ_ROW * (k // 2), tex, fontsize=_EQ_FS * cv.s, color=_group_color(part),
                       ha="left", va="center")
        t.set_gid(f"lu-{cv.cell}:{part}")
    _legend(cv, y - _EQ_ROW * ((len(eqs) + 1) // 2) - (0.0 if not eqs else 0.05))


_EQUATIONS = {
    "lstm": {
        "forget": r"$f_t = \sigma(W_f \cdot [h_{t-1}, x_t] + b_f)$",
        "input": r"$i_t = \sigma(W_i \cdot [h_{t-1}, x_t] + b_i)$",
        "candidate": r"$\tilde C_t = \tanh(W_C \cdot [h_{t-1}, x_t] + b_C)$",
        "cell": r"$C_t = f_t \odot C_{t-1} + i_t \odot \tilde C_t$",
        "output": r"$o_t = \sigma(W_o \cdot [h_{t-1}, x_t] + b_o)$",
        "hidden": r"$h_t = o_t \odot \tanh(C_t)$",
    },
    "gru": {
        "reset": r"$r_t = \sigma(W_r \cdot [h_{t-1}, x_t] + b_r)$",
        "update": r"$z_t = \sigma(W_z \cdot [h_{t-1}, x_t] + b_z)$",
        "candidate": r"$\tilde h_t = \tanh(W_h \cdot [r_t \odot h_{t-1}, x_t] + b_h)$",
        "hidden": r"$h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t$",
    },
}

_DOC_TAIL = """
    Returns
    -------
    matplotlib.axes.Axes
        The Axes, with its axis turned off and an equal aspect ratio.

    Raises
    ------
    ValueError
        If ``highlight`` names a part the diagram does not have.
    TypeError
        If ``ax`` is not a matplotlib Axes, or ``highlight`` not a str or a list of str.
"""


def draw_rnn_cell(ax=None, *, highlight=None) -> Axes:
    r"""Draw one step of the vanilla RNN, :math:`h_t = \tanh(W_h \cdot [h_{t-1}, x_t] + b_h)`.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure the column's width (:func:`diagram_size`) when None.
    highlight : None or "hidden"
        None: the whole diagram in colour; "hidden": the same (the RNN's only path is through :math:`h`).
    """
    cv = _setup("rnn", ax, highlight)
    H = ("hidden",)
    y_b = 0.7
    _frame(cv, 1.5, 11.3, 0.05, 4.4, "vanilla RNN cell")
    _inputs(cv, y_b)
    cv.text((2.6, 0.3), r"$[h_{t-1}, x_t]$", H, size=_NOTE_FS)
    cv.path([(2.3, y_b), (6.0, y_b), (6.0, 1.85)], "hidden", H)
    # the one affine map and tanh; the new state goes out to the right (next step) and up (readout)
    cv.box((6.0, 2.3), r"$\tanh$", "rnn", H, w=1.1)
    cv.text((6.25, 1.35), r"$W_h, b_h$", H, size=_NOTE_FS)
    cv.path([(6.0, 2.75), (6.0, 3.3), (12.3, 3.3)], "hidden", H, arrow=False)
    cv.text((2.0, 3.8), r"$h_t = \tanh(W_h \cdot [h_{t-1}, x_t] + b_h)$", H, size=_EQ_FS)
    _h_out(cv, 3.3, x_riser=12.3)
    _finish(cv, False)
    return cv.ax


def draw_lstm_cell(ax=None, *, highlight=None, equations=True) -> Axes:
    r"""Draw one step of the LSTM in the book's symbols, gate by gate.

    .. math::

        f_t &= \sigma(W_f \cdot [h_{t-1}, x_t] + b_f), \\
        i_t &= \sigma(W_i \cdot [h_{t-1}, x_t] + b_i), \\
        \tilde C_t &= \tanh(W_C \cdot [h_{t-1}, x_t] + b_C), \\
        o_t &= \sigma(W_o \cdot [h_{t-1}, x_t] + b_o), \\
        C_t &= f_t \odot C_{t-1} + i_t \odot \tilde C_t, \\
        h_t &= o_t \odot \tanh(C_t).

    The cell state runs along the top (thick solid blue: the conveyor), the hidden state and the concatenation
    along the bottom (dashed black); :math:`h_t` leaves to the right (the next step) and upward (the output). An
    icon legend under the drawing says what the shapes mean. No shapes are written in the drawing: every line
    carries a (B, H) array except :math:`x_t`, (B, D), and :math:`[h_{t-1}, x_t]`, (B, H + D).

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure the column's width (:func:`diagram_size`) when None.
    highlight : None, str or list of str
        None for the whole diagram in colour, or one or more of "forget" (:math:`f_t` and its product with
        :math:`C_{t-1}`), "input" (:math:`i_t`), "candidate" (:math:`\tilde C_t`), "cell" (the conveyor
        :math:`C_{t-1} \to C_t`), "output" (:math:`o_t`), "hidden" (the paths through :math:`h`): those keep their
        colours, the rest is grey, and the highlighted parts' equations are printed under the drawing.
    equations : bool
        Print the highlighted parts' equations under the drawing (default True; nothing without ``highlight``).
    """
    cv = _setup("lstm", ax, highlight, equations)
    H, C = ("hidden",), ("cell",)
    FG, IG, CG, OG = ("forget",), ("input",), ("candidate",), ("output",)
    y_c, y_b, y_g = 5.6, 0.7, 2.3
    x_f, x_i, x_g, x_o, x_out = 3.8, 5.3, 6.8, 8.4, 10.2
    _frame(cv, 1.5, 11.5, 0.05, 6.35, "LSTM cell")
    # the conveyor: C_{t-1} -> x (forget) -> + (write) -> C_t
    cv.text((0.05, y_c), r"$C_{t-1}$", C)
    cv.path([(0.95, y_c), (x_f - _NODE_R, y_c)], "cell", C)
    cv.node((x_f, y_c), r"$\times$", "cell", ("forget", "cell"))
    cv.path([(x_f + _NODE_R, y_c), (x_g - _NODE_R, y_c)], "cell", C)
    cv.node((x_g, y_c), r"$+$", "cell", ("cell", "input", "candidate"))
    cv.path([(x_g + _NODE_R, y_c), (13.2, y_c)], "cell", C)
    cv.text((13.3, y_c), r"$C_t$", C)
    # inputs and the concatenation, fanned out to the four layers
    _inputs(cv, y_b)
    cv.text((2.55, 0.28), r"$[h_{t-1}, x_t]$", H, size=_NOTE_FS)
    cv.path([(2.3, y_b), (x_o, y_b)], "hidden", H, arrow=False)
    for x in (x_f, x_i, x_g, x_o):
        cv.path([(x, y_b), (x, y_g - _BOX_H / 2)], "hidden", H)
    for x in (x_f, x_i, x_g):
        cv.dot((x, y_b), "hidden", H, r=0.07)
    # the four learned layers
    cv.box((x_f, y_g), r"$\sigma$", "forget", FG)
    cv.box((x_i, y_g), r"$\sigma$", "input", IG)
    cv.box((x_g, y_g), r"$\tanh$", "candidate", CG, w=1.1)
    cv.box((x_o, y_g), r"$\sigma$", "output", OG)
    # forget gate up to the conveyor's x
    cv.path([(x_f, y_g + _BOX_H / 2), (x_f, y_c - _NODE_R)], "forget", FG)
    cv.text((x_f + 0.15, 3.75), r"$f_t$", FG)
    # input gate times candidate, up to the +
    y_w = 4.1
    cv.path([(x_i, y_g + _BOX_H / 2), (x_i, y_w), (x_g - _NODE_R, y_w)], "input", IG)
    cv.text((x_i + 0.15, 3.25), r"$i_t$", IG)
    cv.path([(x_g, y_g + _BOX_H / 2), (x_g, y_w - _NODE_R)], "candidate", CG)
    cv.text((x_g + 0.15, 3.25), r"$\tilde C_t$", CG)
    cv.node((x_g, y_w), r"$\times$", "input", ("input", "candidate"))
    cv.path([(x_g, y_w + _NODE_R), (x_g, y_c - _NODE_R)], "input", ("input", "candidate"))
    # output: tanh(C_t) times o_t gives h_t
    cv.dot((x_out, y_c), "cell", C)
    cv.path([(x_out, y_c), (x_out, 4.1 + _BOX_H / 2)], "hidden", H)
    cv.box((x_out, 4.1), r"$\tanh$", "hidden", H, w=1.1)
    cv.path([(x_out, 4.1 - _BOX_H / 2), (x_out, y_g + _NODE_R)], "hidden", H)
    cv.path([(x_o + 0.5, y_g), (x_out - _NODE_R, y_g)], "output", OG)
    cv.text((x_o + 0.62, y_g + 0.14), r"$o_t$", OG, va="bottom")
    cv.node((x_out, y_g), r"$\times$", "output", ("output", "hidden"))
    cv.path([(x_out, y_g - _NODE_R), (x_out, y_b), (12.3, y_b)], "hidden", H, arrow=False)
    _h_out(cv, y_b, x_riser=12.3, bridge=True)
    _finish(cv, equations)
    return cv.ax


def draw_gru_cell(ax=None, *, highlight=None, equations=True) -> Axes:
    r"""Draw one step of the GRU (Cho et al. 2014, in the convention of Chung et al. 2014).

    .. math::

        z_t &= \sigma(W_z \cdot [h_{t-1}, x_t] + b_z), \quad r_t = \sigma(W_r \cdot [h_{t-1}, x_t] + b_r), \\
        \tilde h_t &= \tanh(W_h \cdot [r_t \odot h_{t-1}, x_t] + b_h), \quad
        h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t.

    The hidden state runs along the top, where the LSTM has its conveyor (thick dashed black: it is :math:`h`).
    The update gate :math:`z_t` has the forget gate's colour: :math:`1 - z_t` keeps the old state, as
    :math:`f_t` does; the reset gate :math:`r_t` has its own.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure the column's width (:func:`diagram_size`) when None.
    highlight : None, str or list of str
        None, or one or more of "reset" (:math:`r_t` and :math:`r_t \odot h_{t-1}`), "update" (:math:`z_t`,
        :math:`1 - z_t` and the two products), "candidate" (:math:`\tilde h_t`), "hidden" (the paths through
        :math:`h`); their equations are printed under the drawing.
    equations : bool
        Print the highlighted parts' equations under the drawing (default True; nothing without ``highlight``).
    """
    cv = _setup("gru", ax, highlight, equations)
    H, R, Z, G = ("hidden",), ("reset",), ("update",), ("candidate",)
    y_top, y_b, y_g, y_x = 5.6, 0.7, 2.3, 0.1
    x_p, x_dot, x_r, x_z, x_g = 1.8, 2.4, 4.6, 6.0, 7.5
    x_a, x_c = 9.0, 10.8
    y_rh, y_z = 4.1, 3.35
    _frame(cv, 1.5, 11.6, -0.2, 6.35, "GRU cell")
    # h_{t-1} along the top: x (1 - z_t) then + z_t * h~_t
    cv.text((0.05, y_top), r"$h_{t-1}$", H)
    cv.path([(0.95, y_top), (x_a - _NODE_R, y_top)], "hidden", H, lw=3.0)
    cv.node((x_a, y_top), r"$\times$", "hidden", ("hidden", "update"))
    cv.path([(x_a + _NODE_R, y_top), (x_c - _NODE_R, y_top)], "hidden", H, lw=3.0)
    cv.node((x_c, y_top), r"$+$", "hidden", ("hidden", "update", "candidate"))
    cv.path([(x_c + _NODE_R, y_top), (12.3, y_top)], "hidden", H, lw=3.0, arrow=False)
    _h_out(cv, y_top, x_riser=12.3)
    # h_{t-1} down to the concatenation with x_t
    cv.dot((x_p, y_top), "hidden", H)
    cv.path([(x_p, y_top), (x_p, y_b), (x_dot - 0.09, y_b)], "hidden", H)
    _inputs(cv, y_b, x_dot, h_prev=False)
    cv.text((x_dot + 0.2, 1.05), r"$[h_{t-1}, x_t]$", H, size=_NOTE_FS)
    cv.path([(x_dot, y_b), (x_z, y_b)], "hidden", H, arrow=False)
    for x in (x_r, x_z):
        cv.path([(x, y_b), (x, y_g - _BOX_H / 2)], "hidden", H)
    cv.dot((x_r, y_b), "hidden", H, r=0.07)
    # x_t on to the candidate, under the concatenation
    cv.dot((x_dot, y_x), "hidden", H, r=0.07)
    cv.path([(x_dot, y_x), (x_g, y_x), (x_g, y_g - _BOX_H / 2)], "hidden", H)
    # the gates
    cv.box((x_r, y_g), r"$\sigma$", "reset", R)
    cv.box((x_z, y_g), r"$\sigma$", "update", Z)
    cv.box((x_g, y_g), r"$\tanh$", "candidate", G, w=1.1)
    # reset: r_t * h_{t-1} into the candidate
    cv.path([(x_r, y_g + _BOX_H / 2), (x_r, y_rh - _NODE_R)], "reset", R)
    cv.text((x_r + 0.15, 3.2), r"$r_t$", R)
    cv.dot((x_r, y_top), "hidden", H)
    cv.path([(x_r, y_top), (x_r, y_rh + _NODE_R)], "hidden", H)
    cv.node((x_r, y_rh), r"$\times$", "reset", ("reset",))
    cv.text((x_r - 0.4, y_rh), r"$r_t \odot h_{t-1}$", R, size=_NOTE_FS, ha="right")
    cv.path([(x_r + _NODE_R, y_rh), (x_g, y_rh), (x_g, y_g + _BOX_H / 2)], "hidden", ("reset", "candidate", "hidden"))
    # update: z_t to 1 - z_t (onto h_{t-1}) and to z_t * h~_t; drawn over the candidate's input (white halo)
    cv.path([(x_z, y_g + _BOX_H / 2), (x_z, y_z), (x_c - _NODE_R, y_z)], "update", Z, halo=True)
    cv.text((x_z + 0.15, 2.95), r"$z_t$", Z)
    cv.dot((x_a, y_z), "update", Z, r=0.07)
    cv.path([(x_a, y_z), (x_a, 4.35 - _NODE_R)], "update", Z)
    cv.node((x_a, 4.35), r"$1{-}$", "update", Z, size=_NOTE_FS)
    cv.path([(x_a, 4.35 + _NODE_R), (x_a, y_top - _NODE_R)], "update", Z)
    cv.text((x_a + 0.15, 4.98), r"$1 - z_t$", Z, size=_NOTE_FS)
    # candidate h~_t times z_t, up to the +
    cv.path([(x_g + 0.55, y_g), (x_c, y_g), (x_c, y_z - _NODE_R)], "candidate", G)
    cv.text((8.45, y_g + 0.14), r"$\tilde h_t$", G, va="bottom")
    cv.node((x_c, y_z), r"$\times$", "update", ("update", "candidate"))
    cv.path([(x_c, y_z + _NODE_R), (x_c, y_top - _NODE_R)], "update", ("update", "candidate"))
    cv.text((x_c + 0.15, 4.5), r"$z_t \odot \tilde h_t$", ("update", "candidate"), size=_NOTE_FS)
    _finish(cv, equations)
    return cv.ax


for _f in (draw_rnn_cell, draw_lstm_cell, draw_gru_cell):
    _f.__doc__ = _f.__doc__.rstrip() + "\n" + _DOC_TAIL



# --- the network unrolled in time --------------------------------------------------------------------------------

_GRADIENT_COLOR = "#F0E442"     # Okabe-Ito yellow, a highlighter's band under the path the gradient takes
_UNROLLED_NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
_UNROLLED_NOTE = {
    "rnn": r"each step back multiplies the gradient by $J_t = \mathrm{diag}(1 - h_t^2)\, W_{hh}$",
    "lstm": r"along the cell state (the direct path) each step back multiplies it by $\mathrm{diag}(f_t)$",
    "gru": r"along $h$ the direct path multiplies it by $\mathrm{diag}(1 - z_t)$ each step back",
}


def _check_steps(steps) -> int:
    if isinstance(steps, bool) or not isinstance(steps, int):
        raise TypeError(f"steps: expected an int from 2 to 6, got {type(steps).__name__}")
    if not 2 <= steps <= 6:
        raise ValueError(f"steps: expected an int from 2 to 6 (the copies drawn side by side), got {steps}")
    return steps


def draw_unrolled(cell="rnn", steps=4, *, highlight_gradient=True, ax=None) -> Axes:
    r"""Draw a recurrent network unrolled in time: ``steps`` copies of one cell side by side, the same weights in
    every copy, each reading its input :math:`x_t` from below and passing its state to the next copy.

    :math:`h_t` leaves each copy upward (the output) and to the right (the next step); the LSTM also passes its
    cell state :math:`C_t` along the top (thick blue). A loss :math:`L` reads the last output. With
    ``highlight_gradient``, a yellow band marks the path by which :math:`L`'s gradient reaches the first input
    :math:`x_1`, and each step back along it is labelled with the factor it multiplies the gradient by: the RNN's
    Jacobian :math:`J_t = \mathrm{diag}(1 - h_t^2)\, W_{hh}` on the path through :math:`h`; the LSTM's forget gate
    :math:`f_t` on the path along the cell state; the GRU's :math:`1 - z_t` on the direct path along :math:`h`.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
        Which cell is unrolled.
    steps : int
        How many copies, from 2 to 6 (default 4).
    highlight_gradient : bool
        Draw the gradient's path and its factors (default True).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure the column's width when None.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes, with its axis turned off and an equal aspect ratio.

    Raises
    ------
    ValueError
        If ``cell`` is not one of the three, or ``steps`` is outside 2 to 6.
    TypeError
        If ``cell`` is not a str, ``steps`` not an int, ``highlight_gradient`` not a bool, or ``ax`` not an Axes.
    """
    key = _check_cell(cell)
    n = _check_steps(steps)
    if not isinstance(highlight_gradient, bool):
        raise TypeError(f"highlight_gradient: expected True or False, got {type(highlight_gradient).__name__}")
    xlim, ylim = (0.0, 14.2), (-2.55 if highlight_gradient else -1.15, 4.45)
    if ax is None:
        fig = plt.figure(figsize=(COLUMN_WIDTH, COLUMN_WIDTH * (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])), dpi=100)
        ax = fig.add_axes((0, 0, 1, 1))
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax: expected a matplotlib Axes or None, got {type(ax).__name__}")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_axis_off()
    cv = _Canvas(ax, key, None)
    s = cv.s
    H, C = ("hidden",), ("cell",)
    lstm = key == "lstm"
    left, right = 1.3, 13.2
    bw = min(1.9, 8.4 / n)                                     # a copy's width
    gap = (right - left - n * bw) / (n - 1) if n > 1 else 0.0
    xs = [left + k * (bw + gap) for k in range(n)]             # left edges
    y0, y1 = 0.3, 2.3                                          # a copy's bottom and top
    y_h = 0.95 if lstm else 1.3
    y_c = 1.85
    y_out, y_loss = 3.05, 3.75
    band = []                                                  # the gradient's path, from L back to x_1

    def grad(points):
        band.extend(points)

    color = COLORS[key]
    for k, x in enumerate(xs):
        t = k + 1
        b = FancyBboxPatch((x, y0), bw, y1 - y0, boxstyle="round,pad=0,rounding_size=0.2",
                           fc=mcolors.to_rgba(color, 0.1), ec=color, lw=2.0 * s, zorder=5)   # the band shows through
        b.set_gid(f"lu-{key}:frame")
        ax.add_patch(b)
        cv.text((x + bw / 2, 1.4 if lstm else 1.85), _UNROLLED_NAMES[key], ("frame",),
                size=_NOTE_FS, ha="center", color_on="#333333", zorder=6)
        # x_t in, h_t out
        cv.path([(x + bw / 2, -0.45), (x + bw / 2, y0)], "hidden", H)
        cv.text((x + bw / 2, -0.7), f"$x_{{{t}}}$" if t < n else "$x_T$" if n > 4 else f"$x_{{{t}}}$", H,
                ha="center")
        top = y_loss - 0.28 if t == n else y_out
        cv.path([(x + bw / 2, y1), (x + bw / 2, top)], "hidden", H)
        if t < n:
            cv.text((x + bw / 2 + 0.14, y_out - 0.05), f"$h_{{{t}}}$", H, va="top")
        # the state to the next copy
        if t < n:
            nxt = xs[k + 1]
            cv.path([(x + bw, y_h), (nxt, y_h)], "hidden", H)
            if lstm:
                cv.path([(x + bw, y_c), (nxt, y_c)], "cell", C)
    # the initial state from the left, the loss at the end
    cv.path([(0.55, y_h), (xs[0], y_h)], "hidden", H)
    cv.text((0.05, y_h - 0.3), "$h_0$", H)
    if lstm:
        cv.path([(0.55, y_c), (xs[0], y_c)], "cell", C)
        cv.text((0.05, y_c + 0.3), "$C_0$", C)
    xl = xs[-1] + bw / 2
    loss = Circle((xl, y_loss), 0.28, fc="white", ec="#333333", lw=1.6 * s, zorder=5)
    loss.set_gid(f"lu-{key}:frame")
    ax.add_patch(loss)
    cv.text((xl, y_loss), "$L$", ("frame",), ha="center", zorder=6)
    cv.text((xl + 0.14, y_out - 0.05), f"$h_{{{n}}}$" if n <= 4 else "$h_T$", H, va="top")
    if highlight_gradient:
        y_path = y_c if lstm else y_h
        x_first = xs[0] + bw / 2
        grad([(xl, y_loss - 0.3), (xl, y_path), (x_first, y_path), (x_first, -0.45)])
        bx, by = zip(*band, strict=True)
        (ln,) = ax.plot(bx, by, color=_GRADIENT_COLOR, lw=13 * s, alpha=0.7, solid_capstyle="round",
                        solid_joinstyle="round", zorder=1.5)     # under the lines, seen through the copies
        ln.set_gid(f"lu-{key}:gradient")
        # the factor of each step back, above (LSTM: below the conveyor) the line between two copies
        for k in range(n - 1):
            mid = xs[k] + bw + gap / 2
            t = k + 2
            tt = f"{t}" if n <= 4 or t < n else "T"
            label = {"rnn": f"$J_{{{tt}}}$", "lstm": f"$f_{{{tt}}}$", "gru": f"$1 - z_{{{tt}}}$"}[key]
            yy = y_path + 0.42
            txt = cv.text((mid, yy), label, ("frame",), ha="center", color_on="#333333", zorder=7)
            txt.set_gid(f"lu-{key}:gradient")
        sw = ax.plot([0.35, 1.0], [-1.45, -1.45], color=_GRADIENT_COLOR, lw=11 * s, alpha=0.7,
                     solid_capstyle="round")[0]
        sw.set_gid(f"lu-{key}:gradient")
        key_t = ax.text(1.25, -1.45, r"the path of the gradient $\partial L / \partial x_1$ from the loss back "
                        "to the first input", fontsize=_NOTE_FS * s, color="#333333", ha="left", va="center")
        key_t.set_gid(f"lu-{key}:gradient")
        note = ax.text(1.25, -2.1, _UNROLLED_NOTE[key], fontsize=_NOTE_FS * s, color="#333333", ha="left",
                       va="center")
        note.set_gid(f"lu-{key}:gradient")
    return ax


def unrolled_alt(cell="rnn", steps=4, *, highlight_gradient=True) -> str:
    """Alt text for :func:`draw_unrolled` with the same arguments."""
    key = _check_cell(cell)
    n = _check_steps(steps)
    if not isinstance(highlight_gradient, bool):
        raise TypeError(f"highlight_gradient: expected True or False, got {type(highlight_gradient).__name__}")
    name = _UNROLLED_NAMES[key]
    text = (f"Diagram of a {name} unrolled over {n} time steps: {n} copies of the same {name} cell side by side, "
            f"each reading its input x_t from below and sending its hidden state h_t up as output and right to the "
            f"next copy along a dashed line; h_0 enters the first copy from the left"
            + ("; the cell state C_t runs from copy to copy along a thick blue line above it, from C_0" if key ==
               "lstm" else "")
            + ". The last output feeds a loss L.")
    if not highlight_gradient:
        return text
    path = {"rnn": "through the hidden state h, each step back marked J_t, the step's Jacobian "
                   "diag(1 - h_t^2) W_hh",
            "lstm": "along the cell state C, each step back marked f_t, the forget gate it is multiplied by",
            "gru": "along the hidden state h, each step back marked 1 - z_t, the factor of the direct path"}[key]
    return (f"{text} A yellow band marks the gradient's path from L down into the last copy, back {path}, to the "
            f"first copy and down to its input x_1.")


_SHAPES = ("Every line carries an array of shape (B, H), except x_t, shape (B, D), and the concatenation "
           "[h_{t-1}, x_t], shape (B, H+D); the shapes are not written in the drawing.")
_LEGEND_ALT = ("Under the drawing, an icon legend: a rounded box is a learned layer (σ or tanh of W·[·] + b), a "
               "circle a pointwise operation, a dot a copy, lines joining a concatenation")
_ALT = {
    "rnn": ("Diagram of one step of the vanilla RNN. The previous hidden state h_{t-1} and the input x_t are "
            "concatenated into [h_{t-1}, x_t], which passes through one affine map W_h, b_h and a tanh box; the "
            "result is the new hidden state h_t = tanh(W_h·[h_{t-1}, x_t] + b_h), which leaves the cell to the "
            "right, to the next step, and upward, as the output. Paths through h are dashed black lines. "
            f"{_LEGEND_ALT}, and a dashed line a path through h. {_SHAPES}"),
    "lstm": ("Diagram of one step of the LSTM cell. Along the top runs the cell state, the conveyor, drawn as a "
             "thick solid blue line: C_{t-1} is multiplied (×) by the forget gate f_t, then the product "
             "i_t * C̃_t is added (+), giving C_t. Along the bottom, drawn dashed black, the paths through the "
             "hidden state: h_{t-1} and the input x_t are concatenated into [h_{t-1}, x_t], which feeds four "
             "boxes: σ for the forget gate f_t, σ for the input gate i_t, tanh for the candidate C̃_t and σ for "
             "the output gate o_t. i_t and C̃_t meet at a ×. On the right, C_t goes through a tanh box and is "
             "multiplied (×) by o_t, giving the new hidden state h_t = o_t * tanh(C_t), which leaves the cell to "
             "the right, to the next step, and upward, as the output, crossing over the conveyor. "
             f"{_LEGEND_ALT}, a thick blue line the cell state and a dashed line a path through h. {_SHAPES}"),
    "gru": ("Diagram of one step of the GRU cell, in the convention h_t = (1 - z_t) * h_{t-1} + z_t * h̃_t. Along "
            "the top runs the hidden state, a thick dashed black line: h_{t-1} is multiplied (×) by 1 - z_t, then "
            "z_t * h̃_t is added (+), giving h_t, which leaves to the right, to the next step, and upward, as the "
            "output. h_{t-1} and the input x_t are concatenated into [h_{t-1}, x_t], which feeds two σ boxes: the "
            "reset gate r_t (sky blue) and the update gate z_t (vermillion, the LSTM forget gate's colour). r_t "
            "multiplies h_{t-1}; r_t * h_{t-1} and x_t feed the tanh box of the candidate h̃_t. z_t goes to a "
            "1 - z_t node on the top line and to a × with h̃_t. "
            f"{_LEGEND_ALT}, and a dashed line a path through h. {_SHAPES}"),
}

_ALT_PARTS = {
    "rnn": {"hidden": "the path through the hidden state, h_{t-1} to h_t"},
    "lstm": {
        "forget": "the forget gate f_t = σ(W_f·[h_{t-1}, x_t] + b_f) and its product f_t * C_{t-1} on the conveyor",
        "input": "the input gate i_t = σ(W_i·[h_{t-1}, x_t] + b_i) and its product i_t * C̃_t, added to the "
                 "conveyor",
        "candidate": "the candidate C̃_t = tanh(W_C·[h_{t-1}, x_t] + b_C) and its product i_t * C̃_t",
        "cell": "the cell state's path, the conveyor C_{t-1} → C_t = f_t * C_{t-1} + i_t * C̃_t",
        "output": "the output gate o_t = σ(W_o·[h_{t-1}, x_t] + b_o) and its product h_t = o_t * tanh(C_t)",
        "hidden": "the paths through the hidden state: h_{t-1} into the concatenation, and C_t through tanh and "
                  "the × with o_t to h_t",
    },
    "gru": {
        "reset": "the reset gate r_t = σ(W_r·[h_{t-1}, x_t] + b_r) and its product r_t * h_{t-1} into the "
                 "candidate",
        "update": "the update gate z_t = σ(W_z·[h_{t-1}, x_t] + b_z), the 1 - z_t that multiplies h_{t-1} and "
                  "the product z_t * h̃_t",
        "candidate": "the candidate h̃_t = tanh(W_h·[r_t * h_{t-1}, x_t] + b_h) and its product z_t * h̃_t",
        "hidden": "the paths through the hidden state: h_{t-1} along the top to h_t, and down into the "
                  "concatenation and the reset product",
    },
}


def cell_diagram_alt(cell, highlight=None, *, equations=True) -> str:
    """Alt text for a cell diagram: what :func:`draw_rnn_cell`, :func:`draw_lstm_cell` or :func:`draw_gru_cell`
    draws with the same ``highlight``.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
        Which diagram.
    highlight : None, str or list of str
        As for the drawing function of ``cell``.

    Returns
    -------
    str
        A description of the diagram, then the highlighted parts (by name, with their equations) when
        ``highlight`` is given.
    """
    key = _check_cell(cell)
    hl = _check_highlight(key, highlight)
    text = _ALT[key]
    if hl is None or key == "rnn":
        return text
    if not isinstance(equations, bool):
        raise TypeError(f"equations: expected True or False, got {type(equations).__name__}")
    if not equations:
        names = [n for n in HIGHLIGHTS[key] if n in hl]
        return f"{text} Highlighted in colour, the rest in grey: {'; '.join(_ALT_PARTS[key][n] for n in names)}."
    names = [n for n in HIGHLIGHTS[key] if n in hl]
    parts = "; ".join(_ALT_PARTS[key][n] for n in names)
    return (f"{text} Highlighted in colour, the rest in grey: {parts}. Under the drawing, in the same colours, "
            f"the equation{'s' if len(names) > 1 else ''} of the highlighted part{'s' if len(names) > 1 else ''}.")
