"""A network as text: the blocks the tutorial's part 5 names, written one word each, and the plan they make.

    conv32:3 relu maxpool2 conv64:3 relu maxpool2 fc64 relu fc10      # the tutorial's network

`convC:K` a convolution (C output channels, a K x K kernel, stride 1, no padding), `localC:K` the same with
its own weights at every position (a locally connected layer), `maxpoolK` / `avgpoolK`, `relu`, `sigmoid`,
`tanh`, `bn` (batch normalisation), `dropoutP` (P a rate such as 0.25), `fcN` (a fully connected layer of N
units). A flatten is implied before the first `fcN`; the last block is `fcN` with one output per class.

`plan` walks a stack from the 1 x 28 x 28 input, computing every layer's output shape and parameter count without
building anything (the Train page redraws it at every keystroke), and refuses a stack that cannot work with one
ArchitectureError naming the block: the page and the CLI show that sentence before any training.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mnist_demo.errors import ArchitectureError
from mnist_demo.messages import N_

TUTORIAL = "conv32:3 relu maxpool2 conv64:3 relu maxpool2 fc64 relu fc10"
PRESETS = {  # name -> SPEC; what the Train page offers a teacher
    "tutorial": TUTORIAL,
    "fc-only": "fc128 relu fc64 relu fc10",
    "tiny": "conv8:3 relu maxpool2 fc10",
    "lenet5": "conv6:5 tanh avgpool2 conv16:5 tanh avgpool2 fc120 tanh fc84 tanh fc10",
    "tutorial-bn-dropout": "conv32:3 bn relu maxpool2 conv64:3 bn relu maxpool2 dropout0.25 fc64 relu dropout0.5 fc10",
    "local-first": "local32:3 relu maxpool2 conv64:3 relu maxpool2 fc64 relu fc10",
}
PRESET_NAMES = {"tutorial": N_("The tutorial's"), "fc-only": N_("No convolution"), "tiny": N_("Tiny"),
                "lenet5": N_("LeNet-5"), "tutorial-bn-dropout": N_("The tutorial's with BatchNorm and Dropout"),
                "local-first": N_("Locally connected first")}  # what people call the presets
INPUT = (1, 28, 28)
TUTORIAL_PARAMETERS = 121_930
MAX_PARAMETERS = 5_000_000  # a classroom laptop trains a few million in minutes per epoch; more is no demo
MAX_BLOCKS = 40
MAX_WIDTH = 4096  # channels of a convolution, units of a fully connected layer
ACTIVATIONS = ("relu", "sigmoid", "tanh")
IMAGE_ONLY = ("conv", "local", "maxpool", "avgpool")

_PATTERNS = {
    "conv": re.compile(r"conv(\d+):(\d+)"),
    "local": re.compile(r"local(\d+):(\d+)"),
    "maxpool": re.compile(r"maxpool(\d+)"),
    "avgpool": re.compile(r"avgpool(\d+)"),
    "dropout": re.compile(r"dropout(\d*\.?\d+)"),
    "fc": re.compile(r"fc(\d+)"),
}


@dataclass(frozen=True)
class Block:
    """One word of a SPEC."""

    kind: str  # conv | local | maxpool | avgpool | relu | sigmoid | tanh | bn | dropout | fc
    size: int = 0  # output channels (conv, local), units (fc), window (pools)
    kernel: int = 0  # conv, local
    rate: float = 0.0  # dropout

    @property
    def text(self) -> str:
        if self.kind in ("conv", "local"):
            return f"{self.kind}{self.size}:{self.kernel}"
        if self.kind in ("maxpool", "avgpool", "fc"):
            return f"{self.kind}{self.size}"
        if self.kind == "dropout":
            return f"dropout{self.rate:g}"
        return self.kind


@dataclass(frozen=True)
class Layer:
    """A block in place: its name in the network (conv1, pool2, fc1...), what it reads and makes."""

    name: str
    block: Block
    input_shape: tuple[int, ...]  # (C, H, W) for images, (N,) after the flatten
    output_shape: tuple[int, ...]
    parameters: int

    @property
    def kind(self) -> str:
        return self.block.kind


def _block(word: str, position: int) -> Block:
    if word in (*ACTIVATIONS, "bn"):
        return Block(word)
    for kind, pattern in _PATTERNS.items():
        found = pattern.fullmatch(word)
        if not found:
            continue
        if kind in ("conv", "local"):
            return Block(kind, int(found.group(1)), int(found.group(2)))
        if kind == "dropout":
            return Block(kind, rate=float(found.group(1)))
        return Block(kind, int(found.group(1)))
    raise ArchitectureError(N_("Block {n} ({word}) is not a block: use convC:K, localC:K, maxpoolK, avgpoolK, relu, "
                            "sigmoid, tanh, bn, dropoutP or fcN."), n=position, word=word[:20])


def parse(spec: str) -> list[Block]:
    """The blocks of a SPEC (or of a preset's name); ArchitectureError naming the first word that is no block."""
    text = PRESETS.get(spec.strip(), spec)
    words = text.lower().split()
    if not words:
        raise ArchitectureError(N_("The network is empty: give at least one block, such as fc10."))
    if len(words) > MAX_BLOCKS:
        raise ArchitectureError(N_("The network has {count} blocks; at most {most} fit a lesson."), count=len(words),
                                most=MAX_BLOCKS)
    return [_block(word, i) for i, word in enumerate(words, start=1)]


def canonical(spec: str) -> str:
    """The SPEC as the page shows it: one space between blocks, numbers as written by `Block.text`."""
    return " ".join(b.text for b in parse(spec))


def preset_of(arch: str) -> str | None:
    """The preset a SPEC is, if any."""
    text = canonical(arch)
    return next((name for name, spec in PRESETS.items() if canonical(spec) == text), None)


def _image(shape: tuple[int, ...]) -> bool:
    return len(shape) == 3


def plan(spec: str | list[Block], classes: int = 10) -> list[Layer]:
    """Every layer of the stack with its shapes and parameters; ArchitectureError at the first block that cannot
    work, naming it (block number and word) and why, in one sentence."""
    blocks = parse(spec) if isinstance(spec, str) else list(spec)
    if not blocks:
        raise ArchitectureError(N_("The network is empty: give at least one block, such as fc10."))
    shape: tuple[int, ...] = INPUT
    counts: dict[str, int] = {}
    layers: list[Layer] = []
    total = 0
    for n, block in enumerate(blocks, start=1):
        word, kind = block.text, block.kind
        if kind in IMAGE_ONLY and not _image(shape):
            raise ArchitectureError(N_("Block {n} ({word}) comes after a fully connected layer: a convolution or a "
                                    "pooling needs an image, and after fc there is only a row of numbers. Move it "
                                    "before the first fc."), n=n, word=word)
        if kind in ("conv", "local", "fc") and not 1 <= block.size <= MAX_WIDTH:
            raise ArchitectureError(N_("Block {n} ({word}) asks for {size} outputs; use 1 to {most}."), n=n, word=word,
                                    size=block.size, most=MAX_WIDTH)
        if kind == "dropout" and not 0 <= block.rate < 1:
            raise ArchitectureError(N_("Block {n} ({word}) drops a share of {rate:g}; use a rate from 0 to below 1, "
                                    "such as 0.25."), n=n, word=word, rate=block.rate)
        if kind in ("conv", "local", "maxpool", "avgpool"):
            window = block.kernel if kind in ("conv", "local") else block.size
            side = shape[1] - window + 1 if kind in ("conv", "local") else shape[1] // max(window, 1)
            if window < 1 or side < 1:
                raise ArchitectureError(N_("Block {n} ({word}) shrinks the {h} x {w} image to nothing: use a smaller "
                                        "window, or fewer poolings before it."), n=n, word=word, h=shape[1],
                                        w=shape[2])
            channels = block.size if kind in ("conv", "local") else shape[0]
            out: tuple[int, ...] = (channels, side, side)
            if kind == "conv":
                params = block.size * (shape[0] * window * window + 1)
            elif kind == "local":
                params = side * side * block.size * (shape[0] * window * window + 1)
            else:
                params = 0
        elif kind == "fc":
            width = shape[0] * shape[1] * shape[2] if _image(shape) else shape[0]
            out, params = (block.size,), block.size * (width + 1)
        elif kind == "bn":
            out, params = shape, 2 * shape[0]
        else:  # activations and dropout
            out, params = shape, 0
        key = "pool" if kind in ("maxpool", "avgpool") else kind
        counts[key] = counts.get(key, 0) + 1
        layers.append(Layer(f"{'drop' if key == 'dropout' else key}{counts[key]}", block, shape, out, params))
        shape, total = out, total + params
        if total > MAX_PARAMETERS:
            raise ArchitectureError(N_("Block {n} ({word}) brings the network to {count:,} parameters, more than a "
                                    "classroom machine trains in a lesson ({most:,}): use fewer channels or units, or "
                                    "pool before it."), n=n, word=word, count=total, most=MAX_PARAMETERS)
    last = blocks[-1]
    if last.kind != "fc" or last.size != classes:
        raise ArchitectureError(N_("The last block is {word}; a network for {classes} classes ends with fc{classes}, "
                                "one score per class."), word=last.text, classes=classes)
    return layers


def parameters(layers: list[Layer]) -> int:
    return sum(layer.parameters for layer in layers)


def hidden_width(layers: list[Layer]) -> int:
    """How many numbers the last layer decides from (fc64's 64 in the tutorial's network)."""
    shape = layers[-1].input_shape
    return shape[0] * shape[1] * shape[2] if len(shape) == 3 else shape[0]
