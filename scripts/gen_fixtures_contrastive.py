#!/usr/bin/env python3
"""Writes the golden fixtures of the contrastive losses (NT-Xent of SimCLR, the symmetric CLIP loss), computed by
PyTorch.

Run with Debian's Python, which has python3-torch:  /usr/bin/python3 scripts/gen_fixtures_contrastive.py
The output is deterministic (fixed seeds), so regenerating changes nothing unless a case or PyTorch changes.

tests/fixtures/contrastive.safetensors
  nt_xent cases (names start with `ntx`):
    <case>.z1 [N, D], <case>.z2 [N, D]  two views
    <case>.out []                       nt_xent(z1, z2, T) as written below (the SimCLR reference formulation)
    <case>.grad_out [], <case>.grad_z1, <case>.grad_z2
  clip cases (names start with `clip`):
    <case>.image [N, D], <case>.text [N, D], <case>.logit_scale []
    <case>.out []                       (CE(logits, arange) + CE(logits.T, arange)) / 2,
                                        logits = exp(logit_scale) * normalize(image) @ normalize(text).T
    <case>.grad_out [], <case>.grad_image, <case>.grad_text, <case>.grad_logit_scale
  `_f32` cases run in float32, the rest in float64.
The C++ golden test (tests/nn/contrastive_golden_test.cpp) builds the same cases; keep the lists in step.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures")

try:
    import torch
except ImportError:
    print("gen_fixtures_contrastive: PyTorch is missing; installing python3-torch with scripts/install-deps",
          file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-torch", "python3-numpy"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)


def nt_xent(z1, z2, t):
    """SimCLR's NT-Xent, written independently of strata's formulation: per-pair -log of the positive's share."""
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    n = z1.shape[0]
    sim = torch.exp(z @ z.T / t)
    not_self = 1 - torch.eye(2 * n, dtype=z.dtype)
    denom = (sim * not_self).sum(1)
    pos = torch.cat([torch.diagonal(sim, n), torch.diagonal(sim, -n)])
    return -torch.log(pos / denom).mean()


def clip(image, text, logit_scale):
    logits = logit_scale.exp() * F.normalize(image, dim=1) @ F.normalize(text, dim=1).T
    target = torch.arange(image.shape[0])
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


# name -> (N, D, temperature, dtype)
NTX_CASES = {
    "ntx_t05": (4, 6, 0.5, torch.float64),
    "ntx_t01": (5, 3, 0.1, torch.float64),
    "ntx_t1_n2": (2, 8, 1.0, torch.float64),
    "ntx_t02_f32": (16, 32, 0.2, torch.float32),
}
# name -> (N, D, logit_scale, dtype)
CLIP_CASES = {
    "clip_s0": (4, 5, 0.0, torch.float64),
    "clip_s265": (6, 8, 2.6593, torch.float64),
    "clip_n1": (1, 4, 1.0, torch.float64),
    "clip_s2_f32": (12, 16, 2.0, torch.float32),
}


def contrastive():
    out = {}
    for i, (name, (n, d, t, dtype)) in enumerate(NTX_CASES.items()):
        g = torch.Generator().manual_seed(300 + i)
        z1 = torch.randn(n, d, generator=g, dtype=torch.float64).to(dtype).requires_grad_()
        z2 = (z1.detach() + 0.7 * torch.randn(n, d, generator=g, dtype=torch.float64).to(dtype)).requires_grad_()
        loss = nt_xent(z1, z2, t)
        grad_out = torch.tensor(1.3, dtype=dtype)
        loss.backward(grad_out)
        out.update({f"{name}.z1": z1.detach(), f"{name}.z2": z2.detach(), f"{name}.out": loss.detach(),
                    f"{name}.grad_out": grad_out, f"{name}.grad_z1": z1.grad, f"{name}.grad_z2": z2.grad})
    for i, (name, (n, d, s, dtype)) in enumerate(CLIP_CASES.items()):
        g = torch.Generator().manual_seed(400 + i)
        image = torch.randn(n, d, generator=g, dtype=torch.float64).to(dtype).requires_grad_()
        text = torch.randn(n, d, generator=g, dtype=torch.float64).to(dtype).requires_grad_()
        scale = torch.tensor(s, dtype=dtype, requires_grad=True)
        loss = clip(image, text, scale)
        grad_out = torch.tensor(0.8, dtype=dtype)
        loss.backward(grad_out)
        out.update({f"{name}.image": image.detach(), f"{name}.text": text.detach(),
                    f"{name}.logit_scale": scale.detach(), f"{name}.out": loss.detach(),
                    f"{name}.grad_out": grad_out, f"{name}.grad_image": image.grad, f"{name}.grad_text": text.grad,
                    f"{name}.grad_logit_scale": scale.grad})
    return out


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    save_safetensors(os.path.join(OUT_DIR, "contrastive.safetensors"), contrastive())


if __name__ == "__main__":
    main()
