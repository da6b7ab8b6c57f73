#!/usr/bin/python3
"""Writes the whole-model golden fixture of the GPT (models::GPT), computed by PyTorch.

Run with Debian's Python, which has python3-torch:  /usr/bin/python3 scripts/gen_fixtures_gpt.py
The output is deterministic (fixed seed), so regenerating changes nothing unless PyTorch changes.

The model is written here in plain torch ops (embedding lookup, layer_norm, matmuls, a masked softmax,
GELU), independent of strata's layer structure, in float64. Its parameters carry strata's (and nanoGPT's)
names; the output head is tied to transformer.wte.weight.

tests/fixtures/gpt.safetensors
  config [5]                 vocab_size, block_size, n_layer, n_head, n_embd (i64)
  idx [B, T], targets [B, T] token ids and next-token targets (i64)
  param.<name>               every parameter (f64)
  logits [B, T, V]           the model's logits
  loss []                    mean cross-entropy of logits against targets
  grad.<name>                d loss / d parameter
  adamw_losses [10]          the loss before each of 10 AdamW steps on the same batch (lr 1e-2, betas
                             (0.9, 0.95), eps 1e-8, weight_decay 0.1 on every parameter)
The C++ golden test (tests/models/gpt_golden_test.cpp) builds the same model and compares all of them.
"""
import math
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures")

try:
    import torch
except ImportError:
    print("gen_fixtures_gpt: PyTorch is missing; installing python3-torch with scripts/install-deps",
          file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-torch", "python3-numpy"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)

VOCAB, BLOCK, N_LAYER, N_HEAD, N_EMBD = 11, 8, 2, 2, 8
BATCH, STEPS = 2, 7
ADAMW = dict(lr=1e-2, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
ADAMW_STEPS = 10


def parameters(gen):
    """Named parameters in strata's registration order; values away from zero so every path matters."""
    c = N_EMBD
    shapes = [("transformer.wte.weight", (VOCAB, c)), ("transformer.wpe.weight", (BLOCK, c))]
    for i in range(N_LAYER):
        pre = f"transformer.h.{i}."
        shapes += [(pre + "ln_1.weight", (c,)), (pre + "ln_1.bias", (c,)),
                   (pre + "attn.c_attn.weight", (3 * c, c)), (pre + "attn.c_attn.bias", (3 * c,)),
                   (pre + "attn.c_proj.weight", (c, c)), (pre + "attn.c_proj.bias", (c,)),
                   (pre + "ln_2.weight", (c,)), (pre + "ln_2.bias", (c,)),
                   (pre + "mlp.c_fc.weight", (4 * c, c)), (pre + "mlp.c_fc.bias", (4 * c,)),
                   (pre + "mlp.c_proj.weight", (c, 4 * c)), (pre + "mlp.c_proj.bias", (c,))]
    shapes += [("transformer.ln_f.weight", (c,)), ("transformer.ln_f.bias", (c,))]
    params = {}
    for name, shape in shapes:
        r = torch.randn(shape, generator=gen, dtype=torch.float64)
        if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight"):
            v = 1.0 + 0.2 * r
        elif name.endswith("bias"):
            v = 0.1 * r
        elif len(shape) == 2 and "transformer.w" in name:
            v = 0.5 * r
        else:
            v = r / math.sqrt(shape[1])
        params[name] = v.requires_grad_()
    return params


def forward(p, idx):
    b, t = idx.shape
    c, nh = N_EMBD, N_HEAD
    hd = c // nh
    x = p["transformer.wte.weight"][idx] + p["transformer.wpe.weight"][:t]
    mask = torch.tril(torch.ones(t, t, dtype=torch.bool))
    for i in range(N_LAYER):
        pre = f"transformer.h.{i}."
        h = F.layer_norm(x, (c,), p[pre + "ln_1.weight"], p[pre + "ln_1.bias"], 1e-5)
        qkv = h @ p[pre + "attn.c_attn.weight"].T + p[pre + "attn.c_attn.bias"]
        q, k, v = qkv.split(c, dim=2)
        q, k, v = (z.view(b, t, nh, hd).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, c)
        x = x + y @ p[pre + "attn.c_proj.weight"].T + p[pre + "attn.c_proj.bias"]
        h = F.layer_norm(x, (c,), p[pre + "ln_2.weight"], p[pre + "ln_2.bias"], 1e-5)
        h = F.gelu(h @ p[pre + "mlp.c_fc.weight"].T + p[pre + "mlp.c_fc.bias"])
        x = x + h @ p[pre + "mlp.c_proj.weight"].T + p[pre + "mlp.c_proj.bias"]
    x = F.layer_norm(x, (c,), p["transformer.ln_f.weight"], p["transformer.ln_f.bias"], 1e-5)
    return x @ p["transformer.wte.weight"].T


def loss_of(logits, targets):
    return F.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1))


def main():
    gen = torch.Generator().manual_seed(1234)
    params = parameters(gen)
    tokens = torch.randint(0, VOCAB, (BATCH, STEPS + 1), generator=gen)
    idx, targets = tokens[:, :-1].contiguous(), tokens[:, 1:].contiguous()
    out = {"config": torch.tensor([VOCAB, BLOCK, N_LAYER, N_HEAD, N_EMBD], dtype=torch.int64),
           "idx": idx, "targets": targets}
    for name, v in params.items():
        out["param." + name] = v.detach().clone()
    logits = forward(params, idx)
    loss = loss_of(logits, targets)
    loss.backward()
    out["logits"] = logits.detach()
    out["loss"] = loss.detach()
    for name, v in params.items():
        out["grad." + name] = v.grad.detach().clone()
        v.grad = None
    opt = torch.optim.AdamW(list(params.values()), **ADAMW)
    losses = []
    for _ in range(ADAMW_STEPS):
        opt.zero_grad()
        loss = loss_of(forward(params, idx), targets)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    out["adamw_losses"] = torch.tensor(losses, dtype=torch.float64)
    path = os.path.join(OUT_DIR, "gpt.safetensors")
    save_safetensors(path, out)
    print(f"wrote {path}: loss {out['loss'].item():.6f}, AdamW losses {losses[0]:.4f} -> {losses[-1]:.4f}")


if __name__ == "__main__":
    main()
