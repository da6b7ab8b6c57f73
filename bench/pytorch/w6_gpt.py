"""W6: a nanoGPT-style GPT (4 layers x 128 wide, 4 heads, T = 128, vocab 65, tied head, GPT-2 init), batch
32, AdamW(3e-4, weight decay 0.1): twin of workloads W6 (strata's models::GPT). Debian's PyTorch (1.13) has
no F.scaled_dot_product_attention, so attention is nanoGPT's own fallback: masked softmax(q k^T / sqrt(d)) v."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

import harness

VOCAB, T, LAYERS, HEADS, WIDTH, BATCH = 65, 128, 4, 4, 128, 32


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = nn.Linear(WIDTH, 3 * WIDTH)
        self.c_proj = nn.Linear(WIDTH, WIDTH)
        self.register_buffer("mask", torch.tril(torch.ones(T, T)).view(1, 1, T, T))

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(c, dim=2)
        q, k, v = (z.view(b, t, HEADS, c // HEADS).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.mask[:, :, :t, :t] == 0, float("-inf")).softmax(dim=-1)
        y = att @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(b, t, c))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1, self.attn = nn.LayerNorm(WIDTH), Attention()
        self.ln_2 = nn.LayerNorm(WIDTH)
        self.mlp = nn.Sequential(nn.Linear(WIDTH, 4 * WIDTH), nn.GELU(), nn.Linear(4 * WIDTH, WIDTH))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(VOCAB, WIDTH), nn.Embedding(T, WIDTH)
        self.h = nn.ModuleList(Block() for _ in range(LAYERS))
        self.ln_f = nn.LayerNorm(WIDTH)
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif p.dim() == 2:
                residual = name.endswith("c_proj.weight") or name.endswith("mlp.2.weight")
                std = 0.02 / math.sqrt(2 * LAYERS) if residual else 0.02
                nn.init.normal_(p, 0.0, std)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe.weight[: idx.shape[1]]
        for block in self.h:
            x = block(x)
        return self.ln_f(x) @ self.wte.weight.t()


args = harness.parse()
torch.manual_seed(0)
net = GPT()
opt = torch.optim.AdamW(net.parameters(), lr=3e-4, weight_decay=0.1)
g = torch.Generator().manual_seed(0)
xs = [torch.randint(0, VOCAB, (BATCH, T), generator=g) for _ in range(4)]
ys = [torch.randint(0, VOCAB, (BATCH * T,), generator=g) for _ in range(4)]
i = 0


def step():
    global i
    x, y = xs[i % 4], ys[i % 4]
    i += 1
    opt.zero_grad()
    loss = F.cross_entropy(net(x).reshape(BATCH * T, VOCAB), y)
    loss.backward()
    opt.step()


harness.report(args, "W6", harness.measure(args, step, warmup=3))
