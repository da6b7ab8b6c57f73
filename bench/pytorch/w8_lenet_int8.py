"""W8-INT8: LeNet-5 inference at batch 256, f32 and int8 (twin of workloads W8-INT8).

Static quantisation is PyTorch's own eager-mode flow on the fbgemm backend (onednn where the build lacks fbgemm): QuantStub/DeQuantStub around the
same LeNet-5, conv+relu and linear+relu fused, torch.ao.quantization prepare, calibration on 256 inputs,
convert. Dynamic quantisation (torch.ao.quantization.quantize_dynamic) applies to the Linear layers only."""
import copy

import torch
from torch import nn

import harness
from lenet import lenet5

args = harness.parse()
torch.manual_seed(0)
net = lenet5().eval()
x = torch.randn(256, 1, 28, 28, generator=torch.Generator().manual_seed(0))
calibration = torch.randn(256, 1, 28, 28, generator=torch.Generator().manual_seed(1))


def time(model, variant):
    with torch.no_grad():
        harness.report(args, "W8-INT8", harness.measure(args, lambda: model(x), warmup=10), variant=variant)


time(net, "batch 256 f32")

# fbgemm where the build has it (Debian's torch 1.13 has onednn and qnnpack instead; onednn is the x86 one).
engine = next(e for e in ("fbgemm", "onednn", "qnnpack") if e in torch.backends.quantized.supported_engines)
torch.backends.quantized.engine = engine
static = nn.Sequential(torch.ao.quantization.QuantStub(), lenet5(), torch.ao.quantization.DeQuantStub())
static[1].load_state_dict(net.state_dict())
static.eval()
torch.ao.quantization.fuse_modules(static[1], [["0", "1"], ["3", "4"], ["7", "8"], ["9", "10"]], inplace=True)
static.qconfig = torch.ao.quantization.get_default_qconfig(engine)
torch.ao.quantization.prepare(static, inplace=True)
with torch.no_grad():
    for i in range(0, 256, 64):
        static(calibration[i:i + 64])
torch.ao.quantization.convert(static, inplace=True)
time(static, "batch 256 int8 (torch: static)")

dynamic = torch.ao.quantization.quantize_dynamic(copy.deepcopy(net), {nn.Linear}, dtype=torch.qint8)
time(dynamic, "batch 256 int8 (torch: dynamic)")
