"""`python -m mnist_demo bench`: the tutorial's own pipeline and this engine, side by side in one run.

Both train the tutorial's recipe (batch 32, SGD 0.01, cross-entropy) from the same initial weights on the same
device. The tutorial's pipeline is its own code: torchvision MNIST with ToTensor, DataLoader(batch_size=32,
shuffle=True) for training and DataLoader(batch_size=1) for the test, per-batch .item() calls, a contiguous
(NCHW) model. Then: drawing -> probabilities latency, the app's import and start time, peak memory of training.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch
from torch import nn

from mnist_demo import checkpoint
from mnist_demo.data import Split, load_split
from mnist_demo.handwriting.drawing_check import render
from mnist_demo.network import CNN, Net
from mnist_demo.network import TUTORIAL as TUTORIAL_SPEC
from mnist_demo.paths import ROOT
from mnist_demo.paths import data_dir as resolve_data_dir
from mnist_demo.reading.inference import probabilities, read
from mnist_demo.reading.not_sure import FeatureStats
from mnist_demo.reading.preprocess import to_mnist
from mnist_demo.tools.serve import AppServer
from mnist_demo.train.device import describe, keep_freed_memory
from mnist_demo.train.loop import evaluate, train_epoch
from mnist_demo.train.recipes import TrainConfig


@dataclass
class PipelineRun:
    name: str
    epoch: int
    train_s: float
    test_s: float
    test_acc: float
    test_loss: float
    peak_mb: float


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _status_mb(field: str) -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def reset_peak(device: torch.device) -> float:
    """Start measuring peak memory afresh; returns the baseline in MB (GPU memory allocated, else the process's
    resident set, on Linux)."""
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
        return torch.cuda.memory_allocated() / 2**20
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current resident set
    except OSError:
        pass
    return _status_mb("VmRSS")


def peak_mb(device: torch.device, baseline: float) -> float:
    """Peak memory above `baseline` since reset_peak: GPU memory allocated, else the peak resident set (VmHWM)."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated() / 2**20 - baseline
    return _status_mb("VmHWM") - baseline


T = TypeVar("T")


def timed(device: torch.device, fn: Callable[[], T]) -> tuple[float, T]:
    sync(device)
    t0 = time.perf_counter()
    out = fn()
    sync(device)
    return time.perf_counter() - t0, out


def tutorial_train(dataloader, model, loss_fn, optimizer, device) -> tuple[float, float]:
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


def tutorial_test(dataloader, model, loss_fn, device) -> tuple[float, float]:
    size, num_batches = len(dataloader.dataset), len(dataloader)
    test_loss, test_acc = 0, 0
    with torch.no_grad():
        for imgs, target in dataloader:
            imgs, target = imgs.to(device), target.to(device)
            target_pred = model(imgs)
            test_loss += loss_fn(target_pred, target).item()
            test_acc += (target_pred.argmax(1) == target).type(torch.float).sum().item()
    return test_acc / size, test_loss / num_batches


def run_tutorial(root: str, device: torch.device, init: dict, epochs: int, test_batch: int) -> list[PipelineRun]:
    from torchvision import datasets, transforms

    train_ds = datasets.MNIST(root, train=True, transform=transforms.ToTensor())
    test_ds = datasets.MNIST(root, train=False, transform=transforms.ToTensor())
    train_dl = torch.utils.data.DataLoader(train_ds, batch_size=32, shuffle=True)
    test_dl = torch.utils.data.DataLoader(test_ds, batch_size=test_batch)
    model = CNN().to(device)
    model.load_state_dict(init)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2)
    runs = []
    baseline = reset_peak(device)
    for epoch in range(1, epochs + 1):
        model.train()
        train_s, _ = timed(device, lambda: tutorial_train(train_dl, model, loss_fn, optimizer, device))
        model.eval()
        test_s, (acc, loss) = timed(device, lambda: tutorial_test(test_dl, model, loss_fn, device))
        runs.append(PipelineRun("tutorial", epoch, train_s, test_s, acc, loss, peak_mb(device, baseline)))
    return runs


TUTORIAL = TrainConfig()  # batch 32, SGD 0.01, no augmentation


def run_engine(train: Split, test: Split, device: torch.device, init: dict | None, epochs: int,
               test_batch: int, arch: str = TUTORIAL_SPEC) -> list[PipelineRun]:
    """The tutorial's recipe through train_epoch and evaluate, for the tutorial's network (from `init`) or `arch`."""
    if device.type == "cpu":
        keep_freed_memory()  # as fit() does
    torch.manual_seed(0)
    model = Net(arch).to(device).to(memory_format=torch.channels_last)
    if init is not None:
        model.load_state_dict(init)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2)
    generator = torch.Generator().manual_seed(0)
    runs = []
    baseline = reset_peak(device)
    train, test = train.to(device), test.to(device)
    for epoch in range(1, epochs + 1):
        train_s, _ = timed(device, lambda: train_epoch(model, train, optimizer, TUTORIAL, generator))
        test_s, result = timed(device, lambda: evaluate(model, test, test_batch))
        runs.append(PipelineRun("mnist-demo" if arch == TUTORIAL_SPEC else arch, epoch, train_s, test_s,
                                result.accuracy, result.loss, peak_mb(device, baseline)))
    return runs


def drawing_latency(model: Net, test: Split, stats: FeatureStats | None = None,
                    n: int = 200) -> dict[str, tuple[float, float]]:
    """p50 and p95 milliseconds from a 280 x 280 RGBA canvas (as the Draw page gets it) to probabilities, and to
    the whole reading, as the Draw page makes it with "Inside the network" open (maps, saliency, distance)."""
    rng = np.random.default_rng(0)
    canvases = []
    for i in range(n):
        gray = np.asarray(render(test.images[i].cpu().numpy(), int(test.labels[i]), rng).image.convert("L"))
        if gray.mean() > 127:  # the canvas is white ink on black
            gray = 255 - gray
        canvases.append(np.dstack([gray, gray, gray, np.full_like(gray, 255)]))
    timings: dict[str, list[float]] = {"probabilities": [], "full reading": []}
    for canvas in canvases[:5]:
        probabilities(model, drawn(canvas))
    for canvas in canvases:
        t0 = time.perf_counter()
        probabilities(model, drawn(canvas))
        timings["probabilities"].append(time.perf_counter() - t0)
    for canvas in canvases:
        t0 = time.perf_counter()
        read(model, drawn(canvas), stats)
        timings["full reading"].append(time.perf_counter() - t0)
    return {k: (percentile(v, 50) * 1000, percentile(v, 95) * 1000) for k, v in timings.items()}


def drawn(canvas: np.ndarray) -> np.ndarray:
    """The Draw page's preprocessing of a canvas with a digit on it (to_mnist gives None for an empty one)."""
    image = to_mnist(canvas)
    assert image is not None
    return image


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def app_start() -> tuple[float, float]:
    """Seconds to import the app's modules in a fresh interpreter, and from `streamlit run app.py` to healthy."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import streamlit, mnist_demo.web.state, mnist_demo.web.charts"],
                   cwd=ROOT, check=True)
    import_s = time.perf_counter() - t0
    with AppServer() as server:
        return import_s, server.ready_s


def table(runs: list[PipelineRun], n_train: int) -> str:
    lines = ["| pipeline | epoch | train s | test s | train + test s | train images/s | test acc | test loss | peak MB "
             "(above start) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        lines.append(f"| {r.name} | {r.epoch} | {r.train_s:.2f} | {r.test_s:.2f} | {r.train_s + r.test_s:.2f} | "
                     f"{n_train / r.train_s:,.0f} | {r.test_acc:.2%} | {r.test_loss:.3f} | {r.peak_mb:,.0f} |")
    return "\n".join(lines)


def main(data_dir: str | None, device: torch.device, epochs: int = 1, test_batch: int = 1,
         app: bool = True, out=sys.stdout, drawings: int = 200, arch: str | None = None) -> int:
    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    root = str(resolve_data_dir(data_dir))
    cpu = platform.processor() or platform.machine()
    say(f"device: {describe(device)}; {os.cpu_count()} CPU cores ({cpu}); torch {torch.__version__}; "
        f"Python {platform.python_version()}")
    train, test = load_split("mnist", True, root), load_split("mnist", False, root)
    torch.manual_seed(0)
    init = CNN().state_dict()

    say(f"Training {epochs} epoch(s) of the tutorial's recipe with each pipeline (test batch size {test_batch})…")
    runs = run_tutorial(root, device, init, epochs, test_batch)
    runs += run_engine(train, test, device, init, epochs, test_batch)
    say()
    say(table(runs, len(train)))
    tut = [r for r in runs if r.name == "tutorial"]
    ours = [r for r in runs if r.name == "mnist-demo"]
    ratio = lambda f: statistics.fmean(f(t) for t in tut) / statistics.fmean(f(o) for o in ours)
    say()
    say(f"mnist-demo vs the tutorial's pipeline: train {ratio(lambda r: r.train_s):.2f}x, "
        f"test {ratio(lambda r: r.test_s):.2f}x, train + test {ratio(lambda r: r.train_s + r.test_s):.2f}x faster")
    if arch is not None and arch != TUTORIAL_SPEC:
        built = run_engine(train, test, device, None, epochs, test_batch, arch)
        say()
        say(f"The network {arch} ({Net(arch).parameters_count:,} parameters) through the same engine:")
        say(table(ours + built, len(train)))
        per = lambda rs: statistics.fmean(r.train_s for r in rs)
        say(f"its epoch: {per(built):.2f} s of training beside the tutorial network's {per(ours):.2f} s "
            f"({per(built) / per(ours):.2f}x)")

    try:
        shipped = checkpoint.load(checkpoint.SHIPPED, device)
        model, stats, which = shipped.model, shipped.feature_stats, "the shipped model"
    except (FileNotFoundError, checkpoint.CheckpointError):
        model, stats, which = CNN().to(device).eval(), None, "an untrained CNN"
    say()
    n = min(drawings, len(test))
    for what, (p50, p95) in drawing_latency(model, test, stats, n).items():
        say(f"drawing -> {what}: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({n} drawings on a 280 x 280 canvas, {which})")
    if app:
        import_s, ready_s = app_start()
        say(f"app: imports {import_s:.1f} s in a fresh interpreter; `streamlit run app.py` healthy after "
            f"{ready_s:.1f} s")
        if device.type == "cpu":
            from mnist_demo.tools.appspeed import compare

            say("Training the fast recipe in the app with its Train page open in Chromium, and here…")
            timed = compare("fast", train, test, root)
            if timed is None:
                say("app vs CLI: skipped (Chromium or Playwright is missing)")
            else:
                say(f"app vs CLI, fast recipe: {timed[0]:.1f} s of training in the app with the Train page open, "
                    f"{timed[1]:.1f} s through fit(): {timed[0] / timed[1]:.2f}x")
    return 0
