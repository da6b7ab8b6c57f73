#!/usr/bin/python3
"""Writes tests/fixtures/attention.safetensors: scaled dot-product attention computed by PyTorch.

Run with Debian's Python, which has python3-torch:  /usr/bin/python3 scripts/gen_fixtures_attention.py

torch 1.13 has no F.scaled_dot_product_attention, so the reference is written with explicit ops:
softmax(q k^T * scale + mask) v, where a u8 mask (nonzero = may attend) or is_causal (query i sees keys
j <= i + S - L) blocks scores with -inf, a float mask is added to the scores, and a query row whose keys are
all blocked gets zero weights (so a zero output and zero gradients, never NaN). Cases follow
scripts/gen_fixtures.py's layout: inputs `c.q`, `c.k`, `c.v`, optional `c.mask`, the result `c.out`, an
upstream gradient `c.grad_out` and the gradients `c.grad_q`, `c.grad_k`, `c.grad_v` (and `c.grad_mask` for
float masks). Cases ending in `_f32` run in float32, the rest in float64. Shapes include several 64-row
blocks with ragged ends, head sizes that are not multiples of the vector width, broadcast k / v and masks.
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import ROOT, Family, randn, save_safetensors, torch  # noqa: E402  (one writer, one case runner)

import torch.nn.functional as F  # noqa: E402


def reference(q, k, v, mask=None, causal=False, scale=None):
    """softmax(q k^T * scale + mask) v with explicit ops; fully masked rows give zeros."""
    L, S, E = q.shape[-2], k.shape[-2], q.shape[-1]
    sc = scale if scale is not None else 1.0 / math.sqrt(E)
    s = torch.matmul(q, k.transpose(-2, -1)) * sc
    blocked = None
    if causal:
        blocked = ~(torch.arange(L)[:, None] + (S - L) >= torch.arange(S)[None, :])
    if mask is not None:
        if mask.dtype == torch.uint8:
            blocked = mask == 0
        else:
            s = s + mask
            blocked = s.detach() == -math.inf
    if blocked is None:
        return torch.matmul(F.softmax(s, -1), v)
    blocked = blocked.expand(s.shape)
    row = blocked.all(-1, keepdim=True)
    s = s.masked_fill(blocked, -math.inf).masked_fill(row, 0.0)
    return torch.matmul(F.softmax(s, -1) * (~row), v)


def bool_mask(*shape, empty_rows=()):
    """A u8 mask with about three entries in four set; rows listed in empty_rows (index along dim -2) see nothing."""
    def make(dtype):
        m = (torch.rand(shape, dtype=torch.float64) < 0.75).to(torch.uint8)
        for r in empty_rows:
            m[..., r, :] = 0
        return m
    return make


def float_mask(*shape, neg_inf=(), empty_rows=()):
    """An additive mask from N(0, 1) with -inf at the (row, col) entries listed and on whole rows."""
    def make(dtype):
        m = torch.randn(shape, dtype=torch.float64)
        for r, c in neg_inf:
            m[..., r, c] = -math.inf
        for r in empty_rows:
            m[..., r, :] = -math.inf
        return m.to(dtype)
    return make


def main():
    f = Family("attention")

    def qkv(B, L, S, E, Ev, kb=None):
        kb = B if kb is None else kb
        return dict(q=randn(*B, L, E), k=randn(*kb, S, E), v=randn(*kb, S, Ev))

    for suffix in ("", "_f32"):
        f.case("basic" + suffix, reference, **qkv((2, 3), 5, 6, 4, 5))
        f.case("causal" + suffix, lambda q, k, v: reference(q, k, v, causal=True), **qkv((2, 2), 7, 7, 3, 3))
        f.case("padding_mask" + suffix, reference, **qkv((2, 2), 5, 6, 4, 4), mask=bool_mask(2, 1, 1, 6))
        f.case("float_mask" + suffix, reference, **qkv((2, 2), 5, 6, 4, 3),
               mask=float_mask(5, 6, neg_inf=[(0, 1), (3, 0), (3, 5)], empty_rows=[2]))
        f.case("blocks" + suffix, reference, **qkv((1, 1), 70, 90, 6, 5))
        f.case("blocks_causal" + suffix, lambda q, k, v: reference(q, k, v, causal=True), **qkv((1, 1), 80, 80, 5, 7))
    f.case("causal_decode", lambda q, k, v: reference(q, k, v, causal=True), **qkv((2, 2), 1, 9, 8, 8))
    f.case("causal_few_queries", lambda q, k, v: reference(q, k, v, causal=True), **qkv((2,), 3, 8, 3, 2))
    f.case("causal_tall", lambda q, k, v: reference(q, k, v, causal=True), **qkv((1,), 6, 4, 3, 3))
    f.case("bool_mask_2d", reference, **qkv((2, 2), 5, 6, 4, 4), mask=bool_mask(5, 6, empty_rows=[1]))
    f.case("bool_mask_full", reference, **qkv((2, 2), 5, 6, 3, 2), mask=bool_mask(2, 2, 5, 6, empty_rows=[4]))
    f.case("float_mask_rows", reference, **qkv((2, 3), 5, 6, 3, 3), mask=float_mask(2, 1, 5, 1, empty_rows=[3]))
    f.case("scale", lambda q, k, v: reference(q, k, v, scale=0.3), **qkv((2,), 4, 5, 6, 3))
    f.case("broadcast_kv", reference, **qkv((2, 3), 5, 6, 4, 4, kb=(2, 1)))
    path = os.path.join(ROOT, "tests", "fixtures", "attention.safetensors")
    save_safetensors(path, f.tensors, {"generator": "scripts/gen_fixtures_attention.py", "torch": torch.__version__})
    print(f"{os.path.relpath(path, ROOT)}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
