"""The network as a row of tensors, in the tutorial's order, each with its shape as PyTorch prints it (channels x
height x width), what makes it, and one image's real values in it: what the Model page draws to scale."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_demo.insight.forward import Trace
from mnist_demo.messages import N_

TIMES = " × "


@dataclass(frozen=True)
class Stage:
    name: str
    shape: tuple[int, ...]  # (C, H, W) for feature maps, (N,) for vectors
    op: str  # the operation that makes it from the stage before, in a word or two ("" for the input)
    made_by: str  # the same in a sentence
    values: np.ndarray  # this image's values, of `shape`
    parameters: int = 0

    @property
    def label(self) -> str:
        return shape_text(self.shape)


def shape_text(shape: tuple[int, ...]) -> str:
    """(32, 26, 26) -> "32 × 26 × 26": PyTorch's order, one notation everywhere."""
    return TIMES.join(str(d) for d in shape)


def stages(t: Trace) -> list[Stage]:
    """input -> conv1 + ReLU -> max-pool -> conv2 + ReLU -> max-pool -> (flatten) fc1 + ReLU -> fc2 -> softmax."""
    return [
        Stage("input", (1, 28, 28), "", N_("the drawing, 28 × 28 grey levels from 0 (black) to 1 (white)"),
              t.image[None]),
        Stage("conv1", (32, 26, 26), N_("conv 3×3 + ReLU"),
              N_("32 filters of 3 × 3 slide over the image; ReLU keeps the positive sums"), t.relu1, 32 * (9 + 1)),
        Stage("pool1", (32, 13, 13), N_("max-pool"), N_("each 2 × 2 square keeps its largest value"), t.pooled1),
        Stage("conv2", (64, 11, 11), N_("conv 3×3 + ReLU"),
              N_("64 filters of 32 × 3 × 3, each reading all 32 maps; ReLU"), t.relu2, 64 * (9 * 32 + 1)),
        Stage("pool2", (64, 5, 5), N_("max-pool"),
              N_("2 × 2 squares again; 11 is odd, so the last row and column are dropped"), t.pooled2),
        Stage("fc1", (64,), N_("flatten, fc + ReLU"),
              N_("the 64 × 5 × 5 = 1600 numbers in a row, each unit weighing all of them; ReLU"), t.fc1,
              1600 * 64 + 64),
        Stage("fc2", (10,), N_("fc"), N_("one score per class, each weighing the 64 units"), t.logits, 64 * 10 + 10),
        Stage("softmax", (10,), N_("softmax"), N_("the 10 scores turned into probabilities that add up to 1"),
              t.probabilities),
    ]


def strongest_channel(values: np.ndarray) -> int:
    """The channel whose values vary the most: the one with the most to see, to put in front of a stack."""
    return int(values.reshape(len(values), -1).std(1).argmax())
