#!/usr/bin/python3
"""Writes the golden fixtures of the model zoo (strata::models), computed by torchvision.

Run with Debian's Python, which has python3-torch and python3-torchvision:
    /usr/bin/python3 scripts/gen_fixtures_zoo.py
The output is deterministic, so regenerating changes nothing unless a model or PyTorch changes. The writer
is scripts/gen_fixtures.py's.

Whole models hold millions of parameters, so the fixtures do not store them: every parameter and buffer is
filled by a formula that tests/models/model_golden_util.h computes the same way (`fill` below), and only
inputs, logits and gradients (in full for small tensors, else as summaries) are stored.

tests/fixtures/zoo_resnet.safetensors        (tests/models/resnet_golden_test.cpp)
tests/fixtures/zoo_mobilenet_v2.safetensors  (tests/models/mobilenet_v2_golden_test.cpp)
  For each model m (resnet18, resnet50, resnet20 / mobilenet_v2) a float64 case `m` and a float32 case `m_f32`:
  metadata `m.state_dict`    one line per state-dict entry, "name dtype d0,d1,..." (torchvision's float32
                             model, in its order): the names, shapes and dtypes strata must have
  `m.x`                      the input, float64 (the f32 case rounds it), `m.target` the class labels
  `c.eval_out`               logits in eval mode, with the formula's running statistics
  `c.train_out`, `c.loss`    logits in train mode and their cross entropy against `m.target`
  `c.grad.<param>`           the loss's gradient of each parameter with at most FULL elements
  `c.grad_summary.<param>`   [sum g, sum |g|, sum g * probe, sqrt(sum g^2)] of the larger ones (`probe`:
                             the formula for "probe/<param>" in [-1, 1)), computed in float64
  `c.buffer.<name>` / `c.buffer_summary.<name>`  the buffers after the train-mode step, in full / summarised
                             the same way (running statistics moved by one batch, num_batches_tracked + 1)
  mobilenet_v2 runs with dropout 0 (train mode is then deterministic).
tests/fixtures/zoo_mobilenet_v2_state_dict.safetensors
  a real torchvision state dict: mobilenet_v2(width_mult=0.25, num_classes=10), trained for a few SGD steps
  on random data, float32; `pretrained.x` and `pretrained.out` (its eval-mode logits) sit in
  zoo_mobilenet_v2.safetensors.
"""
import math
import os
import sys
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_fixtures as gf  # noqa: E402  (installs PyTorch when missing)

torch, F, ROOT, OUT_DIR = gf.torch, gf.F, gf.ROOT, gf.OUT_DIR
nn = torch.nn
try:
    import torchvision
    from torchvision.models.resnet import BasicBlock
except ImportError:
    import subprocess

    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-torchvision"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

GENERATOR = "scripts/gen_fixtures_zoo.py"
FULL = 256  # gradients and buffers with at most this many elements are stored in full
MASK = 0xFFFFFFFF


# ---- the deterministic fill (mirrored by tests/models/model_golden_util.h) -----------------------------------


def fnv1a32(text):
    h = 2166136261
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 16777619) & MASK
    return h


def unit(text, n):
    """n values in [0, 1): murmur3's finaliser of (i * 0x9E3779B9 + fnv1a32(text)) mod 2^32, over 2^32."""
    x = (np.arange(n, dtype=np.uint64) * np.uint64(0x9E3779B9) + np.uint64(fnv1a32(text))) & np.uint64(MASK)
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x85EBCA6B)) & np.uint64(MASK)
    x ^= x >> np.uint64(13)
    x = (x * np.uint64(0xC2B2AE35)) & np.uint64(MASK)
    x ^= x >> np.uint64(16)
    return x.astype(np.float64) / 4294967296.0


def uniform(text, shape, lo, hi):
    n = math.prod(shape)
    return torch.from_numpy(lo + (hi - lo) * unit(text, n)).reshape(shape)


def fill_value(name, t):
    """The formula's value of state-dict entry `name` (shaped like t), float64 (int64 for counters)."""
    leaf = name.rsplit(".", 1)[-1]
    shape = tuple(t.shape)
    if leaf == "num_batches_tracked":
        return torch.tensor(fnv1a32(name) % 5, dtype=torch.int64)
    if leaf == "running_mean" or leaf == "bias":
        return uniform(name, shape, -0.1, 0.1)
    if leaf == "running_var":
        return uniform(name, shape, 0.5, 1.5)
    assert leaf == "weight", name
    if len(shape) == 1:  # BatchNorm scale
        return uniform(name, shape, 0.5, 1.5)
    fan_in = math.prod(shape[1:])
    bound = math.sqrt(6.0 / fan_in) if len(shape) == 4 else 1.0 / math.sqrt(fan_in)  # He for convs
    return uniform(name, shape, -bound, bound)


def fill(model):
    with torch.no_grad():
        for name, t in model.state_dict().items():
            t.copy_(fill_value(name, t))


def summary(name, g):
    g = g.detach().double().flatten()
    probe = uniform("probe/" + name, (g.numel(),), -1.0, 1.0)
    return torch.stack([g.sum(), g.abs().sum(), (g * probe).sum(), g.square().sum().sqrt()])


# ---- models ----------------------------------------------------------------------------------------------------


class CifarResNet(nn.Module):
    """ResNet-20/32/56 for CIFAR built from torchvision's BasicBlock, with torchvision-style 1x1-conv + BN
    projection shortcuts named `downsample` (He et al.'s option B) and torchvision's layer names."""

    def __init__(self, blocks_per_stage, num_classes=10, in_channels=3):
        super().__init__()
        self.inplanes = 16
        self.conv1 = nn.Conv2d(in_channels, 16, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(16, blocks_per_stage, 1)
        self.layer2 = self._make_layer(32, blocks_per_stage, 2)
        self.layer3 = self._make_layer(64, blocks_per_stage, 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, num_classes)

    def _make_layer(self, planes, blocks, stride):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, stride=stride, bias=False),
                                       nn.BatchNorm2d(planes))
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        layers += [BasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def spec(model):
    dtypes = {torch.float32: "F32", torch.int64: "I64"}
    return "\n".join(f"{k} {dtypes[v.dtype]} {','.join(str(d) for d in v.shape)}"
                     for k, v in model.state_dict().items())


class Family:
    def __init__(self, name):
        self.name = name
        self.tensors = {}
        self.metadata = {"generator": GENERATOR, "torch": torch.__version__,
                         "torchvision": torchvision.__version__}

    def model(self, case, make, x_shape, target):
        """Cases `case` (float64) and `case_f32` of the model make() on an input of x_shape."""
        torch.manual_seed(zlib.crc32(f"{self.name}/{case}".encode()))
        self.metadata[f"{case}.state_dict"] = spec(make())
        x = torch.randn(x_shape, dtype=torch.float64)
        self.tensors[f"{case}.x"] = x
        self.tensors[f"{case}.target"] = torch.tensor(target, dtype=torch.int64)
        results = {}
        for c, dtype in [(case, torch.float64), (case + "_f32", torch.float32)]:
            model = make().to(dtype)
            fill(model)
            model.eval()
            with torch.no_grad():
                eval_out = model(x.to(dtype))
            model.train()
            out = model(x.to(dtype))
            loss = F.cross_entropy(out, self.tensors[f"{case}.target"])
            loss.backward()
            t = self.tensors
            t[f"{c}.eval_out"], t[f"{c}.train_out"], t[f"{c}.loss"] = eval_out, out.detach(), loss.detach()
            for name, p in model.named_parameters():
                if p.numel() <= FULL:
                    t[f"{c}.grad.{name}"] = p.grad.detach().clone()
                else:
                    t[f"{c}.grad_summary.{name}"] = summary(name, p.grad)
            for name, b in model.named_buffers():
                if b.numel() <= FULL:
                    t[f"{c}.buffer.{name}"] = b.detach().clone()
                else:
                    t[f"{c}.buffer_summary.{name}"] = summary(name, b)
            results[dtype] = (eval_out.double(), out.detach().double())
        # How far float32 strays from float64 here (the C++ test's float32 tolerance must cover it).
        for i, what in enumerate(["eval", "train"]):
            ref, got = results[torch.float64][i], results[torch.float32][i]
            err = ((got - ref).abs() / (ref.abs().max())).max().item()
            print(f"  {case} {what}: |logits| <= {ref.abs().max().item():.3g}, f32 relative error {err:.2e}")

    def write(self):
        path = os.path.join(OUT_DIR, f"{self.name}.safetensors")
        gf.save_safetensors(path, self.tensors, self.metadata)
        return path


def resnets():
    f = Family("zoo_resnet")
    f.model("resnet18", lambda: torchvision.models.resnet18(num_classes=10), (2, 3, 64, 64), [3, 7])
    f.model("resnet50", lambda: torchvision.models.resnet50(num_classes=10), (2, 3, 64, 64), [1, 8])
    f.model("resnet20", lambda: CifarResNet(3, num_classes=10), (2, 3, 32, 32), [0, 9])
    return f


def mobilenets():
    f = Family("zoo_mobilenet_v2")
    f.model("mobilenet_v2", lambda: torchvision.models.mobilenet_v2(num_classes=10, dropout=0.0), (2, 3, 64, 64),
            [2, 5])

    # A real state dict: torchvision's initialisation, a few SGD steps on random data (so BatchNorm's
    # scales, shifts and running statistics move away from their defaults), saved as float32.
    torch.manual_seed(zlib.crc32(b"zoo_mobilenet_v2/pretrained"))
    model = torchvision.models.mobilenet_v2(width_mult=0.25, num_classes=10)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    model.train()
    for _ in range(5):
        x = torch.randn(8, 3, 32, 32)
        loss = F.cross_entropy(model(x), torch.randint(0, 10, (8,)))
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        f.tensors["pretrained.x"] = x
        f.tensors["pretrained.out"] = model(x)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    path = os.path.join(OUT_DIR, "zoo_mobilenet_v2_state_dict.safetensors")
    gf.save_safetensors(path, state, {"format": "pt", "model": "torchvision.models.mobilenet_v2(width_mult=0.25, "
                                      "num_classes=10)"})
    return f, path


def main():
    torch.set_default_dtype(torch.float32)  # models as users make them
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)
    paths = [resnets().write()]
    family, state_path = mobilenets()
    paths += [family.write(), state_path]
    for p in paths:
        print(f"{os.path.relpath(p, ROOT)}: {os.path.getsize(p)} bytes")


if __name__ == "__main__":
    main()
