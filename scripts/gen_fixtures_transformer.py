#!/usr/bin/python3
"""Writes the PyTorch golden fixtures for the Transformer layers:

  tests/fixtures/attention.safetensors    nn.MultiheadAttention
  tests/fixtures/transformer.safetensors  TransformerEncoderLayer / DecoderLayer, TransformerEncoder / Decoder
                                          and a small nn.Transformer
  tests/fixtures/rms_norm.safetensors     RMSNorm written with explicit torch ops (1.13 has no RMSNorm)
  tests/fixtures/rotary.safetensors       rotary position embedding (half-split pairing), explicit torch ops

Run with Debian's Python, which has python3-torch:  /usr/bin/python3 scripts/gen_fixtures_transformer.py

A module case `c` stores its inputs (`c.x` for self-attention and single-input layers, else `c.query`,
`c.key`, `c.value` / `c.src`, `c.tgt`, `c.memory`), its masks (`c.attn_mask`, `c.key_padding_mask`, `c.src_mask`,
`c.tgt_mask`, `c.memory_mask`, `c.src_key_padding_mask`, `c.tgt_key_padding_mask`,
`c.memory_key_padding_mask`; bool masks as u8 with nonzero = blocked), the module's state dict as PyTorch
writes it under `c.param.<name>`, the output `c.out` (and the attention weights `c.weights` when asked for), a
fixed upstream gradient `c.grad_out`, and the gradients of every floating input `c.grad_<input>` and of every
parameter `c.grad_param.<name>`. Causal cases (`*causal*`) store no mask: PyTorch runs them with the float mask
of generate_square_subsequent_mask, strata with is_causal. Modules run in eval mode (no dropout).
Functional cases store inputs, `c.out`, `c.grad_out` and `c.grad_<input>`. Every case seeds torch from its name.
"""
import math
import os
import subprocess
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures")

try:
    import torch
    import torch.nn as nn
except ImportError:
    print("gen_fixtures_transformer: PyTorch is missing; installing python3-torch", file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-torch", "python3-numpy"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)

FILES = {"attention": {}, "transformer": {}, "rms_norm": {}, "rotary": {}}


def seed(file, case):
    assert "." not in case and case not in {k.split(".")[0] for k in FILES[file]}, case
    torch.manual_seed(zlib.crc32(f"transformer/{file}/{case}".encode()))


def causal(n, m=None, dtype=torch.float64):
    """PyTorch's float causal mask, aligned like strata's is_causal (the last n queries of m keys)."""
    m = n if m is None else m
    i = torch.arange(n).unsqueeze(1) + (m - n)
    j = torch.arange(m).unsqueeze(0)
    return torch.zeros(n, m, dtype=dtype).masked_fill(j > i, float("-inf"))


def bool_mask(*shape, p=0.3):
    """A random bool mask (True = blocked) that leaves every query row at least one key."""
    m = torch.rand(*shape) < p
    m[..., 0] = False
    return m


def float_mask(*shape, dtype):
    """A float mask: small offsets, and -inf on a few entries (never a whole row)."""
    m = torch.randn(*shape, dtype=dtype) * 0.5
    return m.masked_fill(bool_mask(*shape, p=0.2), float("-inf"))


def perturb(module):
    """Parameters away from the defaults (zero biases, unit norms), so every gradient is exercised."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(torch.randn_like(p) * (0.4 if p.dim() > 1 else 0.2) + (1.0 if "norm" in name and
                                                                              name.endswith("weight") else 0.0))


def module_case(case, module, inputs, masks, run, dtype=torch.float64, weights=False, file="transformer"):
    """Stores inputs, masks, state dict, output(s) and all gradients of module run on inputs."""
    t = FILES[file]
    module = module.to(dtype).eval()
    perturb(module)
    leaves = {}
    for name, x in inputs.items():
        leaves[name] = x.to(dtype).detach().requires_grad_()
        t[f"{case}.{name}"] = leaves[name].detach().clone()
    for name, m in masks.items():
        if m is None:
            continue
        m = m.to(dtype) if m.is_floating_point() else m
        masks[name] = m
        if not name.startswith("_"):
            t[f"{case}.{name}"] = m.clone()
    masks = {k.lstrip("_"): v for k, v in masks.items()}
    for name, p in module.state_dict().items():
        t[f"{case}.param.{name}"] = p.detach().clone()
    result = run(module, leaves, masks)
    out, w = result if isinstance(result, tuple) else (result, None)
    t[f"{case}.out"] = out.detach().clone()
    if weights:
        t[f"{case}.weights"] = w.detach().clone()
    grad_out = torch.randn_like(out)
    t[f"{case}.grad_out"] = grad_out
    out.backward(grad_out)
    for name, x in leaves.items():
        t[f"{case}.grad_{name}"] = x.grad.detach().clone()
    for name, p in module.named_parameters():
        t[f"{case}.grad_param.{name}"] = p.grad.detach().clone()


def mha_cases():
    E, H, B, L, S = 8, 2, 2, 4, 6
    for suffix, dtype in (("", torch.float64), ("_f32", torch.float32)):
        # self-attention: one input x used as query, key and value
        for name, mask_kind, need_weights in (
                ("mha_self", None, True), ("mha_self_bool_mask", "bool", True),
                ("mha_self_float_mask", "float", True), ("mha_self_key_padding", "kpm", True),
                ("mha_self_both", "both", True), ("mha_self_float_both", "float_both", True),
                ("mha_self_causal", "causal", True), ("mha_self_causal_no_weights", "causal", False),
                ("mha_self_both_no_weights", "both", False), ("mha_self_3d_mask", "3d", True)):
            if suffix and name not in ("mha_self", "mha_self_both", "mha_self_causal_no_weights"):
                continue
            case = name + suffix
            seed("attention", case)
            x = torch.randn(L, B, E)
            masks = {}
            if mask_kind in ("bool", "both"):
                masks["attn_mask"] = bool_mask(L, L)
            if mask_kind in ("float", "float_both"):
                masks["attn_mask"] = float_mask(L, L, dtype=dtype)
            if mask_kind == "3d":
                masks["attn_mask"] = bool_mask(B * H, L, L)
            if mask_kind in ("kpm", "both", "float_both"):
                masks["key_padding_mask"] = bool_mask(B, L)
            if mask_kind == "causal":
                masks["_attn_mask"] = causal(L, dtype=dtype)

            def run(m, i, k, need_weights=need_weights):
                return m(i["x"], i["x"], i["x"], key_padding_mask=k.get("key_padding_mask"),
                         need_weights=need_weights, attn_mask=k.get("attn_mask"))
            module_case(case, nn.MultiheadAttention(E, H), {"x": x}, masks,
                        (lambda m, i, k, r=run: r(m, i, k)) if need_weights else
                        (lambda m, i, k, r=run: r(m, i, k)[0]), dtype=dtype, weights=need_weights, file="attention")

    def cross(case, module, kdim=E, vdim=E, masks=None, batch_first=False, unbatched=False, average=True,
              need_weights=True):
        seed("attention", case)
        shape = (lambda T, F: (T, F)) if unbatched else (
            (lambda T, F: (B, T, F)) if batch_first else (lambda T, F: (T, B, F)))
        inputs = {"query": torch.randn(*shape(L, E)), "key": torch.randn(*shape(S, kdim)),
                  "value": torch.randn(*shape(S, vdim))}
        masks = masks() if masks else {}

        def run(m, i, k):
            out, w = m(i["query"], i["key"], i["value"], key_padding_mask=k.get("key_padding_mask"),
                       need_weights=need_weights, attn_mask=k.get("attn_mask"), average_attn_weights=average)
            return (out, w) if need_weights else out
        module_case(case, module, inputs, masks, run, weights=need_weights, file="attention")

    cross("mha_cross", nn.MultiheadAttention(E, H))
    cross("mha_cross_kdim_vdim", nn.MultiheadAttention(E, H, kdim=5, vdim=3), kdim=5, vdim=3,
          masks=lambda: {"attn_mask": bool_mask(L, S), "key_padding_mask": bool_mask(B, S)})
    cross("mha_cross_kdim_vdim_no_weights", nn.MultiheadAttention(E, H, kdim=5, vdim=3), kdim=5, vdim=3,
          masks=lambda: {"key_padding_mask": bool_mask(B, S)}, need_weights=False)
    cross("mha_cross_batch_first", nn.MultiheadAttention(E, H, batch_first=True), batch_first=True,
          masks=lambda: {"attn_mask": float_mask(L, S, dtype=torch.float64), "key_padding_mask": bool_mask(B, S)})
    cross("mha_cross_heads", nn.MultiheadAttention(E, 4), average=False,
          masks=lambda: {"key_padding_mask": bool_mask(B, S)})
    cross("mha_cross_no_bias", nn.MultiheadAttention(E, H, bias=False))
    cross("mha_cross_unbatched", nn.MultiheadAttention(E, H), unbatched=True,
          masks=lambda: {"attn_mask": bool_mask(L, S)})
    cross("mha_cross_causal", nn.MultiheadAttention(E, H), masks=lambda: {"_attn_mask": causal(L, S)})


def layer_cases():
    E, H, FF, B, S, T = 8, 2, 16, 2, 5, 4
    for norm_first in (False, True):
        for act in ("relu", "gelu"):
            order = "pre" if norm_first else "post"
            for suffix, dtype in (("", torch.float64), ("_f32", torch.float32)):
                if suffix and (norm_first or act == "gelu"):
                    continue
                case = f"encoder_layer_{order}_{act}{suffix}"
                seed("transformer", case)
                layer = nn.TransformerEncoderLayer(E, H, FF, activation=act, norm_first=norm_first)
                masks = {"src_mask": float_mask(S, S, dtype=dtype) if act == "gelu" else bool_mask(S, S),
                         "src_key_padding_mask": bool_mask(B, S)}
                module_case(case, layer, {"src": torch.randn(S, B, E)}, masks,
                            lambda m, i, k: m(i["src"], src_mask=k["src_mask"],
                                              src_key_padding_mask=k["src_key_padding_mask"]), dtype=dtype)
                case = f"decoder_layer_{order}_{act}{suffix}"
                seed("transformer", case)
                layer = nn.TransformerDecoderLayer(E, H, FF, activation=act, norm_first=norm_first)
                masks = {"_tgt_mask": causal(T, dtype=dtype), "memory_mask": bool_mask(T, S),
                         "tgt_key_padding_mask": bool_mask(B, T), "memory_key_padding_mask": bool_mask(B, S)}
                module_case(case, layer, {"tgt": torch.randn(T, B, E), "memory": torch.randn(S, B, E)}, masks,
                            lambda m, i, k: m(i["tgt"], i["memory"], tgt_mask=k["tgt_mask"],
                                              memory_mask=k["memory_mask"],
                                              tgt_key_padding_mask=k["tgt_key_padding_mask"],
                                              memory_key_padding_mask=k["memory_key_padding_mask"]), dtype=dtype)
    case = "encoder_layer_batch_first"
    seed("transformer", case)
    layer = nn.TransformerEncoderLayer(E, H, FF, batch_first=True, norm_first=True, activation="gelu")
    module_case(case, layer, {"src": torch.randn(B, S, E)}, {"src_key_padding_mask": bool_mask(B, S)},
                lambda m, i, k: m(i["src"], src_key_padding_mask=k["src_key_padding_mask"]))
    case = "encoder_2_norm"
    seed("transformer", case)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, FF), 2, norm=nn.LayerNorm(E))
    module_case(case, enc, {"src": torch.randn(S, B, E)}, {"src_key_padding_mask": bool_mask(B, S)},
                lambda m, i, k: m(i["src"], src_key_padding_mask=k["src_key_padding_mask"]))
    case = "decoder_2_causal"
    seed("transformer", case)
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H, FF, norm_first=True), 2, norm=nn.LayerNorm(E))
    module_case(case, dec, {"tgt": torch.randn(T, B, E), "memory": torch.randn(S, B, E)},
                {"_tgt_mask": causal(T), "memory_key_padding_mask": bool_mask(B, S)},
                lambda m, i, k: m(i["tgt"], i["memory"], tgt_mask=k["tgt_mask"],
                                  memory_key_padding_mask=k["memory_key_padding_mask"]))
    for suffix, dtype in (("", torch.float64), ("_f32", torch.float32)):
        case = "transformer" + suffix
        seed("transformer", case)
        model = nn.Transformer(E, H, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=FF)
        masks = {"_tgt_mask": causal(T, dtype=dtype), "src_key_padding_mask": bool_mask(B, S),
                 "tgt_key_padding_mask": bool_mask(B, T), "memory_key_padding_mask": bool_mask(B, S)}
        module_case(case, model, {"src": torch.randn(S, B, E), "tgt": torch.randn(T, B, E)}, masks,
                    lambda m, i, k: m(i["src"], i["tgt"], tgt_mask=k["tgt_mask"],
                                      src_key_padding_mask=k["src_key_padding_mask"],
                                      tgt_key_padding_mask=k["tgt_key_padding_mask"],
                                      memory_key_padding_mask=k["memory_key_padding_mask"]), dtype=dtype)


def functional_case(file, case, inputs, fn, dtype=torch.float64):
    """Stores inputs, fn(**inputs), an upstream gradient and the gradients of the floating inputs."""
    seed(file, case)
    t = FILES[file]
    leaves = {}
    for name, make in inputs.items():
        x = make()
        if x.is_floating_point():
            x = x.to(dtype).requires_grad_()
        leaves[name] = x
        t[f"{case}.{name}"] = x.detach().clone()
    out = fn(**leaves)
    t[f"{case}.out"] = out.detach().clone()
    grad_out = torch.randn_like(out)
    t[f"{case}.grad_out"] = grad_out
    out.backward(grad_out)
    for name, x in leaves.items():
        if x.is_floating_point():
            t[f"{case}.grad_{name}"] = x.grad.detach().clone()


def rms_norm_cases():
    def rms(x, weight=None, dims=1):
        eps = torch.finfo(x.dtype).eps
        d = tuple(range(-dims, 0))
        y = x * torch.rsqrt(x.pow(2).mean(d, keepdim=True) + eps)
        return y if weight is None else y * weight
    for suffix, dtype in (("", torch.float64), ("_f32", torch.float32)):
        functional_case("rms_norm", "rms_norm" + suffix,
                        {"x": lambda: torch.randn(3, 4, 6), "weight": lambda: torch.randn(6)}, rms, dtype)
    functional_case("rms_norm", "rms_norm_two_dims",
                    {"x": lambda: torch.randn(2, 3, 4) * 3, "weight": lambda: torch.randn(3, 4)},
                    lambda x, weight: rms(x, weight, dims=2))
    functional_case("rms_norm", "rms_norm_no_weight", {"x": lambda: torch.randn(5, 7)}, rms)


def rotary_cases():
    def rope(x, positions, base=10000.0):
        d = x.shape[-1]
        inv_freq = 1.0 / base ** (torch.arange(0, d, 2, dtype=torch.float64) / d)
        angles = positions.to(torch.float64).unsqueeze(-1) * inv_freq  # [..., T, d/2]
        cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
        x1, x2 = x[..., : d // 2], x[..., d // 2:]
        return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)
    for suffix, dtype in (("", torch.float64), ("_f32", torch.float32)):
        functional_case("rotary", "rope" + suffix, {"x": lambda: torch.randn(2, 3, 5, 8)},
                        lambda x: rope(x, torch.arange(5)), dtype)
    functional_case("rotary", "rope_offset", {"x": lambda: torch.randn(2, 2, 3, 6)},
                    lambda x: rope(x, torch.arange(7, 10)))
    functional_case("rotary", "rope_positions", {"x": lambda: torch.randn(2, 4, 8),
                                                 "positions": lambda: torch.randint(0, 50, (2, 4))},
                    lambda x, positions: rope(x, positions))
    functional_case("rotary", "rope_base", {"x": lambda: torch.randn(3, 4)},
                    lambda x: rope(x, torch.arange(3), base=500.0))


def main():
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)
    mha_cases()
    layer_cases()
    rms_norm_cases()
    rotary_cases()
    for file, tensors in FILES.items():
        path = os.path.join(OUT_DIR, f"{file}.safetensors")
        save_safetensors(path, tensors, {"generator": "scripts/gen_fixtures_transformer.py",
                                         "torch": torch.__version__})
        print(f"{os.path.relpath(path, ROOT)}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
