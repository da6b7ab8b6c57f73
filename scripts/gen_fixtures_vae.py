#!/usr/bin/python3
"""Writes the golden fixtures of strata's VAE (models/vae.h), computed by PyTorch.

Run with Debian's Python, which has python3-torch:  /usr/bin/python3 scripts/gen_fixtures_vae.py
The output is deterministic (fixed seeds), so regenerating changes nothing unless a case or PyTorch changes.

tests/fixtures/vae.safetensors (tests/models/vae_golden_test.cpp)
  kl*:    <case>.mu [N, D], <case>.logvar [N, D]
          <case>.out [N] = -0.5 * (1 + logvar - mu^2 - logvar.exp()).sum(1)   (the Gaussian KL to N(0, I))
  bce*:   <case>.logits [N, C, H, W], <case>.target [N, C, H, W] in [0, 1]
          <case>.out [N] = F.binary_cross_entropy_with_logits(logits, target, reduction="none").sum((1, 2, 3))
  gauss*: <case>.mean, <case>.target [N, C, H, W]
          <case>.out [N] = -Normal(mean, 0.3).log_prob(target).sum((1, 2, 3))
  model:  <case>.x [2, 1, 28, 28] images in [0, 1], <case>.param.* a VAE with hidden_channels 4, latent_dim 3
          (the torch module below, strata's parameter names)
          <case>.out [2] = BCE-with-logits sum of decode(mu) against x + KL(q(z|x) || N(0, I)): the negative ELBO
          with z at the posterior mean
  Every case has <case>.grad_out and the gradients of its float inputs (<case>.grad_<input>, grad_param.*);
  `_f32` cases run in float32, the rest in float64.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures")

try:
    import torch
except ImportError:
    print("gen_fixtures_vae: PyTorch is missing; installing python3-torch with scripts/install-deps",
          file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-torch", "python3-numpy"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)


class VAE(nn.Module):
    """strata's models::VAE layout for 28x28 images (see include/strata/models/vae.h)."""

    def __init__(self, c=1, h=4, latent=3):
        super().__init__()
        self.h = h
        self.encoder = nn.Sequential(nn.Conv2d(c, h, 4, 2, 1), nn.ReLU(), nn.Conv2d(h, 2 * h, 4, 2, 1), nn.ReLU(),
                                     nn.Flatten())
        self.fc_mu = nn.Linear(2 * h * 49, latent)
        self.fc_logvar = nn.Linear(2 * h * 49, latent)
        self.fc_decode = nn.Linear(latent, 2 * h * 49)
        self.decoder = nn.Sequential(nn.ConvTranspose2d(2 * h, h, 4, 2, 1), nn.ReLU(),
                                     nn.ConvTranspose2d(h, c, 4, 2, 1))

    def forward(self, x):
        e = self.encoder(x)
        mu, logvar = self.fc_mu(e), self.fc_logvar(e)
        logits = self.decoder(F.relu(self.fc_decode(mu)).view(-1, 2 * self.h, 7, 7))
        kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)
        return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum((1, 2, 3)) + kl


def finish(out, name, inputs, result, g, params=None):
    grad_out = torch.randn(result.shape, generator=g, dtype=torch.float64).to(result.dtype)
    result.backward(grad_out)
    out[f"{name}.out"] = result.detach()
    out[f"{name}.grad_out"] = grad_out
    for key, t in inputs.items():
        out[f"{name}.{key}"] = t.detach()
        if t.requires_grad:
            out[f"{name}.grad_{key}"] = t.grad
    for key, p in (params or {}).items():
        out[f"{name}.param.{key}"] = p.detach()
        out[f"{name}.grad_param.{key}"] = p.grad


def cases():
    out = {}
    g = torch.Generator().manual_seed(7)
    for name, dtype, n, d in (("kl", torch.float64, 4, 6), ("kl_f32", torch.float32, 5, 16)):
        mu = (torch.randn(n, d, generator=g, dtype=torch.float64) * 2).to(dtype).requires_grad_()
        logvar = (torch.randn(n, d, generator=g, dtype=torch.float64) * 1.5).to(dtype).requires_grad_()
        finish(out, name, {"mu": mu, "logvar": logvar}, -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1), g)
    for name, dtype in (("bce", torch.float64), ("bce_f32", torch.float32)):
        logits = (torch.randn(3, 1, 5, 5, generator=g, dtype=torch.float64) * 4).to(dtype).requires_grad_()
        target = torch.rand(3, 1, 5, 5, generator=g, dtype=torch.float64).to(dtype)
        target[0, 0, 0] = 0.0  # exact 0 and 1 pixels, as in real images
        target[0, 0, 1] = 1.0
        bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none").sum((1, 2, 3))
        finish(out, name, {"logits": logits, "target": target}, bce, g)
    for name, dtype in (("gauss", torch.float64), ("gauss_f32", torch.float32)):
        mean = torch.rand(2, 1, 4, 4, generator=g, dtype=torch.float64).to(dtype).requires_grad_()
        target = torch.rand(2, 1, 4, 4, generator=g, dtype=torch.float64).to(dtype).requires_grad_()
        nll = -torch.distributions.Normal(mean, 0.3).log_prob(target).sum((1, 2, 3))
        finish(out, name, {"mean": mean, "target": target}, nll, g)
    torch.manual_seed(11)
    model = VAE().to(torch.float32)
    x = torch.rand(2, 1, 28, 28, generator=g, dtype=torch.float64).to(torch.float32)
    finish(out, "model_f32", {"x": x}, model(x), g, dict(model.named_parameters()))
    return out


def main():
    save_safetensors(os.path.join(OUT_DIR, "vae.safetensors"), cases())


if __name__ == "__main__":
    main()
