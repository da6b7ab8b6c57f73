#!/usr/bin/python3
"""Writes the perceptual-hash fixtures (strata/data/image/near_duplicates.h):

  tests/fixtures/image_phash.safetensors

Run with Debian's Python (python3-torchvision, python3-scipy):  /usr/bin/python3 scripts/gen_fixtures_phash.py
Each case `c` stores an image `c.img` and the expected 64-bit hash `c.hash` (as i64, same bits). The reference
follows the definition in near_duplicates.h with torchvision (greyscale, antialiased bilinear resize to 32x32
in f64) and scipy's DCT-II; inputs come from a generator seeded per case, so the file is deterministic.
"""
import os
import sys
import zlib

import numpy as np
import scipy.fft
import torch
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "image_phash.safetensors")


def phash(img):
    x = img.double()
    if x.dim() == 2:
        x = x.unsqueeze(0)
    if x.shape[0] == 4:
        x = x[:3]
    if x.shape[0] == 3:
        x = F.rgb_to_grayscale(x)
    x = F.resize(x, [32, 32], interpolation=InterpolationMode.BILINEAR, antialias=True)[0].numpy()
    low = scipy.fft.dct(scipy.fft.dct(x, axis=0), axis=1)[:8, :8].reshape(-1)
    bits = low > np.median(low)
    value = sum(1 << i for i, b in enumerate(bits) if b)
    return value - (1 << 64) if value >= 1 << 63 else value


def smooth(shape, g, dtype):
    """A random image with structure at several scales (pure noise would hash near the median everywhere)."""
    c, h, w = shape
    coarse = torch.rand((c, 4, 5), generator=g, dtype=torch.float64)
    img = F.resize(coarse, [h, w], interpolation=InterpolationMode.BILINEAR, antialias=False)
    img = (0.8 * img + 0.2 * torch.rand((c, h, w), generator=g, dtype=torch.float64)).clamp(0, 1)
    if dtype == torch.uint8:
        return (img * 255).round().to(torch.uint8)
    return img.to(dtype)


tensors = {}
for name, shape, dtype in [
    ("grey_u8_28", (1, 28, 28), torch.uint8),
    ("grey_hw_u8", (28, 28), torch.uint8),
    ("rgb_u8_64", (3, 64, 64), torch.uint8),
    ("rgb_f32_40x50", (3, 40, 50), torch.float32),
    ("rgba_u8_33", (4, 33, 33), torch.uint8),
    ("grey_f64_small", (1, 9, 12), torch.float64),
    ("rgb_f32_large", (3, 120, 90), torch.float32),
]:
    g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    full = (1,) + shape if len(shape) == 2 else shape
    img = smooth(full, g, dtype)
    if len(shape) == 2:
        img = img[0]
    tensors[name + ".img"] = img.contiguous()
    tensors[name + ".hash"] = torch.tensor([phash(img)], dtype=torch.int64)

save_safetensors(OUT, tensors)
print(f"wrote {OUT}: {len(tensors) // 2} cases")
