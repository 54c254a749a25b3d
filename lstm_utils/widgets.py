r"""Sliders that work with no kernel: precomputed frames switched in the browser.

A slider in the published book has no Python behind it. So every frame is drawn in advance, one matplotlib figure
per slider position, rasterised to a small PNG and placed in an ``ipywidgets.Stack``; the slider is linked to the
stack's ``selected_index`` with :func:`ipywidgets.jslink`, a link that lives in the browser. The saved widget state
in the page holds the frames and the link, and moving the slider switches frames with no kernel and no server. The
same code works in a live notebook. Two sliders: an outer stack (first slider) whose children are inner stacks (second
slider), every inner stack linked to the second slider.

DOM conventions (the browser test relies on them):

* the explorer is a ``VBox`` with class ``lu-explorer``;
* slider k (k = 0, 1) has classes ``lu-slider lu-slider-<k>``;
* each frame is an ``ipywidgets.HTML`` with classes ``lu-frame-box lu-frame-<i>`` (one slider) or
  ``lu-frame-box lu-frame-<i>-<j>`` (two sliders), whose value is
  ``<img class="lu-frame" alt="..." src="data:image/png;base64,...">``: an ``<img>`` can carry alt text, which
  ``ipywidgets.Image`` cannot.

Introduced in chapter 02 (``notebooks/02_vanishing_gradients.ipynb``).
"""

from __future__ import annotations

import base64
import html
import io
from typing import Callable, Mapping

import ipywidgets as widgets
import matplotlib.pyplot as plt


def _check_sliders(sliders) -> list[tuple[str, list]]:
    """``sliders`` as a list of (name, values): 1 or 2 entries, identifier names, non-empty value lists."""
    if not isinstance(sliders, Mapping):
        raise ValueError(f"sliders: expected a dict {{name: list_of_values}} with 1 or 2 entries, "
                         f"got {type(sliders).__name__}")
    if not 1 <= len(sliders) <= 2:
        raise ValueError(f"sliders: expected 1 or 2 sliders, got {len(sliders)}"
                         + (f" ({', '.join(map(str, sliders))})" if sliders else ""))
    out = []
    for name, values in sliders.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"sliders: each name is passed to render(**values), so it must be a Python "
                             f"identifier; got {name!r}")
        if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
            raise ValueError(f"sliders[{name!r}]: expected a list of values, got {type(values).__name__}")
        values = list(values)
        if len(values) == 0:
            raise ValueError(f"sliders[{name!r}]: expected at least one value, got an empty list")
        out.append((name, values))
    return out


def default_values(sliders, default=None) -> dict:
    """The default setting ``{name: value}``: ``default[name]`` where given (it must be one of the values), else the
    first value of each slider."""
    spec = _check_sliders(sliders)
    return {name: values[_default_index(name, values, default)] for name, values in spec}


def _default_index(name, values, default) -> int:
    if default is None or name not in default:
        return 0
    if not isinstance(default, Mapping):
        raise ValueError(f"default: expected a dict {{name: value}}, got {type(default).__name__}")
    for i, v in enumerate(values):
        if v == default[name]:
            return i
    raise ValueError(f"default[{name!r}]: expected one of {values}, got {default[name]!r}")


def _label(value) -> str:
    """Readout text for a slider value: compact for numbers (0.9, 1e-05, 150), str() otherwise."""
    try:
        return f"{value:g}"
    except (TypeError, ValueError):
        return str(value)


def figure_to_img(fig, alt: str, *, dpi=72) -> str:
    """Rasterise ``fig`` to a PNG and return ``<img class="lu-frame" alt="..." src="data:image/png;base64,...">``.

    The figure is closed afterwards (a notebook would otherwise also display it and keep its memory).
    """
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img class="lu-frame" alt="{html.escape(str(alt), quote=True)}" src="data:image/png;base64,{data}">'


def _frame(render, alt, values: dict, classes: tuple[str, ...], dpi) -> widgets.HTML:
    fig = render(**values)
    if not hasattr(fig, "savefig"):
        raise ValueError(f"render: expected a matplotlib Figure, got {type(fig).__name__} for {values}")
    text = alt(**values) if callable(alt) else alt
    return widgets.HTML(value=figure_to_img(fig, text, dpi=dpi), _dom_classes=classes)


def frame_explorer(render: Callable, sliders, *, alt, dpi=72, default=None, descriptions=None) -> widgets.Widget:
    """A kernel-free explorer: one or two sliders over frames precomputed with ``render``.

    Parameters
    ----------
    render : callable(**values) -> matplotlib Figure
        Draws one frame; called once per slider position (or pair of positions). The figure is closed after it
        is rasterised.
    sliders : dict {name: list_of_values}
        One or two sliders, in order (the first is the outer one); each name is a keyword of ``render``.
    alt : callable(**values) -> str, or str
        Alt text of each frame, for a reader who cannot see it: say what the frame shows, with its numbers.
    dpi : int
        Resolution of the frames; 72 with a modest figsize keeps a page with dozens of frames small.
    default : dict {name: value}, optional
        The setting shown first (default: the first value of each slider).
    descriptions : dict {name: str}, optional
        Text beside each slider (default: its name).

    Returns
    -------
    ipywidgets.VBox
        ``[slider_0, (slider_1,) stack]``, class ``lu-explorer``. Each slider is a ``SelectionSlider`` whose options
        are ``(label, index)``: the readout shows the value, and its ``index`` is jslinked to the stack's
        ``selected_index`` (the link runs in the browser, so no kernel is needed). The links are in its attribute
        ``links``: one for one slider; for two, one per inner stack (second slider), then the outer stack's (first).
    """
    spec = _check_sliders(sliders)
    if not (callable(alt) or isinstance(alt, str)):
        raise ValueError(f"alt: expected a callable(**values) -> str or a str, got {type(alt).__name__}")
    descriptions = dict(descriptions or {})
    indices = [_default_index(name, values, default) for name, values in spec]

    controls = []
    for k, ((name, values), index) in enumerate(zip(spec, indices)):
        slider = widgets.SelectionSlider(
            options=[(_label(v), i) for i, v in enumerate(values)], index=index,
            description=descriptions.get(name, name), continuous_update=True,
            style={"description_width": "initial"}, layout=widgets.Layout(width="420px"),
            _dom_classes=("lu-slider", f"lu-slider-{k}"))
        controls.append(slider)

    links = []

    def stack_of(children, index, slider):
        stack = widgets.Stack(children=children, selected_index=index)
        # "index" is the synced trait of a SelectionSlider ("value" lives only in Python).
        links.append(widgets.jslink((slider, "index"), (stack, "selected_index")))
        return stack

    (name0, values0), *rest = spec
    if not rest:
        frames = [_frame(render, alt, {name0: v}, ("lu-frame-box", f"lu-frame-{i}"), dpi)
                  for i, v in enumerate(values0)]
        stack = stack_of(frames, indices[0], controls[0])
    else:
        (name1, values1), = rest
        inner = [stack_of([_frame(render, alt, {name0: v, name1: w}, ("lu-frame-box", f"lu-frame-{i}-{j}"), dpi)
                           for j, w in enumerate(values1)], indices[1], controls[1])
                 for i, v in enumerate(values0)]
        stack = stack_of(inner, indices[0], controls[0])
    explorer = widgets.VBox([*controls, stack], _dom_classes=("lu-explorer",))
    explorer.links = tuple(links)        # the browser-side links, kept for inspection (and alive)
    return explorer


def show_default(render: Callable, sliders, default=None):
    """Draw the explorer's default setting as an ordinary figure and return it (call ``plt.show()`` after).

    Where widgets cannot load (a PDF, JavaScript off), this static figure is what the reader sees.
    """
    return render(**default_values(sliders, default))
