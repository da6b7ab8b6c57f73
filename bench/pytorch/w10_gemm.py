"""W10: square f32 matmul, n = 256..2048 (twin of workloads W10)."""
import torch

import harness

args = harness.parse()
g = torch.Generator().manual_seed(0)
for n in (256, 512, 1024, 2048):
    a, b = torch.randn(n, n, generator=g), torch.randn(n, n, generator=g)
    inner = max(1, (512 ** 3) // (n ** 3) * 4)

    def step():
        for _ in range(inner):
            torch.matmul(a, b)

    # The strata side splits its time three ways (strata, oneDNN, OpenBLAS); use the same share.
    args_part = type(args)(**vars(args))
    args_part.min_time = args.min_time / 3
    harness.report(args, "W10", harness.measure(args_part, step, warmup=3, inner=inner), variant=f"n={n}")
