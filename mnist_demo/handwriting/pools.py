"""Digits in the world's handwriting styles for training: a pool drawn once and kept on disk.

The "styles" augmentation (mnist_demo/train/augment.py) swaps a share of every MNIST batch for drawings from this pool
of the same digits. The pool is drawn with pen.TRAINING_HAND (wider than the checks' hand) from seeds that no
check uses (the style check draws from seed 0), so no check ever reads a drawing the network trained on. Drawing
it takes about 2.6 ms a digit on one core (~85 s for the default pool, the first time); it is then
kept in <data dir>/styles/, named after everything that shapes it, so a changed style table draws a new one.
A second, smaller pool holds the junk shapes (a smiley, a word, a star, ...), drawn the same way: training shows
them with no digit as their answer (augment.JUNK_SHARE), so that the network learns to be unsure of them.
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

from mnist_demo import paths
from mnist_demo.handwriting import pen
from mnist_demo.handwriting.styles import JUNK, STYLES

PER_STYLE = 1200  # drawings of each digit style (MORE: of a few, more): 38,400 for the 27 digit styles
JUNK_PER_STYLE = 1200  # drawings of each junk shape (9,600), which training teaches to answer "not sure" to
SEED = 1000  # the training pool's seed: checks use 0-9
# Styles drawn this many times as often: the ones the style check found hardest to learn (the serif and flag 1s
# sit close to a 7, the dotted zero close to the junk smiley, the slashed zero and curved 9 far from MNIST's own).
# More of them teaches the boundary and counts them as digit-like in the "not sure" statistics (docs/styles.md, "After
# training on the styles", has the figures before and after).
MORE = {"0-slashed": 2, "0-dotted": 2, "1-serif": 2, "1-flag": 2, "9-curved": 2}
_log = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: dict[tuple, Pool] = {}  # the digit styles' pools
_loaded_junk: dict[tuple, torch.Tensor] = {}


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
    return [s.name for s in STYLES.values() if s.digit != JUNK]


def junk_styles() -> list[str]:
    return [s.name for s in STYLES.values() if s.digit == JUNK]


def _names(junk: bool) -> list[str]:
    return junk_styles() if junk else digit_styles()


@functools.lru_cache(maxsize=8)
def key(per_style: int = PER_STYLE, seed: int = SEED, junk: bool = False) -> str:
    """A short name for everything that shapes the pool: the table, the hand, the devices, size and seed."""
    table = [(s.name, s.digit, s.strokes, MORE.get(s.name, 1))
             for s in STYLES.values() if s.name in _names(junk)]
    what = repr((table, pen.TRAINING_HAND, pen.DEVICES, pen.STEP, per_style, seed))
    return hashlib.sha256(what.encode()).hexdigest()[:12]


def cache_path(per_style: int = PER_STYLE, seed: int = SEED, junk: bool = False) -> Path:
    return paths.data_dir() / "styles" / f"{'junk' if junk else 'pool'}-{key(per_style, seed, junk)}.npz"


def _draw(names: list[str], per_style: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """per_style drawings of each style (MORE times that of the hardest), each style from its own stream."""
    parts = [pen.as_mnist_batch(per_style * MORE.get(name, 1), seed, [name], hand=pen.TRAINING_HAND)
             for name in names]
    xs, labels = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    return np.rint(xs * 255).astype(np.uint8), labels


def draw(per_style: int = PER_STYLE, seed: int = SEED, workers: int = 1,
         junk: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Draw the pool (the junk shapes' with `junk`): (N, 28, 28) uint8 images and their labels, style by style, on
    `workers` processes. Each style has its own random stream, so the result is the same on any number of workers.
    More than one worker only from a script's `if __name__ == "__main__":` block: spawned workers import the main
    module again."""
    names = _names(junk)
    workers = max(1, min(workers, len(names)))
    if workers == 1:
        parts = [_draw(names, per_style, seed)]
    else:  # spawn, not fork: a forked copy of a process with torch's threads can hang
        chunks = [names[i::workers] for i in range(workers)]
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as ex:
            parts = list(ex.map(_draw, chunks, [per_style] * workers, [seed] * workers))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def sorted_pool(images: np.ndarray, labels: np.ndarray) -> Pool:
    order = np.argsort(labels, kind="stable")
    labels = labels[order]
    count = np.bincount(labels, minlength=10)
    start = np.r_[0, np.cumsum(count)[:-1]]
    return Pool(torch.from_numpy(images[order].copy()), torch.from_numpy(labels.astype(np.int64)),
                torch.from_numpy(start.astype(np.int64)), torch.from_numpy(count.astype(np.int64)))


def _kept(per_style: int, seed: int, junk: bool) -> tuple[np.ndarray, np.ndarray]:
    """The pool's images and labels from its file, else drawn now and saved (where the folder allows)."""
    path = cache_path(per_style, seed, junk)
    try:
        with np.load(path) as f:
            return f["images"], f["labels"]
    except (OSError, KeyError, ValueError):
        _log.info("drawing %d style drawings for training into %s", per_style * len(_names(junk)), path)
        images, labels = draw(per_style, seed, junk=junk)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
            np.savez_compressed(tmp, images=images, labels=labels)
            os.replace(tmp, path)
        except OSError as exc:  # a read-only data folder: keep it in memory for this process
            _log.warning("cannot keep the style pool in %s: %s", path.parent, exc)
        return images, labels


def load(device: torch.device | str = "cpu", per_style: int | None = None, seed: int | None = None) -> Pool:
    """The digit styles' pool on `device` (PER_STYLE drawings of each, from SEED unless told), from memory, its
    file or drawn now."""
    device, per_style, seed = torch.device(device), per_style or PER_STYLE, SEED if seed is None else seed
    with _lock:
        ident = (key(per_style, seed), str(device))
        if ident not in _loaded:
            _loaded[ident] = sorted_pool(*_kept(per_style, seed, junk=False)).to(device)
        return _loaded[ident]


def load_junk(device: torch.device | str = "cpu", per_style: int | None = None,
              seed: int | None = None) -> torch.Tensor:
    """The junk shapes' drawings (N, 28, 28) uint8 on `device` (JUNK_PER_STYLE of each, from SEED unless told),
    from memory, their file or drawn now."""
    device, per_style, seed = torch.device(device), per_style or JUNK_PER_STYLE, SEED if seed is None else seed
    with _lock:
        ident = (key(per_style, seed, True), str(device))
        if ident not in _loaded_junk:
            _loaded_junk[ident] = torch.from_numpy(_kept(per_style, seed, junk=True)[0]).to(device)
        return _loaded_junk[ident]


def junk_batch(n: int, generator: torch.Generator | None = None, device: torch.device | str = "cpu",
               pool: torch.Tensor | None = None) -> torch.Tensor:
    """`n` junk drawings picked at random: a (n, 1, 28, 28) float batch in 0..1."""
    pool = pool if pool is not None else load_junk(device)
    idx = torch.randint(len(pool), (n,), generator=generator).to(pool.device)
    return pool[idx].unsqueeze(1).float() / 255


def swap_in(x: torch.Tensor, labels: torch.Tensor, share: float, generator: torch.Generator | None = None,
            pool: Pool | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """A (N, 1, 28, 28) float batch with about `share` of its images replaced by pool drawings of the same digit,
    and which rows were replaced, (N,) bool."""
    pool = pool or load(x.device)
    r = torch.rand(2, len(labels), generator=generator).to(x.device)
    idx = pool.start[labels] + (r[1] * pool.count[labels]).long().clamp(max=pool.count[labels] - 1)
    swap = (r[0] < share) & (pool.count[labels] > 0)
    drawn = pool.images[idx].unsqueeze(1).to(x.dtype) / 255
    return torch.where(swap.view(-1, 1, 1, 1), drawn, x), swap
