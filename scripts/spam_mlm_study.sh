#!/bin/sh
# The masked-LM transfer study of docs/text.md ("Self-supervised pre-training"): pre-train once on the
# training split's e-mails without labels, then fine-tune with 1% and 10% of the training labels, 3 seeds
# each, against the same encoder trained from scratch. Results land in runs/spam_mlm_*; the summary (spam F1
# on the test split after the last epoch, mean and standard deviation over the seeds) is printed at the end.
#   scripts/spam_mlm_study.sh [build/strata] [pretrain|finetune|scratch|summary ...]
set -e
STRATA=${STRATA:-build/strata}
THREADS=${THREADS:-1}
parts=${*:-pretrain finetune scratch summary}
for part in $parts; do
  case $part in
  pretrain)
    $STRATA train -c configs/spam_mlm_pretrain.yaml --no-progress --threads "$THREADS" ;;
  finetune | scratch)
    for fraction in 0.01 0.1; do
      for seed in 0 1 2; do
        $STRATA train -c configs/spam_mlm_$part.yaml --seed $seed --set data.text.label_fraction=$fraction \
          --out runs/spam_mlm_${part}_${fraction}_$seed --no-progress --threads "$THREADS"
      done
    done ;;
  summary)
    /usr/bin/python3 - <<'PY'
import csv, statistics
for arm in ("finetune", "scratch"):
    for fraction in ("0.01", "0.1"):
        f1 = []
        for seed in range(3):
            rows = list(csv.DictReader(open(f"runs/spam_mlm_{arm}_{fraction}_{seed}/metrics.csv")))
            f1.append(100 * float(rows[-1]["val_f1_binary"]))
        print(f"{arm:9s} {fraction:5s} " + " ".join(f"{x:6.2f}" for x in f1) +
              f"  mean {statistics.mean(f1):6.2f}  std {statistics.stdev(f1):5.2f}")
PY
    ;;
  esac
done
