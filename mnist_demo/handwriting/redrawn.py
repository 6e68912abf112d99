"""MNIST training digits redrawn the way people's pictures reach the network, for training.

A digit drawn on the canvas or photographed on paper reaches the network through preprocess.to_mnist: drawn at
any size and place, with a thicker or thinner pen, tilted, dark on light or light on dark, noisy, blurred or
saved as JPEG, then cropped, scaled and centred again. `redraw` does that to a 28 x 28 MNIST digit; the pool
of redrawn training digits is drawn once per training set and kept in <data dir>/styles/ beside the style pool.

The ranges are wider than the drawing check's (drawing_check.py), continuous where it picks from a
few values, on a 140 px canvas where it uses 280 px, with blur added: it redraws *training* digits, from its own
seed, and no check ever reads one of them.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np
import torch
from PIL import Image, ImageFilter
from scipy import ndimage

from mnist_demo import paths
from mnist_demo.handwriting.pools import Pool, sorted_pool
from mnist_demo.reading.preprocess import WORK_SIZE, to_mnist

SEED = 2000  # the check redraws test digits from seed 0
VERSION = 1  # bump when `redraw` changes: the kept pool is then drawn again
_log = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: dict[tuple, Pool] = {}


def redraw(digit: np.ndarray, rng: np.random.Generator, canvas: int = WORK_SIZE) -> np.ndarray:
    """One 28 x 28 uint8 MNIST digit as a person's picture of it, read back by to_mnist: (28, 28) float32."""
    rows, cols = np.nonzero(digit > 30)
    if len(rows) == 0:
        return digit.astype(np.float32) / 255
    crop = Image.fromarray(digit[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1])
    size = rng.uniform(0.30, 1.0) * canvas
    scale = size / max(crop.size)
    filt = Image.Resampling.BICUBIC if rng.random() < 0.5 else Image.Resampling.BILINEAR
    big = np.asarray(crop.resize((max(1, round(crop.width * scale)), max(1, round(crop.height * scale))), filt),
                     dtype=np.float32)
    pen = int(round(rng.uniform(-0.8, 1.4) * scale))  # thinner or thicker by up to ~1 MNIST px
    if pen > 1:
        big = ndimage.grey_dilation(big, size=(pen, pen))
    elif pen < -1:
        big = ndimage.grey_erosion(big, size=(-pen, -pen))
    img = Image.fromarray(np.clip(big, 0, 255).astype(np.uint8)).rotate(rng.uniform(-15, 15),
                                                                         Image.Resampling.BILINEAR, expand=True)
    img.thumbnail((canvas, canvas))
    field = Image.new("L", (canvas, canvas), 0)
    field.paste(img, (int(rng.integers(0, canvas - img.width + 1)), int(rng.integers(0, canvas - img.height + 1))))
    if rng.random() < 0.3:
        field = field.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.2)))
    ink = np.asarray(field, dtype=np.float32) / 255
    if rng.random() < 0.5:  # dark ink on paper
        paper, tone = rng.uniform(0.6, 1.0), rng.uniform(0.0, 0.35)
    else:
        paper, tone = rng.uniform(0.0, 0.2), rng.uniform(0.7, 1.0)
    gray = paper + (tone - paper) * ink + rng.normal(0, rng.uniform(0, 0.04), ink.shape)
    picture = Image.fromarray(np.clip(gray * 255, 0, 255).astype(np.uint8))
    if rng.random() < 0.3:
        buf = io.BytesIO()
        picture.save(buf, "JPEG", quality=int(rng.integers(40, 95)))
        picture = Image.open(io.BytesIO(buf.getvalue()))
    x = to_mnist(picture)
    return digit.astype(np.float32) / 255 if x is None else x


def _redraw_many(digits: np.ndarray, seed: int, start: int) -> np.ndarray:
    rng = np.random.default_rng([seed, start])
    return np.stack([np.rint(redraw(d, rng) * 255).astype(np.uint8) for d in digits])


def draw(digits: np.ndarray, seed: int = SEED, workers: int = 1, chunk: int = 2000) -> np.ndarray:
    """Every digit of `digits` (N, 28, 28) uint8 redrawn once: (N, 28, 28) uint8, the same on any number of
    workers (each chunk of `chunk` digits has its own random stream; see pools.draw on workers)."""
    starts = list(range(0, len(digits), chunk))
    parts = [digits[s : s + chunk] for s in starts]
    workers = max(1, min(workers, len(parts)))
    if workers == 1:
        return np.concatenate([_redraw_many(p, seed, s) for p, s in zip(parts, starts)])
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as ex:  # spawn: see pools.draw
        return np.concatenate(list(ex.map(_redraw_many, parts, [seed] * len(parts), starts)))


def load(images: torch.Tensor, labels: torch.Tensor, seed: int = SEED) -> Pool:
    """The redrawn pool of a training set, sorted by digit for pools.swap_in, on the set's device: from
    memory, from its file in <data dir>/styles/, or drawn now and kept there."""
    with _lock:
        ident = (images.data_ptr(), len(images), seed, str(images.device))
        if ident in _loaded:
            return _loaded[ident]
        cpu = images.cpu().numpy()
        digest = hashlib.sha256(cpu.tobytes()).hexdigest()[:12]
        path = paths.data_dir() / "styles" / f"redrawn-v{VERSION}-{digest}-{seed}.npz"
        try:
            with np.load(path) as f:
                drawn = f["images"]
        except (OSError, KeyError, ValueError):
            _log.info("redrawing %d training digits into %s", len(cpu), path)
            drawn = draw(cpu, seed)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
                np.savez_compressed(tmp, images=drawn)
                os.replace(tmp, path)
            except OSError as exc:
                _log.warning("cannot keep the redrawn digits in %s: %s", path.parent, exc)
        pool = sorted_pool(drawn, labels.cpu().numpy()).to(images.device)
        _loaded[ident] = pool
        return pool
