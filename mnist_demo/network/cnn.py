"""The tutorial's CNN, and the table of any network's layers (the Model and Train pages, `--arch`'s summary)."""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from mnist_demo.network.net import Net
from mnist_demo.network.spec import TUTORIAL, plan


class CNN(Net):
    """Conv(1,32,3) -> ReLU -> MaxPool(2) -> Conv(32,64,3) -> ReLU -> MaxPool(2) -> FC(1600,64) -> ReLU -> FC(64,10):
    121,930 parameters, created in the tutorial's order (conv1, conv2, fc1, fc2)."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__(TUTORIAL.removesuffix("fc10") + f"fc{num_classes}", num_classes)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@dataclass(frozen=True)
class LayerRow:
    name: str
    kind: str
    output_shape: tuple[int, ...]
    parameters: int


KINDS = {"conv": "Conv2d", "local": "LocallyConnected2d", "maxpool": "MaxPool2d", "avgpool": "AvgPool2d",
         "relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh", "dropout": "Dropout", "fc": "Linear"}


def layer_table(model: nn.Module | str | None = None, classes: int = 10) -> list[LayerRow]:
    """One row per layer (name, PyTorch's class, output shape for one 28 x 28 image, parameters), from the SPEC's
    plan: a Net, a SPEC, or None for the tutorial's. The same figures torchinfo gives (tests/test_network.py)."""
    arch = model.arch if isinstance(model, Net) else str(model or TUTORIAL)
    rows = []
    for layer in plan(arch, classes):
        kind = KINDS.get(layer.kind) or ("BatchNorm2d" if len(layer.input_shape) == 3 else "BatchNorm1d")
        rows.append(LayerRow(layer.name, kind, layer.output_shape, layer.parameters))
    return rows
