"""W8: LeNet-5 inference without grad at batch 1 and 256 (twin of workloads W8)."""
import torch

import harness
from lenet import lenet5

args = harness.parse()
torch.manual_seed(0)
net = lenet5().eval()
with torch.no_grad():
    for batch in (1, 256):
        x = torch.randn(batch, 1, 28, 28, generator=torch.Generator().manual_seed(0))
        inner = 20 if batch == 1 else 1

        def step():
            for _ in range(inner):
                net(x)

        harness.report(args, "W8", harness.measure(args, step, warmup=10, inner=inner), variant=f"batch {batch}")
