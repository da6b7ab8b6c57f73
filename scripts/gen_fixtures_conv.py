#!/usr/bin/python3
"""Writes the PyTorch golden fixtures for convolution, pooling and normalisation layers (float32):

  tests/fixtures/conv.safetensors                Conv2d, Conv1d, ConvTranspose2d
  tests/fixtures/conv_pooling.safetensors        MaxPool2d, AvgPool2d, AdaptiveAvgPool2d
  tests/fixtures/conv_normalization.safetensors  BatchNorm1d/2d (train and eval), LayerNorm, GroupNorm

Run with Debian's Python, which has python3-torch:  /usr/bin/python3 scripts/gen_fixtures_conv.py
Each case `c` stores its inputs `c.<name>`, the layer output `c.out`, a fixed upstream gradient
`c.grad_out` and the gradients `c.grad_<name>` of every floating input and parameter; batch-norm cases
also store the running statistics after the step (`c.running_mean_after`, `c.running_var_after`,
`c.num_batches_tracked`). Every case seeds torch from its own name, so the output is deterministic.
The files are written by the safetensors writer of scripts/gen_fixtures.py.
"""
import os
import subprocess
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures")

try:
    import torch
    import torch.nn as nn
except ImportError:
    print("gen_fixtures_conv: PyTorch is missing; installing python3-torch", file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-torch", "python3-numpy"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)

class Family:
    def __init__(self, name):
        self.name = name
        self.tensors = {}

    def case(self, case, make_layer, x_shape, state=None, train=True):
        """Builds the layer (after seeding), runs it on a random x, backpropagates a random gradient.

        `state` maps buffer names to tensors loaded before the step (batch-norm running statistics)."""
        assert "." not in case and case not in {k.split(".")[0] for k in self.tensors}, case
        torch.manual_seed(zlib.crc32(f"{self.name}/{case}".encode()))
        layer = make_layer().float()
        # Parameters drawn away from PyTorch's defaults so the test does not depend on matching init.
        with torch.no_grad():
            for p in layer.parameters():
                p.copy_(torch.randn(p.shape))
            for name, value in (state or {}).items():
                getattr(layer, name).copy_(value)
        layer.train(train)
        x = torch.randn(x_shape).requires_grad_()
        t = self.tensors
        t[f"{case}.x"] = x.detach().clone()
        for name, p in layer.named_parameters():
            t[f"{case}.{name}"] = p.detach().clone()
        for name, value in (state or {}).items():
            t[f"{case}.{name}"] = value.clone()
        out = layer(x)
        grad_out = torch.randn(out.shape)
        out.backward(grad_out)
        t[f"{case}.out"] = out.detach().clone()
        t[f"{case}.grad_out"] = grad_out
        t[f"{case}.grad_x"] = x.grad.clone()
        for name, p in layer.named_parameters():
            t[f"{case}.grad_{name}"] = p.grad.clone()
        for name, b in layer.named_buffers():
            key = name if name == "num_batches_tracked" else name + "_after"
            t[f"{case}.{key}"] = b.detach().clone()

    def write(self):
        path = os.path.join(OUT_DIR, f"{self.name}.safetensors")
        save_safetensors(path, self.tensors, {"generator": "scripts/gen_fixtures_conv.py", "torch": torch.__version__})
        return path


def conv():
    f = Family("conv")
    f.case("conv2d_basic", lambda: nn.Conv2d(3, 4, 3), (2, 3, 6, 6))
    f.case("conv2d_stride_padding", lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 7, 6))
    f.case("conv2d_stride_pair", lambda: nn.Conv2d(2, 3, (3, 2), stride=(2, 3), padding=(1, 0)), (2, 2, 8, 7))
    f.case("conv2d_same_even", lambda: nn.Conv2d(3, 2, (4, 2), padding="same"), (2, 3, 5, 6))
    f.case("conv2d_same_dilation", lambda: nn.Conv2d(2, 3, 3, padding="same", dilation=2), (1, 2, 6, 7))
    f.case("conv2d_valid", lambda: nn.Conv2d(2, 3, 3, padding="valid"), (1, 2, 5, 5))
    f.case("conv2d_dilation", lambda: nn.Conv2d(2, 3, 3, dilation=(2, 1), padding=(1, 2)), (2, 2, 7, 6))
    f.case("conv2d_groups", lambda: nn.Conv2d(4, 6, 3, groups=2, padding=1), (2, 4, 5, 5))
    f.case("conv2d_depthwise", lambda: nn.Conv2d(4, 4, 3, groups=4, stride=2, padding=1), (2, 4, 7, 7))
    f.case("conv2d_no_bias", lambda: nn.Conv2d(3, 2, 2, bias=False), (2, 3, 4, 5))
    f.case("conv1d", lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1, dilation=2), (2, 3, 11))
    f.case("conv1d_same_groups", lambda: nn.Conv1d(4, 2, 4, padding="same", groups=2), (2, 4, 7))
    f.case("conv_transpose2d", lambda: nn.ConvTranspose2d(3, 2, 3), (2, 3, 4, 4))
    f.case("conv_transpose2d_stride_output_padding",
           lambda: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1), (2, 3, 4, 3))
    f.case("conv_transpose2d_groups_dilation",
           lambda: nn.ConvTranspose2d(4, 6, 2, stride=(1, 2), padding=(0, 1), groups=2, dilation=2,
                                      output_padding=(1, 0)), (1, 4, 3, 4))
    return f


def pooling():
    f = Family("conv_pooling")
    f.case("max_pool2d", lambda: nn.MaxPool2d(2), (2, 3, 6, 6))
    f.case("max_pool2d_padding", lambda: nn.MaxPool2d(3, stride=2, padding=1), (2, 3, 7, 6))
    f.case("max_pool2d_ceil", lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), (2, 2, 6, 8))
    f.case("max_pool2d_rect", lambda: nn.MaxPool2d((3, 2), stride=(1, 2), padding=(1, 0)), (1, 2, 5, 6))
    f.case("avg_pool2d", lambda: nn.AvgPool2d(2), (2, 3, 6, 6))
    f.case("avg_pool2d_padding_include", lambda: nn.AvgPool2d(3, stride=2, padding=1), (2, 3, 7, 6))
    f.case("avg_pool2d_padding_exclude", lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
           (2, 3, 7, 6))
    f.case("avg_pool2d_ceil_include", lambda: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True), (2, 2, 6, 8))
    f.case("avg_pool2d_ceil_exclude",
           lambda: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), (2, 2, 6, 8))
    f.case("avg_pool2d_ceil_no_padding", lambda: nn.AvgPool2d(2, ceil_mode=True), (1, 2, 5, 5))
    f.case("adaptive_avg_pool2d", lambda: nn.AdaptiveAvgPool2d((3, 4)), (2, 3, 7, 9))
    f.case("adaptive_avg_pool2d_global", lambda: nn.AdaptiveAvgPool2d(1), (2, 5, 4, 3))
    f.case("adaptive_avg_pool2d_upsample", lambda: nn.AdaptiveAvgPool2d((5, 3)), (1, 2, 3, 2))
    return f


def normalization():
    f = Family("conv_normalization")

    def stats(c):
        return {"running_mean": torch.randn(c, dtype=torch.float64).float(),
                "running_var": torch.rand(c, dtype=torch.float64).add(0.5).float()}

    f.case("batch_norm1d_train", lambda: nn.BatchNorm1d(3), (5, 3), state=stats(3))
    f.case("batch_norm1d_3d_train", lambda: nn.BatchNorm1d(4, momentum=0.3), (3, 4, 5), state=stats(4))
    f.case("batch_norm1d_eval", lambda: nn.BatchNorm1d(3), (4, 3, 2), state=stats(3), train=False)
    f.case("batch_norm2d_train", lambda: nn.BatchNorm2d(3), (4, 3, 3, 4), state=stats(3))
    f.case("batch_norm2d_train_eps", lambda: nn.BatchNorm2d(2, eps=1e-3, momentum=0.5), (2, 2, 3, 3), state=stats(2))
    f.case("batch_norm2d_eval", lambda: nn.BatchNorm2d(3), (2, 3, 4, 4), state=stats(3), train=False)
    f.case("batch_norm2d_no_affine", lambda: nn.BatchNorm2d(3, affine=False), (3, 3, 2, 2), state=stats(3))
    f.case("layer_norm", lambda: nn.LayerNorm(6), (3, 4, 6))
    f.case("layer_norm_2d", lambda: nn.LayerNorm((3, 4), eps=1e-3), (2, 3, 4))
    f.case("layer_norm_no_affine", lambda: nn.LayerNorm(5, elementwise_affine=False), (4, 5))
    f.case("group_norm", lambda: nn.GroupNorm(2, 6), (2, 6, 3, 3))
    f.case("group_norm_one_group", lambda: nn.GroupNorm(1, 4, eps=1e-3), (3, 4, 5))
    f.case("group_norm_per_channel", lambda: nn.GroupNorm(4, 4), (2, 4, 2, 3))
    return f


def main():
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for family in [conv, pooling, normalization]:
        path = family().write()
        size = os.path.getsize(path)
        total += size
        print(f"{os.path.relpath(path, ROOT)}: {size} bytes")
    print(f"total: {total} bytes")


if __name__ == "__main__":
    main()
