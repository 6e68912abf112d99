"""Watch it learn: a small probe of the live network, taken in the training thread a few times an epoch.

A run passes every Progress to its listeners while the training thread waits; `Probe` is such a listener. At the
first report, then a few times an epoch (more often early in the first, when most of the learning happens), it
reads a fixed set of 40 test digits and copies the first layer's filters and the weights (about 0.5 MB for the
tutorial's network), so a page can re-read a student's drawing with the network as it was then. It keeps small numpy
arrays only, never the model; a page reads `latest` once a second at the cost of an attribute read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch

from mnist_demo.data import Split
from mnist_demo.insight.forward import Weights, probabilities_from, weights_of
from mnist_demo.network import Net
from mnist_demo.train.loop import Progress

_log = logging.getLogger(__name__)
PER_CLASS = 4
FIRST_EPOCH = (0.05, 0.25, 0.5, 0.75)  # epochs done at which to probe in the first epoch, besides its first report
LATER_EVERY = 0.25  # then every quarter epoch; each probe costs a few ms (bench: python scripts/insight_bench.py)


@dataclass(frozen=True)
class Frame:
    """The network as it was after `x` epochs, seen through the probe."""

    number: int  # 1 for the first frame of the run
    x: float  # epochs done, e.g. 0.25
    epoch: int
    batch: int
    probabilities: np.ndarray  # (40, 10) for the probe's digits
    filters: np.ndarray | None  # the first layer's kernels, when it is a convolution (32 x 3 x 3 in the tutorial's)
    weights: Weights
    arch: str = ""  # the network the weights belong to (its SPEC)


def pick(labels: np.ndarray, classes: int = 10, per_class: int = PER_CLASS) -> np.ndarray:
    """The first `per_class` images of each class, class by class: the same digits for every run on a dataset."""
    chosen = [np.flatnonzero(labels == c)[:per_class] for c in range(classes)]
    return np.concatenate([np.sort(c) for c in chosen]).astype(np.int64)


class Probe:
    """A run's listener; `latest` is the newest Frame (None before the first report)."""

    def __init__(self, split: Split, per_class: int = PER_CLASS) -> None:
        labels = split.labels.cpu().numpy()
        index = pick(labels, len(split.classes), per_class)
        self.images = split.images[torch.as_tensor(index, device=split.images.device)].cpu().numpy()
        if self.images.dtype != np.uint8:  # keep the digits as bytes: 40 x 784
            self.images = (np.clip(self.images, 0, 1) * 255).round().astype(np.uint8)
        self.images = self.images.reshape(-1, 28, 28)
        self.labels = labels[index]
        self.classes = list(split.classes)
        self.latest: Frame | None = None
        self.broken = False
        self._next = 0.0

    def due(self, x: float) -> bool:
        return self.latest is None or x >= self._next - 1e-9

    def __call__(self, p: Progress) -> None:
        if p.model is None or self.broken or not self.due(p.x):
            return
        try:
            self.take(p.model, p.x, p.epoch, p.batch)
        except Exception:  # a view of the run must never end the run: log it once and stop probing
            _log.exception("the run's probe failed; the Train page shows no more of it")
            self.broken = True

    def take(self, model: Net, x: float, epoch: int, batch: int) -> Frame:
        weights = weights_of(model)
        probs = probabilities_from(weights, self.images.astype(np.float32) / 255, model.arch, model.num_classes)
        number = 1 if self.latest is None else self.latest.number + 1
        first = model.layers[0]
        filters = weights[f"{first.name}.weight"][:, 0].copy() if first.kind == "conv" else None
        frame = Frame(number, x, epoch, batch, probs, filters, weights, model.arch)
        self.latest = frame  # one assignment: a reader sees the old frame or the new one, whole
        later = [v for v in FIRST_EPOCH if v > x + 1e-9]
        self._next = later[0] if later else (np.floor(x / LATER_EVERY + 1e-9) + 1) * LATER_EVERY
        return frame

    def right(self, frame: Frame) -> int:
        return int((frame.probabilities.argmax(1) == self.labels).sum())

    def true_probability(self, frame: Frame) -> np.ndarray:
        """(40,) the probability each digit gets for its true class: 0 red ... 1 green."""
        return frame.probabilities[np.arange(len(self.labels)), self.labels]
