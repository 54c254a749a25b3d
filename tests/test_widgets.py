"""Tests for lstm_utils.widgets: frames, links, DOM classes and alt text of the kernel-free explorer."""

import base64
import re

import ipywidgets as widgets
import matplotlib
from ipywidgets.widgets.widget_link import Link

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import lstm_utils as lu  # noqa: E402
from lstm_utils.widgets import figure_to_img  # noqa: E402

IMG = re.compile(r'^<img class="lu-frame" alt="([^"]*)" src="data:image/png;base64,([A-Za-z0-9+/=]+)">$')
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
    small = len(figure_to_img(fig_small, "x", dpi=36))
    big = len(figure_to_img(fig_big, "x", dpi=144))
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
    with pytest.raises(ValueError, match="render: expected a matplotlib Figure"):
        lu.frame_explorer(lambda a: None, {"a": [1]}, alt="x")
