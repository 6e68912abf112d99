"""The network as a row of tensors, in the order it is written, each with its shape as PyTorch prints it (channels x
height x width), what makes it, and one image's real values in it: what the Model page draws to scale.

A convolution, locally connected or fully connected layer is one stage with the batch normalisation and the
activation right after it ("conv 3×3 + ReLU"), as the tutorial draws its network. Every text is a message id with
its parameters (mnist_demo.messages): the page words it in its language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mnist_demo.insight.forward import Trace
from mnist_demo.messages import N_, Message
from mnist_demo.network.spec import ACTIVATIONS, Layer

TIMES = " × "
ACTIVATION_NAMES = {"relu": N_("ReLU"), "sigmoid": N_("sigmoid"), "tanh": N_("tanh")}


@dataclass(frozen=True)
class Step:
    """A stage of the network without values: what the Model page and the Train page's editor describe."""

    name: str
    shape: tuple[int, ...]  # (C, H, W) for feature maps, (N,) for vectors
    op: tuple[Message, ...]  # the operations that make it from the stage before ("conv 3×3", "ReLU"); () for input
    made_by: tuple[Message, ...]  # the same in a sentence or two
    parameters: int = 0
    last: int = -1  # index of the last layer it covers (its values are that layer's output)

    @property
    def label(self) -> str:
        return shape_text(self.shape)


@dataclass(frozen=True)
class Stage(Step):
    values: np.ndarray = field(default_factory=lambda: np.zeros(0))  # this image's values, of `shape`


def shape_text(shape: tuple[int, ...]) -> str:
    """(32, 26, 26) -> "32 × 26 × 26": PyTorch's order, one notation everywhere."""
    return TIMES.join(str(d) for d in shape)


def _op(layer: Layer, flattened: bool) -> Message:
    b = layer.block
    if b.kind == "conv":
        return Message(N_("conv {k}×{k}"), k=b.kernel)
    if b.kind == "local":
        return Message(N_("locally connected {k}×{k}"), k=b.kernel)
    if b.kind == "maxpool":
        return Message(N_("max-pool {k}×{k}"), k=b.size)
    if b.kind == "avgpool":
        return Message(N_("average-pool {k}×{k}"), k=b.size)
    if b.kind == "fc":
        return Message(N_("flatten, fc")) if flattened else Message(N_("fc"))
    if b.kind == "bn":
        return Message(N_("BatchNorm"))
    if b.kind == "dropout":
        return Message(N_("dropout {p}"), p=f"{b.rate:g}")
    return Message(ACTIVATION_NAMES[b.kind])


def _made_by(layer: Layer, last: bool, flattened: bool) -> Message:
    b, shape = layer.block, layer.input_shape
    if b.kind == "conv":
        return Message(N_("{c} filters of {cin} × {k} × {k} slide over the {cin} maps before, each adding up its "
                          "window times its weights plus a bias"), c=b.size, cin=shape[0], k=b.kernel)
    if b.kind == "local":
        return Message(N_("{c} maps from windows of {cin} × {k} × {k}, with other weights at each of the {p} "
                          "positions"), c=b.size, cin=shape[0], k=b.kernel, p=layer.output_shape[1] ** 2)
    if b.kind == "maxpool":
        return Message(N_("each {k} × {k} square keeps its largest value"), k=b.size)
    if b.kind == "avgpool":
        return Message(N_("each {k} × {k} square becomes the mean of its values"), k=b.size)
    if b.kind == "fc":
        width = shape[0] * shape[1] * shape[2] if len(shape) == 3 else shape[0]
        if last:
            return Message(N_("one score per class, each weighing the {n} numbers before it"), n=width)
        if flattened:
            return Message(N_("the {shape} = {n} numbers in a row, each of {units} units weighing all of them"),
                           shape=shape_text(shape), n=width, units=b.size)
        return Message(N_("{units} units, each weighing all {n} numbers before it"), units=b.size, n=width)
    if b.kind == "bn":
        return Message(N_("each channel set to mean 0 and spread 1 over the batch, then scaled and shifted by two "
                          "learned numbers"))
    if b.kind == "dropout":
        return Message(N_("in training, a share of {p} of the numbers is set to 0 at random; when it reads, nothing "
                          "is dropped"), p=f"{b.rate:g}")
    return Message(N_("{name} on every number"), name=Message(ACTIVATION_NAMES[b.kind]))


def steps(layers: list[Layer] | tuple[Layer, ...], classes: int = 10) -> list[Step]:
    """input -> one stage per layer, a convolution or fc with its BatchNorm and activation -> softmax."""
    rows = [Step("input", (1, 28, 28), (), (Message(N_("the drawing, 28 × 28 grey levels from 0 (black) to 1 "
                                                       "(white)")),))]
    i = 0
    while i < len(layers):
        layer = layers[i]
        flattened = layer.kind == "fc" and len(layer.input_shape) == 3
        covered = [layer]
        if layer.kind in ("conv", "local", "fc"):
            while i + len(covered) < len(layers) and layers[i + len(covered)].kind in ("bn", *ACTIVATIONS):
                covered.append(layers[i + len(covered)])
        last = i + len(covered) - 1
        rows.append(Step(layer.name, covered[-1].output_shape,
                         tuple(_op(c, flattened) for c in covered),
                         tuple(_made_by(c, last == len(layers) - 1, flattened) for c in covered),
                         sum(c.parameters for c in covered), last))
        i = last + 1
    rows.append(Step("softmax", (classes,), (Message(N_("softmax")),),
                     (Message(N_("the {n} scores turned into probabilities that add up to 1"), n=classes),),
                     0, len(layers) - 1))
    return rows


def stages(t: Trace) -> list[Stage]:
    """`steps` with one image's values in each stage (the Model page's picture)."""
    out = []
    for step in steps(t.layers, len(t.probabilities)):
        if step.name == "input":
            values = t.image[None]
        elif step.name == "softmax":
            values = t.probabilities
        else:
            values = t.outputs[step.last]
        out.append(Stage(step.name, step.shape, step.op, step.made_by, step.parameters, step.last, values))
    return out


def strongest_channel(values: np.ndarray) -> int:
    """The channel whose values vary the most: the one with the most to see, to put in front of a stack."""
    return int(values.reshape(len(values), -1).std(1).argmax())
