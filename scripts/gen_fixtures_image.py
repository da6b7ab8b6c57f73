#!/usr/bin/python3
"""Writes the torchvision golden fixtures for the deterministic image operations (strata/data/image/functional.h):

  tests/fixtures/image_functional.safetensors

Run with Debian's Python, which has python3-torchvision:  /usr/bin/python3 scripts/gen_fixtures_image.py
Each case `c` stores its input image `c.img` (f32 in [0, 1], f64, or u8, [C, H, W]) and torchvision's result
`c.out`; the parameters of each case live in tests/data/image/functional_golden_test.cpp under the same name.
Inputs come from a generator seeded per case, so the file is deterministic. Written by hand (json + struct).
"""
import os
import subprocess
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "image_functional.safetensors")

try:
    import torch
    import torchvision.transforms.functional as F
    from torchvision.transforms import InterpolationMode as IM
except ImportError:
    print("gen_fixtures_image: torchvision is missing; installing python3-torchvision", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "python3-torchvision"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)

tensors = {}


def image(name, shape, dtype):
    g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    if dtype == torch.uint8:
        return torch.randint(0, 256, shape, generator=g, dtype=torch.uint8)
    return torch.rand(shape, generator=g, dtype=dtype)


def case(name, fn, shape=(3, 9, 11), dtype=torch.float32):
    img = image(name, shape, dtype)
    out = fn(img.clone())
    assert out.dtype == img.dtype, name
    tensors[name + ".img"] = img
    tensors[name + ".out"] = out


NOAA = dict(antialias=False)
AA = dict(antialias=True)

# Flips, crops, padding.
case("hflip", F.hflip)
case("vflip_u8", F.vflip, dtype=torch.uint8)
case("crop_outside", lambda x: F.crop(x, -2, 3, 6, 10))
case("center_crop_smaller", lambda x: F.center_crop(x, [4, 6]))
case("center_crop_larger", lambda x: F.center_crop(x, [12, 14]))
case("pad_constant", lambda x: F.pad(x, [1, 2, 3, 1], fill=0.5))
case("pad_edge", lambda x: F.pad(x, [1, 2, 3, 1], padding_mode="edge"))
case("pad_reflect", lambda x: F.pad(x, [1, 2, 3, 1], padding_mode="reflect"))
case("pad_symmetric_u8", lambda x: F.pad(x, [1, 2, 3, 1], padding_mode="symmetric"), dtype=torch.uint8)

# Resize (torchvision 0.14's tensor default is antialias=False; strata defaults to True like torchvision >= 0.17).
case("resize_bilinear_down", lambda x: F.resize(x, [5, 7], IM.BILINEAR, **NOAA))
case("resize_bilinear_up", lambda x: F.resize(x, [13, 17], IM.BILINEAR, **NOAA))
case("resize_aa_down", lambda x: F.resize(x, [4, 6], IM.BILINEAR, **AA))
case("resize_aa_up", lambda x: F.resize(x, [14, 15], IM.BILINEAR, **AA))
case("resize_aa_u8", lambda x: F.resize(x, [5, 4], IM.BILINEAR, **AA), dtype=torch.uint8)
case("resize_nearest_down", lambda x: F.resize(x, [5, 7], IM.NEAREST))
case("resize_nearest_double", lambda x: F.resize(x, [18, 22], IM.NEAREST))
case("resize_shorter_edge", lambda x: F.resize(x, [6], IM.BILINEAR, **AA))
case("resize_max_size", lambda x: F.resize(x, [6], IM.BILINEAR, max_size=7, **AA))
case("resize_f64", lambda x: F.resize(x, [6, 8], IM.BILINEAR, **AA), dtype=torch.float64)

# Rotation and affine (fill given, as RandomRotation / RandomAffine pass it).
case("rotate_nearest", lambda x: F.rotate(x, 30.0, IM.NEAREST, fill=[0.0, 0.0, 0.0]))
case("rotate_bilinear_fill", lambda x: F.rotate(x, -23.5, IM.BILINEAR, fill=[0.2, 0.4, 0.6]))
case("rotate_90", lambda x: F.rotate(x, 90.0, IM.BILINEAR, fill=[0.0]), shape=(1, 8, 8))
case("rotate_center", lambda x: F.rotate(x, 45.0, IM.BILINEAR, center=[2, 3], fill=[1.0, 1.0, 1.0]))
case("rotate_u8", lambda x: F.rotate(x, 12.0, IM.BILINEAR, fill=[0.0, 0.0, 0.0]), dtype=torch.uint8)
case("affine_bilinear",
     lambda x: F.affine(x, 15.0, [2, -1], 1.2, [10.0, 5.0], IM.BILINEAR, fill=[0.0, 0.0, 0.0]))
case("affine_nearest", lambda x: F.affine(x, -40.0, [-1, 2], 0.8, [0.0, -12.0], IM.NEAREST, fill=[0.5, 0.5, 0.5]))
case("affine_u8", lambda x: F.affine(x, 7.0, [1, 1], 1.1, [3.0, 0.0], IM.BILINEAR, fill=[0.0, 0.0, 0.0]),
     dtype=torch.uint8)

# Colour.
case("grayscale", lambda x: F.rgb_to_grayscale(x, 1))
case("grayscale3_u8", lambda x: F.rgb_to_grayscale(x, 3).contiguous(), dtype=torch.uint8)
case("brightness", lambda x: F.adjust_brightness(x, 1.3))
case("brightness_u8", lambda x: F.adjust_brightness(x, 0.7), dtype=torch.uint8)
case("contrast", lambda x: F.adjust_contrast(x, 0.6))
case("contrast_u8", lambda x: F.adjust_contrast(x, 1.4), dtype=torch.uint8)
case("contrast_grey", lambda x: F.adjust_contrast(x, 1.8), shape=(1, 6, 7))
case("saturation", lambda x: F.adjust_saturation(x, 1.7))
case("saturation_u8", lambda x: F.adjust_saturation(x, 0.3), dtype=torch.uint8)
case("hue", lambda x: F.adjust_hue(x, 0.2))
case("hue_negative", lambda x: F.adjust_hue(x, -0.45))
case("hue_f64", lambda x: F.adjust_hue(x, 0.1), dtype=torch.float64)
case("hue_u8", lambda x: F.adjust_hue(x, -0.35), dtype=torch.uint8)

# Blur, erase, normalise.
case("blur", lambda x: F.gaussian_blur(x, [3, 5], [0.8, 1.3]))
case("blur_u8", lambda x: F.gaussian_blur(x, [5, 5], [1.1, 1.1]), dtype=torch.uint8)
case("erase", lambda x: F.erase(x, 2, 3, 4, 5, torch.tensor([0.1, 0.2, 0.3])[:, None, None]))
case("normalize", lambda x: F.normalize(x, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]))

save_safetensors(OUT, tensors, {"generator": "scripts/gen_fixtures_image.py",
                                "torchvision": __import__("torchvision").__version__})
print(f"wrote {OUT}: {len(tensors)} tensors")
