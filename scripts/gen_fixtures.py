#!/usr/bin/python3
"""Writes the golden fixtures under tests/fixtures/: inputs, outputs and gradients computed by PyTorch.

Run with Debian's Python, which has python3-torch:  /usr/bin/python3 scripts/gen_fixtures.py
The output is deterministic (every case seeds torch from its own name), so regenerating changes nothing
unless a case or PyTorch changes.

Each op family gets one file, <family>.safetensors. A case `c` stores its inputs as `c.<input>` (floating
inputs are leaves that require grad), its result as `c.out` (and extra results such as `c.indices`), and,
when the op is differentiable, a fixed upstream gradient `c.grad_out` with the input gradients
`c.grad_<input>` (zeros where PyTorch returns None). Cases ending in `_f32` run in float32, the rest in
float64. The files are written by hand (json + struct), not with the safetensors package.
"""
import json
import os
import struct
import subprocess
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures")

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    print("gen_fixtures: PyTorch is missing; installing python3-torch with scripts/install-deps", file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-torch", "python3-numpy"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

DTYPES = {
    torch.float32: "F32",
    torch.float64: "F64",
    torch.int64: "I64",
    torch.uint8: "U8",
    torch.bfloat16: "BF16",
    torch.float16: "F16",
    torch.int32: "I32",
    torch.int8: "I8",
    torch.bool: "BOOL",
}


def tensor_bytes(t):
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)  # numpy has no bfloat16; the bits are what we store
    return t.numpy().tobytes()


def save_safetensors(path, tensors, metadata=None, bool_as_u8=True):
    """Writes the safetensors format: u64 header length, JSON header padded to 8 bytes, raw data.

    Bool tensors are written as U8 unless bool_as_u8 is False (then as BOOL, one 0/1 byte each)."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = dict(sorted(metadata.items()))
    for name in sorted(tensors):
        t = tensors[name]
        if t.dtype == torch.bool and bool_as_u8:
            t = t.to(torch.uint8)
        data = tensor_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


class Family:
    """The cases of one fixture file."""

    def __init__(self, name):
        self.name = name
        self.tensors = {}

    def seed(self, case):
        torch.manual_seed(zlib.crc32(f"{self.name}/{case}".encode()))

    def case(self, case, fn, differentiable=True, exact_grads=None, **inputs):
        """Runs fn(*inputs) with floating inputs as leaves; stores inputs, outputs and gradients.

        fn returns a tensor or a dict of named results ("out" first). Inputs may be callables taking the
        dtype; the case is seeded before they are drawn. exact_grads(grad_out, **inputs), where given,
        returns input gradients that replace PyTorch's (for the rare kernel that rounds f64 needlessly);
        they must agree with PyTorch's to 1e-7."""
        assert "." not in case and case.replace("_", "").isalnum(), case
        assert not any(k.startswith(case + ".") for k in self.tensors), f"duplicate case {case}"
        dtype = torch.float32 if case.endswith("_f32") else torch.float64
        self.seed(case)
        leaves = {}
        for key, value in inputs.items():
            if callable(value):
                value = value(dtype)
            if value.is_floating_point():
                value = value.to(dtype).detach().requires_grad_(differentiable)
            leaves[key] = value
        result = fn(*leaves.values())
        results = result if isinstance(result, dict) else {"out": result}
        for key, value in leaves.items():
            self.tensors[f"{case}.{key}"] = value.detach().clone()
        for key, value in results.items():
            self.tensors[f"{case}.{key}"] = value.detach().clone()
        if not differentiable:
            return
        out = results["out"]
        grad_out = torch.randn(out.shape, dtype=out.dtype)
        out.backward(grad_out)
        self.tensors[f"{case}.grad_out"] = grad_out
        exact = exact_grads(grad_out, **{k: v.detach() for k, v in leaves.items()}) if exact_grads else {}
        for key, value in leaves.items():
            if value.is_floating_point():
                g = value.grad if value.grad is not None else torch.zeros_like(value)
                if key in exact:
                    assert torch.allclose(exact[key], g, rtol=1e-7, atol=0), f"{case}: exact grad of {key}"
                    g = exact[key]
                self.tensors[f"{case}.grad_{key}"] = g.detach().clone()

    def write(self):
        path = os.path.join(OUT_DIR, f"{self.name}.safetensors")
        save_safetensors(path, self.tensors, {"generator": "scripts/gen_fixtures.py", "torch": torch.__version__})
        return path


# ---- input makers (called with the case's dtype after seeding) -------------------------------------------


def randn(*shape, scale=1.0, shift=0.0):
    return lambda dtype: torch.randn(shape, dtype=torch.float64).mul(scale).add(shift).to(dtype)


def uniform(*shape, lo, hi):
    return lambda dtype: (torch.rand(shape, dtype=torch.float64) * (hi - lo) + lo).to(dtype)


def away_from(*shape, points, gap=0.05, scale=3.0):
    """Normal values nudged away from kinks (so one-sided derivatives never meet a tie)."""

    def make(dtype):
        x = torch.randn(shape, dtype=torch.float64) * scale
        for p in points:
            near = (x - p).abs() < gap
            x = torch.where(near, p + torch.sign(x - p + 1e-300) * gap * 2, x)
        return x.to(dtype)

    return make


def distinct(*shape, scale=1.0):
    """A random permutation of evenly spaced values: no ties anywhere."""

    def make(dtype):
        n = 1
        for s in shape:
            n *= s
        values = (torch.arange(n, dtype=torch.float64) - n / 2) * scale / n * 4 + 0.013
        return values[torch.randperm(n)].reshape(shape).to(dtype)

    return make


def const(t):
    return lambda dtype: t.clone()


def index(high, *shape):
    return lambda dtype: torch.randint(0, high, shape, dtype=torch.int64)


# ---- families ------------------------------------------------------------------------------------------------


def elementwise():
    f = Family("elementwise")
    pos = lambda *s: uniform(*s, lo=0.5, hi=2.5)  # noqa: E731
    # Broadcasting binary arithmetic.
    for suffix in ["", "_f32"]:
        f.case("add_bcast" + suffix, lambda x, y: torch.add(x, y), x=randn(3, 4), y=randn(4))
        f.case("mul_bcast" + suffix, lambda x, y: x * y, x=randn(3, 1), y=randn(1, 4))
        f.case("div_bcast" + suffix, lambda x, y: x / y, x=randn(2, 3, 4), y=pos(3, 1))
        f.case("exp" + suffix, torch.exp, x=randn(3, 4))
    f.case("add_alpha", lambda x, y: torch.add(x, y, alpha=2.5), x=randn(2, 3), y=randn(2, 3))
    f.case("add_bcast_both", lambda x, y: x + y, x=randn(2, 1, 4), y=randn(3, 1))
    f.case("add_scalar_tensor", lambda x, y: x + y, x=randn(2, 3), y=randn())
    f.case("sub_bcast", lambda x, y: x - y, x=randn(2, 3, 1), y=randn(3, 4))
    f.case("sub_alpha", lambda x, y: torch.sub(x, y, alpha=0.5), x=randn(4), y=randn(2, 4))
    f.case("mul_same", lambda x, y: x * y, x=randn(3, 4), y=randn(3, 4))
    f.case("div_rank0", lambda x, y: x / y, x=randn(5), y=pos())
    # Tensor-scalar forms.
    f.case("add_scalar", lambda x: x + 1.5, x=randn(2, 3))
    f.case("sub_scalar", lambda x: x - 1.5, x=randn(2, 3))
    f.case("mul_scalar", lambda x: x * -2.5, x=randn(2, 3))
    f.case("div_scalar", lambda x: x / 4.0, x=randn(2, 3))
    f.case("rsub", lambda x: 3.0 - x, x=randn(2, 3))
    f.case("rdiv", lambda x: 3.0 / x, x=pos(2, 3))
    f.case("neg", lambda x: -x, x=randn(2, 3))
    # Powers.
    f.case("pow_tensor", lambda x, y: torch.pow(x, y), x=pos(3, 4), y=randn(4))
    f.case("pow_scalar", lambda x: torch.pow(x, 2.5), x=pos(3, 4))
    f.case("pow_int", lambda x: torch.pow(x, 3.0), x=randn(3, 4))
    f.case("pow_base", lambda x: torch.pow(2.0, x), x=randn(3, 4))
    # Unary math.
    f.case("log", torch.log, x=pos(3, 4))
    f.case("log1p", torch.log1p, x=uniform(3, 4, lo=-0.5, hi=2.0))
    f.case("sqrt", torch.sqrt, x=pos(3, 4))
    f.case("rsqrt", torch.rsqrt, x=pos(3, 4))
    f.case("square", torch.square, x=randn(3, 4))
    f.case("abs", torch.abs, x=away_from(3, 4, points=[0.0], scale=1.0))
    f.case("sign", torch.sign, x=away_from(3, 4, points=[0.0], scale=1.0))
    f.case("erf", torch.erf, x=randn(3, 4))
    f.case("sin", torch.sin, x=randn(3, 4, scale=2.0))
    f.case("cos", torch.cos, x=randn(3, 4, scale=2.0))
    f.case("reciprocal", torch.reciprocal, x=pos(3, 4))
    f.case("exp_transposed", lambda x: torch.exp(x.t()), x=randn(4, 3))
    # Clamping and selection (inputs kept away from bounds and ties).
    f.case("clamp_both", lambda x: torch.clamp(x, -0.5, 0.7), x=away_from(4, 5, points=[-0.5, 0.7], scale=1.0))
    f.case("clamp_min", lambda x: torch.clamp(x, min=-0.5), x=away_from(4, 5, points=[-0.5], scale=1.0))
    f.case("clamp_max", lambda x: torch.clamp(x, max=0.7), x=away_from(4, 5, points=[0.7], scale=1.0))
    f.case("maximum", torch.maximum, x=distinct(3, 4), y=distinct(4))
    f.case("minimum", torch.minimum, x=distinct(3, 4), y=distinct(3, 1))
    f.case("where", lambda cond, x, y: torch.where(cond.bool(), x, y),
           cond=const(torch.tensor([[1, 0, 1, 1], [0, 0, 1, 0], [1, 1, 0, 0]], dtype=torch.uint8)),
           x=randn(3, 4), y=randn(4))
    f.case("where_bcast_cond", lambda cond, x, y: torch.where(cond.bool(), x, y),
           cond=const(torch.tensor([[1], [0]], dtype=torch.uint8)), x=randn(2, 3), y=randn(2, 3))
    # Comparisons: u8 masks, no gradient; integral values make ties.
    ints = lambda *s: lambda dtype: torch.randint(-2, 3, s).to(dtype)  # noqa: E731
    for name, op in [("eq", torch.eq), ("ne", torch.ne), ("lt", torch.lt), ("le", torch.le), ("gt", torch.gt),
                     ("ge", torch.ge)]:
        f.case(name, lambda x, y, op=op: op(x, y), differentiable=False, x=ints(3, 4), y=ints(4))
    f.case("lt_scalar", lambda x: torch.lt(x, 0.5), differentiable=False, x=randn(3, 4))
    f.case("eq_scalar", lambda x: torch.eq(x, 1.0), differentiable=False, x=ints(3, 4))
    return f


def activation():
    f = Family("activation")
    x = lambda: away_from(4, 5, points=[0.0, -3.0, 3.0])  # noqa: E731  (kinks of relu and the hard* functions)
    for suffix in ["", "_f32"]:
        f.case("relu" + suffix, F.relu, x=x())
        f.case("leaky_relu" + suffix, F.leaky_relu, x=x())
        f.case("leaky_relu_02" + suffix, lambda x: F.leaky_relu(x, 0.2), x=x())
        f.case("elu" + suffix, F.elu, x=x())
        f.case("elu_05" + suffix, lambda x: F.elu(x, alpha=0.5), x=x())
        f.case("selu" + suffix, F.selu, x=x())
        f.case("gelu" + suffix, F.gelu, x=x())
        f.case("gelu_tanh" + suffix, lambda x: F.gelu(x, approximate="tanh"), x=x())
        f.case("sigmoid" + suffix, torch.sigmoid, x=x())
        f.case("tanh" + suffix, torch.tanh, x=x())
        f.case("softplus" + suffix, F.softplus, x=x())
        f.case("softplus_beta" + suffix, lambda x: F.softplus(x, beta=2.0, threshold=5.0), x=x())
        f.case("silu" + suffix, F.silu, x=x())
        # PyTorch's hardsigmoid backward multiplies by the float constant 1.0f / 6.0f even in f64 (relative
        # error 3e-8); the f64 reference uses the exact 1/6.
        exact = None if suffix else lambda g, x: {"x": g * ((x > -3) & (x < 3)) / 6}
        f.case("hardsigmoid" + suffix, F.hardsigmoid, exact_grads=exact, x=x())
        f.case("hardswish" + suffix, F.hardswish, x=x())
        # The clamps: kinks at 0 and 6 (relu6), +-1 (hardtanh) and -2, 3.5.
        clamped = away_from(4, 5, points=[0.0, 6.0, -1.0, 1.0, -2.0, 3.5], scale=4.0)
        f.case("relu6" + suffix, F.relu6, x=clamped)
        f.case("hardtanh" + suffix, F.hardtanh, x=clamped)
        f.case("hardtanh_custom" + suffix, lambda x: F.hardtanh(x, -2.0, 3.5), x=clamped)
    # Far tails, where naive formulas overflow.
    tails = const(torch.tensor([-800.0, -40.0, -25.0, 25.0, 40.0, 800.0], dtype=torch.float64))
    for name, fn in [("sigmoid", torch.sigmoid), ("tanh", torch.tanh), ("softplus", F.softplus), ("silu", F.silu),
                     ("elu", F.elu), ("selu", F.selu), ("gelu", F.gelu)]:
        f.case(f"{name}_tails", fn, x=tails)
    return f


def reduction():
    f = Family("reduction")
    x = lambda: randn(2, 3, 4)  # noqa: E731
    for suffix in ["", "_f32"]:
        f.case("sum_all" + suffix, torch.sum, x=x())
        f.case("sum_dim1" + suffix, lambda x: torch.sum(x, [1]), x=x())
        f.case("mean_dims02_keep" + suffix, lambda x: torch.mean(x, [0, 2], keepdim=True), x=x())
        f.case("var_dim1" + suffix, lambda x: torch.var(x, [1]), x=x())
    f.case("sum_dims02", lambda x: torch.sum(x, [0, 2]), x=x())
    f.case("sum_neg_keep", lambda x: torch.sum(x, [-1], keepdim=True), x=x())
    f.case("sum_all_dims", lambda x: torch.sum(x, [0, 1, 2]), x=x())
    f.case("mean_all", torch.mean, x=x())
    f.case("mean_dim1", lambda x: torch.mean(x, [1]), x=x())
    f.case("mean_neg", lambda x: torch.mean(x, [-1, -3]), x=x())
    f.case("var_all", lambda x: torch.var(x), x=x())
    f.case("var_all_biased", lambda x: torch.var(x, unbiased=False), x=x())
    f.case("var_dims02_biased_keep", lambda x: torch.var(x, [0, 2], unbiased=False, keepdim=True), x=x())
    f.case("var_neg", lambda x: torch.var(x, [-1]), x=x())
    f.case("std_all", lambda x: torch.std(x), x=x())
    f.case("std_all_biased", lambda x: torch.std(x, unbiased=False), x=x())
    f.case("std_dim1", lambda x: torch.std(x, [1]), x=x())
    f.case("std_dims01_biased_keep", lambda x: torch.std(x, [0, 1], unbiased=False, keepdim=True), x=x())
    f.case("prod_all", torch.prod, x=uniform(2, 3, lo=0.5, hi=1.5))
    f.case("prod_dim1", lambda x: torch.prod(x, 1), x=x())
    f.case("prod_dim0_keep", lambda x: torch.prod(x, 0, keepdim=True), x=x())
    # Zeros take PyTorch's special path: one zero in a row gets the product of the others, two give zero.
    f.case("prod_dim1_zeros", lambda x: torch.prod(x, 1),
           x=const(torch.tensor([[1.5, 0.0, -2.0, 3.0], [0.0, 2.0, 0.0, 4.0], [1.0, 2.0, 3.0, 0.5]],
                                dtype=torch.float64)))
    f.case("prod_all_zero", torch.prod, x=const(torch.tensor([[1.5, 0.0], [-2.0, 3.0]], dtype=torch.float64)))
    f.case("max_all", torch.max, x=distinct(3, 4))
    f.case("min_all", torch.min, x=distinct(3, 4))
    ties = const(torch.tensor([[1.0, 3.0, 3.0, -2.0], [3.0, 0.5, -2.0, 1.0]], dtype=torch.float64))
    f.case("max_all_ties", torch.max, x=ties)
    f.case("min_all_ties", torch.min, x=ties)
    for name, fn in [
        ("max_dim1", lambda x: torch.max(x, 1)),
        ("max_dim0_keep", lambda x: torch.max(x, 0, keepdim=True)),
        ("min_dim1", lambda x: torch.min(x, 1)),
        ("min_neg_keep", lambda x: torch.min(x, -1, keepdim=True)),
    ]:
        f.case(name, lambda x, fn=fn: dict(zip(["out", "indices"], fn(x))), x=distinct(2, 3, 4))
    f.case("amax_dims02", lambda x: torch.amax(x, [0, 2]), x=distinct(2, 3, 4))
    f.case("amax_dim1_keep", lambda x: torch.amax(x, [1], keepdim=True), x=distinct(2, 3, 4))
    f.case("amin_dims01", lambda x: torch.amin(x, [0, 1]), x=distinct(2, 3, 4))
    f.case("amax_ties", lambda x: torch.amax(x, [1]), x=ties)
    f.case("amin_ties", lambda x: torch.amin(x, [0]), x=ties)
    f.case("argmax_all", torch.argmax, differentiable=False, x=distinct(3, 4))
    f.case("argmin_all", torch.argmin, differentiable=False, x=distinct(3, 4))
    f.case("argmax_dim1", lambda x: torch.argmax(x, 1), differentiable=False, x=distinct(2, 3, 4))
    f.case("argmin_dim0_keep", lambda x: torch.argmin(x, 0, keepdim=True), differentiable=False, x=distinct(2, 3, 4))
    f.case("logsumexp_dim1", lambda x: torch.logsumexp(x, [1]), x=x())
    f.case("logsumexp_dims01_keep", lambda x: torch.logsumexp(x, [0, 1], keepdim=True), x=x())
    f.case("logsumexp_all", lambda x: torch.logsumexp(x, [0, 1, 2]), x=x())
    f.case("logsumexp_large", lambda x: torch.logsumexp(x, [-1]), x=randn(3, 4, scale=50.0, shift=1000.0))
    f.case("logsumexp_f32", lambda x: torch.logsumexp(x, [2]), x=x())
    for p in [1, 2, 3]:
        f.case(f"norm_p{p}_all", lambda x, p=p: torch.norm(x, p=p), x=away_from(2, 3, 4, points=[0.0], scale=1.0))
        f.case(f"norm_p{p}_dim1", lambda x, p=p: torch.norm(x, p=p, dim=[1]),
               x=away_from(2, 3, 4, points=[0.0], scale=1.0))
        f.case(f"norm_p{p}_dims02_keep", lambda x, p=p: torch.norm(x, p=p, dim=[0, 2], keepdim=True),
               x=away_from(2, 3, 4, points=[0.0], scale=1.0))
    f.case("norm_p2_f32", lambda x: torch.norm(x, p=2, dim=[-1]), x=x())
    return f


def softmax():
    f = Family("softmax")
    for suffix in ["", "_f32"]:
        for dim in [0, 1, 2]:
            f.case(f"softmax_dim{dim}{suffix}", lambda x, d=dim: torch.softmax(x, d), x=randn(2, 3, 4, scale=2.0))
            f.case(f"log_softmax_dim{dim}{suffix}", lambda x, d=dim: torch.log_softmax(x, d),
                   x=randn(2, 3, 4, scale=2.0))
        f.case("softmax_neg" + suffix, lambda x: torch.softmax(x, -1), x=randn(5, 7, scale=2.0))
        f.case("log_softmax_neg" + suffix, lambda x: torch.log_softmax(x, -2), x=randn(5, 7, scale=2.0))
        big = const(torch.tensor([[1000.0, 999.0, 0.0, -1000.0], [-1000.0, -1001.0, -1002.0, -999.0]]))
        f.case("softmax_large" + suffix, lambda x: torch.softmax(x, 1), x=big)
        f.case("log_softmax_large" + suffix, lambda x: torch.log_softmax(x, 1), x=big)
    f.case("softmax_1d", lambda x: torch.softmax(x, 0), x=randn(6))
    f.case("log_softmax_1d", lambda x: torch.log_softmax(x, 0), x=randn(6))
    f.case("softmax_transposed", lambda x: torch.softmax(x.t(), 1), x=randn(4, 3))
    return f


def linalg():
    f = Family("linalg")
    for suffix in ["", "_f32"]:
        f.case("matmul_2d" + suffix, torch.matmul, a=randn(3, 4), b=randn(4, 5))
        f.case("matmul_batched_bcast" + suffix, torch.matmul, a=randn(2, 1, 3, 4), b=randn(3, 4, 5))
        f.case("linear" + suffix, F.linear, x=randn(5, 4), weight=randn(3, 4), bias=randn(3))
    f.case("matmul_dot", torch.matmul, a=randn(4), b=randn(4))
    f.case("matmul_mv", torch.matmul, a=randn(3, 4), b=randn(4))
    f.case("matmul_vm", torch.matmul, a=randn(4), b=randn(4, 5))
    f.case("matmul_batched", torch.matmul, a=randn(2, 3, 4), b=randn(2, 4, 5))
    f.case("matmul_batched_mat", torch.matmul, a=randn(2, 3, 4), b=randn(4, 5))
    f.case("matmul_mat_batched", torch.matmul, a=randn(3, 4), b=randn(2, 4, 5))
    f.case("matmul_batched_vec", torch.matmul, a=randn(2, 3, 4), b=randn(4))
    f.case("matmul_vec_batched", torch.matmul, a=randn(4), b=randn(2, 4, 5))
    f.case("matmul_transposed", lambda a, b: torch.matmul(a.t(), b.t()), a=randn(4, 3), b=randn(5, 4))
    f.case("mm", torch.mm, a=randn(3, 4), b=randn(4, 2))
    f.case("mm_f32", torch.mm, a=randn(6, 5), b=randn(5, 7))
    f.case("bmm", torch.bmm, a=randn(2, 3, 4), b=randn(2, 4, 5))
    f.case("linear_no_bias", F.linear, x=randn(5, 4), weight=randn(3, 4))
    f.case("linear_3d", F.linear, x=randn(2, 5, 4), weight=randn(3, 4), bias=randn(3))
    f.case("linear_1d", F.linear, x=randn(4), weight=randn(3, 4), bias=randn(3))
    return f


def indexing():
    f = Family("indexing")

    def unique_rows(rows, n, take):
        """[rows, take] indices, distinct within each row (so scatter has no write races)."""
        return lambda dtype: torch.stack([torch.randperm(n)[:take] for _ in range(rows)])

    f.case("gather_dim0", lambda x, index: torch.gather(x, 0, index), x=randn(3, 4), index=index(3, 2, 4))
    f.case("gather_dim1", lambda x, index: torch.gather(x, 1, index), x=randn(3, 4), index=index(4, 3, 6))
    f.case("gather_small_index", lambda x, index: torch.gather(x, 1, index), x=randn(3, 5), index=index(5, 2, 3))
    f.case("gather_3d_f32", lambda x, index: torch.gather(x, 2, index), x=randn(2, 3, 4), index=index(4, 2, 3, 2))
    f.case("scatter_dim1", lambda x, index, src: torch.scatter(x, 1, index, src), x=randn(3, 5),
           index=unique_rows(3, 5, 3), src=randn(3, 3))
    f.case("scatter_dim0", lambda x, index, src: torch.scatter(x, 0, index, src), x=randn(4, 3),
           index=lambda dtype: unique_rows(3, 4, 2)(dtype).t().contiguous(), src=randn(2, 3))
    f.case("scatter_value", lambda x, index: torch.scatter(x, 1, index, 2.5), x=randn(3, 5),
           index=unique_rows(3, 5, 2))
    f.case("scatter_add_dim0", lambda x, index, src: torch.scatter_add(x, 0, index, src), x=randn(3, 4),
           index=index(3, 5, 4), src=randn(5, 4))
    f.case("scatter_add_dim1_f32", lambda x, index, src: torch.scatter_add(x, 1, index, src), x=randn(2, 3),
           index=index(3, 2, 6), src=randn(2, 6))
    f.case("index_select_dim0", lambda x, index: torch.index_select(x, 0, index), x=randn(4, 3),
           index=const(torch.tensor([3, 0, 3, 1, 2])))
    f.case("index_select_dim1", lambda x, index: torch.index_select(x, 1, index), x=randn(2, 5, 3),
           index=const(torch.tensor([4, 4, 0])))
    f.case("index_add_dim0", lambda x, index, src: torch.index_add(x, 0, index, src), x=randn(4, 3),
           index=const(torch.tensor([0, 2, 0, 3, 2])), src=randn(5, 3))
    f.case("index_add_dim1", lambda x, index, src: torch.index_add(x, 1, index, src), x=randn(2, 4, 3),
           index=const(torch.tensor([1, 1, 3])), src=randn(2, 3, 3))
    f.case("embedding", lambda indices, weight: F.embedding(indices, weight),
           indices=const(torch.tensor([[0, 2, 4], [2, 2, 1]])), weight=randn(5, 4))
    f.case("embedding_1d_f32", lambda indices, weight: F.embedding(indices, weight),
           indices=const(torch.tensor([3, 0, 3, 3])), weight=randn(4, 6))
    f.case("cat_dim0", lambda a, b, c: torch.cat([a, b, c], 0), a=randn(2, 3), b=randn(1, 3), c=randn(4, 3))
    f.case("cat_dim1", lambda a, b, c: torch.cat([a, b, c], 1), a=randn(2, 3, 2), b=randn(2, 1, 2),
           c=randn(2, 2, 2))
    f.case("cat_neg_f32", lambda a, b: torch.cat([a, b], -1), a=randn(3, 2), b=randn(3, 4))
    f.case("stack_dim0", lambda a, b, c: torch.stack([a, b, c], 0), a=randn(2, 3), b=randn(2, 3), c=randn(2, 3))
    f.case("stack_dim1", lambda a, b: torch.stack([a, b], 1), a=randn(2, 3), b=randn(2, 3))
    f.case("stack_neg", lambda a, b: torch.stack([a, b], -1), a=randn(2, 3), b=randn(2, 3))
    f.case("pad_last", lambda x: F.pad(x, [1, 2]), x=randn(2, 3))
    f.case("pad_two_dims", lambda x: F.pad(x, [1, 1, 2, 0], value=0.5), x=randn(2, 3, 4))
    f.case("pad_three_dims_f32", lambda x: F.pad(x, [0, 1, 1, 0, 2, 1], value=-1.0), x=randn(2, 2, 3))
    f.case("masked_fill", lambda x, mask: torch.masked_fill(x, mask.bool(), -1.5), x=randn(3, 4),
           mask=const(torch.tensor([[1, 0, 0, 1], [0, 0, 0, 0], [1, 1, 1, 1]], dtype=torch.uint8)))
    f.case("masked_fill_bcast", lambda x, mask: torch.masked_fill(x, mask.bool(), 7.0), x=randn(2, 3, 4),
           mask=const(torch.tensor([[1], [0], [1]], dtype=torch.uint8)))
    f.case("one_hot", lambda indices: F.one_hot(indices, 5), differentiable=False,
           indices=const(torch.tensor([[0, 4, 2], [1, 1, 3]])))
    f.case("one_hot_inferred", lambda indices: F.one_hot(indices), differentiable=False,
           indices=const(torch.tensor([2, 0, 3, 2])))
    return f


def io_interop():
    """Every dtype the reader accepts, with values the C++ test knows without PyTorch."""
    tensors = {
        "f32": torch.arange(6, dtype=torch.float32).reshape(2, 3) / 4,
        "f64": torch.tensor([[0.1, -2.0], [1e300, -1e-300]], dtype=torch.float64),
        "i64": torch.tensor([-3, 0, 2**40], dtype=torch.int64),
        "u8": torch.tensor([[0, 255, 7]], dtype=torch.uint8),
        "bf16": torch.tensor([1.0, -2.5, 0.15625, 3.140625], dtype=torch.bfloat16),
        "scalar": torch.tensor(2.5, dtype=torch.float64),
        "empty": torch.zeros(0, 2, dtype=torch.float32),
        "noncontiguous": torch.arange(6, dtype=torch.float64).reshape(2, 3).t(),
    }
    path = os.path.join(OUT_DIR, "io_interop.safetensors")
    save_safetensors(path, tensors, {"format": "pt", "producer": "gen_fixtures.py"})
    return path


def main():
    torch.set_default_dtype(torch.float64)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)
    paths = [family().write() for family in [elementwise, activation, reduction, softmax, linalg, indexing]]
    paths.append(io_interop())
    total = 0
    for p in paths:
        size = os.path.getsize(p)
        total += size
        print(f"{os.path.relpath(p, ROOT)}: {size} bytes")
    print(f"total: {total} bytes")


if __name__ == "__main__":
    main()
