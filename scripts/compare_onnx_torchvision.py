#!/usr/bin/python3
"""Exports torchvision's ResNet-18 and MobileNetV2 (random weights, seeded; batch-norm statistics from one batch) and a two-layer LSTM classifier with
torch.onnx.export, imports each into strata (examples/onnx_import.cpp) and compares with PyTorch's outputs.

The exported files are large, so they live in the cache ($STRATA_DATA/onnx-torchvision, else
~/.cache/strata/onnx-torchvision), never in the repository; docs/onnx.md records the results.

Usage: /usr/bin/python3 scripts/compare_onnx_torchvision.py [BUILD_DIR]   (default build; needs its onnx_import
example: cmake --build build --target onnx_import)
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

try:
    import torch
    import torch.nn as nn
    import torchvision
except ImportError:
    print("compare_onnx_torchvision: PyTorch is missing; installing python3-torch", file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-torch", "python3-torchvision"],
                   check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)


class LstmClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(32, 64, num_layers=2, batch_first=True)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.fc(y[:, -1])


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build")
    example = os.path.join(build, "examples", "onnx_import")
    if not os.path.exists(example):
        example = os.path.join(build, "onnx_import")
    cache = os.environ.get("STRATA_DATA", os.path.join(os.path.expanduser("~"), ".cache", "strata"))
    out_dir = os.path.join(cache, "onnx-torchvision")
    os.makedirs(out_dir, exist_ok=True)
    models = {
        "resnet18": (lambda: torchvision.models.resnet18(), (4, 3, 224, 224)),
        "mobilenet_v2": (lambda: torchvision.models.mobilenet_v2(), (4, 3, 224, 224)),
        "lstm_classifier": (LstmClassifier, (4, 20, 32)),
    }
    failed = 0
    for name, (make, shape) in models.items():
        torch.manual_seed(0)
        model = make()
        x = torch.rand(*shape)
        # Running statistics from one batch (as after training), so activations keep a realistic scale
        # through the random network instead of fading towards zero.
        bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
        for m in bns:
            m.momentum = 1.0
        if bns:
            with torch.no_grad():
                model.train()(x)
        model.eval()
        path = os.path.join(out_dir, f"{name}.onnx")
        torch.onnx.export(model, x, path, opset_version=13, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
        with torch.no_grad():
            y = model(x)
        io_path = os.path.join(out_dir, f"{name}_io.safetensors")
        save_safetensors(io_path, {"input": x, "output": y})
        result = subprocess.run([example, path, io_path], capture_output=True, text=True)
        print(f"{name}: {result.stdout.strip()} {result.stderr.strip()}".replace("\n", " | "))
        failed += result.returncode != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
