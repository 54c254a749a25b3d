r"""Sliders that work with no kernel: precomputed frames switched in the browser.

A slider in the published book has no Python behind it. So every frame is drawn in advance, one matplotlib figure
per slider position, rasterised to a PNG and placed in an ``ipywidgets.Stack``; the slider is linked to the
stack's ``selected_index`` with :func:`ipywidgets.jslink`, a link that lives in the browser. The saved widget state
in the page holds the frames and the link, and moving the slider switches frames with no kernel and no server. The
same code works in a live notebook. Two sliders: an outer stack (first slider) whose children are inner stacks (second
slider), every inner stack linked to the second slider.

Frames are shown at the figure's own dpi (at least 100, the book's style), the size the inline backend gives a
static figure of the same plot (the column's width), and rasterised at that dpi (``FRAME_SCALE``; the static
figures are 2x PNGs, but a page holds dozens of frames), then palette-quantised to 256 colours
(Pillow), which makes a frame about four times smaller with no visible change to lines and text, so a page with
dozens of frames stays within a few megabytes. :func:`explorer` shows a plot the same way in every chapter: the
default setting as a static figure (what a reader without JavaScript, or of a PDF, sees), its caption, then the
slider over every frame.

DOM conventions (the browser test relies on them):

* the explorer is a ``VBox`` with class ``lu-explorer``;
* slider k (k = 0, 1) has classes ``lu-slider lu-slider-<k>``; ``book/_static/widgets-offline.js`` gives its handle
  the slider's description as accessible name (``aria-label``) and moves the keyboard focus to the handle when the
  track is clicked;
* each frame is an ``ipywidgets.HTML`` with classes ``lu-frame-box lu-frame-<i>`` (one slider) or
  ``lu-frame-box lu-frame-<i>-<j>`` (two sliders), whose value is
  ``<img class="lu-frame" alt="..." src="data:image/png;base64,..." ...>``: an ``<img>`` can carry alt text, which
  ``ipywidgets.Image`` cannot.

Introduced in chapter 02 (``notebooks/02_vanishing_gradients.ipynb``).
"""

from __future__ import annotations

import base64
import html
import inspect
import io
import numbers
from collections.abc import Callable, Mapping

import ipywidgets as widgets
import matplotlib.pyplot as plt

from .._checks import ArgumentTypeError  # the package's one wrong-type error: a TypeError and a ValueError

__all__ = ["Explorer", "default_values", "explorer", "figure_to_img", "figure_to_png", "frame_explorer",
           "show_default"]

MIN_DPI = 100          # the book's figure.dpi (lstm_utils.figures.plotting.STYLE): frames are never blurrier
MAX_DPI = 400
PALETTE_COLORS = 256   # colours of a quantised frame
FRAME_SCALE = 1        # a frame's pixels per pixel shown (see figure_to_img)


def _check_sliders(sliders) -> list[tuple[str, list]]:
    """``sliders`` as a list of (name, values): 1 or 2 entries, identifier names, non-empty value lists."""
    if not isinstance(sliders, Mapping):
        raise ArgumentTypeError(f"sliders: expected a dict {{name: list_of_values}} with 1 or 2 entries, "
                                f"got {type(sliders).__name__}")
    if not 1 <= len(sliders) <= 2:
        raise ValueError(f"sliders: expected 1 or 2 sliders, got {len(sliders)}"
                         + (f" ({', '.join(map(str, sliders))})" if sliders else ""))
    out = []
    for name, values in sliders.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"sliders: each name is passed to render(**values), so it must be a Python "
                             f"identifier; got {name!r}")
        if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__len__"):
            raise ArgumentTypeError(f"sliders[{name!r}]: expected a list of values, got {type(values).__name__}")
        values = list(values)
        if len(values) == 0:
            raise ValueError(f"sliders[{name!r}]: expected at least one value, got an empty list")
        if any(isinstance(v, numbers.Real) and v != v for v in values):   # NaN never equals itself (or a default)
            raise ValueError(f"sliders[{name!r}]: expected values that can be told apart, got NaN among {values}")
        out.append((name, values))
    return out


def _check_default(spec, default) -> None:
    if default is None:
        return
    if not isinstance(default, Mapping):
        raise ArgumentTypeError(f"default: expected None or a dict {{name: value}} over the sliders "
                                f"{[n for n, _ in spec]}, got {type(default).__name__} {default!r}")
    unknown = [k for k in default if k not in dict(spec)]
    if unknown:
        raise ValueError(f"default: expected keys among the sliders {[n for n, _ in spec]}, got {unknown}")


def default_values(sliders, default=None) -> dict:
    """The default setting ``{name: value}``: ``default[name]`` where given (it must be one of the values), else the
    first value of each slider."""
    spec = _check_sliders(sliders)
    _check_default(spec, default)
    return {name: values[_default_index(name, values, default)] for name, values in spec}


def _default_index(name, values, default) -> int:
    if default is None or name not in default:
        return 0
    for i, v in enumerate(values):
        if v == default[name]:
            return i
    raise ValueError(f"default[{name!r}]: expected one of {values}, got {default[name]!r}")


def _check_render(render) -> None:
    if not callable(render):
        raise ArgumentTypeError(f"render: expected a callable(**values) -> matplotlib Figure, "
                                f"got {type(render).__name__}")


def _check_takes_sliders(spec, **functions) -> None:
    """Each callable in ``functions`` must accept the sliders' names as keywords (it is called as ``f(**values)``)."""
    names = [n for n, _ in spec]
    for name, fn in functions.items():
        if not callable(fn):
            continue
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):        # a builtin without a signature: its call will tell
            continue
        try:
            sig.bind(**dict.fromkeys(names))
        except TypeError as exc:
            raise ArgumentTypeError(f"{name}: expected a callable taking the sliders' names as keywords, "
                                    f"{name}({', '.join(n + '=...' for n in names)}); got one that cannot ({exc})"
                                    ) from None


def _check_alt(alt) -> None:
    if not (callable(alt) or isinstance(alt, str)):
        raise ArgumentTypeError(f"alt: expected a callable(**values) -> str or a str, got {type(alt).__name__}")
    if isinstance(alt, str) and not alt.strip():
        raise ValueError("alt: expected a description of the frames, got an empty string")


def _check_dpi(dpi) -> None:
    if dpi is None:
        return
    if isinstance(dpi, bool) or not isinstance(dpi, numbers.Real):
        raise ArgumentTypeError(f"dpi: expected None or a number of dots per inch in [{MIN_DPI}, {MAX_DPI}], "
                                f"got {type(dpi).__name__} {dpi!r}")
    if not 0 < dpi <= MAX_DPI:
        raise ValueError(f"dpi: expected None or a number in (0, {MAX_DPI}], {MIN_DPI} or more for frames as "
                         f"sharp as the book's figures; got {dpi!r}")


def _check_descriptions(spec, descriptions) -> dict:
    if descriptions is None:
        return {}
    if not isinstance(descriptions, Mapping):
        raise ArgumentTypeError(f"descriptions: expected None or a dict {{name: str}}, "
                                f"got {type(descriptions).__name__}")
    names = [n for n, _ in spec]
    unknown = [k for k in descriptions if k not in names]
    if unknown:
        raise ValueError(f"descriptions: expected keys among the sliders {names}, got {unknown}")
    for k, v in descriptions.items():
        if not isinstance(v, str) or not v.strip():
            raise ArgumentTypeError(f"descriptions[{k!r}]: expected a non-empty str, got {v!r}")
    return dict(descriptions)


def _alt_text(alt, values) -> str:
    text = alt(**values) if callable(alt) else alt
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"alt: expected a non-empty str for {values}, got {text!r}")
    return text


def _label(value) -> str:
    """Readout text for a slider value: compact for numbers (0.9, 1e-05, 150), str() otherwise."""
    try:
        return f"{value:g}"
    except (TypeError, ValueError):
        return str(value)


def _resolve_dpi(fig, dpi) -> float:
    """The frame's dpi: ``dpi``, else the figure's own (what the inline backend uses); at least ``MIN_DPI``."""
    if dpi is None:
        return max(float(MIN_DPI), float(fig.dpi))
    # below MIN_DPI a frame would be blurrier than the static figure beside it: raised, as documented.
    # No warning: the book is built with -W and a warning in a cell's stderr fails the build.
    return max(float(MIN_DPI), float(dpi))


def figure_to_png(fig, *, dpi=None, quantize=True) -> bytes:
    """Rasterise ``fig`` to PNG bytes, as the inline backend draws a static figure (``bbox_inches="tight"``).

    ``dpi=None`` uses the figure's own dpi, at least 100. ``quantize`` reduces the PNG to a 256-colour palette
    (Pillow, no dithering): lines and antialiased text look the same, the file is about four times smaller.
    The figure is closed afterwards (a notebook would otherwise also display it and keep its memory).
    """
    if not hasattr(fig, "savefig"):
        raise ArgumentTypeError(f"fig: expected a matplotlib Figure, got {type(fig).__name__}")
    _check_dpi(dpi)
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=_resolve_dpi(fig, dpi), bbox_inches="tight")
    finally:
        plt.close(fig)
    data = buf.getvalue()
    if not quantize:
        return data
    from PIL import Image  # a dependency of matplotlib

    with Image.open(io.BytesIO(data)) as im:
        rgb = im.convert("RGB")                 # the book's figures have a white background
        pal = rgb.quantize(colors=PALETTE_COLORS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        out = io.BytesIO()
        pal.save(out, format="PNG", optimize=True, dpi=im.info.get("dpi", (72, 72)))
    return out.getvalue()


def _img_tag(png: bytes, alt: str, css_class: str = "lu-frame", scale: float = 1.0) -> str:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        width, height = (round(n / scale) for n in im.size)
    data = base64.b64encode(png).decode("ascii")
    # width/height reserve the space before decoding; max-width lets a phone scale the picture down
    return (f'<img class="{css_class}" alt="{html.escape(str(alt), quote=True)}" '
            f'src="data:image/png;base64,{data}" width="{width}" height="{height}" '
            f'style="max-width: 100%; height: auto;">')


def figure_to_img(fig, alt: str, *, dpi=None, quantize=True, scale=None) -> str:
    """Rasterise ``fig`` (see :func:`figure_to_png`) and return
    ``<img class="lu-frame" alt="..." src="data:image/png;base64,..." width=... height=... style=...>``.

    The ``<img>`` is as wide as the figure at ``dpi`` (by default its own, at least 100: the book's figures are the
    column's width at 100 dpi), and its PNG has ``scale`` times the pixels (at most 400 dpi). By default
    ``FRAME_SCALE``, 1: a page holds dozens of frames, and at 2x chapter 02's would weigh 0.4 MB more and take
    the page past 3 MB cold; the static figures, one per plot, are 2x.
    """
    scale = FRAME_SCALE if scale is None else scale
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not 1 <= scale <= 4:
        raise ValueError(f"scale: expected a number in [1, 4], got {scale!r}")
    if not hasattr(fig, "savefig"):
        raise ArgumentTypeError(f"fig: expected a matplotlib Figure, got {type(fig).__name__}")
    png, ratio = _rasterise(fig, dpi, quantize, scale)
    return _img_tag(png, alt, scale=ratio)


def _rasterise(fig, dpi, quantize=True, scale=None) -> tuple[bytes, float]:
    """The PNG of ``fig`` at ``scale`` times the dpi it is shown at, and the ratio of the two."""
    _check_dpi(dpi)
    shown = _resolve_dpi(fig, dpi)
    raster = min(float(MAX_DPI), shown * (FRAME_SCALE if scale is None else scale))
    return figure_to_png(fig, dpi=raster, quantize=quantize), raster / shown


def _frame(render, alt, values: dict, classes: tuple[str, ...], dpi) -> widgets.HTML:
    fig = render(**values)
    if not hasattr(fig, "savefig"):
        raise ValueError(f"render: expected a matplotlib Figure, got {type(fig).__name__} for {values}")
    text = _alt_text(alt, values)
    return widgets.HTML(value=figure_to_img(fig, text, dpi=dpi), _dom_classes=classes)


def frame_explorer(render: Callable, sliders, *, alt, dpi=None, default=None, descriptions=None) -> widgets.Widget:
    """A kernel-free explorer: one or two sliders over frames precomputed with ``render``.

    Every argument is checked before the first frame is rendered.

    Parameters
    ----------
    render : callable(**values) -> matplotlib Figure
        Draws one frame; called once per slider position (or pair of positions). The figure is closed after it
        is rasterised.
    sliders : dict {name: list_of_values}
        One or two sliders, in order (the first is the outer one); each name is a keyword of ``render``.
    alt : callable(**values) -> str, or str
        Alt text of each frame, for a reader who cannot see it: say what the frame shows, with its numbers.
    dpi : float, optional
        Resolution of the frames, at most 400; by default the figure's own dpi, at least 100: a frame is the
        size and sharpness of the static figure of the same plot. A dpi below 100 is raised to 100 (a frame
        is never blurrier than the book's figures). Frames are palette-quantised PNGs.
    default : dict {name: value}, optional
        The setting shown first (default: the first value of each slider).
    descriptions : dict {name: str}, optional
        Text beside each slider (default: its name); also the accessible name of the slider's handle.

    Returns
    -------
    ipywidgets.VBox
        ``[slider_0, (slider_1,) stack]``, class ``lu-explorer``. Each slider is a ``SelectionSlider`` whose options
        are ``(label, index)``: the readout shows the value, and its ``index`` is jslinked to the stack's
        ``selected_index`` (the link runs in the browser, so no kernel is needed). The links are in its attribute
        ``links``: one for one slider; for two, one per inner stack (second slider), then the outer stack's (first).

    Raises
    ------
    ValueError
        For a bad ``sliders``, ``default``, ``dpi`` or ``descriptions`` (``TypeError`` too, for a wrong type), or a
        ``render`` that returns no Figure.
    """
    _check_render(render)
    spec = _check_sliders(sliders)
    _check_alt(alt)
    _check_takes_sliders(spec, render=render, alt=alt)
    _check_dpi(dpi)
    _check_default(spec, default)
    descriptions = _check_descriptions(spec, descriptions)
    indices = [_default_index(name, values, default) for name, values in spec]
    _alt_text(alt, {name: values[i] for (name, values), i in zip(spec, indices, strict=True)})  # bad alt first

    controls = []
    for k, ((name, values), index) in enumerate(zip(spec, indices, strict=True)):
        slider = widgets.SelectionSlider(
            options=[(_label(v), i) for i, v in enumerate(values)], index=index,
            description=descriptions.get(name, name), continuous_update=True,
            style={"description_width": "initial"}, layout=widgets.Layout(width="100%", max_width="560px"),
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
    _check_render(render)
    fig = render(**default_values(sliders, default))
    if not hasattr(fig, "savefig"):
        raise ValueError(f"render: expected a matplotlib Figure, got {type(fig).__name__}")
    return fig


class Explorer:
    """What :func:`explorer` displayed: the static figure's PNG and alt text, the caption, and the slider widget.

    It displays nothing itself (:func:`explorer` already has), so ``lu.explorer(...)`` may end a cell.
    """

    def __init__(self, png: bytes, alt: str, caption, widget):
        self.png, self.alt, self.caption, self.widget = png, alt, caption, widget

    def _ipython_display_(self):
        pass

    def __repr__(self):
        return f"Explorer(static figure {len(self.png)} B, {len(self.widget.children) - 1} slider(s))"


def explorer(render: Callable, sliders, *, default, alt, caption=None, descriptions=None, dpi=None) -> Explorer:
    """Show a plot with sliders, the same way in every chapter: the default setting as a static figure, its
    caption, then the kernel-free slider (:func:`frame_explorer`) over every setting.

    The static figure is the default frame itself (same size, dpi and palette), so a reader without JavaScript,
    or of a PDF, sees the same picture as the slider's first frame.

    Parameters
    ----------
    render, sliders, alt, descriptions, dpi
        As for :func:`frame_explorer`.
    default : dict {name: value}
        The setting of the static figure and the slider's first position (required: the text describes it).
    caption : str, optional
        Shown under the static figure, as Markdown (MyST math ``$...$`` renders).

    Returns
    -------
    Explorer
        ``.widget`` (the explorer VBox), ``.png`` and ``.alt`` (the static figure), ``.caption``. Displaying it
        shows nothing more: everything was displayed already.
    """
    _check_render(render)
    spec = _check_sliders(sliders)
    _check_alt(alt)
    _check_takes_sliders(spec, render=render, alt=alt)
    _check_dpi(dpi)
    if default is None:
        raise ValueError(f"default: expected a dict {{name: value}} over the sliders {[n for n, _ in spec]}, "
                         f"the setting the text and the static figure describe; got None")
    _check_default(spec, default)
    _check_descriptions(spec, descriptions)
    if caption is not None and not isinstance(caption, str):
        raise ArgumentTypeError(f"caption: expected None or a str, got {type(caption).__name__}")
    values = default_values(sliders, default)
    text = _alt_text(alt, values)
    widget = frame_explorer(render, sliders, alt=alt, dpi=dpi, default=default, descriptions=descriptions)
    fig = show_default(render, sliders, default)
    png, ratio = _rasterise(fig, dpi)

    from IPython.display import Markdown, display

    display({"text/html": _img_tag(png, text, css_class="lu-static-figure", scale=ratio),
             "image/png": base64.b64encode(png).decode("ascii"),
             "text/plain": f"<static figure: {text}>"}, raw=True)
    if caption:
        display(Markdown(caption))
    display(widget)
    return Explorer(png, text, caption, widget)
