#!/usr/bin/python3
"""Summarises the runs of scripts/rl_study.sh as the markdown tables of docs/rl.md.

  scripts/rl_study_summary.py OUT_DIR CONFIG...

For each config, OUT_DIR/CONFIG.jsonl holds the final JSON line of `strata rl` for every seed and
OUT_DIR/CONFIG/seed_N/metrics.csv its per-update log. Reported over the seeds: the interquartile mean (IQM:
the mean of the middle 50% of the sorted per-seed values, as Agarwal et al. 2021 recommend for few seeds) and
the min / max of the final evaluation's mean return over 100 episodes; the number of seeds whose evaluation
reaches the bar; the environment steps until the rolling mean return of the last 100 training episodes first
reaches the bar (median over the seeds that get there); and the training wall and CPU time (median, max).
"""
import csv
import glob
import json
import math
import os
import sys

BARS = {"CartPole-v1": 475.0, "Pendulum-v1": -200.0}


def iqm(values):
    v = sorted(values)
    n = len(v)
    lo, hi = n / 4.0, 3.0 * n / 4.0
    # Weighted mean over [n/4, 3n/4) of the sorted values, fractional ends included (scipy's trim_mean for
    # n divisible by 4, and its natural extension otherwise).
    total = weight = 0.0
    for i, x in enumerate(v):
        w = max(0.0, min(i + 1, hi) - max(i, lo))
        total += w * x
        weight += w
    return total / weight


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])


def steps_to_bar(metrics_csv, bar):
    with open(metrics_csv) as f:
        for row in csv.DictReader(f):
            r = row["rolling_mean_return"]
            if r not in ("", "null") and not math.isnan(float(r)) and float(r) >= bar:
                return int(row["step"])
    return None


def main():
    out, configs = sys.argv[1], sys.argv[2:]
    print("| config | env | algorithm | steps | seeds | eval return IQM | min | max | seeds >= bar | "
          "steps to bar (median) | train wall s (median / max) | train CPU s (median / max) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for config in configs:
        with open(os.path.join(out, config + ".jsonl")) as f:
            runs = sorted((json.loads(line) for line in f if line.strip()), key=lambda r: r["seed"])
        env, algo, steps = runs[0]["env"], runs[0]["algorithm"], runs[0]["steps"]
        bar = BARS[env]
        returns = [r["mean_return"] for r in runs]
        seconds = [r["train_seconds"] for r in runs]
        cpu = [r["train_cpu_seconds"] for r in runs if "train_cpu_seconds" in r]
        reach = []
        for r in runs:
            s = steps_to_bar(os.path.join(out, config, "seed_%d" % r["seed"], "metrics.csv"), bar)
            if s is not None:
                reach.append(s)
        reach_text = "%d (%d of %d seeds)" % (median(reach), len(reach), len(runs)) if reach else "never"
        cpu_text = "%.1f / %.1f" % (median(cpu), max(cpu)) if len(cpu) == len(runs) else "n/a"
        print("| %s | %s | %s | %d | %d | %.1f | %.1f | %.1f | %d / %d | %s | %.1f / %.1f | %s |" % (
            config, env, algo, steps, len(runs), iqm(returns), min(returns), max(returns),
            sum(1 for x in returns if x >= bar), len(runs), reach_text, median(seconds), max(seconds), cpu_text))
    print()
    print("Per seed (evaluation mean return over 100 episodes, training wall seconds):")
    print()
    for config in configs:
        with open(os.path.join(out, config + ".jsonl")) as f:
            runs = sorted((json.loads(line) for line in f if line.strip()), key=lambda r: r["seed"])
        cells = ", ".join("%d: %.1f (%.1f s)" % (r["seed"], r["mean_return"], r["train_seconds"]) for r in runs)
        print("- %s: %s" % (config, cells))


if __name__ == "__main__":
    main()
