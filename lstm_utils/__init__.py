"""lstm_utils: the small numpy package behind the course "LSTMs versus vanilla RNNs".

Each module is one idea of the course: a chapter derives it, checks its own version against the package's, and
the later chapters use the package's:

* :mod:`~lstm_utils.activations`: ``sigmoid``, ``tanh``
* :mod:`~lstm_utils.rnn`: the vanilla RNN (chapter 01)
* :mod:`~lstm_utils.gates`: the LSTM's gates, one function per equation (chapters 03-06)
* :mod:`~lstm_utils.lstm`: the whole LSTM cell and its backward pass (chapter 07)
* :mod:`~lstm_utils.torch_layout`: our LSTM and GRU weights in PyTorch's ``nn.LSTM``/``nn.GRU`` layouts and back, and
  the committed PyTorch reference values (chapters 07, 10)
* :mod:`~lstm_utils.gru`: the gated recurrent unit and its backward pass (chapter 10)
* :mod:`~lstm_utils.gradients`: Jacobian products, the Pascanu bound, gradient clipping (chapter 02)
* :mod:`~lstm_utils.paths`: the LSTM's input gradient split into the part along the cell and the part through h
  (chapters 05, 07, 10)
* :mod:`~lstm_utils.memory`: the cell state's direct path and the full Jacobian dC_T/dC_t (chapters 03-05)
* :mod:`~lstm_utils.models`: cell registry, many-to-one readout, losses (chapter 08)
* :mod:`~lstm_utils.train`: Adam, the training loop (chapter 08)
* :mod:`~lstm_utils.experiments`: long-lag tasks, the models' starts, one seeded run, statistics over seeds (chapter 08)
* :mod:`~lstm_utils.reading`: a trained LSTM read word by word: writes, forget gates, what the cell holds (chapter 09)
* :mod:`~lstm_utils.corpus`: chapter 11's real text (Python standard-library source), per-character labels from
  ``tokenize``
* :mod:`~lstm_utils.charlm`: character-level RNN, LSTM and GRU language models, truncated BPTT, sampling,
  connectivity (chapter 11)
* :mod:`~lstm_utils.data`: adding problem, temporal order, keyword task, synthetic reviews, tokenizer (chapters 08-10)
* :mod:`~lstm_utils.gradcheck`: finite differences and the normwise relative error
* :mod:`~lstm_utils.figures`: the figures, in their own subpackage: :mod:`~lstm_utils.figures.plotting` (the book's
  style, colour-blind-safe palette, shared figures), :mod:`~lstm_utils.figures.widgets` (kernel-free slider
  explorers over precomputed frames, chapter 02) and :mod:`~lstm_utils.figures.diagrams` (the RNN, LSTM and GRU
  cells drawn in the book's symbols, chapters 01, 03-07, 10)
* ``_checks`` (private): argument checks and the cells' initialisation; a reader can skip it

``import lstm_utils`` needs numpy alone. :mod:`~lstm_utils.figures` needs matplotlib and ipywidgets and is imported
the first time one of its names is used (``lu.use_style``, ``lu.COLORS``, ``lu.frame_explorer``, ``lu.widgets``,
...), through a module-level ``__getattr__`` (PEP 562); install them with ``pip install "lstm_utils[book]"``.
Start reading at :mod:`~lstm_utils.rnn`: the house style in 280 lines.

Access: the functions of chapters 01-07 (the cells, gates, gradients, memory, gradient checks) and the shared
figure helpers are at the top level, ``lu.lstm_forward``; the modules of chapters 08-10 are used through their
name, ``lu.data.adding_problem``, ``lu.train.train``, ``lu.experiments.run`` (``lu.parameter_count`` is also at the
top level, for chapters 07 and 10).

Conventions: sequences are time-major ``(T, B, D)``; states are ``(B, H)``; every weight acts on
``[h_{t-1}, x_t]`` and has shape ``(H, H + D)``; float64 unless the input is float32.
"""

from . import (  # chapters 08-11: lu.data, lu.experiments, lu.models, ...
    charlm,
    corpus,
    data,
    experiments,
    models,
    paths,
    reading,
    train,
)
from .activations import sigmoid, tanh
from .gates import candidate, cell_state, forget_gate, hidden_state, input_gate, output_gate
from .gradcheck import numerical_gradient, relative_error
from .gradients import (
    bptt_grad_norms,
    clip_grad_norm,
    critical_singular_value,
    geometric_mean,
    global_norm,
    hidden_state_grads,
    jacobian_norms,
    jacobian_product,
    largest_singular_value,
    pascanu_bound,
    spectral_radius,
    step_jacobians,
)
from .gru import gru_backward, gru_forward, gru_step, gru_step_backward, init_gru
from .lstm import init_lstm, lstm_backward, lstm_forward, lstm_step, lstm_step_backward
from .memory import cell_gradients, cell_jacobians, forget_products, gate_values, steps_remembered
from .models import parameter_count
from .rnn import init_rnn, init_rnn_spectral, rnn_backward, rnn_forward, rnn_step, rnn_step_backward
from .torch_layout import from_torch_gru, from_torch_layout, to_torch_gru, to_torch_layout, torch_reference

__version__ = "0.4.3"   # pyproject.toml's; scripts/release.py copies it to where readers pin it

# The figures (matplotlib, ipywidgets) are the subpackage lstm_utils.figures, imported the first time one of its
# names is used (PEP 562), so that the numerical core imports with numpy alone.
_FIGURES = ("COLORS", "PALETTE", "use_style", "log_axis", "plot_norm_decay", "plot_history", "default_values",
            "frame_explorer", "show_default", "explorer", "Explorer", "draw_rnn_cell", "draw_lstm_cell",
            "draw_gru_cell", "cell_diagram_alt", "draw_unrolled", "unrolled_alt", "cell_axes", "diagram_size",
            "COLUMN_WIDTH", "GATE_COLORS", "plot_longest_solved", "longest_solved", "model_label", "plotting",
            "widgets", "diagrams")


def __getattr__(name):
    if name != "figures" and name not in _FIGURES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    import sys

    try:
        figures = importlib.import_module(".figures", __name__)
    except ImportError as exc:
        raise ImportError(f"lstm_utils.{name} needs matplotlib and ipywidgets ({exc.name or exc} is not "
                          f'installed): pip install "lstm_utils[book]"') from exc
    for module in ("plotting", "widgets", "diagrams"):     # the old paths, lstm_utils.widgets, ... still import
        sys.modules.setdefault(f"{__name__}.{module}", getattr(figures, module))
    return figures if name == "figures" else getattr(figures, name)


def __dir__():
    return sorted(set(globals()) | set(_FIGURES) | {"figures"})


__all__ = [
    # activations, gates
    "sigmoid", "tanh", "forget_gate", "input_gate", "candidate", "cell_state", "output_gate", "hidden_state",
    # cells
    "init_rnn", "rnn_step", "rnn_step_backward", "rnn_forward", "rnn_backward",
    "init_lstm", "lstm_step", "lstm_step_backward", "lstm_forward", "lstm_backward",
    "init_gru", "gru_step", "gru_step_backward", "gru_forward", "gru_backward",
    "to_torch_layout", "from_torch_layout", "to_torch_gru", "from_torch_gru", "torch_reference",
    # gradient checks
    "numerical_gradient", "relative_error",
    # gradients (chapter 02)
    "step_jacobians", "jacobian_product", "jacobian_norms", "hidden_state_grads", "bptt_grad_norms",
    "largest_singular_value", "spectral_radius", "critical_singular_value", "pascanu_bound", "init_rnn_spectral",
    "global_norm", "clip_grad_norm", "geometric_mean",
    # memory (chapters 03-05)
    "gate_values", "forget_products", "cell_gradients", "cell_jacobians", "steps_remembered",
    # models
    "parameter_count",
    # modules of chapters 08-10
    "data", "experiments", "models", "paths", "reading", "train",
    # modules of chapter 11
    "charlm", "corpus",
    # lazy, from lstm_utils.figures: matplotlib / ipywidgets
    "figures", "plotting", "widgets", "COLORS", "PALETTE", "use_style", "log_axis", "plot_norm_decay", "plot_history",
    "default_values", "frame_explorer", "show_default", "explorer", "Explorer",
    "diagrams", "draw_rnn_cell", "draw_lstm_cell", "draw_gru_cell", "cell_diagram_alt", "draw_unrolled",
    "unrolled_alt", "cell_axes", "diagram_size", "COLUMN_WIDTH", "GATE_COLORS", "plot_longest_solved",
    "longest_solved", "model_label",
]
