"""Seconds per epoch: the tutorial's own pipeline and mnist-demo's, side by side in one run.

    python scripts/benchmark.py --data-dir ../shared/data [--device cpu|cuda] [--epochs 1]

Both train the same network with the same recipe (batch 32, SGD 0.01, cross-entropy) from the same
initial weights. The tutorial's pipeline is its code: torchvision MNIST with ToTensor, DataLoader(batch_size=32,
shuffle=True), per-batch .item() calls, a contiguous (NCHW) model. Ours is mnist_demo.training.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import torch
from torch import nn
from torchvision import datasets, transforms

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mnist_demo.data import load_split, resolve_data_dir  # noqa: E402
from mnist_demo.devices import describe, pick_device  # noqa: E402
from mnist_demo.model import CNN  # noqa: E402
from mnist_demo.training import evaluate, train_epoch  # noqa: E402


def tutorial_train(dataloader, model, loss_fn, optimizer, device):
    size, num_batches = len(dataloader.dataset), len(dataloader)
    train_loss, train_acc = 0, 0
    for X, y in dataloader:
        X, y = X.to(device), y.to(device)
        pred = model(X)
        loss = loss_fn(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        train_acc += (pred.argmax(1) == y).type(torch.float).sum().item()
        train_loss += loss.item()
    return train_acc / size, train_loss / num_batches


def tutorial_test(dataloader, model, loss_fn, device):
    size, num_batches = len(dataloader.dataset), len(dataloader)
    test_loss, test_acc = 0, 0
    with torch.no_grad():
        for imgs, target in dataloader:
            imgs, target = imgs.to(device), target.to(device)
            target_pred = model(imgs)
            test_loss += loss_fn(target_pred, target).item()
            test_acc += (target_pred.argmax(1) == target).type(torch.float).sum().item()
    return test_acc / size, test_loss / num_batches


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    device = pick_device(args.device)
    root = str(resolve_data_dir(args.data_dir))
    print(f"device: {describe(device)}; torch {torch.__version__}; {platform.processor() or platform.machine()}")

    torch.manual_seed(0)
    init = CNN().state_dict()
    loss_fn = nn.CrossEntropyLoss()

    train_ds = datasets.MNIST(root, train=True, transform=transforms.ToTensor())
    test_ds = datasets.MNIST(root, train=False, transform=transforms.ToTensor())
    train_dl = torch.utils.data.DataLoader(train_ds, batch_size=32, shuffle=True)
    test_dl = torch.utils.data.DataLoader(test_ds, batch_size=32)
    model = CNN().to(device)
    model.load_state_dict(init)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2)
    rows = []
    for epoch in range(1, args.epochs + 1):
        sync(device)
        t0 = time.perf_counter()
        train_acc, _ = tutorial_train(train_dl, model, loss_fn, optimizer, device)
        sync(device)
        t1 = time.perf_counter()
        test_acc, _ = tutorial_test(test_dl, model, loss_fn, device)
        sync(device)
        rows.append(("tutorial (DataLoader + ToTensor)", epoch, t1 - t0, time.perf_counter() - t1, test_acc))

    t0 = time.perf_counter()
    train = load_split("mnist", True, root).to(device)
    test = load_split("mnist", False, root).to(device)
    sync(device)
    load_seconds = time.perf_counter() - t0
    model = CNN().to(device, memory_format=torch.channels_last)
    model.load_state_dict(init)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2)
    generator = torch.Generator().manual_seed(0)
    for epoch in range(1, args.epochs + 1):
        sync(device)
        t0 = time.perf_counter()
        train_epoch(model, train, optimizer, 32, generator)
        sync(device)
        t1 = time.perf_counter()
        result = evaluate(model, test, 32)
        sync(device)
        rows.append(("mnist-demo (tensors on device)", epoch, t1 - t0, time.perf_counter() - t1, result.accuracy))

    print(f"mnist-demo's one-off load of both splits onto the device: {load_seconds:.2f} s\n")
    print("| pipeline | epoch | train s | test s | images/s (train) | test accuracy |")
    print("|---|---|---|---|---|---|")
    for name, epoch, train_s, test_s, acc in rows:
        print(f"| {name} | {epoch} | {train_s:.1f} | {test_s:.1f} | {60000 / train_s:,.0f} | {acc:.1%} |")


if __name__ == "__main__":
    main()
