#!/usr/bin/python3
"""Writes tests/fixtures/bert.safetensors for tests/models/bert_golden_test.cpp: the BERT-style encoder of
strata (include/strata/models/bert.h) built from PyTorch's own layers (nn.Embedding, nn.LayerNorm,
nn.TransformerEncoder with GELU, post-norm, batch_first), with its masked-LM head (tied to the token
embedding) and its classifier (mean over the non-padding tokens), in float64.

Per case `c` (mlm, cls): every parameter under strata's name (`c.state.<name>`), the ids `c.ids` (the second
row padded), the output `c.out`, a fixed upstream gradient `c.grad_out` and the gradient of every parameter
`c.grad.<name>` (of sum(out * grad_out)). Dropout is 0, so train and eval mode agree.

Run:  /usr/bin/python3 scripts/gen_fixtures_bert.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_fixtures as gf  # noqa: E402  (installs PyTorch when missing)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

V, H, HEADS, FF, LAYERS, P, PAD, CLASSES = 23, 8, 2, 16, 2, 10, 0, 3


class Bert(nn.Module):
    def __init__(self, head):
        super().__init__()
        self.head = head
        self.word = nn.Embedding(V, H)
        self.pos = nn.Embedding(P, H)
        self.norm = nn.LayerNorm(H, eps=1e-12)
        layer = nn.TransformerEncoderLayer(H, HEADS, FF, dropout=0.0, activation="gelu", batch_first=True,
                                           layer_norm_eps=1e-12)
        self.encoder = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
        if head == "mlm":
            self.dense = nn.Linear(H, H)
            self.head_norm = nn.LayerNorm(H, eps=1e-12)
            self.bias = nn.Parameter(torch.randn(V) * 0.1)
        else:
            self.classifier = nn.Linear(H, CLASSES)
        for p in self.parameters():  # away from the defaults (ones, zeros) so every term is exercised
            with torch.no_grad():
                p.add_(torch.randn_like(p) * 0.1)

    def names(self):
        """strata's name of each parameter."""
        out = {"word.weight": "bert.embeddings.word_embeddings.weight",
               "pos.weight": "bert.embeddings.position_embeddings.weight",
               "norm.weight": "bert.embeddings.norm.weight", "norm.bias": "bert.embeddings.norm.bias",
               "dense.weight": "mlm_head.dense.weight", "dense.bias": "mlm_head.dense.bias",
               "head_norm.weight": "mlm_head.norm.weight", "head_norm.bias": "mlm_head.norm.bias",
               "bias": "mlm_head.bias", "classifier.weight": "classifier.weight",
               "classifier.bias": "classifier.bias"}
        return {n: out.get(n, "bert." + n) for n, _ in self.named_parameters()}

    def forward(self, ids):
        t = ids.shape[1]
        x = self.norm(self.word(ids) + self.pos(torch.arange(t)))
        h = self.encoder(x, src_key_padding_mask=ids == PAD)
        if self.head == "mlm":
            y = self.head_norm(F.gelu(self.dense(h.reshape(-1, H))))
            return y @ self.word.weight.T + self.bias
        keep = (ids != PAD).to(h.dtype)
        pooled = (h * keep.unsqueeze(2)).sum(1) / keep.sum(1, keepdim=True).clamp(min=1)
        return self.classifier(pooled)


def main():
    tensors = {}
    ids = torch.tensor([[2, 5, 7, 11, 3, 9, 4], [2, 8, 13, 6, PAD, PAD, PAD]])
    for case in ("mlm", "cls"):
        torch.manual_seed(7 if case == "mlm" else 8)
        model = Bert(case).double()
        model.train()
        out = model(ids)
        g = torch.randn_like(out)
        (out * g).sum().backward()
        names = model.names()
        tensors[f"{case}.ids"] = ids
        tensors[f"{case}.out"] = out.detach()
        tensors[f"{case}.grad_out"] = g
        for n, p in model.named_parameters():
            tensors[f"{case}.state.{names[n]}"] = p.detach().clone()
            tensors[f"{case}.grad.{names[n]}"] = p.grad.clone()
    path = os.path.join(gf.OUT_DIR, "bert.safetensors")
    gf.save_safetensors(path, tensors, {"generator": "scripts/gen_fixtures_bert.py", "torch": torch.__version__})
    print(f"{path}: {len(tensors)} tensors")


if __name__ == "__main__":
    main()
