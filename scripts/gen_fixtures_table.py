#!/usr/bin/python3
"""Writes the golden fixtures of the tabular data tests (tests/fixtures/table/): small input CSVs and the
values pandas and scikit-learn compute on them (golden.json; NaN is written as null).

Run with Debian's Python: /usr/bin/python3 scripts/gen_fixtures_table.py
(needs python3-pandas and python3-sklearn: apt-get install -y python3-pandas python3-sklearn).
"""
import json
import math
import os

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.impute import KNNImputer
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "table")


def clean(v):
    """JSON-safe values: NaN -> None, numpy scalars -> Python."""
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray, pd.Series)):
        return [clean(x) for x in list(v)]
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else float(v)
    return v


def mixed_table(rng):
    """40 rows: numeric columns with gaps and planted outliers, a category with gaps, unique text."""
    n = 40
    a = rng.normal(10.0, 2.0, n)
    a[[5, 17]] = [35.0, -12.0]  # outliers
    a[[0, 8, 9, 22, n - 1]] = np.nan  # a leading, a run of two, a single and a trailing gap
    b = rng.uniform(0.0, 100.0, n)
    b[[3, 8, 30]] = np.nan
    c = rng.integers(0, 50, n).astype(float)
    c[[12, 13, 14]] = np.nan
    c[20] = 400.0  # an int outlier
    cat = rng.choice(["red", "green", "blue"], n).astype(object)
    cat[[2, 11, 25]] = np.nan
    cat[35] = "purple"  # only in the rows after the training split
    text = [f"item {i:02d}" for i in range(n)]
    return pd.DataFrame({"id": np.arange(n), "a": a, "b": b, "c": c, "cat": cat, "text": text})


def write_mixed(df, path):
    # Integral floats written without ".0" so the int column reads back as int; NaN as NA.
    out = df.copy()
    out["c"] = out["c"].map(lambda v: "NA" if math.isnan(v) else str(int(v)))
    out["a"] = out["a"].map(lambda v: "NA" if math.isnan(v) else repr(float(v)))
    out["b"] = out["b"].map(lambda v: "NA" if math.isnan(v) else repr(float(v)))
    out["cat"] = out["cat"].map(lambda v: "NA" if not isinstance(v, str) else v)
    out.to_csv(path, index=False)


def describe(df):
    d = {}
    for col in df.columns:
        s = df[col]
        e = {"count": int(s.count()), "missing": int(s.isna().sum()), "distinct": int(s.nunique())}
        if pd.api.types.is_numeric_dtype(s):
            ds = s.describe()
            for key, name in [("mean", "mean"), ("std", "std"), ("min", "min"), ("25%", "q25"), ("50%", "median"),
                              ("75%", "q75"), ("max", "max")]:
                e[name] = ds[key]
        else:
            ds = s.describe()
            e["top"] = ds["top"]
            e["freq"] = int(ds["freq"])
        d[col] = e
    return d


def fills(df):
    num = ["a", "b", "c"]
    out = {
        "mean": {c: df[c].fillna(df[c].mean()) for c in num},
        "median": {c: df[c].fillna(df[c].median()) for c in num},
        "ffill": {c: df[c].ffill() for c in num},
        "bfill": {c: df[c].bfill() for c in num},
        "interpolate": {c: df[c].interpolate() for c in num},
        "mode_cat": df["cat"].fillna(df["cat"].mode()[0]).tolist(),
        "mode_c": df["c"].fillna(df["c"].mode()[0]),
    }
    # k-NN on standardised numeric features (id, a, b, c), as strata does: scale, impute, scale back.
    feats = ["id", "a", "b", "c"]
    scaler = StandardScaler()
    z = scaler.fit_transform(df[feats].to_numpy(dtype=float))
    imputed = scaler.inverse_transform(KNNImputer(n_neighbors=5).fit_transform(z))
    out["knn"] = {c: imputed[:, i] for i, c in enumerate(feats) if c != "id"}
    imputed3 = scaler.inverse_transform(KNNImputer(n_neighbors=3).fit_transform(z))
    out["knn3"] = {c: imputed3[:, i] for i, c in enumerate(feats) if c != "id"}
    return out


def drops(df):
    frac = df.isna().mean(axis=1)
    col_frac = df.isna().mean(axis=0)
    return {
        "rows_any": df.dropna().index.tolist(),
        "rows_subset_ab": df.dropna(subset=["a", "b"]).index.tolist(),
        "rows_over_20pct": df[frac <= 0.2].index.tolist(),
        "columns_over_10pct": [c for c in df.columns if col_frac[c] <= 0.1],
    }


def outliers(df):
    out = {}
    for col in ["a", "b", "c"]:
        s = df[col]
        mu, sd = s.mean(), s.std(ddof=0)
        z_lo, z_hi = mu - 3 * sd, mu + 3 * sd
        med = s.median()
        mad = (s - med).abs().median()
        r_lo, r_hi = med - 3.5 * mad / 0.6745, med + 3.5 * mad / 0.6745
        q1, q3 = s.quantile(0.25), s.quantile(0.75)
        i_lo, i_hi = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
        out[col] = {
            "zscore": {"lower": z_lo, "upper": z_hi, "flags": ((s - mu).abs() / sd > 3).tolist(),
                       "clipped": s.clip(z_lo, z_hi)},
            "robust": {"lower": r_lo, "upper": r_hi, "flags": (0.6745 * (s - med).abs() / mad > 3.5).tolist(),
                       "clipped": s.clip(r_lo, r_hi)},
            "iqr": {"lower": i_lo, "upper": i_hi, "flags": ((s < i_lo) | (s > i_hi)).tolist(),
                    "clipped": s.clip(i_lo, i_hi)},
        }
    return out


def encoders(df):
    train, test = df.iloc[:30], df.iloc[30:]
    num = ["a", "b", "c"]
    out = {}
    for name, scaler in [("standard", StandardScaler()), ("minmax", MinMaxScaler()), ("robust", RobustScaler())]:
        scaler.fit(train[num].to_numpy(dtype=float))
        t = scaler.transform(test[num].to_numpy(dtype=float))
        out[name] = {c: t[:, i] for i, c in enumerate(num)}
    cats = sorted(train["cat"].dropna().unique())
    out["categories"] = cats
    out["onehot"] = {f"cat_{k}": (test["cat"] == k).tolist() for k in cats}
    out["ordinal"] = [(-1 if v not in cats else cats.index(v)) if isinstance(v, str) else None for v in test["cat"]]
    return out


def duplicates():
    df = pd.DataFrame({
        "x": [1, 2, 1, 3, 2, 1, 4, 3],
        "y": ["p", "q", "p", "r", "q", "s", "t", "r"],
        "z": [0.5, np.nan, 0.5, 2.0, np.nan, 0.5, 1.0, 2.5],
    })
    out = df.copy()
    out["z"] = out["z"].map(lambda v: "NA" if math.isnan(v) else repr(v))
    out.to_csv(os.path.join(OUT, "dups.csv"), index=False)
    return {
        "first": df.duplicated(keep="first").tolist(),
        "last": df.duplicated(keep="last").tolist(),
        "none": df.duplicated(keep=False).tolist(),
        "subset_x": df.duplicated(subset=["x"]).tolist(),
    }


def isolation_forest(rng):
    x = rng.normal(0.0, 1.0, (200, 2))
    x[:5] = [[6, 6], [-6, 5], [7, -7], [0, 8], [-8, -1]]  # planted anomalies
    pd.DataFrame(x, columns=["u", "v"]).to_csv(os.path.join(OUT, "iforest.csv"), index=False, float_format="%.17g")
    f = IsolationForest(n_estimators=500, max_samples=128, random_state=0).fit(x)
    return {"scores": -f.score_samples(x)}


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(7)
    df = mixed_table(rng)
    write_mixed(df, os.path.join(OUT, "mixed.csv"))
    df = pd.read_csv(os.path.join(OUT, "mixed.csv"))  # what a reader sees (NA -> NaN)
    golden = {
        "describe": describe(df),
        "fill": fills(df),
        "drop": drops(df),
        "outliers": outliers(df),
        "encoders": encoders(df),
        "duplicates": duplicates(),
        "iforest": isolation_forest(rng),
    }
    with open(os.path.join(OUT, "golden.json"), "w") as f:
        json.dump(clean(golden), f, indent=1, allow_nan=False)
        f.write("\n")
    print(f"wrote {OUT}/mixed.csv, dups.csv, iforest.csv, golden.json")


if __name__ == "__main__":
    main()
