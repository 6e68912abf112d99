"""One neuron, computed: the window of inputs a convolution reads, its kernel, the products, their sum plus the bias,
the activation and the pooling it feeds, all as plain numbers a student can add up; then the last layer's scores as
contributions of the numbers it reads (fc1's 64 units into fc2 in the tutorial's network).

The numbers come from the model's own weights and from its own activations (a `Trace`); `value` is the model's
own output at that position, so a view can show both and a test can check that the sum gives it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from torch import nn

from mnist_demo.insight.forward import Trace


def _np(t) -> np.ndarray:
    return t.detach().float().cpu().numpy()


@dataclass(frozen=True)
class Pool:
    """The pooling window a position feeds: its values (after the activation) and what the pooling keeps."""

    top: int  # window's first row and column in the feature map
    left: int
    values: np.ndarray  # size x size, after the activation
    out_row: int  # where the result sits in the pooled map
    out_col: int
    kind: str = "maxpool"  # or "avgpool"
    name: str = ""  # the pooling layer, e.g. "pool1"

    @property
    def result(self) -> float:
        return float(self.values.max() if self.kind == "maxpool" else self.values.mean())


ACTIVATE = {"relu": lambda v: max(v, 0.0), "sigmoid": lambda v: 1 / (1 + math.exp(-v)), "tanh": math.tanh}


@dataclass(frozen=True)
class Neuron:
    """Feature map `channel` of the convolution `layer` at (`row`, `col`), and the sum that makes it.

    With one input channel (the first convolution), `terms` are the k x k products window x kernel. With several,
    there is one term per input channel: the sum of that channel's k x k products; `window` and `kernel` are then
    channels x k x k."""

    layer: str  # "conv1", "conv2", ...
    channel: int
    row: int
    col: int
    window: np.ndarray  # the inputs read: k x k (one input channel) or channels x k x k
    kernel: np.ndarray  # same shape: the weights
    bias: float
    value: float  # the model's own output here, before the activation
    pool: Pool | None  # None where the pooling drops the position, or when no pooling follows
    activation: str | None = "relu"  # the activation right after the convolution, if one is
    reads: str = "input"  # what the window is taken from: "input" or the layer before, e.g. "pool1"

    @property
    def products(self) -> np.ndarray:
        return self.window * self.kernel

    @property
    def terms(self) -> np.ndarray:
        """The k x k products (one input channel), or one sum of k x k products per input channel."""
        p = self.products.astype(np.float64)
        return p if p.ndim == 2 else p.sum(axis=(1, 2))

    @property
    def total(self) -> float:
        """The sum of the terms plus the bias: the value before the activation, computed from the numbers shown."""
        return float(self.terms.sum() + self.bias)

    @property
    def activated(self) -> float:
        return ACTIVATE[self.activation](self.total) if self.activation else self.total

    @property
    def relu(self) -> float:  # the tutorial's network: ReLU after every convolution
        return self.activated


def _pool(t: Trace, after: int, activated: np.ndarray, row: int, col: int) -> Pool | None:
    """The pooling right after layer `after` (or after its activation), and the window (row, col) falls in."""
    if after + 1 >= len(t.layers) or t.layers[after + 1].kind not in ("maxpool", "avgpool"):
        return None
    layer = t.layers[after + 1]
    size = layer.block.size
    out_row, out_col = row // size, col // size
    if out_row >= layer.output_shape[1] or out_col >= layer.output_shape[2]:
        return None
    top, left = out_row * size, out_col * size
    return Pool(top, left, activated[top : top + size, left : left + size].copy(), out_row, out_col, layer.kind,
                layer.name)


def shape_of(t: Trace, layer: str) -> tuple[int, int]:
    """(channels, size) of a convolution's feature maps: conv1 32 x 26 x 26, conv2 64 x 11 x 11 in the tutorial's."""
    shape = t.layers[t.index(layer)].output_shape
    return shape[0], shape[1]


def neuron(model: nn.Module, t: Trace, layer: str, channel: int, row: int, col: int) -> Neuron:
    """The computation behind `t`'s feature map `channel` of the convolution `layer` at (row, col)."""
    i = t.index(layer)
    if t.layers[i].kind != "conv":
        raise ValueError(f"{layer} is not a convolution: one neuron's sum is shown for convolutions")
    channels, size = shape_of(t, layer)
    if not (0 <= channel < channels and 0 <= row < size and 0 <= col < size):
        raise ValueError(f"{layer} has {channels} maps of {size} x {size}: no map {channel} at ({row}, {col})")
    conv = getattr(model, layer)
    k = conv.kernel_size[0]
    source = t.input_of(layer)
    window = source[:, row : row + k, col : col + k]
    kernel = _np(conv.weight[channel])
    if len(source) == 1:  # one input channel: the window and kernel as k x k squares
        window, kernel = window[0], kernel[0]
    maps = t.output(layer)
    after, activation = i, None
    if i + 1 < len(t.layers) and t.layers[i + 1].kind in ACTIVATE:
        after, activation = i + 1, t.layers[i + 1].kind
    activated = t.outputs[after][channel]
    return Neuron(layer, channel, row, col, window.copy(), kernel, float(_np(conv.bias[channel])),
                  float(maps[channel, row, col]), _pool(t, after, activated, row, col), activation,
                  "input" if i == 0 else t.layers[i - 1].name)


def strongest(t: Trace, layer: str) -> tuple[int, int, int]:
    """(channel, row, col) of the layer's largest value: a position worth looking at first."""
    maps = t.output(layer)
    c, r, k = np.unravel_index(int(np.argmax(maps)), maps.shape)
    return int(c), int(r), int(k)


@dataclass(frozen=True)
class Dense:
    """The numbers the last layer reads (fc1's 64 units after ReLU), its scores and probabilities, and what each number
    adds to each score."""

    hidden: np.ndarray  # 64 in the tutorial's network
    contributions: np.ndarray  # 10 x 64: fc2.weight[j, i] * hidden[i]
    bias: np.ndarray  # 10
    logits: np.ndarray  # 10: contributions summed plus bias
    probabilities: np.ndarray  # 10
    layer: str = "fc2"  # the last layer
    reads: str = "fc1"  # the layer whose numbers it reads (after that layer's activation)


def dense(model: nn.Module, t: Trace) -> Dense:
    """The last layer: what each of the numbers it reads adds to each score."""
    last = t.layers[-1]
    hidden = t.input_of(last.name).reshape(-1)
    fc = getattr(model, last.name)
    w = _np(fc.weight)
    before = [layer.name for layer in t.layers[:-1] if layer.kind in ("conv", "local", "fc", "maxpool", "avgpool")]
    return Dense(hidden, w * hidden[None, :], _np(fc.bias), t.logits, t.probabilities, last.name,
                 before[-1] if before else "input")
