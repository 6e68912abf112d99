"""Digits in the world's handwriting styles for training: a pool drawn once and kept on disk.

The "styles" augmentation (mnist_demo/augment.py) swaps a share of every MNIST batch for drawings from this pool
of the same digits. The pool is drawn with styles.TRAINING_HAND (wider than the checks' hand) from seeds that no
check uses (the style check draws from seed 0), so no check ever reads a drawing the network trained on. Drawing
it takes about 2.6 ms a digit on one core (~85 s for the default pool, split over the CPU's cores); it is then
kept in <data dir>/styles/, named after everything that shapes it, so a changed style table draws a new one.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import torch

from . import paths, styles

PER_STYLE = 1200  # drawings of each digit style: 32,400 for the 27 digit styles
SEED = 1000  # the training pool's seed: checks use 0-9
_log = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: dict[tuple, Pool] = {}


@dataclass(frozen=True)
class Pool:
    """Style drawings sorted by digit: images (N, 28, 28) uint8, labels (N,), and where each digit's run starts."""

    images: torch.Tensor
    labels: torch.Tensor
    start: torch.Tensor  # (10,) first index of each digit
    count: torch.Tensor  # (10,) how many of each digit

    def to(self, device: torch.device | str) -> Pool:
        return Pool(self.images.to(device), self.labels.to(device), self.start.to(device), self.count.to(device))


def digit_styles() -> list[str]:
    return [s.name for s in styles.STYLES.values() if s.digit != styles.JUNK]


@functools.lru_cache(maxsize=8)
def key(per_style: int = PER_STYLE, seed: int = SEED) -> str:
    """A short name for everything that shapes the pool: the table, the hand, the devices, size and seed."""
    table = [(s.name, s.digit, s.strokes) for s in styles.STYLES.values() if s.digit != styles.JUNK]
    what = repr((table, styles.TRAINING_HAND, styles.DEVICES, styles.STEP, per_style, seed))
    return hashlib.sha256(what.encode()).hexdigest()[:12]


def cache_path(per_style: int = PER_STYLE, seed: int = SEED) -> Path:
    return paths.data_dir() / "styles" / f"pool-{key(per_style, seed)}.npz"


def _draw(names: list[str], per_style: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    xs, labels, _ = styles.as_mnist_batch(per_style, seed, names, hand=styles.TRAINING_HAND)
    return np.rint(xs * 255).astype(np.uint8), labels


def draw(per_style: int = PER_STYLE, seed: int = SEED, workers: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Draw the pool: (N, 28, 28) uint8 images and their digits, style by style, on `workers` processes (default:
    every core). Each style has its own random stream, so the result is the same on any number of workers."""
    names = digit_styles()
    workers = max(1, min(workers or os.cpu_count() or 1, len(names)))
    if workers == 1:
        parts = [_draw(names, per_style, seed)]
    else:  # spawn, not fork: a forked copy of a process with torch's threads can hang
        chunks = [names[i::workers] for i in range(workers)]
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as ex:
            parts = list(ex.map(_draw, chunks, [per_style] * workers, [seed] * workers))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _sorted(images: np.ndarray, labels: np.ndarray) -> Pool:
    order = np.argsort(labels, kind="stable")
    labels = labels[order]
    count = np.bincount(labels, minlength=10)
    start = np.r_[0, np.cumsum(count)[:-1]]
    return Pool(torch.from_numpy(images[order].copy()), torch.from_numpy(labels.astype(np.int64)),
                torch.from_numpy(start.astype(np.int64)), torch.from_numpy(count.astype(np.int64)))


def load(device: torch.device | str = "cpu", per_style: int = PER_STYLE, seed: int = SEED) -> Pool:
    """The pool on `device`: from memory, else from its file, else drawn now and saved (where the folder allows)."""
    device = torch.device(device)
    with _lock:
        ident = (key(per_style, seed), str(device))
        if ident in _loaded:
            return _loaded[ident]
        path = cache_path(per_style, seed)
        try:
            with np.load(path) as f:
                images, labels = f["images"], f["labels"]
        except (OSError, KeyError, ValueError):
            _log.info("drawing %d style digits for training into %s", per_style * len(digit_styles()), path)
            small = per_style * len(digit_styles()) < 2000  # starting processes would take longer than drawing
            images, labels = draw(per_style, seed, workers=1 if small else None)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
                np.savez_compressed(tmp, images=images, labels=labels)
                os.replace(tmp, path)
            except OSError as exc:  # a read-only data folder: keep it in memory for this process
                _log.warning("cannot keep the style pool in %s: %s", path.parent, exc)
        pool = _sorted(images, labels).to(device)
        _loaded[ident] = pool
        return pool


def swap_in(x: torch.Tensor, labels: torch.Tensor, share: float, generator: torch.Generator | None = None,
            pool: Pool | None = None) -> torch.Tensor:
    """A (N, 1, 28, 28) float batch with about `share` of its images replaced by pool drawings of the same digit."""
    pool = pool or load(x.device)
    r = torch.rand(2, len(labels), generator=generator).to(x.device)
    idx = pool.start[labels] + (r[1] * pool.count[labels]).long().clamp(max=pool.count[labels] - 1)
    swap = (r[0] < share) & (pool.count[labels] > 0)
    drawn = pool.images[idx].unsqueeze(1).to(x.dtype) / 255
    return torch.where(swap.view(-1, 1, 1, 1), drawn, x)
