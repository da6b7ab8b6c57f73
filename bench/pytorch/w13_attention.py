"""W13: causal self-attention forward + backward alone at one sequence length (twin of workloads W13-<T>).

torch 1.13 has no F.scaled_dot_product_attention, so this is the explicit form every model wrote before it:
softmax(q k^T / sqrt(64) masked to -inf above the causal diagonal) v on [1, 8, T, 64] tensors."""
import argparse
import math
import sys

import torch

import harness

extra = argparse.ArgumentParser()
extra.add_argument("--seq", type=int, required=True)
opts, rest = extra.parse_known_args(sys.argv[1:])
args = harness.parse(rest)
T = opts.seq
gen = torch.Generator().manual_seed(0)
q, k, v, g = (torch.randn(1, 8, T, 64, generator=gen) for _ in range(4))
for t in (q, k, v):
    t.requires_grad_()
future = torch.ones(T, T, dtype=torch.bool).triu(1)


def step():
    for t in (q, k, v):
        t.grad = None
    scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(64)
    p = torch.softmax(scores.masked_fill(future, -math.inf), dim=-1)
    torch.matmul(p, v).backward(g)


harness.report(args, "W13", harness.measure(args, step, warmup=2 if T >= 2048 else 5), variant=f"T={T}")
