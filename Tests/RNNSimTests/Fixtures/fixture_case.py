"""What make_gated_fixtures.py and make_residual_fixtures.py share: the losses as
the engine scores them, the float64 agreement check, and one case written as a
folder of model.safetensors, data.safetensors, expected.safetensors and
expected.json (FORMAT.md), its gradients clipped by torch.nn.utils.clip_grad_norm_'s rule."""
import json, os
import torch
from safetensors.torch import save_file


def loss_of(y, tgt, loss):
    """y [T, B, O] against tgt: MSE or cross-entropy, at the last step or every step."""
    T, B, O = y.shape
    if loss == "mse-last":
        return ((y[-1] - tgt[-1]) ** 2).mean()
    if loss == "mse-all":
        return ((y - tgt) ** 2).mean()
    if loss == "xent-last":
        return torch.nn.functional.cross_entropy(y[-1], tgt[-1])
    return torch.nn.functional.cross_entropy(y.reshape(T * B, O), tgt.reshape(T * B))


def close(a, b, what):
    a, b = (torch.as_tensor(v, dtype=torch.float64).detach() for v in (a, b))
    err = float((a - b).abs().max().detach())
    assert err <= 1e-10 * max(1.0, float(b.abs().max())), f"{what}: {err}"


def write_case(folder, state, readout, x, tgt, loss, L, grads, hnorms, metadata, args, cnorms=None, clip=0.0):
    """Writes one case; returns (‖g‖, clip scale). `state` holds the recurrent
    module's parameters and h0 (and c0); h0/c0 go to the data file."""
    # torch.nn.utils.clip_grad_norm_: scale by clip / (norm + 1e-6) when norm > clip
    norm = float(torch.sqrt(sum((g ** 2).sum() for g in grads.values())))
    scale = min(1.0, clip / (norm + 1e-6)) if clip > 0 else 1.0
    os.makedirs(folder, exist_ok=True)
    model = {k: v.float().contiguous() for k, v in state.items() if k not in ("h0", "c0")}
    model["readout.weight"] = readout.weight.detach().float().contiguous()
    model["readout.bias"] = readout.bias.detach().float().contiguous()
    save_file(model, os.path.join(folder, "model.safetensors"), metadata=metadata)
    data = {"inputs": x.float().contiguous(),
            "targets": tgt.contiguous() if loss.startswith("xent") else tgt.float().contiguous()}
    for k in ("h0", "c0"):
        if k in state:
            data[k] = state[k].float().contiguous()
    save_file(data, os.path.join(folder, "data.safetensors"))
    expected = {k: (g * scale).contiguous() for k, g in grads.items()}
    for k in range(len(hnorms)):
        expected[f"hidden_grad_norms_l{k}"] = torch.tensor(hnorms[k], dtype=torch.float64)
        if cnorms:
            expected[f"cell_grad_norms_l{k}"] = torch.tensor(cnorms[k], dtype=torch.float64)
    save_file(expected, os.path.join(folder, "expected.safetensors"))
    summary = {"loss": float(L.detach()), "grad_norm": norm, "clip_scale": scale, "args": args}
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(summary, f, indent=1)
    return norm, scale
