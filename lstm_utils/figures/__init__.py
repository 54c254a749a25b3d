"""The course's figures: the style and palette (:mod:`.plotting`), the kernel-free slider explorers
(:mod:`.widgets`) and the cell diagrams (:mod:`.diagrams`).

This subpackage needs matplotlib and ipywidgets (``pip install "lstm_utils[book]"``); the rest of
:mod:`lstm_utils` needs numpy alone. The chapters reach these names through the top level (``lu.use_style``,
``lu.COLORS``, ``lu.frame_explorer``, ``lu.widgets``, ``lu.draw_lstm_cell``), which imports this subpackage the
first time one of them is used.
"""

from . import diagrams, plotting, widgets
from .diagrams import (
                       cell_axes,
                       cell_diagram_alt,
                       diagram_size,
                       draw_gru_cell,
                       draw_lstm_cell,
                       draw_rnn_cell,
                       draw_unrolled,
                       unrolled_alt,
)
from .plotting import (
                       COLORS,
                       COLUMN_WIDTH,
                       GATE_COLORS,
                       PALETTE,
                       log_axis,
                       longest_solved,
                       model_label,
                       plot_history,
                       plot_longest_solved,
                       plot_norm_decay,
                       use_style,
)
from .widgets import Explorer, default_values, explorer, frame_explorer, show_default

__all__ = ["COLORS", "COLUMN_WIDTH", "GATE_COLORS", "PALETTE", "Explorer", "cell_axes", "cell_diagram_alt",
           "default_values", "diagram_size", "diagrams", "draw_gru_cell", "draw_lstm_cell", "draw_rnn_cell",
           "draw_unrolled", "explorer", "frame_explorer", "log_axis", "longest_solved", "model_label",
           "plot_history", "plot_longest_solved", "plot_norm_decay", "plotting", "show_default", "unrolled_alt",
           "use_style", "widgets"]
