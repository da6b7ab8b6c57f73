"""W3: CNN with BatchNorm and dropout, batch 128, Adam 1e-3, cross-entropy (twin of workloads W3)."""
import torch
from torch import nn

import harness

args = harness.parse()
torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
                    nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                    nn.Linear(6272, 256), nn.ReLU(), nn.Dropout(0.25), nn.Linear(256, 10))
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
harness.train(args, "W3", net, opt, 128, warmup=3)
