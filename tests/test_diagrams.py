"""The cell diagrams (lstm_utils/figures/diagrams.py): drawn, highlighted, described, and bad input refused."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import pytest

from lstm_utils import diagrams
from lstm_utils.figures.plotting import COLUMN_WIDTH, GATE_COLORS

DRAW = {"rnn": diagrams.draw_rnn_cell, "lstm": diagrams.draw_lstm_cell, "gru": diagrams.draw_gru_cell}
GREY = {mcolors.to_hex(c) for c in (diagrams._GREY_LINE, diagrams._GREY_TEXT, diagrams._GREY_FILL)}


def _parts(ax, cell, part):
    gid = f"lu-{cell}:{part}"
    return [a for a in ax.get_children() if a.get_gid() == gid]


def _colour(artist):
    if hasattr(artist, "get_edgecolor") and not hasattr(artist, "get_text"):
        try:
            return mcolors.to_hex(artist.get_edgecolor())
        except (ValueError, TypeError):
            pass
    return mcolors.to_hex(artist.get_color())


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def drawn():
    """Each cell's default diagram (no highlight), drawn once for the tests that only measure it:
    ``{cell: (ax, renderer)}``. They read it and change nothing."""
    out = {}
    for cell, draw in DRAW.items():
        ax = draw()
        ax.figure.canvas.draw()
        out[cell] = ax, ax.figure.canvas.get_renderer()
    return out


@pytest.mark.parametrize("cell", sorted(DRAW))
def test_draws_on_new_and_given_axes(cell):
    ax = DRAW[cell]()
    assert ax.figure.get_size_inches()[0] == pytest.approx(COLUMN_WIDTH)      # drawn at the column's width
    assert len(ax.texts) > 5 and len(ax.patches) > 3 and len(ax.lines) > 3
    _fig, given = plt.subplots()
    assert DRAW[cell](given) is given


def test_lstm_has_the_books_symbols():
    texts = " ".join(t.get_text() for t in diagrams.draw_lstm_cell().texts)
    for sym in (r"$h_{t-1}$", r"$x_t$", r"$[h_{t-1}, x_t]$", r"$f_t$", r"$i_t$", r"$\tilde C_t$", r"$o_t$",
                r"$C_{t-1}$", r"$C_t$", r"$h_t$", r"$\sigma$", r"$\tanh$", r"$\times$", r"$+$"):
        assert sym in texts, sym
    assert "(B, H)" not in texts and "(B, D)" not in texts        # shapes: in the caption and the alt text


def test_h_t_leaves_right_and_upward_and_an_icon_legend():
    for draw in DRAW.values():
        ax = draw()
        outs = [t for t in ax.texts if t.get_text() == r"$h_t$"]
        assert len(outs) == 2
        (x0, y0), (x1, y1) = (o.get_position() for o in outs)
        assert abs(x0 - x1) > 0.5 and abs(y0 - y1) > 0.5       # one right of the cell, one above it
        texts = " ".join(t.get_text() for t in ax.texts)
        for s in ("learned layer", "pointwise operation", "copy", "path through"):
            assert s in texts, s


@pytest.mark.parametrize("cell,part", [("lstm", "forget"), ("lstm", "output"), ("gru", "update")])
def test_highlighted_diagram_shows_the_equation_in_the_parts_colour(cell, part):
    ax = DRAW[cell](highlight=part)
    eq = [t for t in ax.texts if t.get_text() == diagrams._EQUATIONS[cell][part]]
    assert len(eq) == 1 and mcolors.to_hex(eq[0].get_color()) == mcolors.to_hex(GATE_COLORS[part])
    assert not any(t.get_text() == diagrams._EQUATIONS[cell][part] for t in DRAW[cell]().texts)
    assert not any(t.get_text() == diagrams._EQUATIONS[cell][part]
                   for t in DRAW[cell](highlight=part, equations=False).texts)


def test_one_colour_per_gate_in_diagrams_and_plots():
    assert diagrams._GATE_COLORS["forget"] == GATE_COLORS["forget"] == GATE_COLORS["update"]
    assert GATE_COLORS["reset"] not in (GATE_COLORS["forget"], GATE_COLORS["cell"])
    ax = diagrams.draw_gru_cell(highlight="update")
    assert mcolors.to_hex(GATE_COLORS["update"]) in {_colour(a) for a in _parts(ax, "gru", "update")}


@pytest.mark.parametrize("cell", sorted(DRAW))
def test_no_line_crosses_a_label(cell, drawn):
    """No path runs through a label (the old o_t * tanh(C_t) collision): sampled along every line, 40 points per
    segment, each tested against every label's box (shrunk to 80 % x 70 %, edges included, as Bbox.contains)."""
    import numpy as np

    ax, r = drawn[cell]
    texts = [t for t in ax.texts if t.get_text().strip()]
    boxes = np.array([t.get_window_extent(r).shrunk(0.8, 0.7).extents for t in texts])     # (n, 4): x0 y0 x1 y1
    lo, hi = np.minimum(boxes[:, :2], boxes[:, 2:]), np.maximum(boxes[:, :2], boxes[:, 2:])
    f = np.linspace(0, 1, 40)[:, None, None]
    for line in ax.lines:
        xy = ax.transData.transform(np.column_stack(line.get_data()))
        points = (xy[:-1] + f * (xy[1:] - xy[:-1])).reshape(-1, 2)                          # every sample
        inside = np.all((points[:, None] >= lo) & (points[:, None] <= hi), axis=2)          # (points, boxes)
        hit = np.flatnonzero(inside.any(axis=0))
        assert not hit.size, ([texts[k].get_text() for k in hit], line.get_gid())


def test_gru_and_rnn_symbols():
    texts = " ".join(t.get_text() for t in diagrams.draw_gru_cell().texts)
    for sym in (r"$r_t$", r"$z_t$", r"$1 - z_t$", r"$\tilde h_t$", r"$z_t \odot \tilde h_t$", r"$r_t \odot h_{t-1}$"):
        assert sym in texts, sym
    texts = " ".join(t.get_text() for t in diagrams.draw_rnn_cell().texts)
    assert r"$h_t = \tanh(W_h \cdot [h_{t-1}, x_t] + b_h)$" in texts


def test_conveyor_and_hidden_paths_differ_in_colour_and_style():
    ax = diagrams.draw_lstm_cell()
    cell = [ln for ln in _parts(ax, "lstm", "cell") if ln in ax.lines]
    hidden = [ln for ln in _parts(ax, "lstm", "hidden") if ln in ax.lines]
    assert cell and hidden
    assert {_colour(a) for a in cell}.isdisjoint({_colour(a) for a in hidden})
    assert min(a.get_linewidth() for a in cell) > max(a.get_linewidth() for a in hidden)
    assert all(a.get_linestyle() == "-" for a in cell) and all(a.get_linestyle() == "--" for a in hidden)


@pytest.mark.parametrize("cell,part", [(c, p) for c in ("lstm", "gru") for p in diagrams.HIGHLIGHTS[c]])
def test_highlighted_part_in_colour_rest_grey(cell, part):
    ax = DRAW[cell](highlight=part)
    on = _parts(ax, cell, part)
    assert on and all(_colour(a) not in GREY for a in on)
    others = [p for p in diagrams.HIGHLIGHTS[cell] if p != part]
    greyed = [a for p in others for a in _parts(ax, cell, p)]
    assert greyed and any(_colour(a) in GREY for a in greyed)
    full = DRAW[cell]()
    assert not any(_colour(a) in GREY for p in others for a in _parts(full, cell, p))


def test_several_highlights():
    ax = diagrams.draw_lstm_cell(highlight=["forget", "cell"])
    for part in ("forget", "cell"):
        assert all(_colour(a) not in GREY for a in _parts(ax, "lstm", part))
    assert all(_colour(a) in GREY for a in _parts(ax, "lstm", "candidate") if a in ax.lines)


@pytest.mark.parametrize("cell,part,word", [("lstm", "forget", "forget gate f_t"), ("lstm", "cell", "conveyor"),
                                            ("lstm", "output", "output gate o_t"), ("gru", "reset", "reset gate"),
                                            ("gru", "update", "update gate z_t")])
def test_alt_text_mentions_highlight(cell, part, word):
    alt = diagrams.cell_diagram_alt(cell, part)
    assert "Highlighted" in alt and word in alt.split("Highlighted")[1]
    assert "Highlighted" not in diagrams.cell_diagram_alt(cell)


def test_alt_text_describes_the_diagram():
    alt = diagrams.cell_diagram_alt("lstm")
    for s in ("C_{t-1}", "C_t", "h_{t-1}", "x_t", "[h_{t-1}, x_t]", "(B, H+D)", "σ", "tanh", "conveyor",
              "upward", "legend", "not written"):
        assert s in alt
    assert "equation" in diagrams.cell_diagram_alt("lstm", "forget")
    assert "equation" not in diagrams.cell_diagram_alt("lstm", "forget", equations=False)
    assert "(1 - z_t) * h_{t-1} + z_t * h̃_t" in diagrams.cell_diagram_alt("GRU")


@pytest.mark.parametrize("bad", ["forgot", ["forget", "reset"], [], "update"])
def test_bad_highlight_refused(bad):
    with pytest.raises(ValueError, match="highlight") as err:
        diagrams.draw_lstm_cell(highlight=bad)
    assert "'forget'" in str(err.value) and "'hidden'" in str(err.value)
    with pytest.raises(ValueError, match="highlight"):
        diagrams.cell_diagram_alt("lstm", bad)


def test_bad_types_refused():
    with pytest.raises(TypeError, match="highlight"):
        diagrams.draw_gru_cell(highlight=3)
    with pytest.raises(TypeError, match="ax"):
        diagrams.draw_rnn_cell("axes")
    with pytest.raises(ValueError, match="cell"):
        diagrams.cell_diagram_alt("transformer")
    with pytest.raises(ValueError, match="reset"):
        diagrams.draw_gru_cell(highlight="forget")


@pytest.mark.parametrize("cell", sorted(DRAW))
def test_nothing_clipped(cell, drawn):
    ax, r = drawn[cell]
    fb = ax.figure.bbox
    for t in ax.texts:
        bb = t.get_window_extent(r)
        assert bb.x0 >= fb.x0 - 0.5 and bb.x1 <= fb.x1 + 0.5 and bb.y0 >= fb.y0 - 0.5 and bb.y1 <= fb.y1 + 0.5, \
            t.get_text()
        assert t.get_fontsize() >= 10


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_labels_do_not_overlap(cell, drawn):
    ax, r = drawn[cell]
    boxes = [(t.get_text(), t.get_window_extent(r)) for t in ax.texts if t.get_text().strip()]
    for k, (s1, b1) in enumerate(boxes):
        for s2, b2 in boxes[k + 1:]:
            assert not b1.overlaps(b2), (s1, s2)


@pytest.mark.parametrize("cell", sorted(DRAW))
def test_sizes_follow_a_smaller_axes(cell):
    """On a panel of a grid (smaller than the 7-inch design) text and lines shrink with the drawing: no overlap."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 2.5))
    ax = DRAW[cell](axes[0])
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    sizes = {t.get_fontsize() for t in ax.texts}
    assert max(sizes) < 12
    boxes = [(t.get_text(), t.get_window_extent(r)) for t in ax.texts if t.get_text().strip()]
    for k, (s1, b1) in enumerate(boxes):
        for s2, b2 in boxes[k + 1:]:
            assert not b1.overlaps(b2), (s1, s2)


# --- the network unrolled in time ------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_unrolled_draws_copies_and_the_gradient_path(cell):
    ax = diagrams.draw_unrolled(cell, steps=4)
    assert ax.figure.get_size_inches()[0] == pytest.approx(COLUMN_WIDTH)
    texts = [t.get_text() for t in ax.texts]
    assert texts.count(cell.upper()) == 4 and "$L$" in texts
    for t in range(1, 5):
        assert f"$x_{{{t}}}$" in texts and f"$h_{{{t}}}$" in texts
    band = _parts(ax, cell, "gradient")
    assert band and any(mcolors.to_hex(a.get_color()) == diagrams._GRADIENT_COLOR.lower() for a in band
                        if a in ax.lines)
    factor = {"rnn": "$J_{2}$", "lstm": "$f_{2}$", "gru": "$1 - z_{2}$"}[cell]
    assert factor in texts
    cells = [ln for ln in _parts(ax, cell, "cell") if ln in ax.lines]
    assert bool(cells) == (cell == "lstm")                    # the LSTM passes C along as well as h
    plain = diagrams.draw_unrolled(cell, steps=3, highlight_gradient=False)
    assert not _parts(plain, cell, "gradient") and [t.get_text() for t in plain.texts].count(cell.upper()) == 3
    _fig, given = plt.subplots()
    assert diagrams.draw_unrolled(cell, ax=given) is given


def test_unrolled_labels_do_not_overlap_or_clip():
    for cell in ("rnn", "lstm", "gru"):
        for steps in (2, 4, 6):
            ax = diagrams.draw_unrolled(cell, steps)
            fig = ax.figure
            fig.canvas.draw()
            r = fig.canvas.get_renderer()
            boxes = [(t.get_text(), t.get_window_extent(r)) for t in ax.texts if t.get_text().strip()]
            for k, (s1, b1) in enumerate(boxes):
                assert b1.x0 >= -0.5 and b1.x1 <= fig.bbox.x1 + 0.5, (cell, steps, s1)
                for s2, b2 in boxes[k + 1:]:
                    assert not b1.overlaps(b2), (cell, steps, s1, s2)
            plt.close(fig)


def test_unrolled_alt_text():
    alt = diagrams.unrolled_alt("lstm", 4)
    for s in ("unrolled over 4 time steps", "C_t", "forget gate", "yellow band", "x_1", "loss L"):
        assert s in alt, s
    assert "J_t" in diagrams.unrolled_alt("rnn") and "1 - z_t" in diagrams.unrolled_alt("gru")
    assert "yellow" not in diagrams.unrolled_alt("rnn", 3, highlight_gradient=False)


@pytest.mark.parametrize("kwargs,err,match", [
    ({"cell": "transformer"}, ValueError, "cell"), ({"cell": 3}, TypeError, "cell"),
    ({"steps": 1}, ValueError, "steps"), ({"steps": 7}, ValueError, "steps"), ({"steps": 2.0}, TypeError, "steps"),
    ({"steps": True}, TypeError, "steps"), ({"highlight_gradient": "yes"}, TypeError, "highlight_gradient"),
    ({"ax": "axes"}, TypeError, "ax")])
def test_unrolled_bad_arguments(kwargs, err, match):
    with pytest.raises(err, match=match):
        diagrams.draw_unrolled(**kwargs)
    if "ax" not in kwargs:
        with pytest.raises(err, match=match):
            diagrams.unrolled_alt(**kwargs)


def test_cell_axes_give_full_size_panels():
    fig, axes = diagrams.cell_axes([("lstm", "cell"), ("lstm", "hidden")])
    assert fig.get_size_inches()[0] == pytest.approx(COLUMN_WIDTH) and len(axes) == 2
    diagrams.draw_lstm_cell(axes[0], highlight="cell")
    full = diagrams.draw_lstm_cell(highlight="cell")
    assert diagrams._scale(axes[0]) == pytest.approx(diagrams._scale(full)) == pytest.approx(1.0)
    with pytest.raises(TypeError, match="panels"):
        diagrams.cell_axes("lstm")
    with pytest.raises(ValueError, match="panels"):
        diagrams.cell_axes([])
