"""One neuron, computed: the window of inputs it reads, its kernel, the products, their sum plus the bias, the ReLU,
and the 2 x 2 max-pool it feeds, all as plain numbers a student can add up; then fc1 and fc2 as contributions.

The numbers come from the model's own weights and from its own activations (a `Trace`); `value` is the model's
own output at that position, so a view can show both and a test can check that the sum gives it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from torch import nn

from mnist_demo.insight.forward import Trace
from mnist_demo.network import CNN

POOL = 2


def _np(t) -> np.ndarray:
    return t.detach().float().cpu().numpy()


@dataclass(frozen=True)
class Pool:
    """The 2 x 2 max-pool window a position feeds: its four values after ReLU and their largest."""

    top: int  # window's first row and column in the feature map
    left: int
    values: np.ndarray  # 2 x 2, after ReLU
    out_row: int  # where the result sits in the pooled map
    out_col: int

    @property
    def result(self) -> float:
        return float(self.values.max())


@dataclass(frozen=True)
class Neuron:
    """Feature map `channel` of `layer` at (`row`, `col`), and the sum that makes it.

    For conv1, `terms` are the nine products window x kernel (3 x 3). For conv2, there is one term per input
    channel (32): the sum of that channel's nine products; `window` and `kernel` are then 32 x 3 x 3."""

    layer: str  # "conv1" | "conv2"
    channel: int
    row: int
    col: int
    window: np.ndarray  # the inputs read: 3 x 3 (conv1) or 32 x 3 x 3 (conv2)
    kernel: np.ndarray  # same shape: the weights
    bias: float
    value: float  # the model's own output here, before ReLU
    pool: Pool | None  # None where pooling drops the position (conv2's last row and column: 11 = 2 x 5 + 1)

    @property
    def products(self) -> np.ndarray:
        return self.window * self.kernel

    @property
    def terms(self) -> np.ndarray:
        """Nine products (conv1, 3 x 3) or one sum of nine products per input channel (conv2, 32)."""
        p = self.products.astype(np.float64)
        return p if self.layer == "conv1" else p.sum(axis=(1, 2))

    @property
    def total(self) -> float:
        """The sum of the terms plus the bias: the value before ReLU, computed here from the numbers shown."""
        return float(self.terms.sum() + self.bias)

    @property
    def relu(self) -> float:
        return max(self.total, 0.0)


def _pool(relu_map: np.ndarray, row: int, col: int) -> Pool | None:
    out_row, out_col = row // POOL, col // POOL
    size = relu_map.shape[-1] // POOL
    if out_row >= size or out_col >= size:
        return None
    top, left = out_row * POOL, out_col * POOL
    return Pool(top, left, relu_map[top : top + POOL, left : left + POOL].copy(), out_row, out_col)


def shape_of(layer: str) -> tuple[int, int]:
    """(channels, size) of a layer's feature maps: conv1 32 x 26 x 26, conv2 64 x 11 x 11."""
    return {"conv1": (32, 26), "conv2": (64, 11)}[layer]


def neuron(model: nn.Module, t: Trace, layer: str, channel: int, row: int, col: int) -> Neuron:
    """The computation behind `t`'s feature map `channel` of `layer` at (row, col)."""
    channels, size = shape_of(layer)
    if not (0 <= channel < channels and 0 <= row < size and 0 <= col < size):
        raise ValueError(f"{layer} has {channels} maps of {size} x {size}: no map {channel} at ({row}, {col})")
    conv = getattr(model, layer)
    if layer == "conv1":
        window = t.image[row : row + 3, col : col + 3]
        kernel = _np(conv.weight[channel, 0])
        maps = t.conv1
    else:
        window = t.pooled1[:, row : row + 3, col : col + 3]
        kernel = _np(conv.weight[channel])
        maps = t.conv2
    return Neuron(layer, channel, row, col, window.copy(), kernel, float(_np(conv.bias[channel])),
                  float(maps[channel, row, col]), _pool(np.maximum(maps[channel], 0), row, col))


def strongest(t: Trace, layer: str) -> tuple[int, int, int]:
    """(channel, row, col) of the layer's largest activation: a position worth looking at first."""
    maps = t.conv1 if layer == "conv1" else t.conv2
    c, r, k = np.unravel_index(int(np.argmax(maps)), maps.shape)
    return int(c), int(r), int(k)


@dataclass(frozen=True)
class Dense:
    """fc1's 64 units after ReLU, fc2's 10 scores and probabilities, and what each unit adds to each score."""

    hidden: np.ndarray  # 64
    contributions: np.ndarray  # 10 x 64: fc2.weight[j, i] * hidden[i]
    bias: np.ndarray  # 10
    logits: np.ndarray  # 10: contributions summed plus bias
    probabilities: np.ndarray  # 10


def dense(model: CNN, t: Trace) -> Dense:
    w = _np(model.fc2.weight)
    return Dense(t.fc1, w * t.fc1[None, :], _np(model.fc2.bias), t.logits, t.probabilities)
