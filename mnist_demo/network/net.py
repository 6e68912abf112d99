"""A network built from a SPEC (mnist_demo.network.spec), layer for layer, named as PyTorch would print it.

`Net("conv32:3 relu maxpool2 conv64:3 relu maxpool2 fc64 relu fc10")` is the tutorial's CNN: the same parameters,
created in the same order, so the same seed gives the same initial weights, and the same numbers in training.
Every block is one PyTorch module (Conv2d, MaxPool2d, ReLU, Linear...), except the locally connected layer, which
PyTorch does not have (LocallyConnected2d below). The forward pass is PyTorch's own modules called one after the
other, as nn.Sequential does: a built network trains on the same path as the tutorial's.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from mnist_demo.network.spec import ACTIVATIONS, TUTORIAL, Layer, canonical, plan

_ACTIVATION = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


class LocallyConnected2d(nn.Module):
    """A convolution whose every output position has its own kernel and bias (stride 1, no padding).

    A convolution shares one kernel across the whole image: 32 kernels of 3 x 3 are 320 parameters wherever a
    stroke is. Here each of the 26 x 26 positions learns its own: 26 x 26 x 32 x (3 x 3 + 1) = 216,320
    parameters for the same picture, and nothing learned at one place helps at another."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, in_size: int) -> None:
        super().__init__()
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.out_size = in_size - kernel_size + 1
        fan_in = in_channels * kernel_size * kernel_size
        positions = self.out_size * self.out_size
        self.weight = nn.Parameter(torch.empty(positions, out_channels, fan_in))
        self.bias = nn.Parameter(torch.empty(out_channels, self.out_size, self.out_size))
        bound = 1 / math.sqrt(fan_in)  # Conv2d's default initialisation, for each position's kernel
        nn.init.uniform_(self.weight, -bound, bound)
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        patches = F.unfold(x, self.kernel_size)  # (N, in x k x k, positions): every window, side by side
        out = torch.einsum("njl,loj->nol", patches, self.weight)  # each position times its own kernels
        return out.reshape(len(x), self.out_channels, self.out_size, self.out_size) + self.bias

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, positions={self.out_size}^2"


def _module(layer: Layer) -> nn.Module:
    block, shape = layer.block, layer.input_shape
    if block.kind == "conv":
        return nn.Conv2d(shape[0], block.size, kernel_size=block.kernel)
    if block.kind == "local":
        return LocallyConnected2d(shape[0], block.size, block.kernel, shape[1])
    if block.kind == "maxpool":
        return nn.MaxPool2d(block.size)
    if block.kind == "avgpool":
        return nn.AvgPool2d(block.size)
    if block.kind == "fc":
        width = math.prod(shape)
        return nn.Linear(width, block.size)
    if block.kind == "bn":
        return nn.BatchNorm2d(shape[0]) if len(shape) == 3 else nn.BatchNorm1d(shape[0])
    if block.kind == "dropout":
        return nn.Dropout(block.rate)
    return _ACTIVATION[block.kind]()


class Net(nn.Module):
    """The network a SPEC describes; `arch` is its SPEC, `layers` its plan (names, shapes, parameters)."""

    def __init__(self, arch: str = TUTORIAL, num_classes: int = 10) -> None:
        super().__init__()
        self.arch = canonical(arch)
        self.layers = plan(self.arch, num_classes)
        self.num_classes = num_classes
        self.blocks: list[nn.Module] = []  # the layers' modules, in order (registered by name below)
        for layer in self.layers:  # in the SPEC's order: parameters are drawn in that order, as in the tutorial
            self.blocks.append(_module(layer))
            self.add_module(layer.name, self.blocks[-1])
        self.flatten_before = next(i for i, layer in enumerate(self.layers) if layer.kind == "fc")
        self._order = self._run_order()

    def _run_order(self) -> list[int]:
        """The order the forward pass calls the layers in. An activation followed by a max-pool runs after it:
        every activation here only ever rises, so it never changes which of the window's values is largest, and
        pooling first gives the same numbers, outputs and gradients alike, with a quarter of the activation's
        work (the tutorial writes conv -> ReLU -> pool)."""
        order = list(range(len(self.layers)))
        i = 0
        while i < len(order) - 1:
            here, after = self.layers[order[i]].kind, self.layers[order[i + 1]].kind
            if here in ACTIVATIONS and after == "maxpool":
                order[i], order[i + 1] = order[i + 1], order[i]
                i += 2
            else:
                i += 1
        return order

    def _call(self, index: int, x: torch.Tensor) -> torch.Tensor:
        if index == self.flatten_before:
            x = torch.flatten(x, 1)
        return self.blocks[index](x)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """What the last layer decides from (the tutorial's 64 units after fc1 and its ReLU): the space where "not
        sure" measures how far a drawing is from every digit (mnist_demo.reading.not_sure)."""
        for index in self._order[:-1]:
            x = self._call(index, x)
        return torch.flatten(x, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._call(self._order[-1], self.embed(x))

    def stages(self, x: torch.Tensor) -> list[tuple[Layer, torch.Tensor]]:
        """Every layer's output for a batch, in the SPEC's order (for the views inside the network)."""
        out = []
        for index, layer in enumerate(self.layers):
            x = self._call(index, x)
            out.append((layer, x))
        return out

    @property
    def parameters_count(self) -> int:
        return sum(p.numel() for p in self.parameters())
