#!/usr/bin/python3
"""Writes the PyTorch golden fixtures for the recurrent layers:

  tests/fixtures/rnn.safetensors                 RNN / LSTM / GRU layers and cells (f64, plus f32 twins)
  tests/fixtures/rnn_lstm_state_dict.safetensors the state_dict of a default-initialised f32 nn.LSTM, as is

Run with Debian's Python, which has python3-torch:  /usr/bin/python3 scripts/gen_fixtures_rnn.py

A layer case `c` stores its input `c.x`, optional initial states `c.h0` / `c.c0` and `c.lengths`, every
parameter under its PyTorch name `c.param.<name>`, the results `c.out`, `c.h_n` (and `c.c_n`), fixed upstream
gradients `c.grad_out`, `c.grad_h_n` (`c.grad_c_n`) and the gradients of the input, the initial states and
every parameter: `c.grad_x`, `c.grad_h0`, `c.grad_c0`, `c.grad.<name>`. With lengths the layer runs on
pack_padded_sequence(x, lengths, enforce_sorted=False) and the output is pad_packed_sequence(...,
total_length=steps), so outputs past a sequence's end are zero. Cell cases (`rnn_cell`, `lstm_cell`,
`gru_cell`) store the same with `h_n` / `c_n` being the new state. The case `state_dict_lstm` stores an input
and the output of the LSTM whose state_dict is the second file. Every case seeds torch from its own name.
"""
import os
import subprocess
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures")

try:
    import torch
    import torch.nn as nn
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
except ImportError:
    print("gen_fixtures_rnn: PyTorch is missing; installing python3-torch", file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-torch", "python3-numpy"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)

TENSORS = {}


def seed(case):
    assert "." not in case and case not in {k.split(".")[0] for k in TENSORS}, case
    torch.manual_seed(zlib.crc32(f"rnn/{case}".encode()))


def layer_case(case, make, steps, batch, lengths=None, init_state=True, dtype=torch.float64):
    """Runs a multi-step layer (RNN / LSTM / GRU module) and stores results and all gradients."""
    seed(case)
    layer = make().to(dtype)
    with torch.no_grad():
        for p in layer.parameters():  # away from the default init, so the gates saturate sometimes
            p.copy_(torch.randn(p.shape, dtype=dtype) * 0.6)
    lstm = isinstance(layer, nn.LSTM)
    dirs = 2 if layer.bidirectional else 1
    h_size = layer.proj_size if lstm and layer.proj_size > 0 else layer.hidden_size
    shape = (batch, steps, layer.input_size) if layer.batch_first else (steps, batch, layer.input_size)
    x = torch.randn(shape, dtype=dtype, requires_grad=True)
    t = TENSORS
    t[f"{case}.x"] = x.detach().clone()
    states = None
    if init_state:
        h0 = torch.randn(layer.num_layers * dirs, batch, h_size, dtype=dtype, requires_grad=True)
        t[f"{case}.h0"] = h0.detach().clone()
        states = [h0]
        if lstm:
            c0 = torch.randn(layer.num_layers * dirs, batch, layer.hidden_size, dtype=dtype, requires_grad=True)
            t[f"{case}.c0"] = c0.detach().clone()
            states.append(c0)
    for name, p in layer.named_parameters():
        t[f"{case}.param.{name}"] = p.detach().clone()
    hx = None if states is None else (tuple(states) if lstm else states[0])
    if lengths is not None:
        lens = torch.tensor(lengths, dtype=torch.int64)
        t[f"{case}.lengths"] = lens
        packed = pack_padded_sequence(x, lens, batch_first=layer.batch_first, enforce_sorted=False)
        out_packed, state = layer(packed, hx)
        out, _ = pad_packed_sequence(out_packed, batch_first=layer.batch_first, total_length=steps)
    else:
        out, state = layer(x, hx)
    results = {"out": out}
    if lstm:
        results["h_n"], results["c_n"] = state
    else:
        results["h_n"] = state
    loss = 0
    for name, r in results.items():
        g = torch.randn(r.shape, dtype=dtype)
        t[f"{case}.{name}"] = r.detach().clone()
        t[f"{case}.grad_{name}"] = g
        loss = loss + (r * g).sum()
    loss.backward()
    t[f"{case}.grad_x"] = x.grad.clone()
    if states is not None:
        t[f"{case}.grad_h0"] = states[0].grad.clone()
        if lstm:
            t[f"{case}.grad_c0"] = states[1].grad.clone()
    for name, p in layer.named_parameters():
        t[f"{case}.grad.{name}"] = p.grad.clone()


def cell_case(case, make, batch, dtype=torch.float64):
    """One step of a cell module with a random state."""
    seed(case)
    cell = make().to(dtype)
    with torch.no_grad():
        for p in cell.parameters():
            p.copy_(torch.randn(p.shape, dtype=dtype) * 0.6)
    lstm = isinstance(cell, nn.LSTMCell)
    x = torch.randn(batch, cell.input_size, dtype=dtype, requires_grad=True)
    h0 = torch.randn(batch, cell.hidden_size, dtype=dtype, requires_grad=True)
    t = TENSORS
    t[f"{case}.x"] = x.detach().clone()
    t[f"{case}.h0"] = h0.detach().clone()
    for name, p in cell.named_parameters():
        t[f"{case}.param.{name}"] = p.detach().clone()
    if lstm:
        c0 = torch.randn(batch, cell.hidden_size, dtype=dtype, requires_grad=True)
        t[f"{case}.c0"] = c0.detach().clone()
        h, c = cell(x, (h0, c0))
        results = {"h_n": h, "c_n": c}
    else:
        results = {"h_n": cell(x, h0)}
    loss = 0
    for name, r in results.items():
        g = torch.randn(r.shape, dtype=dtype)
        t[f"{case}.{name}"] = r.detach().clone()
        t[f"{case}.grad_{name}"] = g
        loss = loss + (r * g).sum()
    loss.backward()
    t[f"{case}.grad_x"] = x.grad.clone()
    t[f"{case}.grad_h0"] = h0.grad.clone()
    if lstm:
        t[f"{case}.grad_c0"] = c0.grad.clone()
    for name, p in cell.named_parameters():
        t[f"{case}.grad.{name}"] = p.grad.clone()


def state_dict_case():
    """A default-initialised f32 LSTM whose state_dict is written as is, plus an input and its output."""
    seed("state_dict_lstm")
    lstm = nn.LSTM(5, 4, num_layers=2, bidirectional=True, batch_first=True)
    x = torch.randn(3, 6, 5)
    out, (h_n, c_n) = lstm(x)
    TENSORS["state_dict_lstm.x"] = x
    TENSORS["state_dict_lstm.out"] = out.detach().clone()
    TENSORS["state_dict_lstm.h_n"] = h_n.detach().clone()
    TENSORS["state_dict_lstm.c_n"] = c_n.detach().clone()
    path = os.path.join(OUT_DIR, "rnn_lstm_state_dict.safetensors")
    save_safetensors(path, {k: v.clone() for k, v in lstm.state_dict().items()},
                     {"generator": "scripts/gen_fixtures_rnn.py", "torch": torch.__version__})
    return path


def main():
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)
    lens = [5, 2, 4]  # unsorted, one full-length sequence
    for suffix, dtype in (("", torch.float64), ("_f32", torch.float32)):
        layer_case("lstm_bi2_len" + suffix, lambda: nn.LSTM(4, 3, num_layers=2, bidirectional=True), 5, 3, lens,
                   dtype=dtype)
        layer_case("gru_bi2_len" + suffix, lambda: nn.GRU(4, 3, num_layers=2, bidirectional=True), 5, 3, lens,
                   dtype=dtype)
    layer_case("rnn_tanh_bi2_len", lambda: nn.RNN(4, 3, num_layers=2, bidirectional=True), 5, 3, lens)
    layer_case("rnn_tanh_2", lambda: nn.RNN(3, 4, num_layers=2), 4, 2)
    layer_case("rnn_relu_batch_first", lambda: nn.RNN(3, 4, nonlinearity="relu", batch_first=True), 4, 3)
    layer_case("lstm_proj_bi2_len", lambda: nn.LSTM(4, 3, num_layers=2, bidirectional=True, proj_size=2), 5, 3, lens)
    layer_case("lstm_no_bias_zero_state", lambda: nn.LSTM(3, 4, bias=False), 4, 2, init_state=False)
    layer_case("gru_batch_first_len", lambda: nn.GRU(3, 4, batch_first=True), 6, 4, [3, 6, 1, 4])
    cell_case("rnn_cell", lambda: nn.RNNCell(3, 4), 2)
    cell_case("rnn_relu_cell", lambda: nn.RNNCell(3, 4, nonlinearity="relu"), 2)
    cell_case("lstm_cell", lambda: nn.LSTMCell(3, 4), 2)
    cell_case("gru_cell", lambda: nn.GRUCell(3, 4), 2)
    sd_path = state_dict_case()
    path = os.path.join(OUT_DIR, "rnn.safetensors")
    save_safetensors(path, TENSORS, {"generator": "scripts/gen_fixtures_rnn.py", "torch": torch.__version__})
    for p in (path, sd_path):
        print(f"{os.path.relpath(p, ROOT)}: {os.path.getsize(p)} bytes")


if __name__ == "__main__":
    main()
