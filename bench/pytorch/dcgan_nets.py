"""The DCGAN networks of strata's models/dcgan.h in PyTorch, with the same parameter names and DCGAN's
initialisation: shared by the W7 twin and the anchor training script (bench/pytorch/dcgan_anchor.py)."""
import torch
from torch import nn


class Generator(nn.Module):
    def __init__(self, latent_dim=100, width=64, channels=1, num_classes=0, embed_dim=50):
        super().__init__()
        self.width = width
        extra = embed_dim if num_classes > 0 else 0
        if num_classes > 0:
            self.label_embedding = nn.Embedding(num_classes, embed_dim)
        self.project = nn.Sequential(nn.Linear(latent_dim + extra, 2 * width * 49, bias=False),
                                     nn.BatchNorm1d(2 * width * 49), nn.ReLU())
        self.main = nn.Sequential(nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False), nn.BatchNorm2d(width),
                                  nn.ReLU(), nn.ConvTranspose2d(width, channels, 4, 2, 1), nn.Tanh())

    def forward(self, z, labels=None):
        if labels is not None:
            z = torch.cat([z, self.label_embedding(labels)], 1)
        return self.main(self.project(z).view(z.shape[0], 2 * self.width, 7, 7))


class Discriminator(nn.Module):
    def __init__(self, width=64, channels=1, num_classes=0, batch_norm=True):
        super().__init__()
        if num_classes > 0:
            self.label_embedding = nn.Embedding(num_classes, 28 * 28)
        layers = [nn.Conv2d(channels + (1 if num_classes > 0 else 0), width, 4, 2, 1), nn.LeakyReLU(0.2),
                  nn.Conv2d(width, 2 * width, 4, 2, 1, bias=not batch_norm)]
        if batch_norm:
            layers.append(nn.BatchNorm2d(2 * width))
        layers += [nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(2 * width * 49, 1)]
        self.main = nn.Sequential(*layers)

    def forward(self, x, labels=None):
        if labels is not None:
            x = torch.cat([x, self.label_embedding(labels).view(-1, 1, 28, 28)], 1)
        return self.main(x).view(-1)


def dcgan_init_(module):
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return module


def generator(latent_dim=100, width=64, **kw):
    return dcgan_init_(Generator(latent_dim, width, **kw))


def discriminator(width=64, **kw):
    return dcgan_init_(Discriminator(width, **kw))
