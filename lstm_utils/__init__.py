"""lstm_utils: the small numpy package behind the course "LSTMs versus vanilla RNNs".

Each module is one idea of the course, derived in a chapter and saved here to be reused by the later ones:

* :mod:`~lstm_utils.activations`: ``sigmoid``, ``tanh``
* :mod:`~lstm_utils.rnn`: the vanilla RNN (chapter 01)
* :mod:`~lstm_utils.gates`: the LSTM's gates, one function per equation (chapters 03-06)
* :mod:`~lstm_utils.lstm`: the whole LSTM cell and its backward pass (chapter 07)
* :mod:`~lstm_utils.torch_layout`: our LSTM weights in PyTorch's ``nn.LSTM`` layout and back (chapter 07)
* :mod:`~lstm_utils.gru`: the gated recurrent unit and its backward pass (chapter 10)
* :mod:`~lstm_utils.gradients`: Jacobian products, the Pascanu bound, gradient clipping (chapter 02)
* :mod:`~lstm_utils.widgets`: kernel-free slider explorers over precomputed frames (chapter 02)
* :mod:`~lstm_utils.memory`: the cell state's direct path and the full Jacobian dC_T/dC_t (chapters 03-05)
* :mod:`~lstm_utils.models`: cell registry, many-to-one readout, losses (chapter 08)
* :mod:`~lstm_utils.train`: Adam, the training loop (chapter 08)
* :mod:`~lstm_utils.experiments`: long-lag tasks, the models' starts, one seeded run, statistics over seeds (chapter 08)
* :mod:`~lstm_utils.reading`: a trained LSTM read word by word: writes, forget gates, what the cell holds (chapter 09)
* :mod:`~lstm_utils.data`: adding problem, temporal order, keyword task, synthetic reviews, tokenizer (chapters 08-10)
* :mod:`~lstm_utils.gradcheck`: finite differences and the normwise relative error
* :mod:`~lstm_utils.plotting`: the book's figure style and colour-blind-safe palette

Conventions: sequences are time-major ``(T, B, D)``; states are ``(B, H)``; every weight acts on
``[h_{t-1}, x_t]`` and has shape ``(H, H + D)``; float64 unless the input is float32.
"""

from .activations import sigmoid, tanh
from .gates import candidate, cell_state, forget_gate, hidden_state, input_gate, output_gate
from .gradcheck import numerical_gradient, relative_error
from .lstm import init_lstm, lstm_backward, lstm_forward, lstm_step, lstm_step_backward
from .torch_layout import from_torch_layout, to_torch_layout
from .gru import gru_backward, gru_forward, gru_step, gru_step_backward, init_gru
from .rnn import init_rnn, rnn_backward, rnn_forward, rnn_step, rnn_step_backward
from .plotting import COLORS, PALETTE, use_style
from .gradients import (bptt_grad_norms, clip_grad_norm, critical_singular_value, global_norm, hidden_state_grads,
                        init_rnn_spectral, jacobian_norms, jacobian_product, largest_singular_value, pascanu_bound,
                        spectral_radius, step_jacobians)
from .widgets import default_values, frame_explorer, show_default
from .memory import cell_gradients, cell_jacobians, forget_products, gate_values, steps_remembered
from . import data, experiments, models, reading, train  # chapters 08-10: lu.data, lu.experiments, lu.models, lu.reading, lu.train

__version__ = "0.1.0"
