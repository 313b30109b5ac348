#!/usr/bin/env python3
"""bench_torch_ref.py: the reference method for `make bench` (tests/run_bench.sh runs it with
/usr/bin/python3 when PyTorch is installed). PyTorch's own ResNet-18 with fsweep's CIFAR stem
(3x3 stride-1 conv, no max-pool), 32x32x3, 10 classes, on 1 and 2 CPU threads: training
images/s (batch 64: forward, cross-entropy, backward, SGD Nesterov step) and inference images/s
(batch 100, eval mode, no_grad), best of 5 timed repetitions after warm-up, the same protocol
as bench_engine. Then the size the reproduction trains (jobs/paper/r2_*.ini): the same network at
width 1/8 (8, 16, 32, 64 channels, fsweep's `--set width=0.125`) on 32x32x1, training batch 32,
inference batch 256; and ViT-tiny at width 1/4 as jobs/paper/r2_bc_vit.ini trains it (torchvision's
VisionTransformer: 12 layers, 3 heads, dim 48, MLP 192, patch 4 on 32x32x1; batch 32 / 256).
Prints one line per size and thread count:
  torch THREADS TRAIN_IPS INFER_IPS     (full width)
  torch8 THREADS TRAIN_IPS INFER_IPS    (width 1/8)
  torchvit THREADS TRAIN_IPS INFER_IPS  (ViT-tiny/4)
Arguments (optional): which sizes to run, e.g. `torchvit` (default: all three)."""
import sys
import time

import torch
import torchvision


def model():
    m = torchvision.models.resnet18(num_classes=10)
    m.conv1 = torch.nn.Conv2d(3, 64, 3, 1, 1, bias=False)
    m.maxpool = torch.nn.Identity()
    return m


class Block(torch.nn.Module):
    """torchvision's BasicBlock at any width (torchvision's resnet18 fixes 64 ... 512)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        nn = torch.nn
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        o = torch.relu(self.bn1(self.conv1(x)))
        o = self.bn2(self.conv2(o))
        return torch.relu(o + (x if self.down is None else self.down(x)))


def model_width(width, cin):
    """ResNet-18 with fsweep's CIFAR stem at a channel multiplier (fsweep's ResNet-18/8:
    width 0.125, 176,258 parameters on one input channel)."""
    nn = torch.nn
    ch = [int(64 * width), int(128 * width), int(256 * width), int(512 * width)]
    layers = [nn.Conv2d(cin, ch[0], 3, 1, 1, bias=False), nn.BatchNorm2d(ch[0]), nn.ReLU()]
    c = ch[0]
    for i, co in enumerate(ch):
        for j in range(2):
            layers.append(Block(c, co, 2 if (j == 0 and i > 0) else 1))
            c = co
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 10)]
    return nn.Sequential(*layers)


def model_vit(cin):
    """fsweep's vit_tiny at width 0.25 (343,834 parameters on one input channel)."""
    m = torchvision.models.VisionTransformer(image_size=32, patch_size=4, num_layers=12, num_heads=3,
                                             hidden_dim=48, mlp_dim=192, num_classes=10)
    m.conv_proj = torch.nn.Conv2d(cin, 48, 4, 4)
    return m


def best_rate(fn, images, reps=5, inner=3):
    fn()
    best = 0.0
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        best = max(best, images * inner / (time.perf_counter() - t))
    return best


def rates(m, cin, batch, batch_infer):
    """(training, inference) images/s of model m, as bench_engine measures them."""
    opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4)
    loss = torch.nn.CrossEntropyLoss()
    x, y = torch.randn(batch, cin, 32, 32), torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad()
        loss(m(x), y).backward()
        opt.step()

    m.train()
    train = best_rate(step, batch)
    m.eval()
    xi = torch.randn(batch_infer, cin, 32, 32)

    def infer():
        with torch.no_grad():
            m(xi)

    return train, best_rate(infer, batch_infer)


def main():
    torch.manual_seed(0)
    sizes = {"torch": lambda: rates(model(), 3, 64, 100),
             "torch8": lambda: rates(model_width(0.125, 1), 1, 32, 256),
             "torchvit": lambda: rates(model_vit(1), 1, 32, 256)}
    for name in sys.argv[1:] or list(sizes):
        for threads in (1, 2):
            torch.set_num_threads(threads)
            print("%s %d %.1f %.1f" % ((name, threads) + sizes[name]()))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
