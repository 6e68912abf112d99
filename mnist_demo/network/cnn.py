"""The tutorial's CNN, layer for layer, and its summary."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


class CNN(nn.Module):
    """Conv(1,32,3) -> ReLU -> MaxPool(2) -> Conv(32,64,3) -> ReLU -> MaxPool(2) -> FC(1600,64) -> ReLU -> FC(64,10)."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3)
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(64 * 5 * 5, 64)
        self.fc2 = nn.Linear(64, num_classes)

    def features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The ReLU'd feature maps of conv1 (32 x 26 x 26) and conv2 (64 x 11 x 11)."""
        f1 = torch.relu(self.conv1(x))
        f2 = torch.relu(self.conv2(self.pool1(f1)))
        return f1, f2

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The 64 numbers fc2 decides from.

        Max-pooling and ReLU commute (ReLU never changes which value is largest), so pooling first gives the
        tutorial's conv -> ReLU -> pool exactly, outputs and gradients alike, with a quarter of the ReLU work.
        """
        x = torch.relu(self.pool1(self.conv1(x)))
        x = torch.relu(self.pool2(self.conv2(x)))
        x = torch.flatten(x, 1)
        return torch.relu(self.fc1(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.embed(x))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@dataclass(frozen=True)
class LayerRow:
    name: str
    kind: str
    output_shape: tuple[int, ...]
    parameters: int


def layer_table(model: nn.Module | None = None) -> list[LayerRow]:
    """One row per layer (name, kind, output shape for one 28 x 28 image, parameters), from torchinfo."""
    from torchinfo import summary

    model = model or CNN()
    stats = summary(model, input_size=(1, 1, 28, 28), device="cpu", verbose=0, depth=1)
    return [
        LayerRow(
            name=info.var_name,
            kind=info.class_name,
            output_shape=tuple(info.output_size[1:]),
            parameters=info.num_params,
        )
        for info in stats.summary_list
        if info.depth == 1
    ]
