"""W11: ResNet-20 (CIFAR-style, 1x1-conv projections) on 1x28x28, batch 128, SGD momentum 0.9 nesterov
(twin of workloads W11, strata's models::resnet20)."""
import torch
from torch import nn
from torchvision.models.resnet import BasicBlock

import harness


def stage(cin, cout, stride):
    down = None
    if stride != 1 or cin != cout:
        down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
    return nn.Sequential(BasicBlock(cin, cout, stride, down), BasicBlock(cout, cout), BasicBlock(cout, cout))


args = harness.parse()
torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True),
                    stage(16, 16, 1), stage(16, 32, 2), stage(32, 64, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                    nn.Linear(64, 10))
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
harness.train(args, "W11", net, opt, 128, warmup=3)
