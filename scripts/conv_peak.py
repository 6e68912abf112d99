"""How close an epoch of the tutorial's network comes to what this machine's processor can do:

    python scripts/conv_peak.py [--seconds 6.04]

Measures the machine's fp32 convolution peak as PyTorch reaches it here: a large 3 x 3 convolution (128 channels in
and out, 56 x 56, batch 16, channels-last), forward and backward, best of five, its FLOPs counted by
`torch.utils.flop_counter`. Then counts the FLOPs of one training step of the tutorial's network at batch 32 (forward,
backward, SGD) and so of an epoch of 60,000 images, and says how long that epoch would take at the peak. With
`--seconds`, an epoch's measured training time (`python -m mnist_demo bench`), it also says which fraction of the
peak that epoch reached. With `--parts`, it times the engine's own training step at batch 32 (mnist_demo's network,
channels-last, as `train` runs it) and its two convolutions, forward and backward, each alone (medians of five loops),
and what the rest of the step takes: where a faster epoch with the same numbers would have to come from.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from mnist_demo.network.cnn import CNN
from mnist_demo.network.net import Net
from mnist_demo.train.device import keep_freed_memory
from mnist_demo.train.step import Step


def flops_of(step) -> int:
    with FlopCounterMode(display=False) as counter:
        step()
    return counter.get_total_flops()


def per_call(work: Callable[[], object], n: int = 200) -> float:
    """Median seconds per call of `work` over five loops of `n` calls, after a warm-up."""
    for _ in range(20):
        work()
    times = []
    for _ in range(5):
        began = time.perf_counter()
        for _ in range(n):
            work()
        times.append((time.perf_counter() - began) / n)
    return statistics.median(times)


def parts(peak: float) -> None:
    """The engine's training step and its convolutions, each timed alone."""
    keep_freed_memory()  # as fit() does
    torch.manual_seed(0)
    model = Net().to(memory_format=torch.channels_last)
    step = Step(model, torch.optim.SGD(model.parameters(), lr=0.01), torch.device("cpu"))
    # a new batch each step, as in an epoch (the same one over and over would be learned by heart)
    batches = [(torch.rand(32, 1, 28, 28), torch.randint(0, 10, (32,))) for _ in range(64)]
    turn = itertools.cycle(batches)
    whole = per_call(lambda: step(*next(turn)))
    images = batches[0][0]
    conv1, conv2 = model.conv1, model.conv2
    with torch.no_grad():
        a1 = conv1(images)
        p1 = F.max_pool2d(a1, 2).relu()
        a2 = conv2(p1)
    grad1, grad2 = torch.randn_like(a1), torch.randn_like(a2)
    backward = torch.ops.aten.convolution_backward
    common = ([1, 1], [0, 0], [1, 1], False, [0, 0], 1)
    timed = {
        "conv1 forward": lambda: conv1(images),
        "conv1 backward (weights and bias)": lambda: backward(grad1, images, conv1.weight, [32], *common,
                                                              [False, True, True]),
        "conv2 forward": lambda: conv2(p1),
        "conv2 backward (input, weights and bias)": lambda: backward(grad2, p1, conv2.weight, [64], *common,
                                                                     [True, True, True]),
    }
    print(f"the engine's training step at batch 32: {whole * 1e3:.2f} ms")
    total = 0.0
    with torch.no_grad():
        for name, work in timed.items():
            seconds = per_call(work)
            rate = flops_of(work) / seconds
            total += seconds
            print(f"  {name}: {seconds * 1e3:.3f} ms, {rate / 1e9:.0f} GFLOP/s ({rate / peak:.0%} of the peak)")
    print(f"  everything else (pooling, ReLU, the linear layers, the loss, SGD, autograd): "
          f"{(whole - total) * 1e3:.2f} ms")
    print(f"an epoch of such steps: {whole * 60_000 / 32:.2f} s; its convolutions alone: {total * 60_000 / 32:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, help="an epoch's measured training time, to compare")
    parser.add_argument("--size", type=int, default=56, help="the large convolution's image size (default 56)")
    parser.add_argument("--parts", action="store_true", help="also time the engine's step and its convolutions")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")

    x = torch.randn(16, 128, args.size, args.size).to(memory_format=torch.channels_last).requires_grad_()
    conv = torch.nn.Conv2d(128, 128, 3, padding=1).to(memory_format=torch.channels_last)

    def big() -> None:
        conv(x).sum().backward()

    flops = flops_of(big)
    best = float("inf")
    for _ in range(5):
        began = time.perf_counter()
        big()
        best = min(best, time.perf_counter() - began)
    peak = flops / best
    print(f"peak: a 3 x 3 convolution, forward and backward, {flops / 1e9:.1f} GFLOP in {best * 1000:.0f} ms: "
          f"{peak / 1e9:.0f} GFLOP/s")

    model = CNN()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    images, labels = torch.rand(32, 1, 28, 28), torch.randint(0, 10, (32,))

    def step() -> None:
        F.cross_entropy(model(images), labels).backward()
        optimizer.step()

    epoch = flops_of(step) * 60_000 / 32
    print(f"the tutorial's network: {epoch / 1e9:.0f} GFLOP a training epoch (batch 32), "
          f"{epoch / peak:.2f} s at that peak")
    if args.seconds:
        print(f"an epoch in {args.seconds:.2f} s reaches {epoch / args.seconds / peak:.0%} of the peak")
    if args.parts:
        parts(peak)


if __name__ == "__main__":
    main()
