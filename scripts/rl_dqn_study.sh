#!/bin/sh
# The DQN study of docs/rl.md ("DQN"): `strata rl -c configs/cartpole_dqn.yaml` (CleanRL's hyperparameters
# and budget, 500k steps) and the shorter 100k-step setting (double DQN, Huber loss, clipping, a faster
# learning rate: `cartpole_dqn_short`), ten seeds each, every run evaluated on 100 greedy episodes. Runs land
# in OUT/<setting>/seed_<seed>/ with OUT/<setting>.jsonl, the layout of scripts/rl_study.sh; the summary is
# scripts/rl_study_summary.py's table (interquartile mean of the evaluation returns, steps to the bar, wall
# time) and the curves of the 500k-step setting are drawn to docs/figures/rl_dqn_cartpole.png.
#   scripts/rl_dqn_study.sh [run|short|summary ...]   (default: all three)
#     BUILD (build), OUT (runs/rl_study), SEEDS (1..10) and JOBS (1; 2 runs two seeds at a time) override.
set -eu
BUILD=${BUILD:-build}
OUT=${OUT:-runs/rl_study}
SEEDS=${SEEDS:-"1 2 3 4 5 6 7 8 9 10"}
JOBS=${JOBS:-1}
SHORT="--steps 100000 --set algorithm.learning_rate=1e-3 --set algorithm.batch_size=64 \
  --set algorithm.exploration_fraction=0.2 --set algorithm.learning_starts=1000 --set algorithm.train_frequency=4 \
  --set algorithm.double_q=true --set algorithm.loss=smooth_l1 --set algorithm.max_grad_norm=10"
parts=${*:-run short summary}

# runs NAME EXTRA_ARGS: one `strata rl` run of configs/cartpole_dqn.yaml per seed into OUT/NAME/seed_<seed>.
runs() {
  for seed in $SEEDS; do echo "$seed"; done |
    xargs -P "$JOBS" -I{} sh -c "mkdir -p $OUT/$1/seed_{} && STRATA_NUM_THREADS=1 nice -n 5 $BUILD/strata rl \
      -c configs/cartpole_dqn.yaml --seed {} $2 --out $OUT/$1/seed_{} --threads 1 --no-progress \
      > $OUT/$1/seed_{}/result.json && cat $OUT/$1/seed_{}/result.json"
  : > "$OUT/$1.jsonl"
  for seed in $SEEDS; do cat "$OUT/$1/seed_$seed/result.json" >> "$OUT/$1.jsonl"; done
}

for part in $parts; do
  case $part in
  run) runs cartpole_dqn "" ;;
  short) runs cartpole_dqn_short "$SHORT" ;;
  summary)
    /usr/bin/python3 scripts/rl_study_summary.py "$OUT" cartpole_dqn cartpole_dqn_short
    SEEDS="$SEEDS" OUT="$OUT" /usr/bin/python3 - <<'PY'
import csv, json, os, sys
import numpy as np
from PIL import Image, ImageDraw
sys.path.insert(0, "scripts")
from rl_study_summary import iqm

# Learning curves: each seed's mean training-episode return per window of steps, then the IQM and the
# 25-75% band over the seeds.
seeds, out = os.environ["SEEDS"].split(), os.environ["OUT"]
steps = json.load(open(f"{out}/cartpole_dqn/seed_{seeds[0]}/result.json"))["steps"]
window = steps // 50
edges = np.arange(window, steps + 1, window)
curves = []
for s in seeds:
    rows = list(csv.DictReader(open(f"{out}/cartpole_dqn/seed_{s}/episodes.csv")))
    x = np.array([int(r["step"]) for r in rows]); y = np.array([float(r["return"]) for r in rows])
    curve, last = [], np.nan
    for e in edges:
        m = (x > e - window) & (x <= e)
        last = y[m].mean() if m.any() else last
        curve.append(last)
    curves.append(curve)
curves = np.array(curves)
mid = np.array([iqm(list(curves[:, i])) for i in range(len(edges))])
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
