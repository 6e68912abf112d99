"""Every number the network computes for one image, layer by layer, as numpy arrays; and the same forward pass
from a copy of the weights alone.

The layers come in the order the network is written (for the tutorial's: conv1, relu1, pool1, conv2, ...), each with
its output for this image. The model itself runs some of them in another order (mnist_demo.network.net: a max-pool
before the activation before it, which gives the same numbers), so every array here is also the model's own.

Read-only on a shared model, like mnist_demo.reading.inference: no hooks, no mode switches, no gradients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from mnist_demo.network import Layer, Net
from mnist_demo.network.spec import ACTIVATIONS
from mnist_demo.reading.inference import as_batch, model_device

Weights = dict[str, np.ndarray]  # the model's state dict as numpy arrays (about 0.5 MB for the tutorial's network)


@dataclass(frozen=True)
class Trace:
    """One 28 x 28 image through the network; shapes as PyTorch prints them (channels x height x width)."""

    image: np.ndarray  # 28 x 28, the input (1 x 28 x 28 without its channel)
    layers: tuple[Layer, ...]
    outputs: tuple[np.ndarray, ...]  # each layer's output for this image, in `layers`' order
    probabilities: np.ndarray  # softmax of the last layer's scores

    def index(self, name: str) -> int:
        return next(i for i, layer in enumerate(self.layers) if layer.name == name)

    def output(self, name: str) -> np.ndarray:
        return self.outputs[self.index(name)]

    def input_of(self, name: str) -> np.ndarray:
        """What layer `name` reads: the image (1 x 28 x 28) for the first, else the layer before's output."""
        i = self.index(name)
        return self.image[None] if i == 0 else self.outputs[i - 1]

    @property
    def logits(self) -> np.ndarray:
        return self.outputs[-1]

    def shown(self, name: str) -> tuple[Layer, np.ndarray]:
        """A convolution's (or locally connected layer's) maps as the next layers see them: after the activation
        right behind it, if one is (batch normalisation in between included)."""
        i = self.index(name)
        j = i + 1
        while j < len(self.layers) and self.layers[j].kind == "bn":
            j += 1
        if j < len(self.layers) and self.layers[j].kind in ACTIVATIONS:
            return self.layers[j], self.outputs[j]
        return self.layers[i], self.outputs[i]

    def image_layers(self) -> list[str]:
        """The convolutions and locally connected layers, whose feature maps the Draw page shows."""
        return [layer.name for layer in self.layers if layer.kind in ("conv", "local")]


def weights_of(model: torch.nn.Module) -> Weights:
    """A copy of the model's weights and buffers, detached from it: safe to keep while the model goes on training."""
    return {name: np.ascontiguousarray(t.detach().cpu().numpy()).copy() for name, t in model.state_dict().items()}


@torch.no_grad()
def trace(model: Net, image: np.ndarray) -> Trace:
    """Every layer of `model` for one 28 x 28 image in [0, 1]."""
    x = as_batch(image, model_device(model))
    stages = model.stages(x)
    outputs = tuple(out[0].float().cpu().numpy() for _, out in stages)
    probabilities = stages[-1][1].softmax(1)[0].float().cpu().numpy()
    return Trace(np.asarray(image, dtype=np.float32).reshape(28, 28), tuple(model.layers), outputs, probabilities)


@torch.no_grad()
def probabilities_from(weights: Weights, images: np.ndarray, arch: str, classes: int = 10) -> np.ndarray:
    """(N, classes) probabilities for 28 x 28 images, computed on the CPU by a network `arch` holding a copy of the
    weights (`weights_of`), as it was when they were copied."""
    with torch.device("meta"):  # no weights drawn: the global random numbers a run in training uses stay untouched
        net = Net(arch, classes)
    net.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, assign=True)
    return net.eval()(as_batch(images, torch.device("cpu"))).softmax(1).numpy()
