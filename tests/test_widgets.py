"""Tests for lstm_utils.widgets: frames, links, DOM classes and alt text of the kernel-free explorer."""

import base64
import io
import re

import ipywidgets as widgets
import matplotlib
import numpy as np
from ipywidgets.widgets.widget_link import Link

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

import lstm_utils as lu
from lstm_utils.figures.widgets import figure_to_img

IMG = re.compile(r'^<img class="lu-frame" alt="([^"]*)" src="data:image/png;base64,([A-Za-z0-9+/=]+)" '
                 r'width="(\d+)" height="(\d+)" style="max-width: 100%; height: auto;">$')
calls = []


def render(a, b=None):
    calls.append((a, b))
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, a])
    return fig


def alt(a, b=None):
    return f"line of slope {a}" + ("" if b is None else f", b={b}")


def _frame(widget):
    """The (alt, png bytes) of a frame widget, checking the HTML form the browser test relies on."""
    assert isinstance(widget, widgets.HTML)
    m = IMG.match(widget.value)
    assert m, widget.value[:120]
    png = base64.b64decode(m.group(2))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return m.group(1), png


def test_one_slider_frames_classes_alt_and_link():
    calls.clear()
    before = len(plt.get_fignums())
    box = lu.frame_explorer(render, {"a": [0.5, 1.0, 2.0]}, alt=alt, default={"a": 1.0})
    assert len(plt.get_fignums()) == before                # every rendered figure was closed
    assert calls == [(0.5, None), (1.0, None), (2.0, None)]
    assert isinstance(box, widgets.VBox) and box._dom_classes == ("lu-explorer",)
    slider, stack = box.children
    assert slider._dom_classes == ("lu-slider", "lu-slider-0")
    assert [label for label, _ in slider.options] == ["0.5", "1", "2"]   # the readout shows the value
    assert slider.index == 1 and stack.selected_index == 1               # the default setting
    assert isinstance(stack, widgets.Stack) and len(stack.children) == 3
    for i, frame in enumerate(stack.children):
        assert frame._dom_classes == ("lu-frame-box", f"lu-frame-{i}")
        text, _ = _frame(frame)
        assert text == alt([0.5, 1.0, 2.0][i])
    (link,) = box.links
    assert isinstance(link, Link)
    assert link.source == (slider, "index") and link.target == (stack, "selected_index")


def test_two_sliders_nest_stacks_and_link_every_inner_one():
    calls.clear()
    box = lu.frame_explorer(render, {"a": [1, 2], "b": [10, 20, 30]}, alt=alt, default={"b": 30})
    assert len(calls) == 6 and set(calls) == {(a, b) for a in (1, 2) for b in (10, 20, 30)}
    s0, s1, outer = box.children
    assert s0._dom_classes == ("lu-slider", "lu-slider-0") and s1._dom_classes == ("lu-slider", "lu-slider-1")
    assert s0.index == 0 and s1.index == 2
    assert len(outer.children) == 2 and outer.selected_index == 0
    for i, inner in enumerate(outer.children):
        assert isinstance(inner, widgets.Stack) and len(inner.children) == 3 and inner.selected_index == 2
        for j, frame in enumerate(inner.children):
            assert frame._dom_classes == ("lu-frame-box", f"lu-frame-{i}-{j}")
            assert _frame(frame)[0] == alt([1, 2][i], [10, 20, 30][j])
    targets = {(id(link.source[0]), link.source[1], id(link.target[0]), link.target[1]) for link in box.links}
    assert targets == {(id(s1), "index", id(inner), "selected_index") for inner in outer.children} | \
        {(id(s0), "index", id(outer), "selected_index")}


def test_alt_may_be_a_string_and_is_escaped():
    box = lu.frame_explorer(render, {"a": [1]}, alt='a "quoted" <b> & more')
    text, _ = _frame(box.children[1].children[0])
    assert text == "a &quot;quoted&quot; &lt;b&gt; &amp; more"


def test_dpi_sets_the_frame_size():
    fig_small, fig_big = render(1), render(1)
    small = len(figure_to_img(fig_small, "x", dpi=100, scale=1))
    big = len(figure_to_img(fig_big, "x", dpi=300, scale=1))
    assert big > 2 * small


def test_default_values_and_show_default():
    sliders = {"a": [1, 2, 3], "b": ["x", "y"]}
    assert lu.default_values(sliders) == {"a": 1, "b": "x"}
    assert lu.default_values(sliders, {"a": 3}) == {"a": 3, "b": "x"}
    calls.clear()
    fig = lu.show_default(render, {"a": [1, 2]}, {"a": 2})
    assert calls == [(2, None)] and hasattr(fig, "savefig")
    plt.close(fig)


@pytest.mark.parametrize("sliders, match", [
    ({}, "expected 1 or 2 sliders, got 0"),
    ({"a": [1], "b": [1], "c": [1]}, "expected 1 or 2 sliders, got 3"),
    ({"a": []}, r"sliders\['a'\]: expected at least one value"),
    ({"a": 3}, r"sliders\['a'\]: expected a list"),
    ({"not a name": [1]}, "identifier"),
    ([1, 2], "expected a dict"),
])
def test_bad_sliders_raise_value_error(sliders, match):
    with pytest.raises(ValueError, match=match):
        lu.frame_explorer(render, sliders, alt="x")


def test_bad_default_alt_and_render_raise_value_error():
    with pytest.raises(ValueError, match=r"default\['a'\]: expected one of"):
        lu.frame_explorer(render, {"a": [1, 2]}, alt="x", default={"a": 5})
    with pytest.raises(ValueError, match="alt"):
        lu.frame_explorer(render, {"a": [1, 2]}, alt=3)
    with pytest.raises(TypeError, match="alt"):
        lu.frame_explorer(render, {"a": [1, 2]}, alt=3)
    with pytest.raises(ValueError, match="render: expected a matplotlib Figure"):
        lu.frame_explorer(lambda a: None, {"a": [1]}, alt="x")


# --- sharpness, size and weight of the frames ---------------------------------------------------------------

def _png_info(png):
    from PIL import Image
    with Image.open(io.BytesIO(png)) as im:
        return im.size, im.mode, im.info.get("dpi")


def static_png(fig):
    """The PNG the inline backend shows for ``fig`` (IPython's print_figure: bbox tight at the figure's dpi)."""
    from IPython.core.pylabtools import print_figure
    try:
        return print_figure(fig, "png")
    finally:
        plt.close(fig)


def test_frames_are_the_size_and_dpi_of_the_static_figure():
    lu.use_style()                                      # figure.dpi 100, as every chapter
    try:
        box = lu.frame_explorer(render, {"a": [1.0, 2.0]}, alt=alt)
        _, png = _frame(box.children[1].children[0])
        (w, h), mode, dpi = _png_info(png)
        (ws, hs), _, _ = _png_info(static_png(render(1.0)))
        assert (w, h) == (ws, hs) and dpi[0] == pytest.approx(100, abs=0.5)
        assert mode == "P"                              # palette-quantised
        m = IMG.match(box.children[1].children[0].value)
        assert (int(m.group(3)), int(m.group(4))) == (w, h)          # shown at 100 dpi, 1:1
        twice = lu.widgets.figure_to_img(render(1.0), "x", scale=2)  # 2x: the same size on the page
        assert abs(int(IMG.match(twice).group(3)) - w) <= 3         # (bbox tight rounds at each dpi)
    finally:
        matplotlib.rcdefaults()
        matplotlib.use("Agg")


def test_default_dpi_is_at_least_100_and_follows_the_figure():
    def big(a):
        fig, ax = plt.subplots(figsize=(2, 1.5), dpi=150)
        ax.plot([0, 1], [0, a])
        return fig
    fig = plt.figure(figsize=(2, 1.5), dpi=50)
    fig.add_subplot().plot([0, 1])
    assert _png_info(lu.widgets.figure_to_png(fig))[2][0] == pytest.approx(100, abs=0.5)
    assert _png_info(lu.widgets.figure_to_png(big(1)))[2][0] == pytest.approx(150, abs=0.5)
    assert _png_info(lu.widgets.figure_to_png(big(1), dpi=60))[2][0] == pytest.approx(100, abs=0.5)
    assert _png_info(lu.widgets.figure_to_png(big(1), dpi=200))[2][0] == pytest.approx(200, abs=0.5)


def test_quantised_frames_are_smaller_and_look_the_same():
    from PIL import Image, ImageChops

    def busy(a):
        fig, ax = plt.subplots(figsize=(6.4, 3.6))
        for k in range(5):
            ax.plot(range(50), [(i * (k + a)) % 17 for i in range(50)], label=f"curve {k}")
        ax.fill_between(range(50), 0, 5, alpha=0.25)
        ax.legend()
        ax.set_title("a busy frame with text")
        return fig
    raw = lu.widgets.figure_to_png(busy(1), quantize=False)
    pal = lu.widgets.figure_to_png(busy(1))
    assert len(pal) < 0.6 * len(raw)
    a = Image.open(io.BytesIO(raw)).convert("RGB")
    b = Image.open(io.BytesIO(pal)).convert("RGB")
    assert a.size == b.size
    diff = np.asarray(ImageChops.difference(a, b).convert("L"), dtype=float)
    assert diff.max() <= 64 and diff.mean() < 3.0          # of 255: no visible change


def test_slider_fits_a_phone_and_the_description_is_its_name():
    box = lu.frame_explorer(render, {"a": [1, 2]}, alt=alt, descriptions={"a": "slope a"})
    slider = box.children[0]
    assert slider.description == "slope a"
    assert slider.layout.width == "100%" and slider.layout.max_width == "560px"


# --- bad arguments are refused before any frame is rendered ---------------------------------------------------

@pytest.mark.parametrize("kwargs, exc, match", [
    ({"render": 3}, TypeError, "render: expected a callable"),
    ({"alt": None}, TypeError, "alt: expected"),
    ({"alt": "  "}, ValueError, "alt: expected a description"),
    ({"alt": lambda a: 3}, ValueError, "alt: expected a non-empty str"),
    ({"dpi": "high"}, TypeError, "dpi: expected None or a number"),
    ({"dpi": True}, TypeError, "dpi"),
    ({"dpi": 0}, ValueError, r"dpi: expected None or a number in \(0, 400\]"),
    ({"dpi": 1000}, ValueError, "dpi"),
    ({"descriptions": ["a"]}, TypeError, "descriptions: expected None or a dict"),
    ({"descriptions": {"b": "x"}}, ValueError, r"descriptions: expected keys among the sliders \['a'\], got \['b'\]"),
    ({"descriptions": {"a": 3}}, TypeError, r"descriptions\['a'\]"),
    ({"default": 5}, TypeError, "default: expected None or a dict"),
    ({"default": {"b": 1}}, ValueError, r"default: expected keys among the sliders"),
])
def test_bad_arguments_refused_before_rendering(kwargs, exc, match):
    def call():
        args = {"render": render, "alt": alt, **kwargs}
        lu.frame_explorer(args.pop("render"), {"a": [1, 2]}, **args)

    calls.clear()
    with pytest.raises(exc, match=match):
        call()
    assert calls == []                                   # nothing rendered
    with pytest.raises(ValueError, match=match):         # a wrong type is still a ValueError, as it was before
        call()


def test_default_values_and_show_default_refuse_bad_input():
    with pytest.raises(TypeError, match="default: expected None or a dict"):
        lu.default_values({"a": [1]}, default=5)
    with pytest.raises(ValueError, match="default: expected None or a dict"):   # still a ValueError, as before
        lu.default_values({"a": [1]}, default=5)
    with pytest.raises(ValueError, match=r"default: expected keys among the sliders \['a'\], got \['z'\]"):
        lu.default_values({"a": [1]}, default={"z": 1})
    with pytest.raises(TypeError, match="render"):
        lu.show_default("render", {"a": [1]})
    with pytest.raises(ValueError, match="render: expected a matplotlib Figure"):
        lu.show_default(lambda a: 3, {"a": [1]})


# --- lu.explorer: the static figure, its caption, the slider ---------------------------------------------------

def test_explorer_shows_static_default_caption_then_slider(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append((obj, kw)))
    calls.clear()
    before = len(plt.get_fignums())
    out = lu.widgets.explorer(render, {"a": [0.5, 1.0, 2.0]}, default={"a": 2.0}, alt=alt,
                              caption="Slope $a$ of the line.", descriptions={"a": "slope"})
    assert len(plt.get_fignums()) == before
    assert calls[-1] == (2.0, None) and len(calls) == 4        # three frames, then the static figure
    (bundle, kw), (caption, _), (widget, _) = shown
    assert kw == {"raw": True} and set(bundle) == {"text/html", "image/png", "text/plain"}
    assert 'class="lu-static-figure"' in bundle["text/html"] and f'alt="{alt(2.0)}"' in bundle["text/html"]
    assert caption.data == "Slope $a$ of the line."
    assert widget is out.widget and widget._dom_classes == ("lu-explorer",)
    # the static figure is the default frame itself
    _, frame_png = _frame(widget.children[1].children[2])
    assert base64.b64decode(bundle["image/png"]) == frame_png == out.png
    assert out.alt == alt(2.0) and out.caption == "Slope $a$ of the line."


def test_explorer_without_caption_and_bad_arguments(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append(obj))
    lu.widgets.explorer(render, {"a": [1]}, default={"a": 1}, alt="a line")
    assert len(shown) == 2
    calls.clear()
    with pytest.raises(ValueError, match="default: expected a dict"):
        lu.widgets.explorer(render, {"a": [1]}, default=None, alt="x")
    with pytest.raises(TypeError, match="caption"):
        lu.widgets.explorer(render, {"a": [1]}, default={"a": 1}, alt="x", caption=3)
    with pytest.raises(ValueError, match=r"default\['a'\]"):
        lu.widgets.explorer(render, {"a": [1]}, default={"a": 7}, alt="x")
    assert calls == []
