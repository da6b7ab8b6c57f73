"""W2: LeNet-5, batch 64, Adam 1e-3, cross-entropy (twin of workloads W2)."""
import torch

import harness
from lenet import lenet5

args = harness.parse()
torch.manual_seed(0)
net = lenet5()
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
harness.train(args, "W2", net, opt, 64)
