"""PyTorch anchor for strata's DCGAN (configs/fashion_dcgan.yaml): the same networks (bench/pytorch/dcgan_nets.py,
parameter names as strata's), initialisation, optimisers, batch size, data scaling and epochs, trained on
Fashion-MNIST read from the Debian package. Writes into --out:
  samples.safetensors  --n generated images (f32 [N, 1, 28, 28] in [0, 1], generator in eval mode, seed --seed),
                       the input strata's FID-FMNIST scorer takes
  samples_epoch_NNN.png  an 8x8 grid from fixed noise after each epoch (as strata's run folder has)
  metrics.csv          per-epoch means of d_loss, g_loss, d_real, d_fake and seconds
Usage: /usr/bin/python3 bench/pytorch/dcgan_anchor.py --epochs 5 --threads 1 --out runs/torch_dcgan
       (--conditional for the cGAN of configs/fashion_cgan.yaml: samples are then 1,000 per class in order)"""
import argparse
import csv
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dcgan_nets  # noqa: E402

ROOT = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def save_safetensors(path, tensors, metadata=None):
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        b = t.contiguous().numpy().astype(np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def save_grid(path, images, ncols=8, pad=2, scale=2):
    """images: [N, 1, H, W] in [0, 1] -> a white-padded PNG grid (via torchvision)."""
    import torchvision.utils as vutils
    images = images.repeat_interleave(scale, 2).repeat_interleave(scale, 3)
    vutils.save_image(images, path, nrow=ncols, padding=pad, pad_value=1.0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--latent-dim", type=int, default=100)
    p.add_argument("--n", type=int, default=10000)
    p.add_argument("--conditional", action="store_true")
    p.add_argument("--out", default="runs/torch_dcgan")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    classes = 10 if args.conditional else 0
    x = torch.from_numpy(read_idx(f"{ROOT}/train-images-idx3-ubyte.gz").copy()).float().div(255).mul(2).sub(1)
    x = x.unsqueeze(1)
    y = torch.from_numpy(read_idx(f"{ROOT}/train-labels-idx1-ubyte.gz").astype(np.int64))
    G = dcgan_nets.generator(args.latent_dim, args.width, num_classes=classes)
    D = dcgan_nets.discriminator(args.width, num_classes=classes)
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    fixed = torch.randn(64, args.latent_dim, generator=torch.Generator().manual_seed(0))
    fixed_labels = torch.arange(64) // 8 if classes else None
    rows = []
    for epoch in range(1, args.epochs + 1):
        start = time.time()
        perm = torch.randperm(len(x))
        sums, count = {"d_loss": 0.0, "g_loss": 0.0, "d_real": 0.0, "d_fake": 0.0}, 0
        G.train()
        for i in range(0, len(x), args.batch_size):
            idx = perm[i:i + args.batch_size]
            real, labels = x[idx], (y[idx] if classes else None)
            n = len(idx)
            fake = G(torch.randn(n, args.latent_dim), labels)
            opt_d.zero_grad(set_to_none=True)
            d_real, d_fake = D(real, labels), D(fake.detach(), labels)
            d_loss = (F.binary_cross_entropy_with_logits(d_real, torch.ones(n))
                      + F.binary_cross_entropy_with_logits(d_fake, torch.zeros(n)))
            d_loss.backward()
            opt_d.step()
            opt_g.zero_grad(set_to_none=True)
            g_loss = F.binary_cross_entropy_with_logits(D(fake, labels), torch.ones(n))
            g_loss.backward()
            opt_g.step()
            for k, v in (("d_loss", d_loss), ("g_loss", g_loss), ("d_real", torch.sigmoid(d_real).mean()),
                         ("d_fake", torch.sigmoid(d_fake).mean())):
                sums[k] += v.item() * n
            count += n
        row = {k: v / count for k, v in sums.items()}
        row["epoch"], row["seconds"] = epoch, time.time() - start
        rows.append(row)
        print(json.dumps(row), flush=True)
        G.eval()
        with torch.no_grad():
            save_grid(f"{args.out}/samples_epoch_{epoch:03d}.png", (G(fixed, fixed_labels) + 1) / 2)
    with open(f"{args.out}/metrics.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["epoch", "d_loss", "g_loss", "d_real", "d_fake", "seconds"])
        w.writeheader()
        w.writerows(rows)
    G.eval()
    g = torch.Generator().manual_seed(args.seed)
    out = []
    with torch.no_grad():
        for i in range(0, args.n, 1000):
            m = min(1000, args.n - i)
            labels = (torch.arange(i, i + m) * 10 // args.n) if classes else None
            out.append(((G(torch.randn(m, args.latent_dim, generator=g), labels) + 1) / 2).clamp(0, 1))
    save_safetensors(f"{args.out}/samples.safetensors", {"images": torch.cat(out)},
                     {"generator": "bench/pytorch/dcgan_anchor.py", "epochs": str(args.epochs),
                      "torch": torch.__version__})


if __name__ == "__main__":
    main()
