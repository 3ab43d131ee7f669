"""What a recurrent module is: cell, sizes and the names of its weights."""
from dataclasses import dataclass
from typing import List, Optional

from torch import nn

CELLS = {"RNN_TANH": ("rnn", "tanh"), "RNN_RELU": ("rnn", "relu"), "LSTM": ("lstm", None), "GRU": ("gru", None)}


@dataclass(frozen=True)
class Layout:
    cell: str                  # "rnn", "lstm" or "gru"
    activation: Optional[str]  # the Elman cell's "tanh" or "relu"; None for gated cells
    layers: int
    directions: int
    hidden: int
    proj_size: int
    input_size: int
    bias: bool
    batch_first: bool
    dropout: float

    @property
    def rows(self) -> List[str]:
        """Row names in PyTorch's _l0, _l0_reverse, _l1, ... order, counted from 1."""
        names = []
        for k in range(1, self.layers + 1):
            names.append(f"layer {k}")
            if self.directions == 2:
                names.append(f"layer {k} reverse")
        return names

    @property
    def out_size(self) -> int:
        """Units of h_t: P for an LSTM with proj_size, else H."""
        return self.proj_size or self.hidden

    def suffix(self, layer: int, direction: int) -> str:
        return f"_l{layer}" + ("_reverse" if direction else "")


def describe(module: nn.Module) -> Layout:
    if not isinstance(module, nn.RNNBase) or module.mode not in CELLS:
        raise TypeError(f"rnnscope watches an nn.RNN, nn.LSTM or nn.GRU, not {type(module).__name__}")
    cell, activation = CELLS[module.mode]
    return Layout(cell=cell, activation=activation, layers=module.num_layers,
                  directions=2 if module.bidirectional else 1, hidden=module.hidden_size,
                  proj_size=getattr(module, "proj_size", 0), input_size=module.input_size,
                  bias=module.bias, batch_first=module.batch_first, dropout=float(module.dropout))


def base_class(module: nn.RNNBase) -> type:
    """nn.RNN, nn.LSTM or nn.GRU: the class whose forward the rerun computes."""
    return {"LSTM": nn.LSTM, "GRU": nn.GRU}.get(module.mode, nn.RNN)


def forward_overridden(module: nn.RNNBase) -> bool:
    """A subclass with a forward of its own, which may compute something else."""
    return type(module).forward is not base_class(module).forward


def find_recurrent(model: nn.Module) -> nn.Module:
    """The module itself if recurrent, else the one nn.RNN/LSTM/GRU inside it."""
    if isinstance(model, nn.RNNBase):
        return model
    found = [(name, m) for name, m in model.named_modules() if isinstance(m, nn.RNNBase)]
    if len(found) == 1:
        return found[0][1]
    if not found:
        raise TypeError(f"{type(model).__name__} holds no nn.RNN, nn.LSTM or nn.GRU to watch")
    names = ", ".join(name for name, _ in found)
    raise TypeError(f"{type(model).__name__} holds several recurrent modules ({names}): pass the one to watch")
