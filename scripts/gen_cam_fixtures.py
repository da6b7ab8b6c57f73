#!/usr/bin/python3
"""Writes the PyTorch golden fixtures for explain/: Grad-CAM, Grad-CAM++ and attention maps.

  tests/fixtures/grad_cam.safetensors        Grad-CAM and Grad-CAM++ on a small fixed CNN
  tests/fixtures/attention_maps.safetensors  per-layer nn.MultiheadAttention weights of a TransformerEncoder
                                             and their attention rollout

Run with Debian's Python, which has python3-torch:  /usr/bin/python3 scripts/gen_cam_fixtures.py

The reference is written from the formulas with torch hooks (pytorch-grad-cam is not installed here):
  Grad-CAM    (Selvaraju et al. 2017): w_c = mean_ij dy/dA_cij; cam = ReLU(sum_c w_c A_c)
  Grad-CAM++  (Chattopadhyay et al. 2018, as pytorch-grad-cam computes it):
              alpha = g^2 / (2 g^2 + sum_ij(A) g^3 + 1e-6), 0 where g == 0; w_c = sum_ij alpha ReLU(g)
Both maps are upsampled bilinearly (align_corners=False) to the input's H x W and scaled per image to [0, 1]:
(cam - min) / (max - min + 1e-7). y is the sum over the batch of each image's target logit.
A Grad-CAM case `c` stores the CNN's state dict `c.param.<name>`, the input `c.x`, the target classes
`c.targets` (i64; absent: the predicted class), the maps `c.out` [N, H, W] and the un-normalised maps at the
layer's resolution `c.raw` [N, h, w].
Rollout (Abnar & Zuidema 2020): per layer A = mean over heads + I, rows renormalised; rollout = A_L ... A_1.
An attention case stores the encoder's state dict, the input `c.x` [B, S, E], each layer's weights
`c.weights.<i>` [B, heads, S, S] and the rollout `c.out` [B, S, S]. Everything runs in float64, eval mode.
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
    import torch.nn.functional as F
except ImportError:
    print("gen_cam_fixtures: PyTorch is missing; installing python3-torch", file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-torch", "python3-numpy"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)

FILES = {"grad_cam": {}, "attention_maps": {}}


def seed(case):
    torch.manual_seed(zlib.crc32(case.encode()))


def cnn():
    """The fixed CNN of the Grad-CAM cases: [N, 2, 8, 10] -> [N, 5]; layer "3" is the last conv (4 x 5)."""
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(6 * 4 * 5, 5))


def cam(model, layer, x, targets, plus_plus):
    store = {}

    def hook(module, inputs, output):
        store["a"] = output
        output.register_hook(lambda g: store.__setitem__("g", g))

    handle = dict(model.named_modules())[layer].register_forward_hook(hook)
    logits = model(x)
    handle.remove()
    if targets is None:
        targets = logits.argmax(1)
    logits.gather(1, targets[:, None]).sum().backward()
    a, g = store["a"].detach(), store["g"]
    if plus_plus:
        g2 = g * g
        g3 = g2 * g
        sum_a = a.sum(dim=(2, 3), keepdim=True)
        alpha = g2 / (2 * g2 + sum_a * g3 + 1e-6)
        alpha = torch.where(g != 0, alpha, torch.zeros_like(alpha))
        weights = (alpha * F.relu(g)).sum(dim=(2, 3), keepdim=True)
    else:
        weights = g.mean(dim=(2, 3), keepdim=True)
    raw = F.relu((weights * a).sum(1))
    up = F.interpolate(raw[:, None], size=x.shape[2:], mode="bilinear", align_corners=False)[:, 0]
    lo = up.amin(dim=(1, 2), keepdim=True)
    hi = up.amax(dim=(1, 2), keepdim=True)
    return (up - lo) / (hi - lo + 1e-7), raw


def cam_case(case, layer, plus_plus, targets=None, batch=3):
    seed(case)
    model = cnn().double().eval()
    x = torch.randn(batch, 2, 8, 10, dtype=torch.float64)
    t = None if targets is None else torch.tensor(targets, dtype=torch.int64)
    out, raw = cam(model, layer, x, t, plus_plus)
    f = FILES["grad_cam"]
    for name, p in model.state_dict().items():
        f[f"{case}.param.{name}"] = p
    f[f"{case}.x"] = x
    if t is not None:
        f[f"{case}.targets"] = t
    f[f"{case}.out"] = out
    f[f"{case}.raw"] = raw


def rollout(weights):
    result = None
    for w in weights:
        a = w.mean(1)
        a = a + torch.eye(a.shape[-1], dtype=a.dtype)
        a = a / a.sum(-1, keepdim=True)
        result = a if result is None else a @ result
    return result


def attention_case(case, layers=2, d_model=8, nhead=2, batch=2, seq=5):
    seed(case)
    layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=16, dropout=0.0, batch_first=True)
    encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False).double().eval()
    x = torch.randn(batch, seq, d_model, dtype=torch.float64)
    weights, h = [], x
    with torch.no_grad():
        for enc_layer in encoder.layers:
            _, w = enc_layer.self_attn(h, h, h, need_weights=True, average_attn_weights=False)
            weights.append(w)
            h = enc_layer(h)
    f = FILES["attention_maps"]
    for name, p in encoder.state_dict().items():
        f[f"{case}.param.{name}"] = p
    f[f"{case}.x"] = x
    for i, w in enumerate(weights):
        f[f"{case}.weights.{i}"] = w
    f[f"{case}.out"] = rollout(weights)


def main():
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)
    cam_case("gradcam_last_conv", "3", plus_plus=False)
    cam_case("gradcam_relu_targets", "4", plus_plus=False, targets=[0, 4, 2])
    cam_case("gradcam_first_conv", "0", plus_plus=False, targets=[1, 1, 3])
    cam_case("gradcampp_last_conv", "3", plus_plus=True)
    cam_case("gradcampp_relu_targets", "4", plus_plus=True, targets=[2, 0, 1])
    attention_case("encoder_two_layers")
    attention_case("encoder_three_layers_four_heads", layers=3, nhead=4, batch=1, seq=6)
    for file, tensors in FILES.items():
        path = os.path.join(OUT_DIR, f"{file}.safetensors")
        save_safetensors(path, tensors, {"generator": "scripts/gen_cam_fixtures.py", "torch": torch.__version__})
        print(f"{os.path.relpath(path, ROOT)}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
