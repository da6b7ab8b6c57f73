#!/usr/bin/python3
"""Writes the golden fixture of strata::models::TransformerSeq2Seq, computed by PyTorch:

  tests/fixtures/transformer_seq2seq.safetensors (tests/models/transformer_seq2seq_golden_test.cpp)

Run with Debian's Python, which has python3-torch:  /usr/bin/python3 scripts/gen_fixtures_seq2seq.py
The reference is the model of PyTorch's "Language Translation with nn.Transformer" tutorial, batch-first and
pre-norm: embeddings scaled by sqrt(d_model) plus sinusoidal positions, nn.Transformer's encoder and decoder
(source padding masked, causal target), a linear generator. Each case `c` (float64, dropout 0, train mode)
stores
  c.state.<name>   every parameter (named_parameters: a shared embedding once) and the `positions` buffer
  c.src, c.tgt     i64 [B, S] source ids (padded with c.pad_id) and [B, T] decoder input ids
  c.pad_id         0-dim i64
  c.logits         [B, T, V]
  c.grad_out       [B, T, V] upstream gradient; c.grad.<name> the parameters' gradients
Inputs and weights come from generators seeded per case, so the file is deterministic.
"""
import math
import os
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_fixtures as gf  # noqa: E402  (installs python3-torch when missing)
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "transformer_seq2seq.safetensors")


def positions(max_positions, d_model):
    pe = torch.zeros(max_positions, d_model, dtype=torch.float64)
    pos = torch.arange(max_positions, dtype=torch.float64).unsqueeze(1)
    div = torch.exp(-torch.arange(0, d_model, 2, dtype=torch.float64) * math.log(10000.0) / d_model)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    return pe


class Seq2SeqTransformer(nn.Module):
    def __init__(self, vocab, d_model, nhead, enc, dec, ff, share, max_positions, pad_id, tgt_vocab=None):
        super().__init__()
        tgt_vocab = tgt_vocab or vocab
        self.src_tok_emb = nn.Embedding(vocab, d_model)
        if not share:
            self.tgt_tok_emb = nn.Embedding(tgt_vocab, d_model)
        self.share = share
        self.transformer = nn.Transformer(d_model, nhead, enc, dec, ff, dropout=0.0, batch_first=True,
                                          norm_first=True)
        self.generator = nn.Linear(d_model, tgt_vocab)
        self.register_buffer("positions", positions(max_positions, d_model))
        self.d_model, self.pad_id = d_model, pad_id

    def embed(self, table, ids):
        return table(ids) * math.sqrt(self.d_model) + self.positions[: ids.shape[1]]

    def forward(self, src, tgt):
        mask = src == self.pad_id
        memory = self.transformer.encoder(self.embed(self.src_tok_emb, src), src_key_padding_mask=mask)
        causal = nn.Transformer.generate_square_subsequent_mask(tgt.shape[1]).double()
        tgt_table = self.src_tok_emb if self.share else self.tgt_tok_emb
        out = self.transformer.decoder(self.embed(tgt_table, tgt), memory, tgt_mask=causal,
                                       memory_key_padding_mask=mask)
        return self.generator(out)


tensors = {}


def case(name, vocab, d_model, nhead, enc, dec, ff, share, src_lengths, tgt_len, tgt_vocab=None):
    torch.manual_seed(zlib.crc32(name.encode()))
    pad_id = 1
    m = Seq2SeqTransformer(vocab, d_model, nhead, enc, dec, ff, share, 32, pad_id, tgt_vocab).double().train()
    for p in m.parameters():  # away from the default init, so that biases and norms matter
        with torch.no_grad():
            p.add_(0.1 * torch.randn_like(p))
    b, s = len(src_lengths), max(src_lengths)
    src = torch.randint(2, vocab, (b, s))
    for i, n in enumerate(src_lengths):
        src[i, n:] = pad_id
    tgt = torch.randint(2, tgt_vocab or vocab, (b, tgt_len))
    logits = m(src, tgt)
    grad_out = torch.randn_like(logits)
    logits.backward(grad_out)
    for pname, p in m.named_parameters():
        tensors[f"{name}.state.{pname}"] = p.detach()
        tensors[f"{name}.grad.{pname}"] = p.grad
    tensors[f"{name}.state.positions"] = m.positions
    tensors[f"{name}.src"] = src
    tensors[f"{name}.tgt"] = tgt
    tensors[f"{name}.pad_id"] = torch.tensor(pad_id)
    tensors[f"{name}.logits"] = logits.detach()
    tensors[f"{name}.grad_out"] = grad_out


case("shared", vocab=13, d_model=8, nhead=2, enc=2, dec=2, ff=16, share=True, src_lengths=[5, 3, 4], tgt_len=4)
case("separate", vocab=11, d_model=12, nhead=3, enc=1, dec=2, ff=10, share=False, src_lengths=[2, 6], tgt_len=5,
     tgt_vocab=9)

save_safetensors(OUT, tensors)
print(f"wrote {os.path.relpath(OUT, ROOT)} ({len(tensors)} tensors)")
