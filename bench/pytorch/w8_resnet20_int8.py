"""W8-INT8-R20: ResNet-20 (CIFAR-style, 1x28x28) inference at batch 256, f32 and int8 (twin of workloads
W8-INT8-R20). Static quantisation is PyTorch's eager-mode flow: torchvision's QuantizableBasicBlock (its add is
a FloatFunctional), conv+bn+relu fused, prepare, calibration on 256 inputs, convert; fbgemm where the build has
it, else onednn."""
import torch
from torch import nn
from torchvision.models.quantization.resnet import QuantizableBasicBlock

import harness


def stage(cin, cout, stride):
    down = None
    if stride != 1 or cin != cout:
        down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
    return nn.Sequential(QuantizableBasicBlock(cin, cout, stride, down), QuantizableBasicBlock(cout, cout),
                         QuantizableBasicBlock(cout, cout))


def resnet20():
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                         stage(16, 16, 1), stage(16, 32, 2), stage(32, 64, 2), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(64, 10))


args = harness.parse()
torch.manual_seed(0)
net = resnet20().eval()
x = torch.randn(256, 1, 28, 28, generator=torch.Generator().manual_seed(0))
calibration = torch.randn(256, 1, 28, 28, generator=torch.Generator().manual_seed(1))


def time(model, variant):
    with torch.no_grad():
        harness.report(args, "W8-INT8-R20", harness.measure(args, lambda: model(x), warmup=3), variant=variant)


time(net, "ResNet-20 batch 256 f32")

engine = next(e for e in ("fbgemm", "onednn", "qnnpack") if e in torch.backends.quantized.supported_engines)
torch.backends.quantized.engine = engine
body = resnet20()
body.load_state_dict(net.state_dict())
body.eval()
torch.ao.quantization.fuse_modules(body, [["0", "1", "2"]], inplace=True)
for m in body.modules():
    if isinstance(m, QuantizableBasicBlock):
        m.fuse_model()
static = nn.Sequential(torch.ao.quantization.QuantStub(), body, torch.ao.quantization.DeQuantStub()).eval()
static.qconfig = torch.ao.quantization.get_default_qconfig(engine)
torch.ao.quantization.prepare(static, inplace=True)
with torch.no_grad():
    for i in range(0, 256, 64):
        static(calibration[i:i + 64])
torch.ao.quantization.convert(static, inplace=True)
time(static, "ResNet-20 batch 256 int8 (torch: static)")
