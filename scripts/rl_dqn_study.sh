#!/bin/sh
# The DQN study of docs/rl.md ("DQN"): `strata rl -c configs/cartpole_dqn.yaml` (CleanRL's hyperparameters
# and budget, 500k steps) for ten seeds, each evaluated on 100 greedy episodes. Runs land in
# runs/cartpole_dqn_<seed>/ (episodes.csv, metrics.csv, curves.png, checkpoint, result.json); the summary
# (interquartile mean of the evaluation returns over the seeds, steps, wall time) is printed and the learning
# curves are drawn to docs/figures/rl_dqn_cartpole.png.
#   scripts/rl_dqn_study.sh [run|summary ...]     (JOBS=2 runs two seeds at a time; STEPS, SEEDS override)
set -e
STRATA=${STRATA:-build/strata}
STEPS=${STEPS:-500000}
SEEDS=${SEEDS:-"1 2 3 4 5 6 7 8 9 10"}
JOBS=${JOBS:-1}
parts=${*:-run summary}
for part in $parts; do
  case $part in
  run)
    for seed in $SEEDS; do echo "$seed"; done |
      xargs -P "$JOBS" -I{} sh -c "mkdir -p runs/cartpole_dqn_{} && nice -n 5 $STRATA rl -c configs/cartpole_dqn.yaml \
        --seed {} --steps $STEPS --out runs/cartpole_dqn_{} --threads 1 --no-progress > runs/cartpole_dqn_{}/result.json \
        && cat runs/cartpole_dqn_{}/result.json" ;;
  summary)
    SEEDS="$SEEDS" STEPS="$STEPS" /usr/bin/python3 - <<'PY'
import csv, json, os
import numpy as np
from PIL import Image, ImageDraw

seeds = os.environ["SEEDS"].split()
steps = int(os.environ["STEPS"])
results = [json.load(open(f"runs/cartpole_dqn_{s}/result.json")) for s in seeds]

def iqm(values):
    # The interquartile mean (rliable's): the mean of what is left after dropping the lowest and highest quarter.
    v = np.sort(np.asarray(values, dtype=float))
    cut = int(0.25 * len(v))
    return v[cut:len(v) - cut].mean()

evals = [r["mean_return"] for r in results]
print("seed  eval_mean  eval_std  eval_min  train_s")
for r in results:
    print(f"{r['seed']:4d}  {r['mean_return']:9.1f}  {r['std_return']:8.1f}  {r['min_return']:8.1f}"
          f"  {r['train_seconds']:7.1f}")
print(f"IQM of the evaluation means over {len(evals)} seeds: {iqm(evals):.1f}; mean {np.mean(evals):.1f}, "
      f"min {min(evals):.1f}; seeds >= 475: {sum(e >= 475 for e in evals)}/{len(evals)}")
train = [r["train_seconds"] for r in results]
print(f"steps {results[0]['steps']}, training wall time median {np.median(train):.1f} s "
      f"(min {min(train):.1f}, max {max(train):.1f}), one core")

# Learning curves: each seed's mean training-episode return per window of steps, then the IQM and the
# 25-75% band over seeds.
window = steps // 50
edges = np.arange(window, steps + 1, window)
curves = []
for s in seeds:
    rows = list(csv.DictReader(open(f"runs/cartpole_dqn_{s}/episodes.csv")))
    x = np.array([int(r["step"]) for r in rows]); y = np.array([float(r["return"]) for r in rows])
    curve, last = [], np.nan
    for e in edges:
        m = (x > e - window) & (x <= e)
        last = y[m].mean() if m.any() else last
        curve.append(last)
    curves.append(curve)
curves = np.array(curves)
mid = np.array([iqm(curves[:, i]) for i in range(len(edges))])
lo, hi = np.nanpercentile(curves, 25, axis=0), np.nanpercentile(curves, 75, axis=0)

W, H, L, R, T, B = 720, 420, 70, 20, 40, 55
img = Image.new("RGB", (W, H), "white"); d = ImageDraw.Draw(img)
px = lambda s: L + (W - L - R) * s / steps
py = lambda v: H - B - (H - T - B) * v / 520
d.rectangle([L, T, W - R, H - B], outline="black")
for v in range(0, 501, 100):
    d.line([L - 4, py(v), L, py(v)], fill="black"); d.text((L - 34, py(v) - 6), f"{v}", fill="black")
    d.line([L, py(v), W - R, py(v)], fill=(230, 230, 230))
for k in range(0, 6):
    s = steps * k // 5
    d.line([px(s), H - B, px(s), H - B + 4], fill="black"); d.text((px(s) - 14, H - B + 8), f"{s // 1000}k", fill="black")
band = [(px(e), py(v)) for e, v in zip(edges, hi) if not np.isnan(v)] + \
       [(px(e), py(v)) for e, v in reversed(list(zip(edges, lo))) if not np.isnan(v)]
if len(band) > 2:
    d.polygon(band, fill=(190, 210, 240))
for x0 in range(L, W - R, 12):
    d.line([x0, py(475), min(x0 + 6, W - R), py(475)], fill=(200, 60, 60))
pts = [(px(e), py(v)) for e, v in zip(edges, mid) if not np.isnan(v)]
d.line(pts, fill=(30, 70, 160), width=2)
d.text((L, 12), f"DQN on CartPole-v1: training episode return, IQM over {len(seeds)} seeds (band: 25-75%)", fill="black")
d.text((W // 2 - 60, H - 22), "environment steps", fill="black")
d.text((W - R - 90, py(475) + 4), "475 (solved)", fill=(200, 60, 60))
os.makedirs("docs/figures", exist_ok=True)
img.save("docs/figures/rl_dqn_cartpole.png")
print("wrote docs/figures/rl_dqn_cartpole.png")
PY
    ;;
  esac
done
