#!/usr/bin/env python3
"""Reference gradients for the residual cell, h_t = h_{t-1} + act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).

  pip install torch safetensors
  python3 make_residual_fixtures.py     # rewrites the residual-* folders beside this script

No torch.nn module computes this cell, so each case is a hand-written loop of
torch operations on nn.RNN's parameter names and shapes (float64, weights
rounded to F32 so that the Swift side reads exactly the same numbers), a
linear readout, the loss, and autograd: the loss and every parameter gradient
from torch.autograd.grad, ‖∂L/∂h_t‖ for every layer and step from retain_grad
on each h_t. Truncation detaches h every K steps, clipping is
torch.nn.utils.clip_grad_norm_'s rule. The script checks the residual loop
against the real nn.RNN where it must agree (without the h_{t-1} term, the
same loop is nn.RNN's step) before writing.
"""
import os
import torch
from fixture_case import close, loss_of, write_case

torch.manual_seed(0)
HERE = os.path.dirname(os.path.abspath(__file__))

CASES = [
    # name, activation, layers, bias, loss, truncate, clip, initial state
    ("residual-tanh-mse-last", "tanh", 1, True, "mse-last", 0, 0.0, False),
    ("residual-tanh-xent-all-2layers-truncate4-clip", "tanh", 2, True, "xent-all", 4, 0.05, False),
    ("residual-relu-nobias-mse-all-h0", "relu", 1, False, "mse-all", 0, 0.0, True),
]
I, H, O, T, B = 3, 5, 4, 11, 3


def unroll(act, layers, bias, state, readout, x, tgt, loss, truncate, residual=True):
    """The cell's equations stepped by hand: loss, parameter gradients, ‖∂L/∂h_t‖."""
    f = {"tanh": torch.tanh, "relu": torch.relu}[act]
    P = {k: v.clone().requires_grad_(True) for k, v in state.items() if k != "h0"}
    h = [state["h0"][k] if "h0" in state else torch.zeros(B, H, dtype=torch.float64) for k in range(layers)]
    hs = [[] for _ in range(layers)]
    for t in range(T):
        if truncate and t > 0 and t % truncate == 0:
            h = [v.detach() for v in h]
        inp = x[t]
        for k in range(layers):
            a = inp @ P[f"weight_ih_l{k}"].T + h[k] @ P[f"weight_hh_l{k}"].T
            if bias:
                a = a + P[f"bias_ih_l{k}"] + P[f"bias_hh_l{k}"]
            ht = (h[k] if residual else 0) + f(a)
            ht.retain_grad()
            hs[k].append(ht)
            h[k] = ht
            inp = ht
    y = readout(torch.stack(hs[-1]))
    L = loss_of(y, tgt, loss)
    readout.zero_grad()
    L.backward()
    grads = {n: v.grad for n, v in P.items()} | {"readout.weight": readout.weight.grad, "readout.bias": readout.bias.grad}
    return L, grads, [[float(v.grad.norm()) for v in hs[k]] for k in range(layers)]


def check_loop_against_nn_rnn(act, layers, bias, state, readout, x, tgt, loss):
    """Without its h_{t-1} term the loop must be nn.RNN: the same loss and gradients."""
    net = torch.nn.RNN(I, H, num_layers=layers, nonlinearity=act, bias=bias).double()
    with torch.no_grad():
        for k, v in net.named_parameters():
            v.copy_(state[k])
    h0 = state["h0"] if "h0" in state else torch.zeros(layers, B, H, dtype=torch.float64)
    out, _ = net(x, h0)
    L = loss_of(readout(out), tgt, loss)
    params = dict(net.named_parameters())
    grads = dict(zip(params.keys(), torch.autograd.grad(L, list(params.values()))))
    L2, grads2, _ = unroll(act, layers, bias, state, readout, x, tgt, loss, 0, residual=False)
    close(L, L2, "plain loop vs nn.RNN: loss")
    for k in grads:
        close(grads[k], grads2[k], f"plain loop vs nn.RNN: {k}")


for name, act, layers, bias, loss, trunc, clip, initial in CASES:
    # nn.RNN's own initialisation (U(±1/√H)) and parameter names, rounded to F32.
    proto = torch.nn.RNN(I, H, num_layers=layers, nonlinearity=act, bias=bias)
    state = {k: v.detach().float().double() for k, v in proto.state_dict().items()}
    readout = torch.nn.Linear(H, O).double()
    with torch.no_grad():
        readout.weight.copy_(readout.weight.float().double() * 2)
        readout.bias.copy_(readout.bias.float().double())
    if initial:
        state["h0"] = (torch.randn(layers, B, H) * 0.5).float().double()
    x = torch.randn(T, B, I).float().double()
    tgt = torch.randint(0, O, (T, B)) if loss.startswith("xent") else torch.randn(T, B, O).float().double()

    check_loop_against_nn_rnn(act, layers, bias, state, readout, x, tgt, loss)
    L, grads, hnorms = unroll(act, layers, bias, state, readout, x, tgt, loss, trunc)

    norm, scale = write_case(os.path.join(HERE, name), state, readout, x, tgt, loss, L, grads, hnorms,
                             metadata={"cell": "residual", "nonlinearity": act}, clip=clip,
                             args={"cell": "residual", "activation": act, "layers": layers, "bias": bias, "loss": loss,
                                   "truncate": trunc, "clip": clip, "initial_state": initial})
    print(f"{name}: loss {float(L.detach()):.6f}, ‖g‖ {norm:.4g}, clip scale {scale:.4g}, "
          f"‖∂L/∂h_1‖ {hnorms[0][0]:.4g}, ‖∂L/∂h_T‖ {hnorms[-1][-1]:.4g}")
