#!/usr/bin/python3
"""Writes the golden fixtures of strata's detection and segmentation pieces, computed by PyTorch/torchvision:

  tests/fixtures/detection.safetensors   (tests/metrics/detection_golden_test.cpp)
      box_iou_* cases: c.boxes1 [N, 4], c.boxes2 [M, 4], c.out = torchvision.ops.box_iou
      nms_* cases:     c.boxes, c.scores, c.iou_threshold (0-dim), c.out = torchvision.ops.nms (i64)
      batched_nms_*:   c.boxes, c.scores, c.idxs, c.iou_threshold, c.out = torchvision.ops.batched_nms
  tests/fixtures/dice_loss.safetensors   (tests/ops/dice_loss_golden_test.cpp)
      c.input logits [N, C, ...], c.target i64 [N, ...], c.smooth (0-dim), c.out, c.grad_out, c.grad_input:
      1 - mean over classes of (2 sum(p t) + smooth) / (sum(p) + sum(t) + smooth), p = softmax(input, 1),
      t = one_hot(target), sums over the batch and spatial dims.

Run with Debian's Python:  /usr/bin/python3 scripts/gen_fixtures_vision.py
Scores are drawn without ties so that NMS orders are unique. Written with the one safetensors writer of
gen_fixtures.py.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

try:
    import torchvision  # noqa: F401
except ImportError:
    print("gen_fixtures_vision: torchvision is missing; installing python3-torchvision with scripts/install-deps",
          file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-torchvision"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
import torchvision  # noqa: E402,F811
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)


def random_boxes(g, n, size=96.0, min_side=4.0, max_side=40.0):
    xy = torch.rand(n, 2, generator=g) * (size - max_side)
    wh = min_side + torch.rand(n, 2, generator=g) * (max_side - min_side)
    return torch.cat([xy, xy + wh], 1)


def crowded_boxes(g, n):
    # Jittered copies of a few boxes: heavy overlaps, as in a crowded scene.
    base = random_boxes(g, 3)
    picks = torch.randint(0, 3, (n,), generator=g)
    return base[picks] + torch.randn(n, 4, generator=g) * 2.0


def detection():
    t = {}
    g = torch.Generator().manual_seed(0)
    for name, (n, m) in {"box_iou_small": (3, 4), "box_iou_large": (20, 30)}.items():
        b1, b2 = random_boxes(g, n), random_boxes(g, m)
        t[f"{name}.boxes1"], t[f"{name}.boxes2"] = b1, b2
        t[f"{name}.out"] = torchvision.ops.box_iou(b1, b2)
    # Identical, nested, touching and disjoint boxes.
    b1 = torch.tensor([[0., 0., 10., 10.], [2., 2., 4., 4.], [10., 0., 20., 10.]])
    b2 = torch.tensor([[0., 0., 10., 10.], [0., 0., 5., 5.], [30., 30., 40., 45.]])
    t["box_iou_edges.boxes1"], t["box_iou_edges.boxes2"] = b1, b2
    t["box_iou_edges.out"] = torchvision.ops.box_iou(b1, b2)
    for name, boxes_fn, n, thr in [("nms_random", random_boxes, 40, 0.5), ("nms_crowded", crowded_boxes, 30, 0.5),
                                   ("nms_crowded_03", crowded_boxes, 30, 0.3), ("nms_loose", random_boxes, 40, 0.1)]:
        boxes = boxes_fn(g, n)
        scores = torch.randperm(n, generator=g).float() / n + 0.01
        t[f"{name}.boxes"], t[f"{name}.scores"] = boxes, scores
        t[f"{name}.iou_threshold"] = torch.tensor(thr, dtype=torch.float64)
        t[f"{name}.out"] = torchvision.ops.nms(boxes, scores, thr)
    for name, n, k in [("batched_nms_crowded", 40, 3), ("batched_nms_many", 60, 10)]:
        boxes = crowded_boxes(g, n)
        scores = torch.randperm(n, generator=g).float() / n + 0.01
        idxs = torch.randint(0, k, (n,), generator=g)
        t[f"{name}.boxes"], t[f"{name}.scores"], t[f"{name}.idxs"] = boxes, scores, idxs
        t[f"{name}.iou_threshold"] = torch.tensor(0.5, dtype=torch.float64)
        t[f"{name}.out"] = torchvision.ops.batched_nms(boxes, scores, idxs, 0.5)
    save_safetensors(os.path.join(ROOT, "tests", "fixtures", "detection.safetensors"), t)


def dice(logits, target, smooth):
    p = logits.softmax(1)
    c = logits.shape[1]
    t = torch.nn.functional.one_hot(target, c).movedim(-1, 1).to(p.dtype)
    dims = [0] + list(range(2, logits.dim()))
    inter = (p * t).sum(dims)
    card = p.sum(dims) + t.sum(dims)
    return 1 - ((2 * inter + smooth) / (card + smooth)).mean()


def dice_fixtures():
    t = {}
    g = torch.Generator().manual_seed(1)
    cases = {"dice_4d": ((2, 3, 5, 4), 1.0), "dice_3d": ((3, 4, 7), 1.0), "dice_2d": ((6, 5), 1.0),
             "dice_no_smooth": ((2, 4, 3, 3), 0.0), "dice_smooth_big": ((2, 3, 4, 4), 10.0)}
    for name, (shape, smooth) in cases.items():
        for dtype, suffix in [(torch.float64, ""), (torch.float32, "_f32")]:
            x = (torch.randn(*shape, generator=g) * 2).to(dtype).requires_grad_()
            tgt_shape = (shape[0],) + shape[2:]
            target = torch.randint(0, shape[1], tgt_shape, generator=g)
            out = dice(x, target, smooth)
            grad_out = torch.tensor(1.5, dtype=dtype)
            out.backward(grad_out)
            k = name + suffix
            t[f"{k}.input"], t[f"{k}.target"] = x.detach(), target
            t[f"{k}.smooth"] = torch.tensor(smooth, dtype=torch.float64)
            t[f"{k}.out"], t[f"{k}.grad_out"], t[f"{k}.grad_input"] = out.detach(), grad_out, x.grad
    save_safetensors(os.path.join(ROOT, "tests", "fixtures", "dice_loss.safetensors"), t)


if __name__ == "__main__":
    detection()
    dice_fixtures()
