"""The tutorial's five parts as the lesson's steps: each opens the page it belongs to, says what it is about in two
sentences, and shows its PyTorch code, generated from the current settings (mnist_demo.network.code)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mnist_demo.messages import N_
from mnist_demo.network.code import model_code, parts
from mnist_demo.train.recipes import TrainConfig


@dataclass(frozen=True)
class Step:
    key: str
    page: str  # the page it opens: "gallery", "model" or "train"
    title: str  # message ids (mnist_demo.messages): each face words them in its language
    explanation: str


STEPS: tuple[Step, ...] = (
    Step("data", "gallery", N_("1. Preparation and the data"),
         N_("MNIST holds 70,000 handwritten digits of 28 × 28 grey pixels: 60,000 to learn from and 10,000 to test "
            "on. torchvision reads them, and the training loop hands them to the network in shuffled batches.")),
    Step("network", "model", N_("2. Building the network"),
         N_("Convolutions find strokes and then parts of digits, pooling shrinks the maps, and fully connected "
            "layers turn what is left into one score per digit. Every layer's output shape and its parameters are "
            "on this page.")),
    Step("training", "train", N_("3. Training"),
         N_("For each batch the network guesses, the cross-entropy loss says how wrong it was, and the optimizer "
            "moves every weight a little downhill. One pass over the training images is an epoch; after each, the "
            "test images measure what it learned.")),
    Step("curves", "train", N_("4. The curves"),
         N_("Accuracy climbs and loss falls, on the training images and on the test images the network never "
            "trained on. When the test curve stops following the training curve, the network has begun to learn "
            "its training images by heart.")),
    Step("layers", "train", N_("5. The layer types"),
         N_("Networks are built from a few kinds of layers: convolution, pooling, fully connected, locally "
            "connected, activations, dropout and batch normalisation. Change the network, watch its shapes and "
            "parameters change, then train it and compare the runs.")),
)


def step_code(step: Step, config: TrainConfig, classes: int = 10,
              translate: Callable[[str], str] = lambda text: text) -> str:
    """The PyTorch code of `step` in the tutorial's style, for the run `config` describes (the teacher's settings)."""
    if step.key == "layers":
        return model_code(config.arch, classes, translate)
    return parts(config, classes, translate)[step.key]
