#!/usr/bin/python3
"""Writes the fixtures of strata's ONNX import tests into tests/fixtures/onnx_import/:

  small_cnn.onnx, lstm.onnx, gru.onnx,  torch.onnx.export (opset 13, dynamic batch) of small PyTorch models
  transformer_layer.onnx                 with seeded random weights (the Transformer layer: GELU and LayerNorm
                                         as PyTorch writes them for opset 13, from Erf and ReduceMean)
  torch_outputs.safetensors             for each model `m`: `m.input` and PyTorch's `m.output` (eval mode)
  bad_unsupported.onnx                  a graph with two operators strata does not import (Det, Acos)
  bad_missing_initializer.onnx          a Conv whose weight is no initializer, input or node output
  bad_string_initializer.onnx           an initializer of element type string
  bad_opset.onnx                        a graph that declares opset 99
  not_onnx.onnx                         bytes that are not a protobuf message

Run with Debian's Python, which has python3-torch and python3-onnx:  /usr/bin/python3 scripts/gen_fixtures_onnx_import.py
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures", "onnx_import")

try:
    import onnx
    import torch
    import torch.nn as nn
    from onnx import TensorProto, helper
except ImportError:
    print("gen_fixtures_onnx_import: PyTorch or ONNX is missing; installing them", file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-torch", "python3-onnx"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)


class SmallCnn(nn.Module):
    """A Fashion-MNIST-sized CNN: conv-bn-relu-pool twice, then a linear classifier."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class Recurrent(nn.Module):
    """A two-layer bidirectional batch-first LSTM or GRU with a linear head on every step."""

    def __init__(self, kind):
        super().__init__()
        cls = nn.LSTM if kind == "lstm" else nn.GRU
        self.rnn = cls(6, 12, num_layers=2, batch_first=True, bidirectional=True)
        self.head = nn.Linear(24, 4)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.head(y)


def export(name, model, example, dynamic):
    model.eval()
    path = os.path.join(OUT_DIR, f"{name}.onnx")
    torch.onnx.export(model, example, path, opset_version=13, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": dynamic, "output": dynamic})
    onnx.checker.check_model(onnx.load(path), full_check=True)
    with torch.no_grad():
        return model(example)


def torch_models():
    tensors = {}
    torch.manual_seed(0)
    cnn = SmallCnn()
    with torch.no_grad():  # non-trivial running statistics, so BatchNormalization's folding is exercised
        for m in cnn.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
    x = torch.rand(3, 1, 28, 28)
    tensors["small_cnn.input"] = x
    tensors["small_cnn.output"] = export("small_cnn", cnn, x, {0: "batch"})
    for kind in ("lstm", "gru"):
        torch.manual_seed(1)
        model = Recurrent(kind)
        x = torch.randn(2, 5, 6)
        tensors[f"{kind}.input"] = x
        tensors[f"{kind}.output"] = export(kind, model, x, {0: "batch", 1: "steps"})
    torch.manual_seed(2)
    layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.1, activation="gelu", batch_first=True)
    x = torch.randn(2, 5, 16)
    tensors["transformer_layer.input"] = x
    tensors["transformer_layer.output"] = export("transformer_layer", layer, x, {0: "batch", 1: "steps"})
    save_safetensors(os.path.join(OUT_DIR, "torch_outputs.safetensors"), tensors)


def save(model, name):
    onnx.save(model, os.path.join(OUT_DIR, name))


def bad_models():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 2])
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["a"], name="relu0"),
         helper.make_node("Det", ["a"], ["b"], name="det0"),
         helper.make_node("Acos", ["b"], ["c"], name="acos0"),
         helper.make_node("Det", ["c"], ["y"], name="det1")], "unsupported", [x], [y])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), "bad_unsupported.onnx")

    xi = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])
    yi = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 2, 2])
    graph = helper.make_graph([helper.make_node("Conv", ["x", "conv.weight"], ["y"], name="conv0")], "missing",
                              [xi], [yi])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), "bad_missing_initializer.onnx")

    words = helper.make_tensor("words", TensorProto.STRING, [2], [b"a", b"b"])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"], name="id0")], "string", [x], [y],
                              initializer=[words])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), "bad_string_initializer.onnx")

    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu0")], "opset", [x], [y])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 99)]), "bad_opset.onnx")

    with open(os.path.join(OUT_DIR, "not_onnx.onnx"), "wb") as f:
        f.write(b"\xff\xff\xff\xff this is not a protobuf message \x00\x01")


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    torch_models()
    bad_models()
    print(f"gen_fixtures_onnx_import: wrote {OUT_DIR}")


if __name__ == "__main__":
    main()
