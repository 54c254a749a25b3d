"""lstm_utils: the small numpy package behind the course "LSTMs versus vanilla RNNs".

Each module is one idea of the course, derived in a chapter and saved here to be reused by the later ones:

* :mod:`~lstm_utils.activations`: ``sigmoid``, ``tanh``
* :mod:`~lstm_utils.rnn`: the vanilla RNN (chapter 01)
* :mod:`~lstm_utils.gates`: the LSTM's gates, one function per equation (chapters 03-06)
* :mod:`~lstm_utils.lstm`: the whole LSTM cell and its backward pass (chapter 07)
* :mod:`~lstm_utils.gradcheck`: finite differences and the normwise relative error
* :mod:`~lstm_utils.plotting`: the book's figure style and colour-blind-safe palette

Conventions: sequences are time-major ``(T, B, D)``; states are ``(B, H)``; every weight acts on
``[h_{t-1}, x_t]`` and has shape ``(H, H + D)``; float64 unless the input is float32.
"""

from .activations import sigmoid, tanh
from .gates import candidate, cell_state, forget_gate, hidden_state, input_gate, output_gate
from .gradcheck import numerical_gradient, relative_error
from .lstm import init_lstm, lstm_backward, lstm_forward, lstm_step, lstm_step_backward
from .rnn import init_rnn, rnn_backward, rnn_forward, rnn_step, rnn_step_backward
from .plotting import COLORS, PALETTE, use_style

__version__ = "0.1.0"
