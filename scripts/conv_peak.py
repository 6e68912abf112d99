"""How close an epoch of the tutorial's network comes to what this machine's processor can do:

    python scripts/conv_peak.py [--seconds 6.04]

Measures the machine's fp32 convolution peak as PyTorch reaches it here: a large 3 x 3 convolution (128 channels in
and out, 56 x 56, batch 16, channels-last), forward and backward, best of five, its FLOPs counted by
`torch.utils.flop_counter`. Then counts the FLOPs of one training step of the tutorial's network at batch 32 (forward,
backward, SGD) and so of an epoch of 60,000 images, and says how long that epoch would take at the peak. With
`--seconds`, an epoch's measured training time (`python -m mnist_demo bench`), it also says which fraction of the
peak that epoch reached.
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from mnist_demo.network.cnn import CNN


def flops_of(step) -> int:
    with FlopCounterMode(display=False) as counter:
        step()
    return counter.get_total_flops()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, help="an epoch's measured training time, to compare")
    parser.add_argument("--size", type=int, default=56, help="the large convolution's image size (default 56)")
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


if __name__ == "__main__":
    main()
