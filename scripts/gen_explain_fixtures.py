#!/usr/bin/python3
"""Writes the golden fixtures of strata::explain: attributions computed with plain PyTorch by Captum's formulas.

Run with Debian's Python, which has python3-torch:  /usr/bin/python3 scripts/gen_explain_fixtures.py
Captum is not packaged for Debian, so each method is written here as Captum computes it (the docstrings say
which Captum code path they follow). Every case seeds torch from its own name: the output is deterministic.

The model of every case is a small classifier in float64, Conv2d(2, 3, 3, padding=1) -> Tanh -> Flatten ->
Linear(75, 4) on inputs [3, 2, 5, 5] (smooth, so quadrature errors shrink as the theory says). A case `c` holds
  c.param.<name>  the model's state dict (0.weight, 0.bias, 3.weight, 3.bias)
  c.x             the input [3, 2, 5, 5], c.target [3] i64 the explained classes
  c.out           the attributions, shaped like c.x
and, per method:
  tests/fixtures/explain_saliency.safetensors          saliency (|grad|), saliency_signed (grad)
  tests/fixtures/explain_gradient_x_input.safetensors  gradient_x_input
  tests/fixtures/explain_integrated_gradients.safetensors
      ig_<rule>_<steps> with c.baseline [3, 2, 5, 5] and c.delta [3] (Captum's convergence delta);
      ig_zero_baseline (no baseline: zeros)
  tests/fixtures/explain_occlusion.safetensors
      c.window, c.strides [3] i64, c.baseline 0-dim f64 (the occlusion value)
"""
import os
import subprocess
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures")

try:
    import numpy as np
    import torch
except ImportError:
    print("gen_explain_fixtures: PyTorch is missing; installing python3-torch", file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-torch", "python3-numpy"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)

SHAPE = (3, 2, 5, 5)


def model():
    return torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3, padding=1), torch.nn.Tanh(), torch.nn.Flatten(),
                               torch.nn.Linear(75, 4)).double().eval()


def scores(net, x, target):
    """The explained scores [N]: the logits of the target classes."""
    return net(x).gather(1, target[:, None])[:, 0]


def gradient(net, x, target):
    x = x.detach().requires_grad_()
    return torch.autograd.grad(scores(net, x, target).sum(), x)[0]


def quadrature(method, n):
    """Captum's approximation_parameters(method): (step_sizes, alphas) of captum/attr/_utils/approximation_methods."""
    if method == "riemann_left":
        return [1 / n] * n, list(torch.linspace(0, 1 - 1 / n, n).tolist())
    if method == "riemann_right":
        return [1 / n] * n, list(torch.linspace(1 / n, 1, n).tolist())
    if method == "riemann_middle":
        return [1 / n] * n, list(torch.linspace(1 / (2 * n), 1 - 1 / (2 * n), n).tolist())
    if method == "riemann_trapezoid":
        return [1 / (2 * (n - 1))] + [1 / (n - 1)] * (n - 2) + [1 / (2 * (n - 1))], list(torch.linspace(0, 1, n).tolist())
    if method == "gausslegendre":
        x, w = np.polynomial.legendre.leggauss(n)
        return list(0.5 * w), list(0.5 * (x + 1))
    raise ValueError(method)


def integrated_gradients(net, x, target, baseline, method, n):
    """Captum's IntegratedGradients.attribute(..., return_convergence_delta=True): the scaled inputs
    baseline + a (x - baseline), their gradients weighted by the step sizes, times (x - baseline); the delta is
    sum(attributions) - (f(x) - f(baseline)) per example."""
    steps, alphas = quadrature(method, n)
    total = torch.zeros_like(x)
    for w, a in zip(steps, alphas):
        total += w * gradient(net, baseline + a * (x - baseline), target)
    attr = (x - baseline) * total
    with torch.no_grad():
        delta = attr.flatten(1).sum(1) - (scores(net, x, target) - scores(net, baseline, target))
    return attr, delta


def occlusion(net, x, target, window, strides, value):
    """Captum's Occlusion: every window position (shift counts (size - window) // stride + 1 per dim) replaced
    by `value`; each element gets the mean of f(x) - f(occluded) over the windows covering it (0 if none)."""
    n = x.shape[0]
    dims = x.shape[1:]
    counts = [(d - w) // s + 1 for d, w, s in zip(dims, window, strides)]
    total = torch.zeros_like(x)
    cover = torch.zeros(dims, dtype=x.dtype)
    with torch.no_grad():
        fx = scores(net, x, target)
        for pos in np.ndindex(*counts):
            mask = torch.zeros(dims, dtype=x.dtype)
            region = tuple(slice(p * s, p * s + w) for p, s, w in zip(pos, strides, window))
            mask[region] = 1
            occluded = x * (1 - mask) + value * mask
            drop = fx - scores(net, occluded, target)
            total += drop.view(n, *[1] * len(dims)) * mask
            cover += mask
    return torch.where(cover > 0, total / cover.clamp(min=1), torch.zeros_like(total))


class Family:
    def __init__(self, name):
        self.name = name
        self.tensors = {}

    def case(self, case, compute):
        """Seeds torch from the case, draws the model and input, stores them with compute's results."""
        assert "." not in case and case not in {k.split(".")[0] for k in self.tensors}, case
        torch.manual_seed(zlib.crc32(f"{self.name}/{case}".encode()))
        net = model()
        x = torch.randn(SHAPE, dtype=torch.float64)
        target = torch.tensor([0, 3, 1])
        for name, p in net.state_dict().items():
            self.tensors[f"{case}.param.{name}"] = p.detach().clone()
        self.tensors[f"{case}.x"] = x
        self.tensors[f"{case}.target"] = target
        for name, t in compute(net, x, target).items():
            self.tensors[f"{case}.{name}"] = t.detach().clone()

    def write(self):
        path = os.path.join(OUT_DIR, f"explain_{self.name}.safetensors")
        save_safetensors(path, self.tensors)
        return path


def saliency_family():
    f = Family("saliency")
    f.case("saliency", lambda net, x, t: {"out": gradient(net, x, t).abs()})
    f.case("saliency_signed", lambda net, x, t: {"out": gradient(net, x, t)})
    return f


def gradient_x_input_family():
    f = Family("gradient_x_input")
    f.case("gradient_x_input", lambda net, x, t: {"out": x * gradient(net, x, t)})
    return f


def integrated_gradients_family():
    f = Family("integrated_gradients")
    for method, n in [("riemann_left", 7), ("riemann_right", 7), ("riemann_middle", 7), ("riemann_trapezoid", 7),
                      ("gausslegendre", 7), ("gausslegendre", 1), ("riemann_left", 1)]:
        def compute(net, x, t, method=method, n=n):
            baseline = 0.3 * torch.randn(SHAPE, dtype=torch.float64)
            attr, delta = integrated_gradients(net, x, t, baseline, method, n)
            return {"baseline": baseline, "out": attr, "delta": delta}
        f.case(f"ig_{method}_{n}", compute)

    def zero(net, x, t):
        attr, delta = integrated_gradients(net, x, t, torch.zeros_like(x), "gausslegendre", 20)
        return {"out": attr, "delta": delta}
    f.case("ig_zero_baseline", zero)
    return f


def occlusion_family():
    f = Family("occlusion")
    for case, window, strides, value in [("occlusion_3x3", (2, 3, 3), (2, 1, 1), 0.0),
                                         ("occlusion_per_channel", (1, 2, 2), (1, 2, 1), -0.5),
                                         ("occlusion_uncovered", (2, 2, 2), (1, 3, 3), 0.25)]:
        def compute(net, x, t, window=window, strides=strides, value=value):
            return {"out": occlusion(net, x, t, window, strides, value), "window": torch.tensor(window),
                    "strides": torch.tensor(strides), "baseline": torch.tensor(value, dtype=torch.float64)}
        f.case(case, compute)
    return f


def main():
    torch.set_default_dtype(torch.float64)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)
    for family in [saliency_family, gradient_x_input_family, integrated_gradients_family, occlusion_family]:
        path = family().write()
        print(f"{os.path.relpath(path, ROOT)}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
