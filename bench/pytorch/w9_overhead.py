"""W9: per-op overhead from Python: a no-grad 1x16 add, and (x*w+b).sum().backward() on 1x16 with the
gradients dropped each iteration (twin of workloads W9)."""
import torch

import harness

args = harness.parse()
inner = 1000
a, b = torch.randn(1, 16), torch.randn(1, 16)


def add_step():
    for _ in range(inner):
        torch.add(a, b)


harness.report(args, "W9", harness.measure(args, add_step, warmup=10, inner=inner, unit="us"),
               variant="add 1x16 no grad", unit="us")

x, w, bias = (torch.randn(1, 16).requires_grad_() for _ in range(3))


def graph_step():
    for _ in range(inner):
        (x * w + bias).sum().backward()
        x.grad = w.grad = bias.grad = None


harness.report(args, "W9", harness.measure(args, graph_step, warmup=10, inner=inner, unit="us"),
               variant="(x*w+b).sum().backward()", unit="us")
