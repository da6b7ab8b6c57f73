"""Timing harness for the PyTorch twins: the same protocol as bench/harness.h (warm-up, then samples
until --min-steps or --min-time, whichever comes first, never fewer than --floor-steps), one JSON line
per row on stdout. Thread settings come from bench/run (environment) and --threads."""
import argparse
import json
import sys
import time

import torch


def parse(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--min-steps", type=int, default=100)
    p.add_argument("--min-time", type=float, default=5.0)
    p.add_argument("--max-steps", type=int, default=100000)
    p.add_argument("--warmup", type=int, default=-1)
    p.add_argument("--floor-steps", type=int, default=10)
    p.add_argument("--autocast", action="store_true",
                   help="mixed precision: forward and loss under torch.autocast('cpu', dtype=torch.bfloat16)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    return args


def percentile(values, q):
    v = sorted(values)
    if not v:
        return 0.0
    pos = q * (len(v) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    f = pos - lo
    return v[lo] * (1 - f) + v[hi] * f


class Samples(list):
    """Wall times per iteration, with the process CPU times alongside (robust on a loaded machine)."""

    def __init__(self, wall, cpu):
        super().__init__(wall)
        self.cpu = cpu


def measure(args, step, warmup, inner=1, unit="ms"):
    """Per-iteration times (in `unit`) of step(), which runs `inner` iterations per call."""
    for _ in range(args.warmup if args.warmup >= 0 else warmup):
        step()
    scale = (1e6 if unit == "us" else 1e3) / inner
    samples, cpu = [], []
    start = time.perf_counter()
    while len(samples) < args.max_steps:
        c0 = time.process_time()
        t0 = time.perf_counter()
        step()
        t1 = time.perf_counter()
        c1 = time.process_time()
        samples.append((t1 - t0) * scale)
        cpu.append((c1 - c0) * scale)
        n = len(samples)
        if n >= args.floor_steps and (n >= args.min_steps or t1 - start >= args.min_time):
            break
    return Samples(samples, cpu)


def report(args, workload, samples, variant="", unit="ms", **extra):
    row = {"workload": workload, "variant": variant, "threads": args.threads, "unit": unit,
           "median": percentile(samples, 0.5), "p10": percentile(samples, 0.1),
           "p90": percentile(samples, 0.9), "steps": len(samples)}
    if hasattr(samples, "cpu"):
        row["cpu_median"] = percentile(samples.cpu, 0.5)
    row.update(extra)
    print(json.dumps(row))
    sys.stdout.flush()


def random_data(batch, classes=10, batches=4, seed=0, image=(1, 28, 28)):
    """Four random batches (Fashion-MNIST-shaped by default), used in turn (as in bench/workloads.cpp)."""
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(batch, *image, generator=g), torch.randint(0, classes, (batch,), generator=g))
            for _ in range(batches)]


def train(args, workload, net, opt, batch, warmup=10, image=(1, 28, 28), classes=10):
    """zero_grad + forward + cross-entropy + backward + optimiser step per sample; with --autocast the
    forward and loss run under CPU autocast to bf16 (the row's variant is then "bf16")."""
    data = random_data(batch, classes, image=image)
    loss_fn = torch.nn.CrossEntropyLoss()
    i = 0

    def step():
        nonlocal i
        x, y = data[i % len(data)]
        i += 1
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.autocast):
            loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()

    report(args, workload, measure(args, step, warmup=warmup), variant="bf16" if args.autocast else "")
