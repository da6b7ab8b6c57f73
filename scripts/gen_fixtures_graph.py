#!/usr/bin/python3
"""Writes the golden fixtures for the graph layers (tests/fixtures/graph_layers.safetensors) and the global
pooling readouts (tests/fixtures/graph_pooling.safetensors).

Run with Debian's Python, which has python3-torch:  /usr/bin/python3 scripts/gen_fixtures_graph.py

PyTorch Geometric is not installed, so each layer is written here with dense PyTorch ops from its paper
formula (PyG's documented semantics): an adjacency matrix A[target, source] of the small random graph, masked
softmaxes and masked maxima. A case `c` stores `c.x`, `c.edge_index` (i64 [2, E], source -> target, no
duplicates, no self loops), the parameters `c.param.<PyG name>`, the result `c.out`, an upstream gradient
`c.grad_out` and the gradients `c.grad_x`, `c.grad_param.<name>`. Pooling cases store `c.batch` instead of
edges. Every case has an f32 twin `<case>_f32`.
"""
import os
import sys
import zlib

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "graph_layers.safetensors")
T = {}
LAYERS, POOLING = {}, {}


def seed(case):
    torch.manual_seed(zlib.crc32(f"graph/{case}".encode()))


def random_graph(n, extra):
    """A ring (every node has an incoming edge) plus `extra` random edges, unique, no self loops."""
    edges = {(i, (i + 1) % n) for i in range(n)}
    while len(edges) < n + extra:
        s, t = torch.randint(0, n, (2,)).tolist()
        if s != t:
            edges.add((s, t))
    edges = sorted(edges, key=lambda e: torch.rand(1).item())  # unsorted order
    return torch.tensor(edges, dtype=torch.int64).T.contiguous()


def adjacency(edge_index, n, dtype):
    a = torch.zeros(n, n, dtype=dtype)
    a[edge_index[1], edge_index[0]] = 1.0
    return a


def store(case, x, edge_index, params, out, extra=None):
    g = torch.randn_like(out)
    out.backward(g)
    T[f"{case}.x"] = x.detach().clone()
    T[f"{case}.grad_x"] = x.grad.clone()
    if edge_index is not None:
        T[f"{case}.edge_index"] = edge_index
    for name, p in params.items():
        T[f"{case}.param.{name}"] = p.detach().clone()
        T[f"{case}.grad_param.{name}"] = p.grad.clone()
    for name, t in (extra or {}).items():
        T[f"{case}.{name}"] = t
    T[f"{case}.out"] = out.detach().clone()
    T[f"{case}.grad_out"] = g


def leaf(*shape, dtype, scale=1.0):
    return (torch.randn(*shape, dtype=dtype) * scale).requires_grad_()


def gcn(case, n, fin, fout, dtype):
    seed(case)
    ei = random_graph(n, 2 * n)
    x = leaf(n, fin, dtype=dtype)
    w, b = leaf(fout, fin, dtype=dtype), leaf(fout, dtype=dtype)
    a = adjacency(ei, n, dtype) + torch.eye(n, dtype=dtype)
    d = a.sum(1).pow(-0.5)
    out = (d[:, None] * a * d[None, :]) @ (x @ w.T) + b
    store(case, x, ei, {"lin.weight": w, "bias": b}, out)


def sage(case, aggr, n, fin, fout, dtype, normalize=False):
    seed(case)
    ei = random_graph(n, 2 * n)
    x = leaf(n, fin, dtype=dtype)
    wl, bl, wr = leaf(fout, fin, dtype=dtype), leaf(fout, dtype=dtype), leaf(fout, fin, dtype=dtype)
    a = adjacency(ei, n, dtype)
    if aggr == "mean":
        agg = (a @ x) / a.sum(1, keepdim=True)
    else:  # max over in-neighbours (every node has one)
        masked = torch.where(a.bool()[:, :, None], x[None, :, :], torch.tensor(float("-inf"), dtype=dtype))
        agg = masked.amax(dim=1)
    out = agg @ wl.T + bl + x @ wr.T
    if normalize:
        out = F.normalize(out, p=2.0, dim=-1)
    store(case, x, ei, {"lin_l.weight": wl, "lin_l.bias": bl, "lin_r.weight": wr}, out)


def gat(case, n, fin, c, heads, concat, dtype):
    seed(case)
    ei = random_graph(n, 2 * n)
    x = leaf(n, fin, dtype=dtype)
    w = leaf(heads * c, fin, dtype=dtype, scale=0.7)
    att_src, att_dst = leaf(1, heads, c, dtype=dtype), leaf(1, heads, c, dtype=dtype)
    b = leaf(heads * c if concat else c, dtype=dtype)
    mask = (adjacency(ei, n, dtype) + torch.eye(n, dtype=dtype)).bool()  # [target, source]
    xw = (x @ w.T).view(n, heads, c)
    a_s = (xw * att_src).sum(-1)  # [n, h]
    a_d = (xw * att_dst).sum(-1)
    e = F.leaky_relu(a_d[:, None, :] + a_s[None, :, :], 0.2)  # [target, source, h]
    e = e.masked_fill(~mask[:, :, None], float("-inf"))
    alpha = torch.softmax(e, dim=1)
    out = torch.einsum("ijh,jhc->ihc", alpha, xw)
    out = out.reshape(n, heads * c) if concat else out.mean(1)
    out = out + b
    store(case, x, ei, {"lin.weight": w, "att_src": att_src, "att_dst": att_dst, "bias": b}, out)


def gin(case, n, fin, hidden, fout, dtype):
    seed(case)
    ei = random_graph(n, 2 * n)
    x = leaf(n, fin, dtype=dtype)
    w0, b0 = leaf(hidden, fin, dtype=dtype), leaf(hidden, dtype=dtype)
    w2, b2 = leaf(fout, hidden, dtype=dtype), leaf(fout, dtype=dtype)
    eps = torch.tensor(0.3, dtype=dtype, requires_grad=True)
    h = (1 + eps) * x + adjacency(ei, n, dtype) @ x
    out = torch.relu(h @ w0.T + b0) @ w2.T + b2
    store(case, x, ei, {"nn.0.weight": w0, "nn.0.bias": b0, "nn.2.weight": w2, "nn.2.bias": b2, "eps": eps}, out)


def pool(case, kind, dtype):
    seed(case)
    batch = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2, 2], dtype=torch.int64)
    x = leaf(9, 4, dtype=dtype)
    onehot = F.one_hot(batch, 3).T.to(dtype)  # [graphs, nodes]
    if kind == "add":
        out = onehot @ x
    elif kind == "mean":
        out = (onehot @ x) / onehot.sum(1, keepdim=True)
    else:
        masked = torch.where(onehot.bool()[:, :, None], x[None], torch.tensor(float("-inf"), dtype=dtype))
        out = masked.amax(1)
    store(case, x, None, {}, out, {"batch": batch})


def both(fn, case, *args, **kw):
    fn(case, *args, dtype=torch.float64, **kw)
    fn(case + "_f32", *args, dtype=torch.float32, **kw)


both(gcn, "gcn", 7, 5, 3)
both(sage, "sage_mean", "mean", 7, 4, 3)
both(sage, "sage_max", "max", 7, 4, 3)
both(sage, "sage_mean_normalize", "mean", 6, 3, 4, normalize=True)
both(gat, "gat_concat", 6, 4, 3, 2, True)
both(gat, "gat_mean", 6, 4, 3, 3, False)
both(gin, "gin", 6, 3, 5, 2)
LAYERS.update(T)
T.clear()
for kind in ("add", "mean", "max"):
    both(pool, f"global_{kind}_pool", kind)
POOLING.update(T)

save_safetensors(OUT, LAYERS)
save_safetensors(OUT.replace("graph_layers", "graph_pooling"), POOLING)
print(f"wrote {OUT} ({len(LAYERS)} tensors) and graph_pooling.safetensors ({len(POOLING)})")
