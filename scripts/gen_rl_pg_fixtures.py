#!/usr/bin/python3
"""Writes the golden fixtures of the policy-gradient action distributions, computed by torch.distributions.

Run with Debian's Python, which has python3-torch:  /usr/bin/python3 scripts/gen_rl_pg_fixtures.py
The output is deterministic (fixed seeds), so regenerating changes nothing unless a case or PyTorch changes.

tests/fixtures/rl_distributions.safetensors
  categorical_log_prob.logits [6, 4], .actions [6] (i64)  Categorical(logits=logits).log_prob(actions)
  categorical_entropy.logits [6, 4]                       Categorical(logits=logits).entropy()
  normal_log_prob.mean [6, 3], .log_std [3], .actions [6, 3]
                                                          Normal(mean, log_std.exp()).log_prob(actions).sum(-1)
  normal_entropy.mean [6, 3], .log_std [3]                Normal(mean, log_std.exp()).entropy().sum(-1)
  Each case has .out, an upstream gradient .grad_out and the gradients .grad_<input> of its float inputs;
  cases ending in `_f32` run in float32 (inputs rounded from the f64 ones), the rest in float64.
The C++ golden test (tests/rl/distributions_golden_test.cpp) builds the same cases; keep the two lists in step.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures")

try:
    import torch
except ImportError:
    print("gen_rl_pg_fixtures: PyTorch is missing; installing python3-torch with scripts/install-deps",
          file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-torch", "python3-numpy"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

from torch.distributions import Categorical, Normal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)


def case(out, name, inputs, fn, dtype):
    """Runs fn on the inputs (float ones as leaves requiring grad) and stores inputs, result and gradients."""
    leaves = {}
    for key, value in inputs.items():
        if value.is_floating_point():
            leaves[key] = value.to(dtype).detach().requires_grad_()
        else:
            leaves[key] = value
    result = fn(**leaves)
    grad_out = torch.linspace(-1.0, 1.5, result.numel(), dtype=torch.float64).reshape(result.shape).to(dtype)
    result.backward(grad_out)
    for key, leaf in leaves.items():
        out[f"{name}.{key}"] = leaf.detach()
        if leaf.is_floating_point():
            out[f"{name}.grad_{key}"] = leaf.grad
    out[f"{name}.out"] = result.detach()
    out[f"{name}.grad_out"] = grad_out


def fixtures():
    torch.manual_seed(0)
    logits = torch.randn(6, 4, dtype=torch.float64) * 2.0
    logits[0] = torch.tensor([30.0, -30.0, 0.0, 1.0])  # a nearly deterministic row
    actions = torch.tensor([0, 1, 2, 3, 1, 2])
    mean = torch.randn(6, 3, dtype=torch.float64)
    log_std = torch.tensor([-0.5, 0.0, 0.7], dtype=torch.float64)
    box_actions = mean + torch.randn(6, 3, dtype=torch.float64) * 1.3
    out = {}
    for suffix, dtype in (("", torch.float64), ("_f32", torch.float32)):
        case(out, "categorical_log_prob" + suffix, {"logits": logits, "actions": actions},
             lambda logits, actions: Categorical(logits=logits).log_prob(actions), dtype)
        case(out, "categorical_entropy" + suffix, {"logits": logits},
             lambda logits: Categorical(logits=logits).entropy(), dtype)
        case(out, "normal_log_prob" + suffix, {"mean": mean, "log_std": log_std, "actions": box_actions},
             lambda mean, log_std, actions: Normal(mean, log_std.exp()).log_prob(actions).sum(-1), dtype)
        case(out, "normal_entropy" + suffix, {"mean": mean, "log_std": log_std},
             lambda mean, log_std: Normal(mean, log_std.exp().expand_as(mean)).entropy().sum(-1) + 0.0 * mean.sum(-1),
             dtype)
    return out


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    save_safetensors(os.path.join(OUT_DIR, "rl_distributions.safetensors"), fixtures())


if __name__ == "__main__":
    main()
