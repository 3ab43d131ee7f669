"""An independent reference for ‖∂L/∂h_t‖: the recurrent module's forward replaced,
in a copy of the user's model, by the same function computed one step at a time
with torch's own cell modules (nn.RNNCell, nn.LSTMCell, nn.GRUCell; torch.lstm_cell
plus W_hr for proj_size), every h_t and c_t kept with retain_grad(). A packed batch is
run one sequence at a time. The loss is the model's own, through its whole head."""
import copy
import math

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence


class ReferenceRecurrence:
    def __init__(self, module: nn.RNNBase):
        self.m = module
        self.dirs = 2 if module.bidirectional else 1
        self.kept = {}  # (row, t) -> [tensors whose .grad add up to ∂L/∂h_t]
        self.kept_c = {}

    def _weight(self, name, k, d):
        return getattr(self.m, f"{name}_l{k}{'_reverse' if d else ''}", None)

    def _cell(self, k, d):
        m = self.m
        in_size = m.input_size if k == 0 else (m.proj_size or m.hidden_size) * self.dirs
        if m.mode == "LSTM" and m.proj_size > 0:
            w = [self._weight(n, k, d) for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")]

            H = m.hidden_size

            def proj_cell(x, state):  # no torch cell takes proj_size: the equations of nn.LSTM's docs
                h, c = state
                a = x @ w[0].t() + w[2] + h @ w[1].t() + w[3]
                i, f = torch.sigmoid(a[:, :H]), torch.sigmoid(a[:, H:2 * H])
                g, o = torch.tanh(a[:, 2 * H:3 * H]), torch.sigmoid(a[:, 3 * H:])
                c = f * c + i * g
                return (o * torch.tanh(c)) @ w[4].t(), c
            return proj_cell
        if m.mode == "LSTM":
            cell = nn.LSTMCell(in_size, m.hidden_size, bias=m.bias)
        elif m.mode == "GRU":
            cell = nn.GRUCell(in_size, m.hidden_size, bias=m.bias)
        else:
            cell = nn.RNNCell(in_size, m.hidden_size, bias=m.bias, nonlinearity=m.nonlinearity)
        cell = cell.to(self._weight("weight_ih", k, d).dtype)
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                if getattr(cell, name, None) is not None:
                    getattr(cell, name).copy_(self._weight(name, k, d))
        return cell

    def _keep(self, store, row, t, tensor):
        tensor.retain_grad()
        store.setdefault((row, t), []).append(tensor)

    def dense(self, x, h0, c0):
        """x [T, B, I] time-major; h0/c0 [L·D, B, ·] or None. Returns output, h_n, c_n."""
        m, T, B = self.m, x.shape[0], x.shape[1]
        lstm = m.mode == "LSTM"
        layer_in, hn, cn = x, [], []
        for k in range(m.num_layers):
            outs = []
            for d in range(self.dirs):
                row = k * self.dirs + d
                cell = self._cell(k, d)
                h = h0[row] if h0 is not None else x.new_zeros(B, m.proj_size or m.hidden_size)
                c = (c0[row] if c0 is not None else x.new_zeros(B, m.hidden_size)) if lstm else None
                out = [None] * T
                for t in (reversed(range(T)) if d else range(T)):
                    if lstm:
                        h, c = cell(layer_in[t], (h, c))
                        self._keep(self.kept_c, row, t, c)
                    else:
                        h = cell(layer_in[t], h)
                    self._keep(self.kept, row, t, h)
                    out[t] = h
                outs.append(torch.stack(out))
                hn.append(h)
                cn.append(c)
            layer_in = torch.cat(outs, -1)
        return layer_in, torch.stack(hn), (torch.stack(cn) if lstm else None)

    def __call__(self, input, hx=None):
        m = self.m
        h0, c0 = (tuple(hx) if isinstance(hx, (tuple, list)) else (hx, None)) if hx is not None else (None, None)
        if isinstance(input, PackedSequence):
            out, hn, cn = self.packed(input, h0, c0)
        else:
            unbatched = input.dim() == 2
            x = input.unsqueeze(1) if unbatched else (input.transpose(0, 1) if m.batch_first else input)
            if unbatched:
                h0 = h0.unsqueeze(1) if h0 is not None else None
                c0 = c0.unsqueeze(1) if c0 is not None else None
            out, hn, cn = self.dense(x, h0, c0)
            if unbatched:
                out, hn, cn = out.squeeze(1), hn.squeeze(1), (cn.squeeze(1) if cn is not None else None)
            elif m.batch_first:
                out = out.transpose(0, 1)
        return (out, (hn, cn)) if m.mode == "LSTM" else (out, hn)

    def packed(self, input, h0, c0):
        """One sequence at a time, in the caller's order; the output packed as the input was."""
        padded, lengths = torch.nn.utils.rnn.pad_packed_sequence(input)
        per_seq = []
        for b in range(padded.shape[1]):
            n = int(lengths[b])
            per_seq.append(self.dense(padded[:n, b:b + 1], None if h0 is None else h0[:, b:b + 1],
                                      None if c0 is None else c0[:, b:b + 1]))
        order = input.sorted_indices.tolist() if input.sorted_indices is not None else list(range(len(per_seq)))
        rows = []
        for t, size in enumerate(input.batch_sizes.tolist()):
            rows += [per_seq[order[i]][0][t, 0] for i in range(size)]
        out = input._replace(data=torch.stack(rows))
        hn = torch.cat([s[1] for s in per_seq], 1)
        cn = torch.cat([s[2] for s in per_seq], 1) if self.m.mode == "LSTM" else None
        return out, hn, cn

    def norms(self, store):
        rows = self.m.num_layers * self.dirs
        T = 1 + max(t for (_, t) in store)
        table = []
        for r in range(rows):
            table.append([math.hypot(*[scaled_norm(x.grad) for x in store.get((r, t), []) if x.grad is not None])
                          for t in range(T)])
        return table


def scaled_norm(g) -> float:
    """‖g‖₂ as max|g| · ‖g / max|g|‖₂: a sum of squares underflows below 1e-154 and overflows above 1e154."""
    g = g.double()
    top = float(g.abs().max())
    return top * float((g / top).pow(2).sum().sqrt()) if 0 < top < math.inf else float(g.pow(2).sum().sqrt())


def reference_norms(model: nn.Module, rnn_name: str, loss_fn):
    """(hidden norms, cell norms or None): loss_fn(model_copy) is the loss of the batch
    with the copy's `rnn_name` module computed by the reference recurrence."""
    twin = copy.deepcopy(model)
    rnn = twin.get_submodule(rnn_name)
    ref = ReferenceRecurrence(rnn)
    rnn.forward = ref
    loss_fn(twin).backward()
    return ref.norms(ref.kept), (ref.norms(ref.kept_c) if ref.kept_c else None)
