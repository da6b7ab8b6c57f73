#!/usr/bin/python3
"""Writes tests/fixtures/io_dtypes.safetensors: the dtypes strata reads by widening (F16, I32, I8, BOOL, BF16),
as PyTorch holds them, beside their exact widened values for the C++ test.

Run with Debian's Python, which has python3-torch:  /usr/bin/python3 scripts/gen_fixtures_safetensors.py
The output is deterministic. For each dtype `d`: `d` is the tensor stored in that dtype and `d.want` its
values widened by PyTorch (F16/BF16 -> F32, I32 -> I64, I8/BOOL -> I64); `f16_rounding` holds f32 values
whose rounding to F16 (ties to even, overflow to infinity) PyTorch decided, in `f16_rounding.want`.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import OUT_DIR, save_safetensors  # noqa: E402  (the one safetensors writer)

import torch  # noqa: E402


def main():
    g = torch.Generator().manual_seed(0)
    f16 = torch.cat([torch.randn(2, 5, generator=g),
                     torch.tensor([[0.0, -0.0, 65504.0, 6.1035156e-05, 5.9604645e-08]])]).to(torch.float16)
    f16 = torch.cat([f16, torch.tensor([[float("inf"), float("-inf"), 1.0, -2.0, 0.5]], dtype=torch.float16)])
    i32 = torch.tensor([[-2**31, -1, 0], [1, 7, 2**31 - 1]], dtype=torch.int32)
    i8 = torch.tensor([-128, -1, 0, 1, 127], dtype=torch.int8)
    bool_ = torch.tensor([[True, False, True], [False, False, True]])
    bf16 = torch.randn(3, 2, generator=g).to(torch.bfloat16)
    # Halfway cases, the largest finite half, overflow and subnormals: PyTorch's rounding is the reference.
    edges = torch.tensor([1 + 2**-11, 1 + 3 * 2**-11, 65504.0, 65519.0, 65520.0, 1e6, 2**-25, 3 * 2**-25,
                          2**-14 - 2**-25, -1e-8, 0.1, -3.14159], dtype=torch.float32)
    edges = torch.cat([edges, torch.randn(20, generator=g) * 100])
    tensors = {
        "f16": f16, "f16.want": f16.float(),
        "i32": i32, "i32.want": i32.long(),
        "i8": i8, "i8.want": i8.long(),
        "bool": bool_, "bool.want": bool_.long(),
        "bf16": bf16, "bf16.want": bf16.float(),
        "f16_rounding": edges, "f16_rounding.want": edges.half(),
    }
    path = os.path.join(OUT_DIR, "io_dtypes.safetensors")
    save_safetensors(path, tensors, {"format": "pt", "producer": "gen_fixtures_safetensors.py"}, bool_as_u8=False)
    print(f"{os.path.relpath(path)}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
