"""The side-by-side benchmark runner behind `make bench` (bench/run). See bench/README.md.

Each workload runs as one process per framework and thread count (so peak RSS is the workload's own),
strata and PyTorch alternating. Both sides print JSON lines (bench/harness.h, bench/pytorch/harness.py):
{"workload", "variant", "threads", "unit", "median", "p10", "p90", "steps", ...}.
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
TORCH_DIR = ROOT / "bench" / "pytorch"

# PyTorch's thread settings, chosen by `bench/run --settings` on the reference machine (see
# docs/performance.md): OpenMP threads go passive when idle, and OpenBLAS (Debian's torch calls it for
# addmm/matmul) uses the same thread count as torch.
TORCH_ENV = {"OMP_WAIT_POLICY": "PASSIVE"}
TORCH_BLAS_PER_OP_THREADS = True  # OPENBLAS_NUM_THREADS = threads (False: 1)
# strata's OpenMP settings, checked the same way: with libgomp's default (spin, then sleep) a loaded machine
# makes 2-thread runs of both frameworks collapse (a spinning thread holds the core its partner needs), so
# both sides run with passive waiting; on one thread the policy makes no difference.
STRATA_ENV = {"OMP_WAIT_POLICY": "PASSIVE"}


# ---- FLOPs per step, counted once here (multiply-adds count 2; only products and convolutions) ---------

def dense(b, i, o):
    return 2.0 * b * i * o


def conv(b, cin, cout, hout, wout, k):
    return 2.0 * b * cout * hout * wout * cin * k * k


def train_flops(layers):
    """Forward + backward of a stack whose first layer gets no input gradient: forward F, weight gradients
    F, input gradients F minus the first layer's."""
    fwd = sum(layers)
    return 3 * fwd - layers[0]


def lenet_layers(b):
    return [conv(b, 1, 6, 28, 28, 5), conv(b, 6, 16, 10, 10, 5), dense(b, 400, 120), dense(b, 120, 84),
            dense(b, 84, 10)]


def rnn_flops(gates, layers, vocab=64, embed=64, hidden=256, seq=64, batch=32):
    rows = seq * batch
    fwd = sum(2.0 * rows * gates * hidden * ((embed if l == 0 else hidden) + hidden) for l in range(layers))
    fwd += 2.0 * rows * hidden * vocab
    return 3 * fwd


def gpt_flops(layers=4, width=128, seq=128, batch=32, vocab=65):
    """W6: the Linears (qkv, projection, 4x MLP), q k^T and att v per layer, and the tied head; training is
    three times the forward (the embeddings' input gets no gradient, a negligible term)."""
    rows = batch * seq
    per_layer = dense(rows, width, 3 * width) + dense(rows, width, width) + 2 * dense(rows, width, 4 * width)
    per_layer += 2 * 2.0 * batch * seq * seq * width  # q k^T and att v over all heads (unmasked)
    return 3 * (layers * per_layer + dense(rows, width, vocab))


def flops(row):
    w, v = row["id"].removesuffix("-BF16").removesuffix("-COMPILED"), row.get("variant", "")
    if w == "W1":
        return train_flops([dense(128, 784, 256), dense(128, 256, 128), dense(128, 128, 10)])
    if w == "W2":
        return train_flops(lenet_layers(64))
    if w == "W3":
        b = 128
        return train_flops([conv(b, 1, 32, 28, 28, 3), conv(b, 32, 64, 28, 28, 3), conv(b, 64, 128, 14, 14, 3),
                            dense(b, 6272, 256), dense(b, 256, 10)])
    if w == "W4":
        return rnn_flops(4, 2)
    if w == "W5":
        return rnn_flops(3, 1)
    if w == "W6":
        return gpt_flops()
    if w == "W8":
        return sum(lenet_layers(int(v.split()[-1])))
    if w == "W10":
        n = int(v.split("=")[1])
        return 2.0 * n ** 3
    if w.startswith("W13"):
        # Two [T, T, 64] products forward and four backward, for 8 heads (causal work is not halved: the
        # explicit twin computes every score).
        t = int(v.split("=")[1])
        return 6 * 2.0 * 8 * t * t * 64
    return None


# ---- workloads ------------------------------------------------------------------------------------------

class Workload:
    def __init__(self, wid, title, torch_script, strata=None, min_time=None, gbench_filter=None, binary="workloads",
                 torch_args=()):
        self.id, self.title, self.torch_script = wid, title, torch_script
        self.min_time, self.gbench_filter, self.binary = min_time, gbench_filter, binary
        self.torch_args = list(torch_args)

    def available(self, build_dir):
        return (build_dir / "bench" / self.binary).exists() and (TORCH_DIR / self.torch_script).exists()


WORKLOADS = [
    Workload("W1", "MLP 784-256-128-10, b128, SGD", "w1_mlp.py"),
    Workload("W2", "LeNet-5, b64, Adam", "w2_lenet.py"),
    Workload("W3", "CNN+BN+dropout, b128, Adam", "w3_cnn.py"),
    # Mixed precision: strata::autocast(kBFloat16) next to torch.autocast("cpu", dtype=torch.bfloat16).
    Workload("W1-BF16", "MLP, bf16 autocast", "w1_mlp.py", torch_args=["--autocast"]),
    Workload("W2-BF16", "LeNet-5, bf16 autocast", "w2_lenet.py", torch_args=["--autocast"]),
    Workload("W3-BF16", "CNN+BN+dropout, bf16 autocast", "w3_cnn.py", torch_args=["--autocast"]),
    # strata::compiler's traced and replayed training step next to the same PyTorch (eager) twin.
    Workload("W1-COMPILED", "MLP, compiled step", "w1_mlp.py"),
    Workload("W2-COMPILED", "LeNet-5, compiled step", "w2_lenet.py"),
    # W4/W5 land with the sequence models: bench/rnn_bench (Google Benchmark) and their twins.
    Workload("W4", "2-layer LSTM char-LM, b32 s64", "w4_lstm.py", gbench_filter="BM_W4_LstmCharLM",
             binary="rnn_bench"),
    Workload("W5", "1-layer GRU char-LM, b32 s64", "w5_gru.py", gbench_filter="BM_W5_GruCharLM",
             binary="rnn_bench"),
    Workload("W6", "GPT 4x128, 4 heads, T128, b32, AdamW", "w6_gpt.py"),
    Workload("W7", "DCGAN-lite (zoo dcgan, width 32), b64, one D + one G step, Adam", "w7_dcgan.py"),
    Workload("W8", "LeNet-5 inference", "w8_lenet_infer.py"),
    Workload("W8-INT8", "LeNet-5 inference, f32 vs int8, b256", "w8_lenet_int8.py"),
    Workload("W8-INT8-R20", "ResNet-20 inference, f32 vs int8, b256", "w8_resnet20_int8.py"),
    Workload("W9", "overhead", "w9_overhead.py", min_time=2.0),
    Workload("W10", "GEMM f32", "w10_gemm.py", min_time=4.5),
    Workload("W11", "ResNet-20 (zoo), 1x28x28, b128, SGD", "w11_resnet20.py"),
    Workload("W12", "MobileNetV2 (zoo), 3x64x64, b32, AdamW", "w12_mobilenet_v2.py"),
    # One process per sequence length, so each row's peak RSS is its own.
    Workload("W13-128", "attention fwd+bwd, causal, 1x8 heads, T 128", "w13_attention.py", torch_args=["--seq", "128"]),
    Workload("W13-512", "attention fwd+bwd, causal, 1x8 heads, T 512", "w13_attention.py", torch_args=["--seq", "512"]),
    Workload("W13-2048", "attention fwd+bwd, causal, 1x8 heads, T 2048", "w13_attention.py",
             torch_args=["--seq", "2048"]),
]


def load_avg():
    return float(pathlib.Path("/proc/loadavg").read_text().split()[0])


def run_process(cmd, env):
    """Runs cmd, returns (stdout, peak RSS in MB). stderr passes through."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env, cwd=ROOT)
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited with {proc.returncode}")
    return out, usage.ru_maxrss / 1024.0


def json_rows(text):
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return rows


def percentile(values, q):
    v = sorted(values)
    pos = q * (len(v) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] * (1 - (pos - lo)) + v[hi] * (pos - lo)


def gbench_rows(text, wid, threads):
    """Google Benchmark JSON (rnn_bench) to rows: repetitions give the spread."""
    data = json.loads(text)
    times = []
    for bm in data["benchmarks"]:
        if bm.get("run_type") == "aggregate":
            continue
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[bm["time_unit"]]
        times.append(bm["real_time"] * scale)
    return [{"workload": wid, "variant": "", "threads": threads, "unit": "ms", "median": percentile(times, 0.5),
             "p10": percentile(times, 0.1), "p90": percentile(times, 0.9), "steps": len(times)}]


def torch_rows(text, wid, threads):
    """Rows from a twin script: our JSON-line protocol, or a bare number of ms/step as a fallback."""
    rows = [r for r in json_rows(text) if "median" in r]
    if rows:
        for r in rows:
            r.setdefault("workload", wid)
            r.setdefault("variant", "")
            r.setdefault("unit", "ms")
        return rows
    for key in ("median_ms", "ms_per_step", "ms"):
        found = [r for r in json_rows(text) if key in r]
        if found:
            r = found[-1]
            return [{"workload": wid, "variant": "", "threads": threads, "unit": "ms", "median": r[key],
                     "p10": r.get("p10_ms", r.get("p10")), "p90": r.get("p90_ms", r.get("p90")),
                     "steps": r.get("steps"), "cpu_median": r.get("cpu_ms")}]
    raise RuntimeError(f"{wid}: no timing in the PyTorch twin's output:\n{text}")


def strata_cmd(w, build_dir, threads, opts):
    binary = str(build_dir / "bench" / w.binary)
    min_time = opts.min_time if opts.min_time is not None else (w.min_time or 5.0)
    if w.gbench_filter:
        reps = max(10, int(opts.min_steps / 10))
        return [binary, f"--benchmark_filter=^{w.gbench_filter}/threads:{threads}(/|$)",
                f"--benchmark_repetitions={reps}", f"--benchmark_min_time={min_time / reps:.3f}",
                "--benchmark_format=json"]
    return [binary, w.id, "--threads", str(threads), "--min-time", str(min_time), "--min-steps",
            str(opts.min_steps)]


def torch_cmd(w, threads, opts):
    min_time = opts.min_time if opts.min_time is not None else (w.min_time or 5.0)
    script = TORCH_DIR / w.torch_script
    if "harness" not in script.read_text():
        # A twin with its own timing loop takes positional arguments: threads, seconds.
        return [opts.python, str(script), str(threads), str(min_time)]
    return [opts.python, str(script), "--threads", str(threads), "--min-time", str(min_time), "--min-steps",
            str(opts.min_steps)] + w.torch_args


def base_env(threads):
    env = dict(os.environ)
    for k in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.pop(k, None)
    env["OMP_NUM_THREADS"] = str(threads)
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    env["STRATA_NUM_THREADS"] = str(threads)
    return env


def strata_env(threads, settings=None):
    env = base_env(threads)
    env.update(STRATA_ENV if settings is None else settings)
    return env


def torch_env(threads, settings=None):
    env = base_env(threads)
    s = dict(TORCH_ENV) if settings is None else dict(settings)
    blas_per_op = s.pop("blas_per_op", TORCH_BLAS_PER_OP_THREADS)
    env["OPENBLAS_NUM_THREADS"] = str(threads if blas_per_op else 1)
    env["MKL_NUM_THREADS"] = env["OPENBLAS_NUM_THREADS"]
    env.update(s)
    return env


def key(r):
    return (r["workload"], r.get("variant", ""), r["threads"])


def measure_peak(build_dir, threads):
    out, _ = run_process([str(build_dir / "bench" / "workloads"), "PEAK", "--threads", str(threads), "--min-time",
                          "1"], base_env(threads))
    return json_rows(out)[0]["median"]


def run_suite(opts, build_dir, workloads):
    results = []
    peaks = {}
    for threads in opts.threads:
        peaks[threads] = measure_peak(build_dir, threads)
        print(f"fp32 peak at {threads} thread(s): {peaks[threads]:.0f} GFLOP/s (AVX-512 FMA loop)", flush=True)
    print(HEADER)
    print("-" * len(HEADER), flush=True)
    for threads in opts.threads:
        for w in workloads:
            load0 = load_avg()
            s_out, s_rss = run_process(strata_cmd(w, build_dir, threads, opts), strata_env(threads))
            s_rows = gbench_rows(s_out, w.id, threads) if w.gbench_filter else json_rows(s_out)
            t_rows, t_rss = [], None
            if not opts.no_torch:
                t_out, t_rss = run_process(torch_cmd(w, threads, opts), torch_env(threads))
                t_rows = torch_rows(t_out, w.id, threads)
            load1 = load_avg()
            tmap = {key(r): r for r in t_rows}
            for r in s_rows:
                t = tmap.get(key(r))
                name = f"{r['workload']} {r['variant']}".strip()
                row = {"workload": name, "id": w.id, "variant": r.get("variant", ""), "threads": threads,
                       "unit": r["unit"], "strata_ms": r["median"], "strata_p10": r["p10"], "strata_p90": r["p90"],
                       "strata_steps": r.get("steps"), "torch_ms": t["median"] if t else None,
                       "torch_p10": t.get("p10") if t else None, "torch_p90": t.get("p90") if t else None,
                       "torch_steps": t.get("steps") if t else None}
                row["ratio"] = row["torch_ms"] / row["strata_ms"] if t else None
                # Process CPU time per step: on a loaded machine the 1-thread figures stay meaningful.
                row["strata_cpu_ms"] = r.get("cpu_median")
                row["torch_cpu_ms"] = t.get("cpu_median") if t else None
                row["cpu_ratio"] = (row["torch_cpu_ms"] / row["strata_cpu_ms"]
                                    if row["torch_cpu_ms"] and row["strata_cpu_ms"] else None)
                f = flops(row)
                scale = {"ms": 1e-3, "us": 1e-6}[r["unit"]]
                row["gflops"] = f / (r["median"] * scale) / 1e9 if f else None
                row["torch_gflops"] = f / (t["median"] * scale) / 1e9 if f and t else None
                row["peak_gflops"] = peaks[threads]
                row["peak_fraction"] = row["gflops"] / peaks[threads] if f else None
                if "onednn_ms" in r:
                    row["onednn_gflops"] = f / (r["onednn_ms"] * 1e-3) / 1e9
                    row["openblas_gflops"] = f / (r["openblas_ms"] * 1e-3) / 1e9
                row["strata_rss_mb"] = s_rss
                row["torch_rss_mb"] = t_rss
                row["load_avg"] = [load0, load1]
                results.append(row)
                print_row(row, flush=True)
    return results, peaks


def fmt(v, spec=".3g"):
    return "-" if v is None else format(v, spec)


HEADER = (f"{'workload':28} {'thr':>3} {'strata':>9} {'(p10-p90)':>15} {'PyTorch':>9} {'(p10-p90)':>15} "
          f"{'unit':>4} {'ratio':>6} {'GFLOP/s':>8} {'peak':>5} {'RSS MB s/t':>11} {'cpu-ratio':>9}  note")


def print_row(r, flush=False):
    spread = lambda a, b: "-" if a is None else f"({a:.3g}-{b:.3g})"
    note = ""
    if "onednn_gflops" in r:
        note = f"oneDNN {r['onednn_gflops']:.0f}, OpenBLAS {r['openblas_gflops']:.0f} GFLOP/s"
    rss = f"{fmt(r['strata_rss_mb'], '.0f')}/{fmt(r['torch_rss_mb'], '.0f')}"
    peak = "-" if r["peak_fraction"] is None else f"{100 * r['peak_fraction']:.0f}%"
    print(f"{r['workload']:28} {r['threads']:>3} {fmt(r['strata_ms']):>9} {spread(r['strata_p10'], r['strata_p90']):>15} "
          f"{fmt(r['torch_ms']):>9} {spread(r['torch_p10'], r['torch_p90']):>15} {r['unit']:>4} "
          f"{fmt(r['ratio'], '.2f'):>6} {fmt(r['gflops'], '.1f'):>8} {peak:>5} {rss:>11} {fmt(r['cpu_ratio'], '.2f'):>9}  "
          f"{note}", flush=flush)


def machine_info(opts):
    fields = {}
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if ":" in line:
            k, v = (x.strip() for x in line.split(":", 1))
            fields.setdefault(k, v)
    cpu = f"{fields.get('model name', 'unknown')} (family {fields.get('cpu family', '?')}, model {fields.get('model', '?')})"
    isa = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_tile") if f in fields.get("flags", "").split()]
    cpu += ", " + " ".join(isa)
    try:
        torch_version = subprocess.run([opts.python, "-c", "import torch; print(torch.__version__)"],
                                       capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        torch_version = None
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=ROOT).stdout.strip()
    except OSError:
        commit = None
    return {"date": datetime.datetime.now().isoformat(timespec="seconds"), "cpu": cpu, "cores": os.cpu_count(),
            "kernel": platform.release(), "torch": torch_version, "commit": commit,
            "torch_env": TORCH_ENV, "torch_blas_per_op_threads": TORCH_BLAS_PER_OP_THREADS, "strata_env": STRATA_ENV}


def settings_study(opts, build_dir, workloads):
    """Measures both frameworks under each candidate thread setting (best of --rounds), to pick TORCH_ENV and
    STRATA_ENV; prints a table of medians."""
    torch_candidates = {
        "torch default": {"blas_per_op": True},
        "torch PASSIVE": {"OMP_WAIT_POLICY": "PASSIVE", "blas_per_op": True},
        "torch ACTIVE": {"OMP_WAIT_POLICY": "ACTIVE", "blas_per_op": True},
        "torch PASSIVE, BLAS 1 thr": {"OMP_WAIT_POLICY": "PASSIVE", "blas_per_op": False},
    }
    strata_candidates = {"strata default": {}, "strata PASSIVE": {"OMP_WAIT_POLICY": "PASSIVE"}}
    names = list(strata_candidates) + list(torch_candidates)
    print(f"{'workload':28} {'thr':>3} " + " ".join(f"{c[:25]:>25}" for c in names), flush=True)
    for threads in opts.threads:
        for w in workloads:
            medians = {}
            for _ in range(opts.rounds):
                runs = [(n, run_process(strata_cmd(w, build_dir, threads, opts), strata_env(threads, e))[0], True)
                        for n, e in strata_candidates.items()]
                runs += [(n, run_process(torch_cmd(w, threads, opts), torch_env(threads, e))[0], False)
                         for n, e in torch_candidates.items()]
                for name, out, is_strata in runs:
                    rows = (gbench_rows(out, w.id, threads) if is_strata and w.gbench_filter else
                            json_rows(out) if is_strata else torch_rows(out, w.id, threads))
                    for r in rows:
                        row = f"{r['workload']} {r.get('variant', '')}".strip()
                        medians.setdefault(row, {}).setdefault(name, []).append(r["median"])
            for row, per in medians.items():
                cells = " ".join(f"{min(per[c]):>25.4g}" for c in names)
                print(f"{row:28} {threads:>3} {cells}", flush=True)


def markdown(results_path):
    """The results of a run as a markdown table (for docs/performance.md)."""
    rows = json.loads(pathlib.Path(results_path).read_text())
    out = ["| workload | threads | strata | PyTorch | unit | ratio | strata GFLOP/s | peak | RSS MB strata / PyTorch |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        sp = f"{r['strata_ms']:.3g} ({r['strata_p10']:.3g}-{r['strata_p90']:.3g})"
        tp = "-" if r["torch_ms"] is None else f"{r['torch_ms']:.3g} ({r['torch_p10']:.3g}-{r['torch_p90']:.3g})"
        gf = "-" if r["gflops"] is None else f"{r['gflops']:.1f}"
        if "onednn_gflops" in r:
            gf += f" (oneDNN {r['onednn_gflops']:.0f}, OpenBLAS {r['openblas_gflops']:.0f})"
        peak = "-" if r["peak_fraction"] is None else f"{100 * r['peak_fraction']:.0f}%"
        out.append(f"| {r['workload']} | {r['threads']} | {sp} | {tp} | {r['unit']} | {fmt(r['ratio'], '.2f')} | {gf} | "
                   f"{peak} | {fmt(r['strata_rss_mb'], '.0f')} / {fmt(r['torch_rss_mb'], '.0f')} |")
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description="strata vs PyTorch, side by side (bench/README.md)")
    p.add_argument("--only", action="append", default=[], help="workload ids, e.g. W2 or W1,W3 (repeatable)")
    p.add_argument("--threads", default="1,2", help="thread counts, e.g. 2 or 1,2")
    p.add_argument("--min-time", type=float, default=None, help="seconds of samples per run (default 5)")
    p.add_argument("--min-steps", type=int, default=100, help="samples per run unless --min-time passes first")
    p.add_argument("--build-dir", default=os.environ.get("BUILD_DIR", "build"))
    p.add_argument("--python", default=os.environ.get("PYTHON", "/usr/bin/python3"))
    p.add_argument("--no-torch", action="store_true", help="strata only")
    p.add_argument("--settings", action="store_true", help="compare thread settings for both frameworks instead")
    p.add_argument("--rounds", type=int, default=1, help="repeats for --settings (best kept)")
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.json"))
    p.add_argument("--markdown", action="store_true", help="print the results in --out as a markdown table")
    opts = p.parse_args()
    if opts.markdown:
        print(markdown(opts.out))
        return
    opts.threads = [int(t) for t in opts.threads.split(",")]
    only = {w.strip().upper() for arg in opts.only for w in arg.split(",") if w.strip()}
    unknown = only - {w.id for w in WORKLOADS}
    if unknown:
        sys.exit(f"bench/run: unknown workload(s) {', '.join(sorted(unknown))}")
    build_dir = (ROOT / opts.build_dir).resolve()
    selected = [w for w in WORKLOADS if not only or w.id in only]
    workloads = [w for w in selected if w.available(build_dir)]
    for w in selected:
        if w not in workloads:
            print(f"bench/run: skipping {w.id} ({w.title}): needs {build_dir / 'bench' / w.binary} and "
                  f"{TORCH_DIR / w.torch_script}", file=sys.stderr)
    if not workloads:
        sys.exit("bench/run: nothing to run")

    if opts.settings:
        settings_study(opts, build_dir, workloads)
        return

    info = machine_info(opts)
    info["load_avg_start"] = load_avg()
    print(f"{info['cpu']}, {info['cores']} cores; PyTorch {info['torch']}; load average {info['load_avg_start']:.2f}")
    print("ratio = PyTorch time / strata time (> 1: strata is faster); times are medians; GFLOP/s and peak are "
          "strata's")
    results, peaks = run_suite(opts, build_dir, workloads)
    info["load_avg_end"] = load_avg()
    info["peak_gflops"] = {str(k): v for k, v in peaks.items()}
    out = pathlib.Path(opts.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    out.with_name(out.stem + "_machine.json").write_text(json.dumps(info, indent=1) + "\n")
    print(f"\nload average {info['load_avg_start']:.2f} at the start, {info['load_avg_end']:.2f} at the end "
          f"({info['cores']} cores); wrote {out}")


if __name__ == "__main__":
    main()
