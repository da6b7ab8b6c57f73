"""W12: torchvision's MobileNetV2 (width 1, 9 classes) on 3x64x64, batch 32, AdamW 2e-3 (twin of workloads
W12, strata's models::mobilenet_v2)."""
import torch
from torchvision.models import mobilenet_v2

import harness

args = harness.parse()
torch.manual_seed(0)
net = mobilenet_v2(num_classes=9)
opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=0.05)
harness.train(args, "W12", net, opt, 32, warmup=3, image=(3, 64, 64), classes=9)
