"""W7: DCGAN-lite, batch 64, one discriminator step and one generator step, Adam(2e-4, 0.5/0.999) each
(twin of workloads W7, which runs models::DCGAN's training step). The discriminator's parameters are frozen
during the generator step, as strata's step does (no weight gradients for the network that is not updated)."""
import torch
from torch import nn
import torch.nn.functional as F

import harness
import dcgan_nets

args = harness.parse()
torch.manual_seed(0)
G, D = dcgan_nets.generator(100, 32), dcgan_nets.discriminator(32)
opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
g = torch.Generator().manual_seed(0)
batches = [torch.tanh(torch.randn(64, 1, 28, 28, generator=g)) for _ in range(4)]
ones, zeros = torch.ones(64), torch.zeros(64)
i = 0


def step():
    global i
    real = batches[i % 4]
    i += 1
    fake = G(torch.randn(64, 100))
    opt_d.zero_grad(set_to_none=True)
    d_real, d_fake = D(real), D(fake.detach())
    d_loss = F.binary_cross_entropy_with_logits(d_real, ones) + F.binary_cross_entropy_with_logits(d_fake, zeros)
    d_loss.backward()
    opt_d.step()
    opt_g.zero_grad(set_to_none=True)
    for p in D.parameters():
        p.requires_grad_(False)
    g_loss = F.binary_cross_entropy_with_logits(D(fake), ones)
    g_loss.backward()
    for p in D.parameters():
        p.requires_grad_(True)
    opt_g.step()
    # strata's step logs the losses and the discriminator's mean probabilities (four scalars read back).
    d_loss.item(), g_loss.item(), torch.sigmoid(d_real).mean().item(), torch.sigmoid(d_fake).mean().item()


harness.report(args, "W7", harness.measure(args, step, warmup=5))
