"""W5: 1-layer GRU character LM, the same sizes as W4 (twin of BM_W5_GruCharLM in bench/rnn_bench.cpp)."""
import torch

import harness
from char_lm import train_char_lm

args = harness.parse()
train_char_lm(args, "W5", lambda e, h: torch.nn.GRU(e, h, batch_first=True))
