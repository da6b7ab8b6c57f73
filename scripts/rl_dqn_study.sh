#!/bin/sh
# The DQN study of docs/rl.md ("DQN"): `strata rl -c configs/cartpole_dqn.yaml` (CleanRL's hyperparameters
# and budget, 500k steps) for ten seeds, each evaluated on 100 greedy episodes. Runs land in
# runs/cartpole_dqn_<seed>/ (episodes.csv, metrics.csv, curves.png, checkpoint, result.json); the summary
# (interquartile mean of the evaluation returns over the seeds, steps, wall time) is printed and the learning
# curves are drawn to docs/figures/rl_dqn_cartpole.png. The `short` parts do the same for the shorter budget
# of docs/rl.md (100k steps: double DQN, Huber loss, clipping, a faster learning rate) in runs/cartpole_dqn_short_*.
#   scripts/rl_dqn_study.sh [run|summary|short|short_summary ...]
#     (JOBS=2 runs two seeds at a time; SEEDS overrides the seeds)
set -e
STRATA=${STRATA:-build/strata}
SEEDS=${SEEDS:-"1 2 3 4 5 6 7 8 9 10"}
JOBS=${JOBS:-1}
SHORT="--steps 100000 --set algorithm.learning_rate=1e-3 --set algorithm.batch_size=64 \
  --set algorithm.exploration_fraction=0.2 --set algorithm.learning_starts=1000 --set algorithm.train_frequency=4 \
  --set algorithm.double_q=true --set algorithm.loss=smooth_l1 --set algorithm.max_grad_norm=10"
parts=${*:-run summary}

# runs(PREFIX, EXTRA ARGS): one `strata rl` run per seed into runs/PREFIX_<seed>.
runs() {
  for seed in $SEEDS; do echo "$seed"; done |
    xargs -P "$JOBS" -I{} sh -c "mkdir -p runs/$1_{} && nice -n 5 $STRATA rl -c configs/cartpole_dqn.yaml \
      --seed {} $2 --out runs/$1_{} --threads 1 --no-progress > runs/$1_{}/result.json && cat runs/$1_{}/result.json"
}

for part in $parts; do
  case $part in
  run) runs cartpole_dqn "" ;;
  short) runs cartpole_dqn_short "$SHORT" ;;
  summary | short_summary)
    if [ "$part" = summary ]; then prefix=cartpole_dqn; figure=1; else prefix=cartpole_dqn_short; figure=; fi
    SEEDS="$SEEDS" PREFIX=$prefix FIGURE=$figure /usr/bin/python3 - <<'PY'
import csv, json, os, sys
import numpy as np
from PIL import Image, ImageDraw

seeds = os.environ["SEEDS"].split()
prefix = os.environ["PREFIX"]
results = [json.load(open(f"runs/{prefix}_{s}/result.json")) for s in seeds]
steps = results[0]["steps"]

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
print(f"{prefix}: steps {steps}, training wall time median {np.median(train):.1f} s "
      f"(min {min(train):.1f}, max {max(train):.1f}), one core")

if not os.environ["FIGURE"]:
    sys.exit(0)
# Learning curves: each seed's mean training-episode return per window of steps, then the IQM and the
# 25-75% band over seeds.
window = steps // 50
edges = np.arange(window, steps + 1, window)
curves = []
for s in seeds:
    rows = list(csv.DictReader(open(f"runs/{prefix}_{s}/episodes.csv")))
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
