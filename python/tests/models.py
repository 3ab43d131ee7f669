"""Small models with a recurrent module inside, each with a batch and its loss."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

T, B, I = 7, 3, 5


class Model(nn.Module):
    """`rnn` is the watched module; `loss(batch)` the whole model's loss."""

    def __init__(self, rnn, head=None, loss=None, embed=None):
        super().__init__()
        self.embed = embed
        self.rnn = rnn
        self.head = head
        self._loss = loss

    def loss(self, batch):
        return self._loss(self, batch)


def mse_all(m, b):
    out, _ = m.rnn(b["x"])
    return F.mse_loss(m.head(out), b["y"])


def lstm_layernorm_mlp():
    head = nn.Sequential(nn.LayerNorm(8), nn.Linear(8, 16), nn.GELU(), nn.Linear(16, 3))
    return Model(nn.LSTM(I, 8), head, mse_all), {"x": torch.randn(T, B, I), "y": torch.randn(T, B, 3)}


def bidirectional_gru():
    def loss(m, b):
        out, _ = m.rnn(b["x"])
        return F.cross_entropy(m.head(out[-1]), b["y"])
    return Model(nn.GRU(I, 6, num_layers=2, bidirectional=True), nn.Linear(12, 4), loss), \
        {"x": torch.randn(T, B, I), "y": torch.randint(0, 4, (B,))}


def lstm_proj():
    return Model(nn.LSTM(I, 8, num_layers=2, proj_size=3), nn.Linear(3, 2), mse_all), \
        {"x": torch.randn(T, B, I), "y": torch.randn(T, B, 2)}


def packed_bidirectional_lstm():
    lengths = torch.tensor([4, 7, 2, 5])

    def loss(m, b):
        packed = pack_padded_sequence(b["x"], b["lengths"], enforce_sorted=False)
        out, (hn, cn) = m.rnn(packed, (b["h0"], b["c0"]))
        padded, _ = pad_packed_sequence(out)
        return (m.head(padded) ** 2).sum() + (hn ** 3).sum() + cn.sum()
    rnn = nn.LSTM(I, 6, num_layers=2, bidirectional=True)
    return Model(rnn, nn.Linear(12, 2), loss), {
        "x": torch.randn(7, 4, I), "lengths": lengths, "h0": torch.randn(4, 4, 6), "c0": torch.randn(4, 4, 6)}


def packed_gru_sorted_hn_only():
    def loss(m, b):
        packed = pack_padded_sequence(b["x"], torch.tensor([6, 4, 4, 2]))
        _, hn = m.rnn(packed)
        return F.mse_loss(m.head(hn[-2:].transpose(0, 1).reshape(4, -1)), b["y"])
    return Model(nn.GRU(I, 5, bidirectional=True), nn.Linear(10, 2), loss), \
        {"x": torch.randn(6, 4, I), "y": torch.randn(4, 2)}


def rnn_three_layers_h0():
    def loss(m, b):
        out, _ = m.rnn(b["x"], b["h0"])
        return (m.head(out) ** 2).mean()
    return Model(nn.RNN(I, 7, num_layers=3), nn.Linear(7, 2), loss), \
        {"x": torch.randn(T, B, I), "h0": 0.5 * torch.randn(3, B, 7)}


def tied_embedding_lstm():
    vocab, width = 11, 6
    embed = nn.Embedding(vocab, width)
    decoder = nn.Linear(width, vocab)
    decoder.weight = embed.weight

    def loss(m, b):
        out, _ = m.rnn(m.embed(b["x"]))
        return F.cross_entropy(m.head(out).reshape(-1, vocab), b["y"].reshape(-1))
    return Model(nn.LSTM(width, width), decoder, loss, embed), \
        {"x": torch.randint(0, vocab, (T, B)), "y": torch.randint(0, vocab, (T, B))}


def relu_rnn():
    return Model(nn.RNN(I, 6, nonlinearity="relu"), nn.Linear(6, 2), mse_all), \
        {"x": torch.randn(T, B, I), "y": torch.randn(T, B, 2)}


def batch_first_gru():
    return Model(nn.GRU(I, 6, batch_first=True), nn.Linear(6, 2), mse_all), \
        {"x": torch.randn(B, T, I), "y": torch.randn(B, T, 2)}


def gru_four_layers():
    return Model(nn.GRU(I, 6, num_layers=4), nn.Linear(6, 2), mse_all), \
        {"x": torch.randn(T, B, I), "y": torch.randn(T, B, 2)}


def lstm_h0_c0():
    def loss(m, b):
        out, _ = m.rnn(b["x"], (b["h0"], b["c0"]))
        return F.mse_loss(m.head(out), b["y"])
    return Model(nn.LSTM(I, 6, num_layers=2), nn.Linear(6, 2), loss), {
        "x": torch.randn(T, B, I), "y": torch.randn(T, B, 2), "h0": torch.randn(2, B, 6), "c0": torch.randn(2, B, 6)}


def lstm_h0_c0_as_list():
    """nn.LSTM takes its state as a list [h0, c0] as well as a tuple."""
    def loss(m, b):
        out, _ = m.rnn(b["x"], [b["h0"], b["c0"]])
        return F.mse_loss(m.head(out), b["y"])
    return Model(nn.LSTM(I, 6, num_layers=2), nn.Linear(6, 2), loss), {
        "x": torch.randn(T, B, I), "y": torch.randn(T, B, 2), "h0": torch.randn(2, B, 6), "c0": torch.randn(2, B, 6)}


def lstm_no_bias():
    return Model(nn.LSTM(I, 6, num_layers=2, bias=False), nn.Linear(6, 2), mse_all), \
        {"x": torch.randn(T, B, I), "y": torch.randn(T, B, 2)}


def lstm_loss_on_h_n():
    def loss(m, b):
        _, (hn, cn) = m.rnn(b["x"])
        return F.mse_loss(m.head(hn[-1]), b["y"]) + 0.1 * (cn ** 2).sum()
    return Model(nn.LSTM(I, 6, num_layers=2), nn.Linear(6, 2), loss), \
        {"x": torch.randn(T, B, I), "y": torch.randn(B, 2)}


def attention_head_bilstm():
    def loss(m, b):
        out, (hn, _) = m.rnn(b["x"])
        query = torch.cat([hn[-2], hn[-1]], -1)                      # [B, 2H]
        weights = torch.softmax((out * query).sum(-1), 0)            # over steps
        pooled = (weights.unsqueeze(-1) * out).sum(0)
        return F.cross_entropy(m.head(pooled), b["y"])
    return Model(nn.LSTM(I, 6, bidirectional=True), nn.Linear(12, 3), loss), \
        {"x": torch.randn(T, B, I), "y": torch.randint(0, 3, (B,))}


def unbatched_rnn():
    def loss(m, b):
        out, hn = m.rnn(b["x"], b["h0"])
        return (m.head(out) ** 2).sum() + hn.sum()
    return Model(nn.RNN(I, 6, num_layers=2), nn.Linear(6, 2), loss), {"x": torch.randn(T, I), "h0": torch.randn(2, 6)}


CASES = {f.__name__: f for f in [
    lstm_layernorm_mlp, bidirectional_gru, lstm_proj, packed_bidirectional_lstm, packed_gru_sorted_hn_only,
    rnn_three_layers_h0, tied_embedding_lstm, relu_rnn, batch_first_gru, gru_four_layers, lstm_h0_c0,
    lstm_h0_c0_as_list, lstm_no_bias, lstm_loss_on_h_n, attention_head_bilstm, unbatched_rnn]}


def build(name, dtype, seed=0):
    torch.manual_seed(seed)
    model, batch = CASES[name]()
    model = model.to(dtype)
    batch = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in batch.items()}
    return model, batch
