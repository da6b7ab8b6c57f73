#!/usr/bin/python3
"""Writes the PyTorch golden fixtures for PReLU, Mish, interpolation (Upsample) and 1-D pooling:

  tests/fixtures/layers_activation.safetensors  F.prelu (shared and per-channel slopes), F.mish
  tests/fixtures/layers_upsample.safetensors    F.interpolate: nearest and linear (3-D), nearest and
                                                bilinear (4-D); size and scale factors, align_corners,
                                                channels-last input
  tests/fixtures/layers_pooling.safetensors     F.max_pool1d, F.avg_pool1d ([N, C, L] and [C, L])

Run with Debian's Python, which has python3-torch:  /usr/bin/python3 scripts/gen_fixtures_layers.py
The cases follow scripts/gen_fixtures.py (whose Family, input makers and safetensors writer they reuse):
inputs `c.<name>`, result `c.out`, upstream gradient `c.grad_out`, gradients `c.grad_<name>`; cases
ending in `_f32` run in float32, the rest in float64. Every case seeds torch from its own name, so the
output is deterministic.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_fixtures as gf  # noqa: E402  (installs python3-torch when missing)
from gen_fixtures import away_from, const, distinct, randn  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class Family(gf.Family):
    def write(self):
        path = os.path.join(gf.OUT_DIR, f"{self.name}.safetensors")
        gf.save_safetensors(path, self.tensors,
                            {"generator": "scripts/gen_fixtures_layers.py", "torch": torch.__version__})
        return path


def channels_last(fn):
    """fn applied to a channels-last copy of x (same values, NHWC strides)."""
    return lambda x: fn(x.contiguous(memory_format=torch.channels_last))


def activation():
    f = Family("layers_activation")
    x = lambda *s: away_from(*s, points=[0.0])  # noqa: E731  (the kink of prelu)
    for suffix in ["", "_f32"]:
        f.case("prelu_shared" + suffix, F.prelu, x=x(2, 3, 4), weight=randn(1))
        f.case("prelu_channels" + suffix, F.prelu, x=x(2, 3, 4), weight=randn(3))
        f.case("prelu_4d" + suffix, F.prelu, x=x(2, 3, 2, 3), weight=randn(3))
        f.case("mish" + suffix, F.mish, x=randn(4, 5, scale=3.0))
    f.case("prelu_2d", F.prelu, x=x(4, 3), weight=randn(3))
    f.case("prelu_1d", F.prelu, x=x(5), weight=randn(1))
    # nn.PReLU(4): its initial weight, 0.25 per channel.
    f.case("prelu_module_f32", F.prelu, x=x(2, 4, 3), weight=const(nn.PReLU(4).weight.detach()))
    f.case("mish_tails", F.mish, x=const(torch.tensor([-800.0, -40.0, -25.0, 25.0, 40.0, 800.0])))
    return f


def upsample():
    f = Family("layers_upsample")
    for suffix in ["", "_f32"]:
        f.case("nearest_1d_size" + suffix, lambda x: F.interpolate(x, size=8), x=randn(2, 2, 5))
        f.case("nearest_1d_scale" + suffix, lambda x: F.interpolate(x, scale_factor=2.5), x=randn(2, 2, 4))
        f.case("linear_1d" + suffix, lambda x: F.interpolate(x, size=8, mode="linear"), x=randn(2, 2, 5))
        f.case("linear_1d_align" + suffix,
               lambda x: F.interpolate(x, size=8, mode="linear", align_corners=True), x=randn(2, 2, 5))
        f.case("linear_1d_scale" + suffix, lambda x: F.interpolate(x, scale_factor=1.7, mode="linear"),
               x=randn(2, 2, 4))
        f.case("nearest_2d_scale2" + suffix, lambda x: F.interpolate(x, scale_factor=2), x=randn(1, 2, 4, 5))
        f.case("nearest_2d_size" + suffix, lambda x: F.interpolate(x, size=(7, 9)), x=randn(1, 2, 5, 4))
        f.case("nearest_2d_scale_mixed" + suffix, lambda x: F.interpolate(x, scale_factor=(1.5, 0.6)),
               x=randn(1, 2, 3, 5))
        f.case("bilinear_2d" + suffix, lambda x: F.interpolate(x, size=(7, 8), mode="bilinear"),
               x=randn(1, 2, 4, 5))
        f.case("bilinear_2d_align" + suffix,
               lambda x: F.interpolate(x, size=(7, 8), mode="bilinear", align_corners=True), x=randn(1, 2, 4, 5))
        f.case("bilinear_2d_scale" + suffix,
               lambda x: F.interpolate(x, scale_factor=(1.7, 2.3), mode="bilinear"), x=randn(1, 2, 5, 4))
        f.case("bilinear_2d_down" + suffix, lambda x: F.interpolate(x, size=(3, 4), mode="bilinear"),
               x=randn(1, 2, 8, 9))
        f.case("bilinear_channels_last" + suffix,
               channels_last(lambda x: F.interpolate(x, size=(6, 7), mode="bilinear")), x=randn(1, 3, 3, 5))
        f.case("nearest_channels_last" + suffix, channels_last(lambda x: F.interpolate(x, scale_factor=1.5)),
               x=randn(1, 3, 3, 5))
    f.case("nearest_1d_down", lambda x: F.interpolate(x, size=4), x=randn(1, 2, 9))
    f.case("bilinear_2d_down_align",
           lambda x: F.interpolate(x, scale_factor=0.45, mode="bilinear", align_corners=True), x=randn(1, 2, 8, 9))
    f.case("bilinear_2d_to_one", lambda x: F.interpolate(x, size=1, mode="bilinear", align_corners=True),
           x=randn(1, 2, 3, 3))
    f.case("bilinear_channels_last_align",
           channels_last(lambda x: F.interpolate(x, scale_factor=(2.5, 1.5), mode="bilinear", align_corners=True)),
           x=randn(1, 3, 3, 4))
    f.case("upsample_module", nn.Upsample(scale_factor=2, mode="bilinear"), x=randn(1, 2, 3, 3))
    return f


def pooling():
    f = Family("layers_pooling")
    for suffix in ["", "_f32"]:
        f.case("max_pool1d" + suffix, lambda x: F.max_pool1d(x, 2), x=distinct(2, 3, 8))
        f.case("max_pool1d_stride_padding" + suffix, lambda x: F.max_pool1d(x, 3, stride=2, padding=1),
               x=distinct(2, 3, 9))
        f.case("max_pool1d_ceil" + suffix, lambda x: F.max_pool1d(x, 3, stride=2, padding=1, ceil_mode=True),
               x=distinct(2, 2, 8))
        f.case("avg_pool1d" + suffix, lambda x: F.avg_pool1d(x, 2), x=randn(2, 3, 8))
        f.case("avg_pool1d_padding_include" + suffix, lambda x: F.avg_pool1d(x, 3, stride=2, padding=1),
               x=randn(2, 3, 9))
        f.case("avg_pool1d_padding_exclude" + suffix,
               lambda x: F.avg_pool1d(x, 3, stride=2, padding=1, count_include_pad=False), x=randn(2, 3, 9))
        f.case("avg_pool1d_ceil" + suffix, lambda x: F.avg_pool1d(x, 3, stride=2, padding=1, ceil_mode=True),
               x=randn(2, 2, 8))
    f.case("max_pool1d_unbatched", lambda x: F.max_pool1d(x, 3, stride=2), x=distinct(3, 7))
    f.case("avg_pool1d_unbatched", lambda x: F.avg_pool1d(x, 3, stride=2, padding=1), x=randn(3, 7))
    f.case("max_pool1d_module", nn.MaxPool1d(3, stride=2, padding=1), x=distinct(2, 3, 9))
    f.case("avg_pool1d_module", nn.AvgPool1d(4, stride=3, padding=2, ceil_mode=True), x=randn(2, 3, 9))
    return f


def main():
    torch.use_deterministic_algorithms(True)
    os.makedirs(gf.OUT_DIR, exist_ok=True)
    total = 0
    for family in [activation, upsample, pooling]:
        path = family().write()
        size = os.path.getsize(path)
        total += size
        print(f"{os.path.relpath(path, gf.ROOT)}: {size} bytes")
    print(f"total: {total} bytes")


if __name__ == "__main__":
    main()
