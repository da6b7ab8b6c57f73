"""W1: MLP 784-256-128-10 ReLU, batch 128, SGD(lr 0.01, momentum 0.9), cross-entropy (twin of workloads W1)."""
import torch
from torch import nn

import harness

args = harness.parse()
torch.manual_seed(0)
net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                    nn.Linear(128, 10))
opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
harness.train(args, "W1", net, opt, 128)
