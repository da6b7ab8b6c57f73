#!/usr/bin/python3
"""Writes the golden fixtures of the optimisers and learning-rate schedulers, computed by PyTorch.

Run with Debian's Python, which has python3-torch:  /usr/bin/python3 scripts/gen_fixtures_optim.py
The output is deterministic (fixed seeds), so regenerating changes nothing unless a case or PyTorch changes.

tests/fixtures/optim.safetensors
  init.p0 [3, 4], init.p1 [5]           starting parameters (f64)
  grads.p0 [10, 3, 4], grads.p1 [10, 5] the gradient fed before each of the 10 steps (f64)
  <case>.p0, <case>.p1                  the parameters after each step, stacked like the gradients
  Cases ending in `_skip` give p1 no gradient at the steps in SKIP_STEPS; cases ending in `_f32` run in
  float32 (inputs rounded from the f64 ones), the rest in float64.
tests/fixtures/optim_scheduler.safetensors
  <case>.lr [n + 1, 2]                  the learning rate of both groups (0.1 and 0.02 at the start) after
                                        construction and after each of n steps
  <case>.metrics [n]                    ReduceLROnPlateau cases: the metric passed to each step
The C++ golden tests (tests/optim/optimizer_golden_test.cpp, scheduler_golden_test.cpp) build the same cases;
keep the two lists in step. The files are written by hand (json + struct).
"""
import os
import subprocess
import sys
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures")

try:
    import torch
except ImportError:
    print("gen_fixtures_optim: PyTorch is missing; installing python3-torch with scripts/install-deps",
          file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-torch", "python3-numpy"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

import torch.optim as optim
from torch.optim import lr_scheduler as sched

# SequentialLR steps its second scheduler with an explicit epoch, which PyTorch 1.13 warns about.
warnings.filterwarnings("ignore", message="The epoch parameter", category=UserWarning)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)

# ---- optimisers ---------------------------------------------------------------------------------------------
STEPS = 10
SKIP_STEPS = {2, 5}


def groups(a, b):
    """Two parameter groups: p0 with options a, p1 with options b."""
    return lambda p0, p1: [dict(params=[p0], **a), dict(params=[p1], **b)]


OPTIMIZERS = {
    # SGD
    "sgd_plain": lambda p: optim.SGD(p, lr=0.1),
    "sgd_momentum": lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
    "sgd_dampening_wd": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01),
    "sgd_nesterov_wd": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.05),
    "sgd_groups": lambda p: optim.SGD(groups(dict(lr=0.1, momentum=0.9),
                                             dict(lr=0.01, momentum=0.5, weight_decay=0.1))(*p), lr=0.1),
    "sgd_momentum_skip": lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
    "sgd_nesterov_f32": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.05),
    # Adam / AdamW
    "adam_default": lambda p: optim.Adam(p),
    "adam_lr": lambda p: optim.Adam(p, lr=0.05),
    "adam_amsgrad": lambda p: optim.Adam(p, lr=0.05, betas=(0.8, 0.95), amsgrad=True),
    "adam_l2": lambda p: optim.Adam(p, lr=0.05, weight_decay=0.1),
    "adam_groups": lambda p: optim.Adam(groups(dict(lr=0.05), dict(lr=0.01, betas=(0.5, 0.9), amsgrad=True))(*p)),
    "adam_skip": lambda p: optim.Adam(p, lr=0.05, amsgrad=True),
    "adam_f32": lambda p: optim.Adam(p, lr=0.05, weight_decay=0.1),
    "adamw_default": lambda p: optim.AdamW(p),
    "adamw_wd": lambda p: optim.AdamW(p, lr=0.05, weight_decay=0.1),
    "adamw_amsgrad": lambda p: optim.AdamW(p, lr=0.05, weight_decay=0.01, amsgrad=True, eps=1e-6),
    "adamw_groups": lambda p: optim.AdamW(groups(dict(lr=0.05, weight_decay=0.2), dict(lr=0.02, weight_decay=0.0))(*p)),
    # RMSprop
    "rmsprop_default": lambda p: optim.RMSprop(p),
    "rmsprop_centered": lambda p: optim.RMSprop(p, lr=0.01, alpha=0.9, centered=True),
    "rmsprop_momentum_wd": lambda p: optim.RMSprop(p, lr=0.01, momentum=0.9, weight_decay=0.05),
    "rmsprop_centered_momentum": lambda p: optim.RMSprop(p, lr=0.02, centered=True, momentum=0.5, eps=1e-4),
    "rmsprop_groups": lambda p: optim.RMSprop(groups(dict(lr=0.01, centered=True), dict(lr=0.05, momentum=0.8))(*p)),
    "rmsprop_skip": lambda p: optim.RMSprop(p, lr=0.01, momentum=0.9, centered=True),
    "rmsprop_f32": lambda p: optim.RMSprop(p, lr=0.01, centered=True, momentum=0.5),
    # Adagrad
    "adagrad_default": lambda p: optim.Adagrad(p),
    "adagrad_decay": lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.05, weight_decay=0.1,
                                             initial_accumulator_value=0.5),
    "adagrad_groups": lambda p: optim.Adagrad(groups(dict(lr=0.1, lr_decay=0.01), dict(lr=0.3, eps=1e-3))(*p)),
    "adagrad_skip": lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.1),
    "adagrad_f32": lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.05, weight_decay=0.1),
}


def optimizer_fixtures():
    g = torch.Generator().manual_seed(20240611)
    init = [torch.randn(3, 4, generator=g, dtype=torch.float64), torch.randn(5, generator=g, dtype=torch.float64)]
    grads = [torch.randn(STEPS, 3, 4, generator=g, dtype=torch.float64),
             torch.randn(STEPS, 5, generator=g, dtype=torch.float64)]
    out = {"init.p0": init[0], "init.p1": init[1], "grads.p0": grads[0], "grads.p1": grads[1]}
    for name, make in OPTIMIZERS.items():
        dtype = torch.float32 if name.endswith("_f32") else torch.float64
        params = [p.to(dtype).clone().requires_grad_() for p in init]
        opt = make(params)
        history = [[], []]
        for step in range(STEPS):
            for k, p in enumerate(params):
                skip = k == 1 and name.endswith("_skip") and step in SKIP_STEPS
                p.grad = None if skip else grads[k][step].to(dtype).clone()
            opt.step()
            for k, p in enumerate(params):
                history[k].append(p.detach().clone())
        out[f"{name}.p0"] = torch.stack(history[0])
        out[f"{name}.p1"] = torch.stack(history[1])
    return out


# ---- schedulers ---------------------------------------------------------------------------------------------
PLATEAU_MIN_METRICS = [1.0, 0.8, 0.7, 0.69, 0.695, 0.7, 0.71, 0.6, 0.6, 0.599, 0.6, 0.61, 0.62, 0.63, 0.5,
                       0.5, 0.5, 0.5, 0.5, 0.5, 0.45, 0.46, 0.47, 0.48, 0.49, 0.5, 0.51, 0.52, 0.53, 0.54]
PLATEAU_MAX_METRICS = [0.1, 0.2, 0.2, 0.21, 0.25, 0.25, 0.3, 0.29, 0.28, 0.35, 0.35, 0.35, 0.36, 0.4, 0.4,
                       0.4, 0.4, 0.4, 0.41, 0.5]
PLATEAU_DEFAULT_METRICS = [1.0 - 0.01 * i for i in range(5)] + [0.96] * 25


def warmup(start_factor, steps, after=None):
    def make(opt):
        linear = sched.LinearLR(opt, start_factor=start_factor, end_factor=1.0, total_iters=steps)
        if after is None:
            return linear
        return sched.SequentialLR(opt, [linear, after(opt)], milestones=[steps])
    return make


# name: (steps, make(optimizer), metrics or None). OneCycleLR cases stop at step total_steps - 1, the last
# batch of the cycle: one step more extrapolates past the cycle's end in PyTorch (a negative rate with linear
# annealing), where strata holds the final rate.
SCHEDULERS = {
    "steplr": (12, lambda o: sched.StepLR(o, step_size=3, gamma=0.5), None),
    "multisteplr": (12, lambda o: sched.MultiStepLR(o, milestones=[9, 2, 5, 5], gamma=0.3), None),
    "exponentiallr": (10, lambda o: sched.ExponentialLR(o, gamma=0.8), None),
    "cosine": (25, lambda o: sched.CosineAnnealingLR(o, T_max=10, eta_min=0.001), None),
    "cosine_zero_min": (10, lambda o: sched.CosineAnnealingLR(o, T_max=7), None),
    "onecycle_cos": (19, lambda o: sched.OneCycleLR(o, max_lr=0.5, total_steps=20, cycle_momentum=False), None),
    "onecycle_linear": (14, lambda o: sched.OneCycleLR(o, max_lr=1.0, total_steps=15, pct_start=0.4,
                                                      anneal_strategy="linear", div_factor=10.0,
                                                      final_div_factor=100.0, cycle_momentum=False), None),
    "onecycle_three_phase": (23, lambda o: sched.OneCycleLR(o, max_lr=0.3, total_steps=24, pct_start=0.25,
                                                           three_phase=True, cycle_momentum=False), None),
    "onecycle_three_phase_linear": (16, lambda o: sched.OneCycleLR(o, max_lr=0.3, total_steps=17, pct_start=0.3,
                                                                  three_phase=True, anneal_strategy="linear",
                                                                  cycle_momentum=False), None),
    "warmup": (10, warmup(0.1, 5), None),
    "warmup_cosine": (20, warmup(0.25, 4, lambda o: sched.CosineAnnealingLR(o, T_max=10, eta_min=0.001)), None),
    "warmup_step": (12, warmup(0.5, 3, lambda o: sched.StepLR(o, step_size=2, gamma=0.5)), None),
    "plateau_min": (len(PLATEAU_MIN_METRICS),
                    lambda o: sched.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=2, threshold=0.01,
                                                      cooldown=1, min_lr=0.004), PLATEAU_MIN_METRICS),
    "plateau_max": (len(PLATEAU_MAX_METRICS),
                    lambda o: sched.ReduceLROnPlateau(o, mode="max", factor=0.3, patience=0, threshold=0.05,
                                                      cooldown=2), PLATEAU_MAX_METRICS),
    "plateau_default": (len(PLATEAU_DEFAULT_METRICS), lambda o: sched.ReduceLROnPlateau(o),
                        PLATEAU_DEFAULT_METRICS),
}


def scheduler_fixtures():
    out = {}
    for name, (steps, make, metrics) in SCHEDULERS.items():
        w0 = torch.zeros(2, dtype=torch.float64, requires_grad=True)
        w1 = torch.zeros(3, dtype=torch.float64, requires_grad=True)
        opt = optim.SGD([dict(params=[w0], lr=0.1), dict(params=[w1], lr=0.02)], lr=0.1, momentum=0.9)
        s = make(opt)
        lrs = [[g["lr"] for g in opt.param_groups]]
        for step in range(steps):
            opt.step()  # no gradients: keeps PyTorch's step-order check quiet, changes nothing
            if metrics is None:
                s.step()
            else:
                s.step(metrics[step])
            lrs.append([g["lr"] for g in opt.param_groups])
        out[f"{name}.lr"] = torch.tensor(lrs, dtype=torch.float64)
        if metrics is not None:
            out[f"{name}.metrics"] = torch.tensor(metrics, dtype=torch.float64)
    return out


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    save_safetensors(os.path.join(OUT_DIR, "optim.safetensors"), optimizer_fixtures())
    save_safetensors(os.path.join(OUT_DIR, "optim_scheduler.safetensors"), scheduler_fixtures())


if __name__ == "__main__":
    main()
