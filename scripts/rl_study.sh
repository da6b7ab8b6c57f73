#!/bin/sh
# Reproduces the results tables of docs/rl.md: each config of the study trained from seeds 0..9 on one core,
# then summarised (interquartile mean of the final 100-episode evaluation return, steps to solve, wall
# time) by scripts/rl_study_summary.py, and the curves drawn by examples/rl_curves.
#   cmake --build build --target strata_cli rl_curves
#   scripts/rl_study.sh [BUILD_DIR] [OUT_DIR]       (defaults: build, runs/rl_study)
# Runs at nice 5 with STRATA_NUM_THREADS=1; about 10 minutes on a quiet machine.
set -eu
BUILD=${1:-build}
OUT=${2:-runs/rl_study}
SEEDS="0 1 2 3 4 5 6 7 8 9"
CONFIGS="cartpole_ppo cartpole_a2c pendulum_ppo"
mkdir -p "$OUT"
export STRATA_NUM_THREADS=1
for config in $CONFIGS; do
  : > "$OUT/$config.jsonl"
  for seed in $SEEDS; do
    nice -n 5 "$BUILD/strata" rl -c "configs/$config.yaml" --seed "$seed" --threads 1 --no-progress \
      --out "$OUT/$config/seed_$seed" >> "$OUT/$config.jsonl"
  done
done
/usr/bin/python3 scripts/rl_study_summary.py "$OUT" $CONFIGS | tee "$OUT/summary.md"
mkdir -p docs/figures
for config in $CONFIGS; do
  "$BUILD/examples/rl_curves" "docs/figures/rl_$config.png" "$OUT/$config"/seed_*/metrics.csv
done
