"""rnnscope for PyTorch: exact per-timestep ‖∂L/∂h_t‖ of your own nn.RNN / nn.LSTM / nn.GRU,
written as the JSON-lines stream `rnnscope watch FILE` shows."""
from .record import VERSION as __version__
from .scope import Scope, watch

__all__ = ["watch", "Scope", "__version__"]
