#!/usr/bin/python3
"""Writes the fixtures of the Rényi-DP accountant (src/fed/rdp_accountant.cpp), computed independently of its
series: the RDP of the sampled Gaussian mechanism by numerical integration of its definition (Mironov, Talwar
and Zhang 2019, eq. (3)) with SciPy's adaptive quadrature.

Run with Debian's Python, which has python3-scipy:  /usr/bin/python3 scripts/gen_fixtures_rdp.py
The output is deterministic, so regenerating changes nothing unless a case or SciPy changes.

For mu0 = N(0, sigma^2), mu1 = N(1, sigma^2), mu = (1 - q) mu0 + q mu1, the RDP of order alpha is
    log(A_alpha) / (alpha - 1),  A_alpha = integral of mu0(z) * ((1 - q) + q * mu1(z) / mu0(z))^alpha dz,
where mu1 / mu0 = exp((2 z - 1) / (2 sigma^2)). The integrand is formed in log space, its peaks found on a
grid (it has up to two, near 0 and near alpha), and exp(f - max f) integrated over [-14 sigma - 1,
alpha + 14 sigma + 1] with the peaks as break points. Epsilon at delta follows from the total RDP with the
conversion of Balle et al. 2020 (Theorem 21), minimised over Opacus' default orders.

tests/fixtures/rdp.safetensors
  <case>.params [4]   q, sigma, steps, delta (f64)
  <case>.orders [K]   1.1, 1.2, ..., 10.9, 12, ..., 63 (integer and fractional)
  <case>.rdp [K]      the RDP of one step at each order
  <case>.epsilon [1]  epsilon after `steps` steps at delta
The C++ test tests/fed/rdp_accountant_test.cpp compares against every case; keep the lists in step.
"""
import math
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures")

try:
    import numpy as np
    from scipy import integrate
    import torch
except ImportError:
    print("gen_fixtures_rdp: SciPy or PyTorch is missing; installing them with scripts/install-deps", file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-scipy", "python3-torch"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)

# name -> (q, sigma, steps, delta)
CASES = {
    "mnist_b256_s11": (256 / 60000, 1.1, 60 * 235, 1e-5),
    "q001_s10": (0.01, 1.0, 1000, 1e-5),
    "q01_s20": (0.1, 2.0, 100, 1e-5),
    "q005_s08": (0.05, 0.8, 50, 1e-6),
    "q02_s15": (0.2, 1.5, 300, 1e-5),
    "q0001_s06": (0.001, 0.6, 10000, 1e-5),
}

ORDERS = [1 + x / 10.0 for x in range(1, 100)] + [float(a) for a in range(12, 64)]


def log_integrand(z, q, sigma, alpha):
    log_mu0 = -z * z / (2 * sigma**2) - math.log(sigma * math.sqrt(2 * math.pi))
    log_ratio = np.logaddexp(math.log1p(-q), math.log(q) + (2 * z - 1) / (2 * sigma**2))
    return log_mu0 + alpha * log_ratio


def rdp_numeric(q, sigma, alpha):
    lo, hi = -14 * sigma - 1, alpha + 14 * sigma + 1
    grid = np.linspace(lo, hi, 20001)
    f = log_integrand(grid, q, sigma, alpha)
    fmax = float(f.max())
    # local maxima of the grid as break points for the quadrature
    peaks = [float(grid[i]) for i in range(1, len(grid) - 1) if f[i] >= f[i - 1] and f[i] >= f[i + 1]]
    value, _ = integrate.quad(lambda z: math.exp(log_integrand(z, q, sigma, alpha) - fmax), lo, hi,
                              points=peaks[:50] or None, limit=2000, epsabs=0, epsrel=1e-12)
    return (fmax + math.log(value)) / (alpha - 1)


def epsilon(rdp, steps, delta):
    best = math.inf
    for a, r in zip(ORDERS, rdp):
        eps = steps * r - (math.log(delta) + math.log(a)) / (a - 1) + math.log((a - 1) / a)
        best = min(best, eps)
    return max(best, 0.0)


def main():
    tensors = {}
    for name, (q, sigma, steps, delta) in CASES.items():
        rdp = [rdp_numeric(q, sigma, a) for a in ORDERS]
        tensors[f"{name}.params"] = torch.tensor([q, sigma, float(steps), delta], dtype=torch.float64)
        tensors[f"{name}.orders"] = torch.tensor(ORDERS, dtype=torch.float64)
        tensors[f"{name}.rdp"] = torch.tensor(rdp, dtype=torch.float64)
        tensors[f"{name}.epsilon"] = torch.tensor([epsilon(rdp, steps, delta)], dtype=torch.float64)
        print(f"{name}: epsilon {tensors[name + '.epsilon'].item():.6f}")
    save_safetensors(os.path.join(OUT_DIR, "rdp.safetensors"), tensors)


if __name__ == "__main__":
    main()
