#!/usr/bin/python3
"""Writes the golden fixtures of strata::metrics::frechet_distance, computed with scipy.linalg.sqrtm.

Run with Debian's Python, which has python3-scipy:  /usr/bin/python3 scripts/gen_fixtures_frechet.py
The output is deterministic (fixed seeds), so regenerating changes nothing unless a case or SciPy changes.

tests/fixtures/frechet.safetensors (tests/metrics/frechet_golden_test.cpp)
  <case>.a [N_a, D], <case>.b [N_b, D]   two feature sets (f64, or f32 for `_f32` cases)
  <case>.mean_a [D], <case>.cov_a [D, D] numpy's mean and unbiased covariance (np.cov, rowvar=False) of a, f64
  <case>.out []                          the squared Frechet distance, f64, computed as FID implementations do:
                                         |mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 tr(sqrtm(S_a @ S_b)).real
Cases cover different set sizes, correlated features, a shift of the mean only, rank-deficient covariances
(fewer vectors than features; a duplicated feature column) and float32 inputs. For the rank-deficient cases
sqrtm of the singular product is checked against the symmetric form tr(sqrtm(A^1/2 S_b A^1/2)) before it is
stored, so the fixture holds a value both methods agree on.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures")

try:
    import numpy as np
    import scipy.linalg
    import torch
except ImportError:
    print("gen_fixtures_frechet: SciPy or PyTorch is missing; installing them with scripts/install-deps",
          file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-scipy", "python3-numpy",
                    "python3-torch"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)


def frechet_sqrtm(a, b):
    """The FID formula with scipy.linalg.sqrtm of the (non-symmetric) product S_a S_b."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = scipy.linalg.sqrtm(s_a @ s_b)
    covmean = np.real(covmean)
    diff = mu_a - mu_b
    return float(diff @ diff + np.trace(s_a) + np.trace(s_b) - 2 * np.trace(covmean))


def frechet_symmetric(a, b):
    """The same distance through the symmetric form, as a cross-check of sqrtm on singular products."""
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root_a = np.real(scipy.linalg.sqrtm(s_a))
    inner = root_a @ s_b @ root_a
    w = np.linalg.eigvalsh((inner + inner.T) / 2)
    diff = a.mean(0) - b.mean(0)
    return float(diff @ diff + np.trace(s_a) + np.trace(s_b) - 2 * np.sqrt(np.clip(w, 0, None)).sum())


def correlated(rng, n, d, shift=0.0, scale=1.0):
    mix = rng.normal(size=(d, d)) / np.sqrt(d)
    return rng.normal(size=(n, d)) @ mix * scale + shift


def cases():
    rng = np.random.default_rng(1234)
    out = {}
    base = correlated(rng, 120, 12)
    dup = rng.normal(size=(80, 5))
    dup = np.concatenate([dup, dup[:, :1] * 2.0], axis=1)  # column 5 = 2 x column 0: a singular covariance
    dup_b = rng.normal(size=(90, 6)) + 0.3
    sets = {
        "small": (rng.normal(size=(50, 4)), rng.normal(size=(40, 4)) * 1.5 + 0.5),
        "correlated": (correlated(rng, 100, 16), correlated(rng, 130, 16, shift=0.2, scale=0.8)),
        "mean_shift": (base, base + np.linspace(-1, 1, 12)),
        "fewer_vectors_than_features": (rng.normal(size=(6, 10)), rng.normal(size=(7, 10)) + 1.0),
        "duplicated_feature": (dup, dup_b),
        "correlated_f32": (correlated(rng, 120, 8), correlated(rng, 150, 8, shift=-0.4, scale=1.3)),
    }
    for name, (a, b) in sets.items():
        if name.endswith("_f32"):  # the reference runs on the same (rounded) float32 values, in float64
            a, b = a.astype(np.float32).astype(np.float64), b.astype(np.float32).astype(np.float64)
        d = frechet_sqrtm(a, b)
        check = frechet_symmetric(a, b)
        assert abs(d - check) <= 1e-6 * max(1.0, abs(d)), (name, d, check)
        dtype = torch.float32 if name.endswith("_f32") else torch.float64
        out[f"{name}.a"] = torch.from_numpy(a).to(dtype)
        out[f"{name}.b"] = torch.from_numpy(b).to(dtype)
        out[f"{name}.mean_a"] = torch.from_numpy(a.mean(0))
        out[f"{name}.cov_a"] = torch.from_numpy(np.cov(a, rowvar=False))
        out[f"{name}.out"] = torch.tensor(d, dtype=torch.float64)
    return out


def main():
    save_safetensors(os.path.join(OUT_DIR, "frechet.safetensors"), cases())


if __name__ == "__main__":
    main()
