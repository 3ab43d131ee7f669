"""What one forward call of the watched module needs kept for its exact norms:
its inputs (and h0/c0), its weights as they were, and the gradients of its
outputs (registered as tensor hooks, filled in by the user's backward)."""
from typing import Dict, Optional

import torch
from torch import Tensor
from torch.nn.utils.rnn import PackedSequence

from .layout import Layout
from .unroll import Inputs


def _engine():
    return torch.autograd.Variable._execution_engine


def ran_dtype(output_dtype: torch.dtype, weights: Dict[str, Tensor]) -> torch.dtype:
    """The precision the module's arithmetic ran in. Its output's dtype is not enough:
    under CPU autocast an nn.GRU, and any cell on a PackedSequence, returns float32
    while the matrix products inside it ran in bfloat16 (autocast casts the products
    the module makes, and casts only float32)."""
    weight = next(iter(weights.values()))
    if output_dtype != weight.dtype or weight.dtype != torch.float32:
        return output_dtype
    reduced = _autocast_dtype(weight.device.type)
    return reduced if reduced is not None else output_dtype


def _autocast_dtype(device_type: str) -> Optional[torch.dtype]:
    """autocast's reduced dtype for the device when it is on here, else None."""
    try:
        if torch.is_autocast_enabled(device_type):
            return torch.get_autocast_dtype(device_type)
        return None
    except (TypeError, AttributeError, RuntimeError):  # torch before 2.4: per-device functions
        pass
    if device_type == "cpu" and torch.is_autocast_cpu_enabled():
        return torch.get_autocast_cpu_dtype()
    if device_type == "cuda" and torch.is_autocast_enabled():
        return torch.get_autocast_gpu_dtype()
    return None


def call_mismatch(layout: Layout, args, kwargs, output) -> Optional[str]:
    """Why a call of the module is not one of nn.RNN/LSTM/GRU's own forward (a subclass may
    override it: other arguments, other outputs), or None when its inputs and outputs have
    the shapes that forward takes and gives. The rerun reads them as such."""
    x = args[0] if args else kwargs.get("input")
    hx = args[1] if len(args) > 1 else kwargs.get("hx")
    if len(args) > 2 or set(kwargs) - {"input", "hx"}:
        return "it was called with more arguments than (input, hx)"
    packed = isinstance(x, PackedSequence)
    data = x.data if packed else x
    if not isinstance(data, Tensor) or data.dim() not in ((2,) if packed else (2, 3)) \
            or data.shape[-1] != layout.input_size:
        return f"its input is not [T, B, {layout.input_size}], [T, {layout.input_size}] or a PackedSequence of them"
    rows, out_width = layout.layers * layout.directions, layout.directions * layout.out_size
    batch = len(x.sorted_indices) if packed and x.sorted_indices is not None else (
        int(x.batch_sizes[0]) if packed else None if data.dim() == 2 else data.shape[0 if layout.batch_first else 1])
    lead = (rows,) if batch is None else (rows, batch)
    state_shapes = [lead + (layout.out_size,)] + ([lead + (layout.hidden,)] if layout.cell == "lstm" else [])
    if not (isinstance(output, tuple) and len(output) == 2):
        return "it did not return (output, h_n)"
    out, hidden = output
    out_data = out.data if isinstance(out, PackedSequence) else out
    if not isinstance(out_data, Tensor) or out_data.shape[:-1] != data.shape[:-1] or out_data.shape[-1] != out_width:
        return "its output does not have its input's steps and batch"
    states = list(hidden) if isinstance(hidden, (tuple, list)) else [hidden]
    if len(states) != len(state_shapes) or any(not isinstance(s, Tensor) or tuple(s.shape) != w
                                                for s, w in zip(states, state_shapes)):
        return "its h_n" + (", c_n" if layout.cell == "lstm" else "") + " are not [layers·directions, B, H]"
    if hx is not None:
        given = list(hx) if isinstance(hx, (tuple, list)) else [hx]
        if len(given) != len(state_shapes) or any(not isinstance(s, Tensor) or tuple(s.shape) != w
                                                   for s, w in zip(given, state_shapes)):
            return "its second argument is not the h0" + (", c0" if layout.cell == "lstm" else "") + " the module takes"
    return None


class Capture:
    """One forward call. `on_backward(capture)` runs once at the end of each backward pass
    that reached the module's outputs (with the parameters' .grad final)."""

    def __init__(self, layout: Layout, args, kwargs, output, weights: Dict[str, Tensor], on_backward=None,
                 loss_scale=None, on_graded=None):
        x = args[0] if args else kwargs["input"]
        hx = args[1] if len(args) > 1 else kwargs.get("hx")
        out, hidden = output
        self.layout = layout
        self.packed = isinstance(x, PackedSequence)
        self.weights = weights
        self.ran_dtype = ran_dtype((out.data if self.packed else out).dtype, weights)
        self.grads: Dict[str, Tensor] = {}
        self.on_backward = on_backward
        self.on_graded = on_graded  # called once, when the first gradient reaches an output
        self.loss_scale = loss_scale
        self._pending = False
        self.hooked = False
        self.backward_seen = False
        self.stepped = False  # scope.step() has ended the iteration this call ran in
        self.differentiated_twice = False  # a gradient of its outputs came with a graph (create_graph=True)
        if self.packed:
            self.data = x.data.detach()
            self.batch_sizes = x.batch_sizes.tolist()
            self.sorted_indices = x.sorted_indices
            self.unbatched = False
        else:
            self.unbatched = x.dim() == 2
            self.data = x.detach()
            self.sorted_indices = None
        # nn.LSTM takes (h0, c0) as a list too.
        h0, c0 = (tuple(hx) if isinstance(hx, (tuple, list)) else (hx, None)) if hx is not None else (None, None)
        # Copied: a loop that carries its state writes h_n into the h0 it passed, often before
        # scope.step(). The inputs are kept as they are, and checked there for in-place changes.
        self.h0 = h0.detach().clone() if h0 is not None else None
        self.c0 = c0.detach().clone() if c0 is not None else None
        self.versions = [self.data._version]
        h_n, c_n = hidden if isinstance(hidden, tuple) else (hidden, None)
        self._hook("output", out.data if self.packed else out)
        self._hook("h_n", h_n)
        self._hook("c_n", c_n)

    def _hook(self, name: str, tensor: Optional[Tensor]):
        if tensor is not None and tensor.requires_grad:
            self.hooked = True
            tensor.register_hook(lambda g: self._receive(name, g))

    def _receive(self, name: str, grad: Optional[Tensor]):
        if not self.backward_seen and self.on_graded is not None:
            self.on_graded(self)
        self.backward_seen = True
        # None: an output the loss does not use (its gradient is zero).
        if grad is not None:
            # A gradient penalty or double backprop: the loss also reaches h_t through the
            # backward graph, which the outputs' gradients do not carry.
            self.differentiated_twice |= grad.requires_grad
            grad = grad.detach()
            if self.loss_scale is not None:
                grad = grad / self.loss_scale()  # a GradScaler's backward: of scale·L, not L
            # Several backward passes (retain_graph, accumulation) add up, as .grad does.
            self.grads[name] = grad if name not in self.grads else self.grads[name] + grad
        if self.on_backward is not None and not self._pending:
            self._pending = True
            _engine().queue_callback(self._end_of_backward)

    def _end_of_backward(self):
        # Queued again so that it runs after callbacks queued during the pass, such as
        # DistributedDataParallel's, which writes the averaged gradients into .grad.
        _engine().queue_callback(self._after_others)

    def _after_others(self):
        self._pending = False
        self.on_backward(self)

    @property
    def modified(self) -> bool:
        return [self.data._version] != self.versions

    def inputs(self) -> Inputs:
        """Time-major, packed form, rows in sorted order, as the unroll takes it."""
        L = self.layout
        data, batch_sizes = self.data, None
        grad_out = self.grads.get("output")
        if self.packed:
            batch_sizes = self.batch_sizes
        else:
            if self.unbatched:   # [T, I]: batch_first does not apply
                data = data.unsqueeze(1)
                grad_out = grad_out.unsqueeze(1) if grad_out is not None else None
            elif L.batch_first:
                data = data.transpose(0, 1)
                grad_out = grad_out.transpose(0, 1) if grad_out is not None else None
            T, B = data.shape[:2]
            batch_sizes = [B] * T
            data = data.reshape(T * B, -1)
            grad_out = grad_out.reshape(T * B, -1) if grad_out is not None else None
        return Inputs(data, batch_sizes, self._state(self.h0), self._state(self.c0), self.weights,
                      grad_out, self._state(self.grads.get("h_n")), self._state(self.grads.get("c_n")))

    def _state(self, t: Optional[Tensor]) -> Optional[Tensor]:
        """[L·D, B, ·] in the packed sequence's sorted order (as the module permutes h0)."""
        if t is None:
            return None
        if self.unbatched:
            t = t.unsqueeze(1)
        if self.sorted_indices is not None:
            t = t.index_select(1, self.sorted_indices)
        return t
