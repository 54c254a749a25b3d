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

import matplotlib.patheffects as pe
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from .plotting import COLORS, PALETTE

__all__ = ["HIGHLIGHTS", "cell_diagram_alt", "draw_gru_cell", "draw_lstm_cell", "draw_rnn_cell"]

#: The parts each diagram can highlight.
HIGHLIGHTS = {
    "rnn": ("hidden",),
    "lstm": ("forget", "input", "candidate", "cell", "output", "hidden"),
    "gru": ("reset", "update", "candidate", "hidden"),
}

_CELL_COLOR = COLORS["lstm"]           # the conveyor: blue, thick, solid
_HIDDEN_COLOR = PALETTE[7]             # paths through h: black, dashed
_GATE_COLORS = {
    "forget": COLORS["rnn"],           # vermillion
    "input": COLORS["gru"],            # bluish green
    "candidate": PALETTE[4],           # orange
    "output": COLORS["accent"],        # reddish purple
    "reset": COLORS["rnn"],
    "update": COLORS["gru"],
}
_BOX_COLORS = {"rnn": COLORS["rnn"], "hidden": "#555555"}  # the RNN's tanh; tanh(C_t) on the path through h
_GREY_LINE = "#c8c8c8"
_GREY_TEXT = "#8c8c8c"
_GREY_FILL = "#f3f3f3"
_CELL_LW, _HIDDEN_LW, _GATE_LW = 4.0, 2.0, 1.8
_HIDDEN_DASH = (0, (4.0, 2.2))
_LABEL_FS, _SHAPE_FS, _BOX_FS = 12, 10, 12
_NODE_R = 0.28
_DESIGN_UNIT = 7.0 / 14.2      # inches per data unit in the default figure: there the sizes are as written


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

    def box(self, xy, text, kind, groups, *, w=0.9, h=0.8):
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

    def node(self, xy, symbol, kind, groups, size=13):
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

    def shape(self, xy, s, groups, **kw):
        return self.text(xy, s, groups, size=_SHAPE_FS, color_on="#444444", **kw)


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


def _axes(ax, figsize, xlim, ylim) -> Axes:
    if ax is None:
        fig = plt.figure(figsize=figsize, dpi=100)
        ax = fig.add_axes((0, 0, 1, 1))
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax: expected a matplotlib Axes or None, got {type(ax).__name__}")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax


def _frame(cv: _Canvas, x0, x1, y0, y1, title):
    r = FancyBboxPatch((x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0,rounding_size=0.35",
                       fc="#fafafa", ec="#b0b0b0", lw=1.2 * cv.s, zorder=0)
    r.set_gid(f"lu-{cv.cell}:frame")
    cv.ax.add_patch(r)
    t = cv.ax.text(x1 - 0.15, y1 - 0.12, title, fontsize=_SHAPE_FS * cv.s, color="#555555", ha="right", va="top")
    t.set_gid(f"lu-{cv.cell}:frame")


def _legend(cv: _Canvas, x, y, entries):
    """Line samples with labels, one per row from ``y`` downwards."""
    for k, (kind, _groups, label) in enumerate(entries):
        yy = y - 0.45 * k
        cv.path([(x, yy), (x + 0.8, yy)], kind, ("frame",), arrow=False)
        t = cv.ax.text(x + 0.95, yy, label, fontsize=_SHAPE_FS * cv.s, color="#333333", ha="left", va="center")
        t.set_gid(f"lu-{cv.cell}:frame")


def draw_rnn_cell(ax=None, *, highlight=None) -> Axes:
    r"""Draw one step of the vanilla RNN, :math:`h_t = \tanh(W_h \cdot [h_{t-1}, x_t] + b_h)`.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new 7 x 2.7 inch figure when None.
    highlight : None or "hidden"
        None: the whole diagram in colour; "hidden": the same (the RNN's only path is through :math:`h`).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes, with its axis turned off and an equal aspect ratio.
    """
    hl = _check_highlight("rnn", highlight)
    ax = _axes(ax, (7.0, 2.7), (0, 14.2), (-0.85, 4.55))
    cv = _Canvas(ax, "rnn", hl)
    H = ("hidden",)
    _frame(cv, 1.5, 11.3, 0.05, 4.4, "vanilla RNN cell")
    # inputs and the concatenation
    cv.text((0.05, 0.7), r"$h_{t-1}$", H)
    cv.shape((0.05, 0.25), r"$(B, H)$", H)
    cv.path([(0.95, 0.7), (2.21, 0.7)], "hidden", H)
    cv.text((2.3, -0.62), r"$x_t$", H, ha="center")
    cv.shape((2.45, -0.22), r"$(B, D)$", H)
    cv.path([(2.3, -0.4), (2.3, 0.61)], "hidden", H)
    cv.dot((2.3, 0.7), "hidden", H)
    cv.text((2.6, 0.32), r"$[h_{t-1}, x_t]$", H, size=11)
    cv.shape((4.45, 0.32), r"$(B, H{+}D)$", H)
    cv.path([(2.3, 0.7), (6.0, 0.7), (6.0, 1.9)], "hidden", H)
    # the one affine map and tanh; the new state goes out to the right (next step, readout)
    cv.box((6.0, 2.3), r"$\tanh$", "rnn", H, w=1.0)
    cv.text((6.2, 1.45), r"$W_h, b_h$", H, size=11)
    cv.path([(6.0, 2.7), (6.0, 3.5), (12.85, 3.5)], "hidden", H)
    cv.text((2.0, 3.82), r"$h_t = \tanh(W_h \cdot [h_{t-1}, x_t] + b_h)$", H, size=11)
    cv.text((12.95, 3.5), r"$h_t$", H)
    cv.shape((12.95, 3.05), r"$(B, H)$", H)
    _legend(cv, 8.3, 1.6, [("hidden", H, r"path through $h$")])
    return ax


def draw_lstm_cell(ax=None, *, highlight=None) -> Axes:
    r"""Draw one step of the LSTM in the book's symbols, gate by gate.

    .. math::

        f_t &= \sigma(W_f \cdot [h_{t-1}, x_t] + b_f), \\
        i_t &= \sigma(W_i \cdot [h_{t-1}, x_t] + b_i), \\
        \tilde C_t &= \tanh(W_C \cdot [h_{t-1}, x_t] + b_C), \\
        o_t &= \sigma(W_o \cdot [h_{t-1}, x_t] + b_o), \\
        C_t &= f_t \odot C_{t-1} + i_t \odot \tilde C_t, \\
        h_t &= o_t \odot \tanh(C_t).

    The cell state runs along the top (thick solid blue: the conveyor), the hidden state and the concatenation
    along the bottom (dashed black).

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new 7 x 3.7 inch figure when None.
    highlight : None, str or list of str
        None for the whole diagram in colour, or one or more of "forget" (:math:`f_t` and its product with
        :math:`C_{t-1}`), "input" (:math:`i_t`), "candidate" (:math:`\tilde C_t`), "cell" (the conveyor
        :math:`C_{t-1} \to C_t`), "output" (:math:`o_t`), "hidden" (the paths through :math:`h`): those keep their
        colours, the rest is grey.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes, with its axis turned off and an equal aspect ratio.

    Raises
    ------
    ValueError
        If ``highlight`` names a part the LSTM diagram does not have.
    """
    hl = _check_highlight("lstm", highlight)
    ax = _axes(ax, (7.0, 3.7), (0, 14.2), (-0.9, 6.5))
    cv = _Canvas(ax, "lstm", hl)
    H, C = ("hidden",), ("cell",)
    FG, IG, CG, OG = ("forget",), ("input",), ("candidate",), ("output",)
    y_c, y_b, y_g = 5.6, 0.7, 2.3
    x_f, x_i, x_g, x_o, x_out = 3.8, 5.3, 6.7, 8.3, 10.0
    _frame(cv, 1.5, 11.3, 0.05, 6.35, "LSTM cell")
    # the conveyor: C_{t-1} -> x (forget) -> + (write) -> C_t
    cv.text((0.05, y_c), r"$C_{t-1}$", C)
    cv.shape((0.05, y_c - 0.45), r"$(B, H)$", C)
    cv.path([(0.95, y_c), (x_f - _NODE_R, y_c)], "cell", C)
    cv.node((x_f, y_c), r"$\times$", "cell", ("forget", "cell"))
    cv.path([(x_f + _NODE_R, y_c), (x_g - _NODE_R, y_c)], "cell", C)
    cv.text((x_f + 0.42, y_c + 0.35), r"$f_t \odot C_{t-1}$", ("forget", "cell"), size=10)
    cv.node((x_g, y_c), r"$+$", "cell", ("cell", "input", "candidate"))
    cv.path([(x_g + _NODE_R, y_c), (12.85, y_c)], "cell", C)
    cv.text((12.95, y_c), r"$C_t$", C)
    cv.shape((12.95, y_c - 0.45), r"$(B, H)$", C)
    # inputs and the concatenation
    cv.text((0.05, y_b), r"$h_{t-1}$", H)
    cv.shape((0.05, y_b - 0.45), r"$(B, H)$", H)
    cv.path([(0.95, y_b), (2.21, y_b)], "hidden", H)
    cv.text((2.3, -0.67), r"$x_t$", H, ha="center")
    cv.shape((2.45, -0.25), r"$(B, D)$", H)
    cv.path([(2.3, -0.45), (2.3, y_b - 0.09)], "hidden", H)
    cv.dot((2.3, y_b), "hidden", H)
    cv.text((2.6, 0.32), r"$[h_{t-1}, x_t]$", H, size=11)
    cv.shape((4.45, 0.32), r"$(B, H{+}D)$", H)
    cv.path([(2.3, y_b), (x_o, y_b)], "hidden", H, arrow=False)
    for x in (x_f, x_i, x_g, x_o):
        cv.path([(x, y_b), (x, y_g - 0.4)], "hidden", H)
    for x in (x_f, x_i, x_g):
        cv.dot((x, y_b), "hidden", H, r=0.07)
    # the four affine maps with their activations
    cv.box((x_f, y_g), r"$\sigma$", "forget", FG)
    cv.box((x_i, y_g), r"$\sigma$", "input", IG)
    cv.box((x_g, y_g), r"$\tanh$", "candidate", CG, w=1.0)
    cv.box((x_o, y_g), r"$\sigma$", "output", OG)
    # forget gate up to the conveyor's x
    cv.path([(x_f, y_g + 0.4), (x_f, y_c - _NODE_R)], "forget", FG)
    cv.text((x_f + 0.15, 3.7), r"$f_t$", FG)
    # input gate times candidate, up to the +
    y_w = 4.0
    cv.path([(x_i, y_g + 0.4), (x_i, y_w), (x_g - _NODE_R, y_w)], "input", IG)
    cv.text((x_i + 0.15, 3.2), r"$i_t$", IG)
    cv.path([(x_g, y_g + 0.4), (x_g, y_w - _NODE_R)], "candidate", CG)
    cv.text((x_g + 0.15, 3.2), r"$\tilde C_t$", CG)
    cv.node((x_g, y_w), r"$\times$", "input", ("input", "candidate"))
    cv.path([(x_g, y_w + _NODE_R), (x_g, y_c - _NODE_R)], "input", ("input", "candidate"))
    cv.text((x_g + 0.15, 4.75), r"$i_t \odot \tilde C_t$", ("input", "candidate"), size=10)
    # output: tanh(C_t) times o_t gives h_t, out to the right
    cv.dot((x_out, y_c), "cell", C)
    cv.path([(x_out, y_c), (x_out, 4.4)], "hidden", H)
    cv.box((x_out, 4.0), r"$\tanh$", "hidden", H, w=1.0)
    cv.path([(x_out, 3.6), (x_out, y_g + _NODE_R)], "hidden", H)
    cv.path([(x_o + 0.45, y_g), (x_out - _NODE_R, y_g)], "output", OG)
    cv.text((x_o + 0.55, y_g + 0.3), r"$o_t$", OG)
    cv.node((x_out, y_g), r"$\times$", "output", ("output", "hidden"))
    cv.path([(x_out, y_g - _NODE_R), (x_out, y_b), (12.85, y_b)], "hidden", H)
    cv.text((12.95, y_b), r"$h_t$", H)
    cv.shape((12.95, y_b - 0.45), r"$(B, H)$", H)
    cv.shape((x_out + 0.15, 1.3), r"$o_t \odot \tanh(C_t)$", ("output", "hidden"))
    _legend(cv, 6.1, -0.2, [("cell", C, r"cell state $C$ (the conveyor)"), ("hidden", H, r"paths through $h$")])
    cv.shape((11.45, 3.25), r"$f_t, i_t, \tilde C_t, o_t$:", ("frame",))
    cv.shape((11.45, 2.85), r"$(B, H)$ each", ("frame",))
    return ax


# the GRU box for the candidate shares the LSTM's candidate colour
def draw_gru_cell(ax=None, *, highlight=None) -> Axes:
    r"""Draw one step of the GRU (Cho et al. 2014, in the convention of Chung et al. 2014).

    .. math::

        z_t &= \sigma(W_z \cdot [h_{t-1}, x_t] + b_z), \quad r_t = \sigma(W_r \cdot [h_{t-1}, x_t] + b_r), \\
        \tilde h_t &= \tanh(W_h \cdot [r_t \odot h_{t-1}, x_t] + b_h), \quad
        h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t.

    The hidden state runs along the top, where the LSTM has its conveyor (thick dashed black: it is :math:`h`).

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new 7 x 3.7 inch figure when None.
    highlight : None, str or list of str
        None, or one or more of "reset" (:math:`r_t` and :math:`r_t \odot h_{t-1}`), "update" (:math:`z_t`,
        :math:`1 - z_t` and the two products), "candidate" (:math:`\tilde h_t`), "hidden" (the paths through
        :math:`h`).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes, with its axis turned off and an equal aspect ratio.

    Raises
    ------
    ValueError
        If ``highlight`` names a part the GRU diagram does not have.
    """
    hl = _check_highlight("gru", highlight)
    ax = _axes(ax, (7.0, 3.7), (0, 14.2), (-0.9, 6.5))
    cv = _Canvas(ax, "gru", hl)
    H, R, Z, G = ("hidden",), ("reset",), ("update",), ("candidate",)
    y_top, y_b, y_g, y_x = 5.6, 0.7, 2.3, 0.1
    x_p, x_dot, x_r, x_z, x_g = 1.8, 2.4, 4.6, 6.0, 7.4
    x_a, x_c = 8.8, 10.8
    y_rh, y_z = 4.0, 3.3
    _frame(cv, 1.5, 11.6, -0.2, 6.35, "GRU cell")
    # h_{t-1} along the top: x (1 - z_t) then + z_t * h~_t
    cv.text((0.05, y_top), r"$h_{t-1}$", H)
    cv.shape((0.05, y_top - 0.45), r"$(B, H)$", H)
    cv.path([(0.95, y_top), (x_a - _NODE_R, y_top)], "hidden", H, lw=3.0)
    cv.node((x_a, y_top), r"$\times$", "hidden", ("hidden", "update"))
    cv.path([(x_a + _NODE_R, y_top), (x_c - _NODE_R, y_top)], "hidden", H, lw=3.0)
    cv.node((x_c, y_top), r"$+$", "hidden", ("hidden", "update", "candidate"))
    cv.path([(x_c + _NODE_R, y_top), (12.85, y_top)], "hidden", H, lw=3.0)
    cv.text((12.95, y_top), r"$h_t$", H)
    cv.shape((12.95, y_top - 0.45), r"$(B, H)$", H)
    # h_{t-1} down to the concatenation with x_t
    cv.dot((x_p, y_top), "hidden", H)
    cv.path([(x_p, y_top), (x_p, y_b), (x_dot - 0.09, y_b)], "hidden", H)
    cv.dot((x_dot, y_b), "hidden", H)
    cv.text((x_dot, -0.67), r"$x_t$", H, ha="center")
    cv.shape((x_dot + 0.15, -0.3), r"$(B, D)$", H)
    cv.path([(x_dot, -0.45), (x_dot, y_b - 0.09)], "hidden", H)
    cv.text((x_dot + 0.15, 1.05), r"$[h_{t-1}, x_t]$", H, size=11)
    cv.shape((x_dot + 0.3, 0.4), r"$(B, H{+}D)$", H)
    cv.path([(x_dot, y_b), (x_z, y_b)], "hidden", H, arrow=False)
    for x in (x_r, x_z):
        cv.path([(x, y_b), (x, y_g - 0.4)], "hidden", H)
    cv.dot((x_r, y_b), "hidden", H, r=0.07)
    # x_t on to the candidate, under the concatenation
    cv.dot((x_dot, y_x), "hidden", H, r=0.07)
    cv.path([(x_dot, y_x), (x_g, y_x), (x_g, y_g - 0.4)], "hidden", H)
    # the gates
    cv.box((x_r, y_g), r"$\sigma$", "reset", R, w=0.8)
    cv.box((x_z, y_g), r"$\sigma$", "update", Z, w=0.8)
    cv.box((x_g, y_g), r"$\tanh$", "candidate", G, w=1.0)
    # reset: r_t * h_{t-1} into the candidate
    cv.path([(x_r, y_g + 0.4), (x_r, y_rh - _NODE_R)], "reset", R)
    cv.text((x_r + 0.15, 3.15), r"$r_t$", R)
    cv.dot((x_r, y_top), "hidden", H)
    cv.path([(x_r, y_top), (x_r, y_rh + _NODE_R)], "hidden", H)
    cv.node((x_r, y_rh), r"$\times$", "reset", ("reset",))
    cv.text((x_r - 0.4, y_rh), r"$r_t \odot h_{t-1}$", R, size=10, ha="right")
    cv.path([(x_r + _NODE_R, y_rh), (x_g, y_rh), (x_g, y_g + 0.4)], "hidden", ("reset", "candidate", "hidden"))
    # update: z_t to 1 - z_t (onto h_{t-1}) and to z_t * h~_t; drawn over the candidate's input (white halo)
    cv.path([(x_z, y_g + 0.4), (x_z, y_z), (x_c - _NODE_R, y_z)], "update", Z, halo=True)
    cv.text((x_z + 0.15, 2.95), r"$z_t$", Z)
    cv.dot((x_a, y_z), "update", Z, r=0.07)
    cv.path([(x_a, y_z), (x_a, 4.3 - _NODE_R)], "update", Z)
    cv.node((x_a, 4.3), r"$1{-}$", "update", Z, size=10)
    cv.path([(x_a, 4.3 + _NODE_R), (x_a, y_top - _NODE_R)], "update", Z)
    cv.text((x_a + 0.15, 4.95), r"$1 - z_t$", Z, size=10)
    # candidate h~_t times z_t, up to the +
    cv.path([(x_g + 0.5, y_g), (x_c, y_g), (x_c, y_z - _NODE_R)], "candidate", G)
    cv.text((8.3, y_g + 0.3), r"$\tilde h_t$", G)
    cv.node((x_c, y_z), r"$\times$", "update", ("update", "candidate"))
    cv.path([(x_c, y_z + _NODE_R), (x_c, y_top - _NODE_R)], "update", ("update", "candidate"))
    cv.text((x_c + 0.15, 4.45), r"$z_t \odot \tilde h_t$", ("update", "candidate"), size=10)
    _legend(cv, 8.3, 0.95, [("hidden", H, r"paths through $h$")])
    cv.shape((8.3, 0.35), r"gates, $\tilde h_t$: $(B, H)$", ("frame",))
    return ax


_ALT = {
    "rnn": ("Diagram of one step of the vanilla RNN. The previous hidden state h_{t-1}, shape (B, H), and the "
            "input x_t, shape (B, D), are concatenated into [h_{t-1}, x_t], shape (B, H+D), which passes through "
            "one affine map W_h, b_h and a tanh box; the result is the new hidden state h_t = tanh(W_h·[h_{t-1}, "
            "x_t] + b_h), shape (B, H), which goes on to the next step. Paths through h are dashed black lines."),
    "lstm": ("Diagram of one step of the LSTM cell. Along the top runs the cell state, the conveyor, drawn as a "
             "thick solid blue line: C_{t-1}, shape (B, H), is multiplied (×) by the forget gate f_t, then the "
             "product i_t * C̃_t is added (+), giving C_t, shape (B, H). Along the bottom, drawn dashed black, "
             "the paths through the hidden state: h_{t-1}, shape (B, H), and the input x_t, shape (B, D), are "
             "concatenated into [h_{t-1}, x_t], shape (B, H+D), which feeds four boxes: σ for the forget gate "
             "f_t, σ for the input gate i_t, tanh for the candidate C̃_t and σ for the output gate o_t, each of "
             "shape (B, H). i_t and C̃_t meet at a ×. On the right, C_t goes through a tanh box and is "
             "multiplied (×) by o_t, giving the new hidden state h_t = o_t * tanh(C_t), shape (B, H)."),
    "gru": ("Diagram of one step of the GRU cell, in the convention h_t = (1 - z_t) * h_{t-1} + z_t * h̃_t. Along "
            "the top runs the hidden state, a thick dashed black line: h_{t-1}, shape (B, H), is multiplied (×) "
            "by 1 - z_t, then z_t * h̃_t is added (+), giving h_t, shape (B, H). h_{t-1} and the input x_t, "
            "shape (B, D), are concatenated into [h_{t-1}, x_t], shape (B, H+D), which feeds two σ boxes: the "
            "reset gate r_t and the update gate z_t. r_t multiplies h_{t-1}; r_t * h_{t-1} and x_t feed the tanh "
            "box of the candidate h̃_t, shape (B, H). z_t goes to a 1 - z_t node on the top line and to a × "
            "with h̃_t."),
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


def cell_diagram_alt(cell, highlight=None) -> str:
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
    names = [n for n in HIGHLIGHTS[key] if n in hl]
    parts = "; ".join(_ALT_PARTS[key][n] for n in names)
    return f"{text} Highlighted in colour, the rest in grey: {parts}."
