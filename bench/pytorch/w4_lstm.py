"""W4: 2-layer LSTM character LM, vocab 64, embedding 64, hidden 256, sequence 64, batch 32, linear head at
every step, cross-entropy, Adam 1e-3 (twin of BM_W4_LstmCharLM in bench/rnn_bench.cpp)."""
import torch

import harness
from char_lm import train_char_lm

args = harness.parse()
train_char_lm(args, "W4", lambda e, h: torch.nn.LSTM(e, h, num_layers=2, batch_first=True))
