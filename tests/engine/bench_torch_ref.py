#!/usr/bin/env python3
"""bench_torch_ref.py: the reference method for `make bench` (tests/run_bench.sh runs it with
/usr/bin/python3 when PyTorch is installed). PyTorch's own ResNet-18 with fsweep's CIFAR stem
(3x3 stride-1 conv, no max-pool), 32x32x3, 10 classes, on 1 and 2 CPU threads: training
images/s (batch 64: forward, cross-entropy, backward, SGD Nesterov step) and inference images/s
(batch 100, eval mode, no_grad), best of 5 timed repetitions after warm-up, the same protocol
as bench_engine. Prints one line per thread count:  torch THREADS TRAIN_IPS INFER_IPS"""
import sys
import time

import torch
import torchvision


def model():
    m = torchvision.models.resnet18(num_classes=10)
    m.conv1 = torch.nn.Conv2d(3, 64, 3, 1, 1, bias=False)
    m.maxpool = torch.nn.Identity()
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


def main():
    torch.manual_seed(0)
    for threads in (1, 2):
        torch.set_num_threads(threads)
        m = model()
        opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4)
        loss = torch.nn.CrossEntropyLoss()
        x, y = torch.randn(64, 3, 32, 32), torch.randint(0, 10, (64,))

        def step():
            opt.zero_grad()
            loss(m(x), y).backward()
            opt.step()

        m.train()
        train = best_rate(step, 64)
        m.eval()
        xi = torch.randn(100, 3, 32, 32)

        def infer():
            with torch.no_grad():
                m(xi)

        print("torch %d %.1f %.1f" % (threads, train, best_rate(infer, 100)))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
