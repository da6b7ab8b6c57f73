#!/usr/bin/python3
"""Writes the PyTorch golden fixtures for the sparse and segment ops (tests/fixtures/sparse.safetensors).

Run with Debian's Python, which has python3-torch:  /usr/bin/python3 scripts/gen_fixtures_sparse.py

Cases (f64, plus `_f32` twins):
  spmm_*          torch.sparse.mm of a COO matrix (`c.indices` [2, nnz], `c.values`, sizes in `c.size`) and a
                  dense `c.dense`; gradients of values and dense.
  index_add_*     Tensor.index_add_ on `c.x` with `c.index` and `c.src`.
  scatter_sum_* / scatter_mean_* / scatter_max_*
                  torch.scatter_reduce(zeros(dim_size, F), 0, index, src, reduce, include_self=False), i.e.
                  PyG's scatter; `c.dim_size` holds dim_size.
  segment_softmax_*
                  a softmax over the entries that share an index, written with dense ops: a mask matrix
                  [segments, n] and a masked softmax along dim 1, read back per entry.
Each case stores an upstream gradient `c.grad_out` and the gradients `c.grad_<input>`.
"""
import os
import sys
import zlib

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "sparse.safetensors")
T = {}


def seed(case):
    torch.manual_seed(zlib.crc32(f"sparse/{case}".encode()))


def finish(case, out, leaves):
    g = torch.randn_like(out)
    out.backward(g)
    T[f"{case}.out"] = out.detach().clone()
    T[f"{case}.grad_out"] = g
    for name, leaf in leaves.items():
        T[f"{case}.{name}"] = leaf.detach().clone()
        T[f"{case}.grad_{name}"] = leaf.grad.clone()


def spmm_case(case, rows, cols, nnz, f, dtype):
    seed(case)
    idx = torch.stack([torch.randint(0, rows, (nnz,)), torch.randint(0, cols, (nnz,))])
    values = torch.randn(nnz, dtype=dtype, requires_grad=True)
    dense = torch.randn(cols, f, dtype=dtype, requires_grad=True)
    a = torch.sparse_coo_tensor(idx, values, (rows, cols))
    out = torch.sparse.mm(a, dense)
    T[f"{case}.indices"] = idx
    T[f"{case}.size"] = torch.tensor([rows, cols])
    finish(case, out, {"values": values, "dense": dense})


def index_add_case(case, n, e, f, dtype):
    seed(case)
    x = torch.randn(n, f, dtype=dtype, requires_grad=True)
    src = torch.randn(e, f, dtype=dtype, requires_grad=True)
    index = torch.randint(0, n, (e,))
    out = x.clone().index_add_(0, index, src)
    T[f"{case}.index"] = index
    finish(case, out, {"x": x, "src": src})


def scatter_case(case, reduce, n, e, shape, dtype):
    seed(case)
    src = torch.randn((e,) + shape, dtype=dtype, requires_grad=True)
    index = torch.randint(0, n - 1, (e,))  # the last row stays empty
    full_index = index.view((e,) + (1,) * len(shape)).expand_as(src)
    base = torch.zeros((n,) + shape, dtype=dtype)
    out = base.scatter_reduce(0, full_index, src, {"sum": "sum", "mean": "mean", "max": "amax"}[reduce],
                              include_self=False)
    T[f"{case}.index"] = index
    T[f"{case}.dim_size"] = torch.tensor([n])
    finish(case, out, {"src": src})


def segment_softmax_case(case, n, e, heads, dtype):
    seed(case)
    shape = (e,) if heads is None else (e, heads)
    src = torch.randn(shape, dtype=dtype) * 3
    src.requires_grad_()
    index = torch.randint(0, n, (e,))
    mask = torch.nn.functional.one_hot(index, n).T.bool()  # [n, e]
    s = src if heads is not None else src.unsqueeze(1)  # [e, h]
    dense = s.T.unsqueeze(1).expand(-1, n, -1)  # [h, n, e]
    dense = dense.masked_fill(~mask.unsqueeze(0), float("-inf"))
    soft = torch.softmax(dense, dim=2).nan_to_num(0.0)  # rows with no entries give 0
    out = soft.sum(dim=1).T  # each entry lies in exactly one segment: [e, h]
    if heads is None:
        out = out.squeeze(1)
    T[f"{case}.index"] = index
    T[f"{case}.dim_size"] = torch.tensor([n])
    finish(case, out, {"src": src})


def both(fn, case, *args):
    fn(case, *args, torch.float64)
    fn(case + "_f32", *args, torch.float32)


both(spmm_case, "spmm_small", 4, 5, 9, 3)
both(spmm_case, "spmm_rect", 13, 7, 40, 6)
both(index_add_case, "index_add", 6, 15, 4)
for reduce in ("sum", "mean", "max"):
    both(scatter_case, f"scatter_{reduce}", reduce, 7, 20, (3,))
    both(scatter_case, f"scatter_{reduce}_3d", reduce, 5, 12, (2, 3))
both(segment_softmax_case, "segment_softmax", 6, 18, None)
both(segment_softmax_case, "segment_softmax_heads", 5, 16, 3)

save_safetensors(OUT, T)
print(f"wrote {OUT} ({len(T)} tensors)")
