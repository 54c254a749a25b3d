"""Tests of lstm_utils.plotting: the book's style, the norm-decay figure, the training curve (Agg backend)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from numpy.testing import assert_allclose

import lstm_utils as lu
from lstm_utils import plotting


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def decaying_norms(T=60, B=8, rate=0.85, seed=0):
    """Norms indexed by step t = 0..T over B sequences, as jacobian_norms returns them: rate^(T - t) times noise."""
    rng = np.random.default_rng(seed)
    dist = T - np.arange(T + 1)
    return rate ** dist[:, None] * np.exp(rng.normal(0, 0.5, size=(T + 1, B)))


def test_use_style_sets_the_books_rcparams():
    with matplotlib.rc_context():
        lu.use_style()
        assert matplotlib.rcParams["axes.grid"] is True
        assert matplotlib.rcParams["figure.facecolor"] == "white"
        assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"] == plotting.PALETTE


def test_colors_name_the_cells_and_are_distinct():
    assert {"rnn", "lstm", "gru", "theory"} <= set(lu.COLORS)
    assert len({lu.COLORS[c] for c in ("rnn", "lstm", "gru")}) == 3


def test_plot_norm_decay_draws_the_typical_curve_band_and_bound(ax):
    norms = decaying_norms()
    T = norms.shape[0] - 1
    out = lu.plot_norm_decay(ax, norms, label="measured", color=lu.COLORS["rnn"], band="range", bound=0.9)
    assert out is ax
    assert ax.get_yscale() == "log"
    curve, bound = ax.lines
    # the curve: geometric mean over sequences, plotted against the distance T - t, increasing left to right
    x, y = curve.get_data()
    assert_allclose(x, np.arange(T + 1))
    assert_allclose(y, lu.geometric_mean(norms, axis=1)[::-1])
    assert curve.get_label() == "measured"
    # the bound: lambda_1^(T - t), dashed, black
    assert_allclose(bound.get_ydata(), 0.9 ** np.arange(T + 1))
    assert bound.get_linestyle() == "--" and bound.get_color() == lu.COLORS["theory"]
    # the band: visible, behind every line, spanning min..max over sequences
    (band,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert 0 < band.get_alpha() < 1
    assert band.get_zorder() < min(line.get_zorder() for line in ax.lines)
    verts = band.get_paths()[0].vertices
    assert verts[:, 1].min() == pytest.approx(norms.min()) and verts[:, 1].max() == pytest.approx(norms.max())
    # distance increases left to right; the x axis starts at 0 and ends at T
    assert not ax.xaxis_inverted()
    assert ax.get_xlim() == pytest.approx((0, T))
    assert "T - t" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["measured", bound.get_label()]


def test_plot_norm_decay_legend_does_not_cover_the_data(ax):
    norms = decaying_norms(T=100, rate=0.8)
    lu.plot_norm_decay(ax, norms, label="measured", band="range", bound=0.9)
    fig = ax.figure
    fig.canvas.draw()
    box = ax.get_legend().get_window_extent()
    for line in ax.lines:
        pts = ax.transData.transform(np.column_stack(line.get_data()))
        inside = (box.x0 <= pts[:, 0]) & (pts[:, 0] <= box.x1) & (box.y0 <= pts[:, 1]) & (pts[:, 1] <= box.y1)
        assert not inside.any(), f"the legend covers {inside.sum()} points of {line.get_label()!r}"


def test_plot_norm_decay_outside_legend_sits_right_of_the_axes(ax):
    lu.plot_norm_decay(ax, decaying_norms(), label="measured", legend="outside")
    ax.figure.canvas.draw()
    assert ax.get_legend().get_window_extent().x0 > ax.get_window_extent().x1


def test_plot_norm_decay_curves_indexed_by_lag_and_added_one_by_one(ax):
    # chapter 05: curves already indexed by steps back, several on one axes, a threshold line, no band
    lag_curve = 0.9 ** np.arange(31)
    lu.plot_norm_decay(ax, lag_curve, distance=np.arange(31), label="RNN", color="C1")
    lu.plot_norm_decay(ax, 0.99 ** np.arange(31), distance=np.arange(31), label="LSTM", linestyle="--",
                       threshold=1e-3)
    assert [line.get_label() for line in ax.lines[:2]] == ["RNN", "LSTM"]
    assert_allclose(ax.lines[0].get_ydata(), lag_curve)
    assert ax.lines[1].get_linestyle() == "--"
    assert_allclose(ax.lines[-1].get_ydata(), [1e-3, 1e-3])      # the threshold, a horizontal line
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(ax.get_legend().get_texts()) == 2


def test_plot_norm_decay_percentile_band_median_and_explicit_bound(ax):
    norms = decaying_norms(B=50)
    direct = np.linspace(1e-3, 1, norms.shape[0])
    lu.plot_norm_decay(ax, norms, band=(10, 90), center="median", bound=direct, bound_label="direct path")
    curve, bound = ax.lines
    assert_allclose(curve.get_ydata(), np.median(norms, axis=1)[::-1])
    assert_allclose(bound.get_ydata(), direct[::-1]) and bound.get_label() == "direct path"
    verts = ax.collections[0].get_paths()[0].vertices
    assert verts[:, 1].max() == pytest.approx(np.percentile(norms, 90, axis=1).max())


def test_plot_norm_decay_three_dimensional_samples(ax):
    # chapter 07: norms over networks and sequences, (T + 1, nets, B)
    norms = np.stack([decaying_norms(seed=s) for s in range(3)], axis=1)
    lu.plot_norm_decay(ax, norms, band=(10, 90))
    assert_allclose(ax.lines[0].get_ydata(), lu.geometric_mean(norms, axis=(1, 2))[::-1])


def test_plot_norm_decay_draws_underflowed_zeros_without_a_warning(ax):
    norms = decaying_norms()
    norms[0, 0] = 0.0                                   # a float32 norm that underflowed
    lu.plot_norm_decay(ax, norms, band="range")
    assert ax.lines[0].get_ydata()[-1] == 0.0


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"norms": np.ones((0,))}, ValueError, r"norms: .*N >= 1"),
    ({"norms": np.array([1.0, np.nan])}, ValueError, r"norms: .*finite non-negative.*index \(1,\)"),
    ({"norms": np.array([1.0, -1.0])}, ValueError, r"norms: .*non-negative"),
    ({"norms": np.array(["a", "b"])}, ValueError, r"norms: .*dtype <U1"),
    ({"norms": np.ones(3), "distance": np.arange(4)}, ValueError, r"distance: .*\(3,\).*got \(4,\)"),
    ({"norms": np.ones(3), "distance": [0, -1, 2]}, ValueError, r"distance: .*non-negative"),
    ({"norms": np.ones(3), "band": "range"}, ValueError, r"band: .*samples.*\(3,\)"),
    ({"norms": np.ones((3, 2)), "band": "minmax"}, ValueError, r"band: expected"),
    ({"norms": np.ones((3, 2)), "band": (90, 10)}, ValueError, r"band: .*percentiles"),
    ({"norms": np.ones(3), "band": (np.ones(3), np.zeros(3))}, ValueError, r"band: .*low <= high"),
    ({"norms": np.ones(3), "band": (np.ones(2), np.ones(2))}, ValueError, r"band\[0\]: .*\(3,\).*\(2,\)"),
    ({"norms": np.ones(3), "bound": -0.5}, ValueError, r"lambda_1: .*non-negative"),
    ({"norms": np.ones(3), "bound": np.ones(4)}, ValueError, r"bound: .*\(3,\).*\(4,\)"),
    ({"norms": np.ones(3), "center": "mean"}, ValueError, r"center: .*'geometric' or 'median'"),
    ({"norms": np.ones(3), "threshold": 0}, ValueError, r"threshold: .*positive"),
    ({"norms": np.ones(3), "band_alpha": 0}, ValueError, r"band_alpha: .*\(0, 1\]"),
    ({"norms": np.ones(3), "legend": 3.5}, ValueError, r"legend: "),
])
def test_plot_norm_decay_refuses_bad_input_before_drawing(ax, kwargs, exc, match):
    kwargs = dict(kwargs)
    norms = kwargs.pop("norms")
    with pytest.raises(exc, match=match):
        lu.plot_norm_decay(ax, norms, **kwargs)
    assert not ax.lines and not ax.collections          # nothing half-drawn


def test_plot_norm_decay_and_log_axis_refuse_a_non_axes():
    with pytest.raises(TypeError, match=r"ax: expected a matplotlib Axes, got NoneType"):
        lu.plot_norm_decay(None, np.ones(3))
    with pytest.raises(TypeError, match=r"ax: .*NoneType"):
        plotting.log_axis(None)


def test_log_axis(ax):
    plotting.log_axis(ax, "both")
    assert ax.get_xscale() == ax.get_yscale() == "log"
    with pytest.raises(ValueError, match=r"axis: expected 'x', 'y' or 'both', got 'z'"):
        plotting.log_axis(ax, "z")


def history(n=20):
    return {"loss": list(np.geomspace(1, 1e-2, n)), "eval_step": [10, 20], "val_metric": [0.5, 0.9]}


def test_plot_history_draws_the_loss_on_a_log_axis_or_the_metric(ax):
    h = history()
    assert lu.plot_history(h, ax, label="lstm") is ax
    (line,) = ax.lines
    assert_allclose(line.get_xdata(), np.arange(1, 21)) and ax.get_yscale() == "log"
    fig, ax2 = plt.subplots()
    lu.plot_history(h, ax2, metric=True)
    assert_allclose(ax2.lines[0].get_ydata(), [0.5, 0.9])
    plt.close(fig)


def test_plot_history_is_still_reachable_from_train(ax):
    from lstm_utils import train

    train.plot_history(history(), ax)
    assert len(ax.lines) == 1


@pytest.mark.parametrize("h, match", [
    ({}, r"history: .*key\(s\) loss.*missing loss"),
    ({"loss": [1.0]}, None),
    (None, r"history: expected the dict returned by train\(\), got NoneType"),
])
def test_plot_history_refuses_a_non_history(ax, h, match):
    if match is None:
        lu.plot_history(h, ax)
        with pytest.raises(ValueError, match=r"history: .*eval_step, val_metric.*val="):
            lu.plot_history(h, ax, metric=True)
        return
    with pytest.raises((TypeError, ValueError), match=match):
        lu.plot_history(h, ax)


def test_plot_norm_decay_without_labels_draws_no_legend(ax):
    lu.plot_norm_decay(ax, np.ones(4))
    assert ax.get_legend() is None


# --- chapter 08's headline: the longest length each model solves ------------------------------------------------

def _records(name):
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "lstm_utils" / "results" / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("name", ["long_range_sweep"])
def test_plot_longest_solved_on_the_shipped_records(name):
    from lstm_utils.figures.plotting import COLUMN_WIDTH

    rs = _records(name)
    fig = lu.plot_longest_solved(rs)
    tasks = list(dict.fromkeys(r["task"] for r in rs))
    models = {r["model"] for r in rs}
    axes = fig.axes
    assert len(axes) == len(tasks) and fig.get_size_inches()[0] == pytest.approx(COLUMN_WIDTH)
    # one dot per run, every row labelled in mathtext
    dots = sum(len(ax.lines) for ax in axes) - sum(1 for ax in axes for ln in ax.lines if len(ln.get_xdata()) == 2)
    assert dots == len(rs)
    labels = [t.get_text() for t in axes[0].get_yticklabels()]
    assert len(labels) == len(models) and not any("b_f" in s and "$" not in s for s in labels)
    # the right-hand column states the longest length solved, as longest_solved computes it
    best = lu.longest_solved(rs)
    shown = [t.get_text() for t in axes[0].texts if t.get_text() not in ("longest\n$T$ solved",)]
    assert sorted(shown) == sorted("none" if best[(tasks[0], m)] is None else str(best[(tasks[0], m)])
                                   for m in models if (tasks[0], m) in best)
    plt.close(fig)


def test_longest_solved_counts_eight_of_ten():
    rs = [{"task": "a", "model": "lstm_bf3", "T": T, "seed": s, "score": 1.0 if ok else 0.2, "solved": ok}
          for T, k in ((10, 10), (50, 8), (100, 7)) for s in range(10) for ok in [s < k]]
    assert lu.longest_solved(rs) == {("a", "lstm_bf3"): 50}
    assert lu.longest_solved(rs, min_rate=0.7) == {("a", "lstm_bf3"): 100}
    assert lu.model_label("lstm_bf3") == "LSTM, $b_f = 3$"
    assert lu.model_label("lstm_bf3_bi3") == "LSTM, $b_f = 3$, $b_i = -3$"
    assert lu.model_label("unknown") == "unknown"


@pytest.mark.parametrize("records,err,match", [
    ("runs", TypeError, "records"), ([], ValueError, "records"), ([3], TypeError, "records"),
    ([{"task": "a"}], ValueError, "records: the record at index 0 lacks")])
def test_plot_longest_solved_refuses_bad_records(records, err, match):
    with pytest.raises(err, match=match):
        lu.plot_longest_solved(records)


def test_plot_longest_solved_bad_options():
    rs = _records("long_range_sweep")
    with pytest.raises(ValueError, match="min_rate"):
        lu.plot_longest_solved(rs, min_rate=0)
    with pytest.raises(ValueError, match="models"):
        lu.plot_longest_solved(rs, models=["lstm_bf3", "no_such_model"])     # a model with no run in the file
    with pytest.raises(TypeError, match="tasks"):
        lu.plot_longest_solved(rs, tasks="adding")
    fig = lu.plot_longest_solved(rs, tasks=["temporal"], models=["rnn", "gru"])
    assert len(fig.axes) == 1 and len(fig.axes[0].get_yticklabels()) == 2
    plt.close(fig)


def test_retina_png_is_twice_the_pixels_shown_at_half_and_quantised():
    import io

    from PIL import Image

    from lstm_utils.figures.plotting import retina_png

    fig, ax = plt.subplots(figsize=(3, 2), dpi=100)
    ax.plot([0, 1], [0, 1])
    data, meta = retina_png(fig)
    with Image.open(io.BytesIO(data)) as im:
        assert im.mode == "P" and im.size[0] // 2 == meta["width"] and im.size[1] // 2 == meta["height"]
        assert 250 < meta["width"] <= 320                    # about 3 in at 100 dpi, bbox tight
    plt.close(fig)
