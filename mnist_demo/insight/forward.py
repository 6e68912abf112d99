"""Every number the network computes for one image, layer by layer, as numpy arrays; and the same forward pass
from a copy of the weights alone.

The tutorial's order is conv -> ReLU -> max-pool; model.CNN pools first and applies ReLU after. The two give the
same numbers (ReLU never changes which of four values is largest), so the arrays here are named in the tutorial's
order and computed the model's way: `pooled1` is both max-pool(ReLU(conv1)) and ReLU(max-pool(conv1)).

Read-only on a shared model, like mnist_demo.reading.inference: no hooks, no mode switches, no gradients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mnist_demo.network import CNN
from mnist_demo.reading.inference import as_batch, model_device

Weights = dict[str, np.ndarray]  # the model's state dict as float32 numpy arrays (about 0.5 MB)


@dataclass(frozen=True)
class Trace:
    """One 28 x 28 image through the network; shapes as PyTorch prints them (channels x height x width)."""

    image: np.ndarray  # 28 x 28, the input (1 x 28 x 28 without its channel)
    conv1: np.ndarray  # 32 x 26 x 26, before ReLU
    pooled1: np.ndarray  # 32 x 13 x 13, after ReLU and max-pool: what conv2 reads
    conv2: np.ndarray  # 64 x 11 x 11, before ReLU
    pooled2: np.ndarray  # 64 x 5 x 5, after ReLU and max-pool: flattened, what fc1 reads
    fc1: np.ndarray  # 64, after ReLU
    logits: np.ndarray  # 10 scores (fc2)
    probabilities: np.ndarray  # 10, softmax of the scores

    @property
    def relu1(self) -> np.ndarray:
        """32 x 26 x 26: conv1's feature maps after ReLU (what the Draw page's grid shows)."""
        return np.maximum(self.conv1, 0)

    @property
    def relu2(self) -> np.ndarray:
        return np.maximum(self.conv2, 0)


def weights_of(model: nn.Module) -> Weights:
    """A copy of the model's weights, detached from it: safe to keep while the model goes on training."""
    return {name: np.ascontiguousarray(t.detach().float().cpu().numpy()).copy()
            for name, t in model.state_dict().items()}


def _forward(x: torch.Tensor, conv1: nn.Module | tuple, conv2, fc1, fc2) -> list[torch.Tensor]:
    """The CNN's forward pass from (weight, bias) pairs or layers, keeping each stage."""
    def apply(layer, op, inp):
        return layer(inp) if isinstance(layer, nn.Module) else op(inp, *layer)
    z1 = apply(conv1, F.conv2d, x)
    p1 = torch.relu(F.max_pool2d(z1, 2))
    z2 = apply(conv2, F.conv2d, p1)
    p2 = torch.relu(F.max_pool2d(z2, 2))
    h = torch.relu(apply(fc1, F.linear, torch.flatten(p2, 1)))
    logits = apply(fc2, F.linear, h)
    return [z1, p1, z2, p2, h, logits, logits.softmax(1)]


@torch.no_grad()
def trace(model: CNN, image: np.ndarray) -> Trace:
    """Every stage of `model` for one 28 x 28 image in [0, 1]."""
    x = as_batch(image, model_device(model))
    stages = _forward(x, model.conv1, model.conv2, model.fc1, model.fc2)
    arrays = [s[0].float().cpu().numpy() for s in stages]
    return Trace(np.asarray(image, dtype=np.float32).reshape(28, 28), *arrays)


@torch.no_grad()
def probabilities_from(weights: Weights, images: np.ndarray) -> np.ndarray:
    """(N, 10) probabilities for 28 x 28 images, computed on the CPU from a copy of the weights (`weights_of`)."""
    w = {k: torch.from_numpy(v) for k, v in weights.items()}
    x = as_batch(images, torch.device("cpu"))
    layers = [(w[f"{n}.weight"], w[f"{n}.bias"]) for n in ("conv1", "conv2", "fc1", "fc2")]
    return _forward(x, *layers)[-1].numpy()
