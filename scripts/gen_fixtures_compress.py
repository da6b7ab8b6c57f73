#!/usr/bin/python3
"""Writes the golden fixtures of model compression (distillation loss, magnitude pruning), computed by PyTorch.

Run with Debian's Python, which has python3-torch:  /usr/bin/python3 scripts/gen_fixtures_compress.py
The output is deterministic (fixed seeds), so regenerating changes nothing unless a case or PyTorch changes.

tests/fixtures/distillation.safetensors
  <case>.student [N, C], <case>.teacher [N, C], <case>.target [N] (i64)
  <case>.out []                      alpha * T^2 * F.kl_div(log_softmax(s / T), log_softmax(t / T),
                                     reduction="batchmean", log_target=True) + (1 - alpha) * F.cross_entropy(s, y)
  <case>.grad_out [], <case>.grad_student [N, C]
  Case names carry T and alpha (see CASES); `_f32` cases run in float32, the rest in float64.
tests/fixtures/prune.safetensors
  <case>.w0 [6, 5], <case>.w1 [4, 6]  two weights (f32, distinct magnitudes)
  <case>.out [54]                     the torch.nn.utils.prune masks of w0 and w1, flattened and joined: `layer`
                                      cases l1_unstructured on each weight, `global` cases
                                      global_unstructured(L1Unstructured) over both
The C++ golden tests (tests/nn/distillation_golden_test.cpp, tests/compress/prune_golden_test.cpp) build the same
cases; keep the lists in step.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures")

try:
    import torch
except ImportError:
    print("gen_fixtures_compress: PyTorch is missing; installing python3-torch with scripts/install-deps",
          file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-torch", "python3-numpy"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

import torch.nn.functional as F
import torch.nn.utils.prune as prune

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)

# name -> (N, C, temperature, alpha, dtype)
CASES = {
    "t4_a09": (5, 7, 4.0, 0.9, torch.float64),
    "t1_a05": (4, 3, 1.0, 0.5, torch.float64),
    "t2_a1": (3, 10, 2.0, 1.0, torch.float64),
    "t3_a0": (6, 4, 3.0, 0.0, torch.float64),
    "t20_a07": (4, 5, 20.0, 0.7, torch.float64),
    "t4_a09_f32": (8, 10, 4.0, 0.9, torch.float32),
}


def distillation():
    out = {}
    for i, (name, (n, c, t, alpha, dtype)) in enumerate(CASES.items()):
        g = torch.Generator().manual_seed(100 + i)
        student = (torch.randn(n, c, generator=g, dtype=torch.float64) * 3).to(dtype).requires_grad_()
        teacher = (torch.randn(n, c, generator=g, dtype=torch.float64) * 3).to(dtype)
        target = torch.randint(0, c, (n,), generator=g)
        soft = F.kl_div(F.log_softmax(student / t, 1), F.log_softmax(teacher / t, 1), reduction="batchmean",
                        log_target=True) * t * t
        hard = F.cross_entropy(student, target)
        loss = alpha * soft + (1 - alpha) * hard
        grad_out = torch.tensor(1.7, dtype=dtype)
        loss.backward(grad_out)
        out.update({f"{name}.student": student.detach(), f"{name}.teacher": teacher, f"{name}.target": target,
                    f"{name}.out": loss.detach(), f"{name}.grad_out": grad_out,
                    f"{name}.grad_student": student.grad})
    return out


# name -> (sparsity, global)
PRUNE_CASES = {"layer_05": (0.5, False), "layer_08": (0.8, False), "global_05": (0.5, True),
               "global_08": (0.8, True)}


def pruning():
    out = {}
    g = torch.Generator().manual_seed(7)
    # Distinct magnitudes (no ties), and w1 larger than w0 so the global threshold differs from per-layer ones.
    w0 = (torch.randperm(30, generator=g).float() + 1).reshape(6, 5) * 0.01
    w1 = (torch.randperm(24, generator=g).float() + 1).reshape(4, 6) * 0.02 + 0.05
    sign0 = torch.where(torch.rand(6, 5, generator=g) < 0.5, -1.0, 1.0)
    sign1 = torch.where(torch.rand(4, 6, generator=g) < 0.5, -1.0, 1.0)
    w0, w1 = w0 * sign0, w1 * sign1
    for name, (amount, is_global) in PRUNE_CASES.items():
        a, b = torch.nn.Linear(5, 6, bias=False), torch.nn.Linear(6, 4, bias=False)
        with torch.no_grad():
            a.weight.copy_(w0)
            b.weight.copy_(w1)
        if is_global:
            prune.global_unstructured([(a, "weight"), (b, "weight")], pruning_method=prune.L1Unstructured,
                                      amount=amount)
        else:
            prune.l1_unstructured(a, "weight", amount=amount)
            prune.l1_unstructured(b, "weight", amount=amount)
        out.update({f"{name}.w0": w0, f"{name}.w1": w1,
                    f"{name}.out": torch.cat([a.weight_mask.flatten(), b.weight_mask.flatten()])})
    return out


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    save_safetensors(os.path.join(OUT_DIR, "distillation.safetensors"), distillation())
    save_safetensors(os.path.join(OUT_DIR, "prune.safetensors"), pruning())


if __name__ == "__main__":
    main()
