#!/usr/bin/python3
"""Writes the golden fixtures of strata::metrics, computed by scikit-learn.

Run with Debian's Python, which has python3-sklearn:  /usr/bin/python3 scripts/gen_fixtures_metrics.py
The output is deterministic (fixed seeds), so regenerating changes nothing unless a case or scikit-learn changes.

tests/fixtures/metrics.safetensors (tests/metrics/metrics_golden_test.cpp)
  <case>.output            model outputs: [N, C] scores, [N] binary scores or [N] i64 labels; regression [N] or
                           [N, D]; language model [B, T, C]
  <case>.target            [N] i64 class indices (or floats for regression, [B, T] tokens for language models)
  <case>.batches           [k] i64 batch sizes adding up to N: the test streams the batches and also feeds
                           everything at once, and both must give the reference values
  <case>.metric.<name>     0-dim f64: the value of metrics::make(<name>) over the whole case
  <case>.confusion_matrix  [C, C] i64 (classification cases): scikit-learn's confusion_matrix
tests/fixtures/metrics_curves.safetensors (tests/metrics/ranking_golden_test.cpp)
  <case>.scores [N] f64, <case>.target [N] i64
  <case>.fpr, .tpr, .thresholds     roc_curve(drop_intermediate=False), thresholds without the first (+inf)
  <case>.precision, .recall, .pr_thresholds   precision_recall_curve reversed, without its final point
tests/fixtures/metrics_report.safetensors (tests/metrics/report_golden_test.cpp)
  <case>.y_true, <case>.y_pred [N] i64, <case>.digits 0-dim i64
  <case>.names  u8 bytes: class names joined by newlines (empty: scikit-learn's inferred labels)
  <case>.text   u8 bytes: classification_report's text
The C++ tests read the metric names from the fixture, so adding a metric here adds a check there.
The files are written by hand (json + struct).
"""
import json
import os
import struct
import subprocess
import sys
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures")

try:
    import numpy as np
    from scipy.special import expit, log_softmax, softmax
    from sklearn import metrics as M
    from sklearn.preprocessing import label_binarize
except ImportError:
    print("gen_fixtures_metrics: scikit-learn is missing; installing python3-sklearn with scripts/install-deps",
          file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-sklearn", "python3-numpy"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

# Undefined values (0/0 precision, one-class ROC curves, ...) are part of what the fixtures pin down.
warnings.simplefilter("ignore")

DTYPES = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64", np.dtype(np.int64): "I64",
          np.dtype(np.uint8): "U8"}


def save_safetensors(path, tensors):
    """u64 little-endian header length, JSON header padded with spaces to 8 bytes, raw little-endian data."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        data = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)
    print(f"wrote {os.path.relpath(path, ROOT)} ({len(tensors)} tensors, {os.path.getsize(path)} bytes)")


def text_bytes(s):
    return np.frombuffer(s.encode(), dtype=np.uint8).copy()


# ---- streaming metrics ----------------------------------------------------------------------------------------
AVERAGES = ("micro", "macro", "weighted")
F64_EPS = np.finfo(np.float64).eps
F32_EPS = np.finfo(np.float32).eps


def label_metrics(y, pred):
    """Metrics of predicted labels: accuracy, precision / recall / F-beta, MCC, Cohen's kappa."""
    m = {"accuracy": M.accuracy_score(y, pred), "mcc": M.matthews_corrcoef(y, pred),
         "cohen_kappa": M.cohen_kappa_score(y, pred),
         "cohen_kappa_linear": M.cohen_kappa_score(y, pred, weights="linear"),
         "cohen_kappa_quadratic": M.cohen_kappa_score(y, pred, weights="quadratic")}
    for avg in AVERAGES:
        m[f"precision_{avg}"] = M.precision_score(y, pred, average=avg, zero_division=0)
        m[f"recall_{avg}"] = M.recall_score(y, pred, average=avg, zero_division=0)
        m[f"f1_{avg}"] = M.f1_score(y, pred, average=avg, zero_division=0)
        m[f"f0.5_{avg}"] = M.fbeta_score(y, pred, beta=0.5, average=avg, zero_division=0)
        m[f"f2_{avg}"] = M.fbeta_score(y, pred, beta=2, average=avg, zero_division=0)
    return m


def binary_metrics(y, pred):
    m = label_metrics(y, pred)
    m["precision_binary"] = M.precision_score(y, pred, zero_division=0)
    m["recall_binary"] = M.recall_score(y, pred, zero_division=0)
    m["f1_binary"] = M.f1_score(y, pred, zero_division=0)
    m["f2_binary"] = M.fbeta_score(y, pred, beta=2, zero_division=0)
    return m


def ovr_roc_auc(y, probs, weighted=False):
    """One-vs-rest ROC-AUC over the classes with both positives and negatives (strata's documented rule; it
    equals scikit-learn's roc_auc_score(multi_class="ovr") when every class is present)."""
    scores, weights = [], []
    for c in range(probs.shape[1]):
        positive = y == c
        if positive.all() or not positive.any():
            continue
        scores.append(M.roc_auc_score(positive, probs[:, c]))
        weights.append(positive.sum() if weighted else 1)
    return np.average(scores, weights=weights) if scores else float("nan")


def multiclass_score_metrics(y, probs, eps):
    c = probs.shape[1]
    binarized = label_binarize(y, classes=list(range(c)))
    m = {"roc_auc": ovr_roc_auc(y, probs), "roc_auc_weighted": ovr_roc_auc(y, probs, weighted=True),
         "average_precision": M.average_precision_score(binarized, probs, average="macro"),
         "average_precision_micro": M.average_precision_score(binarized, probs, average="micro"),
         "average_precision_weighted": M.average_precision_score(binarized, probs, average="weighted"),
         "log_loss": M.log_loss(y, probs, eps=eps, labels=list(range(c)))}
    if (np.bincount(y, minlength=c) > 0).all():  # the rule above is scikit-learn's own when all classes occur
        assert np.isclose(m["roc_auc"], M.roc_auc_score(y, probs, multi_class="ovr"))
        assert np.isclose(m["roc_auc_weighted"], M.roc_auc_score(y, probs, multi_class="ovr", average="weighted"))
    for k in (1, 2, 5):
        m[f"top{k}_accuracy"] = M.top_k_accuracy_score(y, probs, k=k, labels=list(range(c)))
    return m


def add_case(tensors, name, output, target, batches, metrics, confusion=None):
    assert sum(batches) == len(target), (name, sum(batches), len(target))
    tensors[f"{name}.output"] = output
    tensors[f"{name}.target"] = target
    tensors[f"{name}.batches"] = np.array(batches, dtype=np.int64)
    for k, v in metrics.items():
        tensors[f"{name}.metric.{k}"] = np.array(float(v), dtype=np.float64)
    if confusion is not None:
        tensors[f"{name}.confusion_matrix"] = confusion.astype(np.int64)


def metric_fixtures():
    rng = np.random.RandomState(20240611)
    t = {}

    # Multi-class probabilities, uneven batches (one of a single row).
    n, c = 103, 4
    probs = rng.dirichlet(np.ones(c), size=n)
    y = rng.randint(0, c, size=n).astype(np.int64)
    pred = probs.argmax(1)
    m = label_metrics(y, pred) | multiclass_score_metrics(y, probs, F64_EPS)
    add_case(t, "multiclass_probs", probs, y, [7, 30, 1, 65], m, M.confusion_matrix(y, pred, labels=range(c)))

    # Multi-class f32 logits: probabilities are their softmax; perplexity of the same rows.
    n, c = 97, 5
    logits = (rng.randn(n, c) * 2).astype(np.float32)
    y = rng.randint(0, c, size=n).astype(np.int64)
    z = logits.astype(np.float64)
    probs = softmax(z, axis=1)
    pred = z.argmax(1)
    m = label_metrics(y, pred) | multiclass_score_metrics(y, probs, F32_EPS)
    nll = -log_softmax(z, axis=1)[np.arange(n), y].mean()
    m["perplexity"] = np.exp(nll)
    m["bits_per_char"] = nll / np.log(2)
    add_case(t, "multiclass_logits", logits, y, [32, 32, 33], m, M.confusion_matrix(y, pred, labels=range(c)))

    # Binary probabilities rounded to one decimal: many tied scores, some exactly at the 0.5 threshold.
    n = 120
    y = rng.randint(0, 2, size=n).astype(np.int64)
    p = np.round(np.clip(0.5 + 0.3 * (y - 0.5) + rng.randn(n) * 0.25, 0, 1), 1)
    pred = (p > 0.5).astype(np.int64)
    m = binary_metrics(y, pred)
    m |= {"roc_auc": M.roc_auc_score(y, p), "average_precision": M.average_precision_score(y, p),
          "log_loss": M.log_loss(y, p, eps=F64_EPS)}
    add_case(t, "binary_probs_ties", p, y, [50, 50, 20], m, M.confusion_matrix(y, pred, labels=[0, 1]))

    # Binary logits (sigmoid for probabilities; ranking metrics on the logits themselves), targets as floats
    # like BCE targets.
    n = 90
    y = rng.randint(0, 2, size=n).astype(np.int64)
    logit = np.round(1.5 * (y - 0.5) + rng.randn(n), 2)
    pred = (logit > 0).astype(np.int64)
    m = binary_metrics(y, pred)
    m |= {"roc_auc": M.roc_auc_score(y, logit), "average_precision": M.average_precision_score(y, logit),
          "log_loss": M.log_loss(y, expit(logit), eps=F64_EPS)}
    add_case(t, "binary_logits", logit, y.astype(np.float64), [45, 45], m, M.confusion_matrix(y, pred, labels=[0, 1]))

    # Predicted labels; class 3 never occurs and class 5 only among predictions. Sorted targets make batches
    # that lack most classes.
    n = 80
    y = np.sort(rng.choice([0, 1, 2, 4], size=n)).astype(np.int64)
    pred = np.where(rng.rand(n) < 0.6, y, rng.choice([0, 1, 2, 4, 5], size=n)).astype(np.int64)
    add_case(t, "labels_absent_classes", pred, y, [20, 20, 20, 20], label_metrics(y, pred),
             M.confusion_matrix(y, pred, labels=range(6)))

    # Scores where class 2 has no targets: ROC-AUC averages the defined classes, average precision counts the
    # class as 0 (scikit-learn's binarised macro average). Sorted targets again.
    n, c = 60, 4
    y = np.sort(rng.choice([0, 1, 3], size=n)).astype(np.int64)
    probs = rng.dirichlet(np.ones(c), size=n)
    probs[np.arange(n), y] += 0.5
    probs /= probs.sum(1, keepdims=True)
    pred = probs.argmax(1)
    m = label_metrics(y, pred) | multiclass_score_metrics(y, probs, F64_EPS)
    add_case(t, "scores_absent_class", probs, y, [25, 25, 10], m, M.confusion_matrix(y, pred, labels=range(c)))

    # One class everywhere: precision/recall 1 for the class present, binary scores of the absent positive
    # class 0, MCC 0, kappa NaN.
    y = np.zeros(10, dtype=np.int64)
    m = binary_metrics(y, y.copy())
    add_case(t, "single_class_labels", y.copy(), y, [4, 6], m, M.confusion_matrix(y, y, labels=[0]))

    # Binary scores with only positives: ROC-AUC undefined (NaN; scikit-learn raises), AP 1.
    p = np.round(rng.rand(12), 1)
    y = np.ones(12, dtype=np.int64)
    pred = (p > 0.5).astype(np.int64)
    m = {"average_precision": M.average_precision_score(y, p), "roc_auc": float("nan"),
         "log_loss": M.log_loss(y, p, eps=F64_EPS, labels=[0, 1]), "accuracy": M.accuracy_score(y, pred),
         "f1_binary": M.f1_score(y, pred, zero_division=0), "mcc": M.matthews_corrcoef(y, pred)}
    add_case(t, "only_positives", p, y, [6, 6], m, M.confusion_matrix(y, pred, labels=[0, 1]))

    # Binary scores with no positives: AP 0 (scikit-learn's value with its warning).
    y = np.zeros(12, dtype=np.int64)
    pred = (p > 0.5).astype(np.int64)
    m = {"average_precision": M.average_precision_score(y, p), "roc_auc": float("nan"),
         "precision_binary": M.precision_score(y, pred, zero_division=0),
         "recall_binary": M.recall_score(y, pred, zero_division=0), "accuracy": M.accuracy_score(y, pred)}
    add_case(t, "no_positives", p, y, [5, 7], m, M.confusion_matrix(y, pred, labels=[0, 1]))

    # Regression, one output; one target is 0 (MAPE divides by eps there).
    n = 75
    y = rng.randn(n) * 3 + 1
    y[10] = 0.0
    out = y + rng.randn(n) * 0.8
    add_case(t, "regression", out, y, [25, 25, 25], regression_metrics(y, out))

    # Regression, three f32 outputs: uniform average of per-output scores (computed in f64 on the same values).
    n = 64
    y = (rng.randn(n, 3) * [1, 5, 0.1] + [0, 2, -1]).astype(np.float32)
    out = (y + rng.randn(n, 3).astype(np.float32) * np.float32(0.5)).astype(np.float32)
    add_case(t, "regression_multioutput", out, y, [10, 54], regression_metrics(y.astype(np.float64),
                                                                              out.astype(np.float64)))

    # Constant targets: R² is 1 for an exact prediction, 0 otherwise; one sample: NaN.
    y = np.full(8, 2.5)
    add_case(t, "regression_constant_exact", y.copy(), y, [3, 5], {"r2": M.r2_score(y, y)})
    add_case(t, "regression_constant", y + 0.1, y, [3, 5], {"r2": M.r2_score(y, y + 0.1), "mse": M.mean_squared_error(y, y + 0.1)})
    add_case(t, "regression_one_sample", np.array([1.0]), np.array([3.0]), [1],
             {"r2": float("nan"), "mae": 2.0, "rmse": 2.0})

    # Language model: [B, T, C] logits, [B, T] tokens with padding (-100) that is skipped.
    b, steps, c = 3, 7, 11
    logits = rng.randn(b, steps, c).astype(np.float32)
    tokens = rng.randint(0, c, size=(b, steps)).astype(np.int64)
    tokens[2, 4:] = -100
    keep = tokens != -100
    lp = log_softmax(logits.astype(np.float64), axis=-1)
    nll = -np.take_along_axis(lp, np.where(keep, tokens, 0)[..., None], axis=-1)[..., 0][keep].mean()
    add_case(t, "language_model", logits, tokens, [1, 2], {"perplexity": np.exp(nll), "bits_per_char": nll / np.log(2)})
    return t


def regression_metrics(y, out):
    return {"mse": M.mean_squared_error(y, out), "rmse": M.mean_squared_error(y, out, squared=False),
            "mae": M.mean_absolute_error(y, out), "mape": M.mean_absolute_percentage_error(y, out),
            "r2": M.r2_score(y, out)}


# ---- curves ---------------------------------------------------------------------------------------------------
def curve_fixtures():
    rng = np.random.RandomState(7)
    t = {}
    cases = {
        "ties": (np.round(rng.rand(40), 1), rng.randint(0, 2, size=40)),
        "distinct": (rng.randn(25), rng.randint(0, 2, size=25)),
        "all_tied": (np.full(6, 0.3), np.array([0, 1, 1, 0, 1, 0])),
    }
    for name, (s, y) in cases.items():
        y = y.astype(np.int64)
        fpr, tpr, th = M.roc_curve(y, s, drop_intermediate=False)
        precision, recall, pth = M.precision_recall_curve(y, s)
        t[f"{name}.scores"] = s.astype(np.float64)
        t[f"{name}.target"] = y
        t[f"{name}.fpr"], t[f"{name}.tpr"], t[f"{name}.thresholds"] = fpr, tpr, th[1:].astype(np.float64)
        t[f"{name}.precision"] = precision[:-1][::-1].copy()
        t[f"{name}.recall"] = recall[:-1][::-1].copy()
        t[f"{name}.pr_thresholds"] = pth[::-1].astype(np.float64).copy()
        t[f"{name}.auc"] = np.array(M.roc_auc_score(y, s))
        t[f"{name}.average_precision"] = np.array(M.average_precision_score(y, s))
    return t


# ---- classification report ------------------------------------------------------------------------------------
def report_fixtures():
    rng = np.random.RandomState(11)
    t = {}

    def case(name, y, pred, names, digits):
        kwargs = {"target_names": names, "labels": list(range(len(names)))} if names else {}
        text = M.classification_report(y, pred, digits=digits, zero_division=0, **kwargs)
        t[f"{name}.y_true"] = np.asarray(y, dtype=np.int64)
        t[f"{name}.y_pred"] = np.asarray(pred, dtype=np.int64)
        t[f"{name}.digits"] = np.array(digits, dtype=np.int64)
        t[f"{name}.names"] = text_bytes("\n".join(names))
        t[f"{name}.text"] = text_bytes(text)

    y = rng.randint(0, 3, size=50)
    pred = np.where(rng.rand(50) < 0.7, y, rng.randint(0, 3, size=50))
    case("named", y, pred, ["cat", "dog", "bird"], 2)
    case("inferred_labels", np.array([0, 2, 2, 5, 5, 5, 0]), np.array([0, 2, 5, 5, 2, 5, 2]), [], 2)
    case("absent_class_micro", [0, 1, 2, 2, 2], [0, 0, 2, 2, 1], ["a", "b", "c", "a long class name"], 3)
    y = rng.randint(0, 10, size=300)
    pred = np.where(rng.rand(300) < 0.8, y, rng.randint(0, 10, size=300))
    fashion = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
    case("fashion", y, pred, fashion, 4)
    return t


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    save_safetensors(os.path.join(OUT_DIR, "metrics.safetensors"), metric_fixtures())
    save_safetensors(os.path.join(OUT_DIR, "metrics_curves.safetensors"), curve_fixtures())
    save_safetensors(os.path.join(OUT_DIR, "metrics_report.safetensors"), report_fixtures())


if __name__ == "__main__":
    main()
