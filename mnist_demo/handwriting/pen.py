"""Synthetic digits in named handwriting styles, drawn the way people draw on the app's canvas.

MNIST was written by US Census Bureau staff and US high-school students, so it holds few of the forms taught
elsewhere, such as the 1 with a long up-stroke or the slashed zero (docs/styles.md has the sources). Each style
(styles.py) is a few pen strokes on a unit square; `render` draws one with the canvas's look: white
round-capped strokes on black, every control point moved a little, each stroke wobbling as a hand does, the whole
tilted, slanted, stretched, sized and placed at random, so no two drawings are alike.

    img = render(STYLES["7-crossed"], np.random.default_rng(0))           # (280, 280) uint8, as the Draw page gets
    x = as_mnist(STYLES["7-crossed"], np.random.default_rng(0))           # (28, 28) float32, what the network sees
    xs, ys, names = as_mnist_batch(500, seed=0)                           # ~2.6 ms a digit

How much each drawing varies is a `Hand`: CANVAS is how the drawing check draws (the pen widths and sizes people
use on the canvas), TRAINING a wider hand for training data, so that the network does not learn the check's
ranges. Each drawing is made with a device: a pen (smooth), a mouse (the line wobbles) or a finger (less precise).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from mnist_demo.handwriting.styles import JUNK, STYLES, Style, path
from mnist_demo.reading.preprocess import to_mnist

CANVAS = 280  # the Draw page's canvas, px
FAST_SIZE = 140  # to_mnist halves a 280 px picture to 140 px (preprocess.WORK_SIZE) first: drawing there saves that
MARGIN = 0.01  # kept clear at the canvas edges: these drawings test styles, not digits cut off by the edge
STEP = 0.015  # a wobbling stroke is resampled every this share of the unit square before it wobbles


@dataclass(frozen=True)
class Device:
    """What the input device does to a stroke: `precision` scales the control-point jitter and stroke shift (a
    finger is less precise than a pen); `wobble` is a slow drift along the line (1 sigma, unit square)."""

    precision: float
    wobble: float


DEVICES = {"pen": Device(0.8, 0.0), "mouse": Device(1.0, 0.012), "finger": Device(1.5, 0.006)}


@dataclass(frozen=True)
class Hand:
    """The ranges a drawing's random changes are drawn from."""

    size: tuple[float, float] = (0.40, 0.95)  # the ink's longest side as a share of the canvas
    width: tuple[float, float] = (8.0, 32.0)  # pen px on the 280 px canvas, log-uniform: thin and thick equally often
    rotate: float = 10.0  # degrees either way
    slant: tuple[float, float] = (-0.15, 0.30)  # shear; wider to the right (assumed: right-leaning hands commoner)
    stretch: tuple[float, float] = (0.80, 1.20)  # width / height scale
    jitter: float = 0.025  # control-point wobble, share of the unit square (1 sigma)
    stroke_shift: float = 0.015  # each stroke as a whole also moves: separate strokes seldom meet exactly
    devices: tuple[float, float, float] = (1 / 3, 1 / 3, 1 / 3)  # chance of pen, mouse, finger
    max_weight: float = 0.3  # the pen at most this share of the digit's size: heavier, and a 1 and a 7 are blobs


CANVAS_HAND = Hand()  # the drawing check
TRAINING_HAND = Hand(size=(0.35, 1.0), width=(6.0, 40.0), rotate=15.0, slant=(-0.25, 0.40), stretch=(0.70, 1.30),
                     jitter=0.032, stroke_shift=0.022)  # wider everywhere; 6-40 px is the Draw page's pen slider


def _wobble(p: np.ndarray, amount: float, rng: np.random.Generator) -> np.ndarray:
    """Resample a centre line every STEP and add a slow drift of `amount` (1 sigma), as a mouse hand drifts."""
    seg = np.r_[0, np.cumsum(np.hypot(*np.diff(p, axis=0).T))]
    n = max(2, int(seg[-1] / STEP) + 1)
    at = np.linspace(0, seg[-1], n)
    dense = np.column_stack([np.interp(at, seg, p[:, 0]), np.interp(at, seg, p[:, 1])])
    kernel = np.exp(-0.5 * (np.arange(-12, 13) / 5.0) ** 2)
    noise = rng.normal(0, 1, (n + 24, 2))
    drift = np.column_stack([np.convolve(noise[:, k], kernel, "valid") for k in (0, 1)])[:n]
    return dense + drift / (kernel @ kernel) ** 0.5 * amount


def geometry(style: Style, rng: np.random.Generator, hand: Hand = CANVAS_HAND) -> tuple[list[np.ndarray], float,
                                                                                          float]:
    """One drawing's strokes in canvas shares (0-1), its size and its pen width (px on the 280 px canvas).

    Everything random is drawn here, in a fixed order, so the same rng state gives the same drawing at any size."""
    device = DEVICES[("pen", "mouse", "finger")[rng.choice(3, p=hand.devices)]]
    angle = math.radians(rng.uniform(-hand.rotate, hand.rotate))
    slant, stretch = rng.uniform(*hand.slant), rng.uniform(*hand.stretch)
    size = rng.uniform(*hand.size)
    width = min(float(np.exp(rng.uniform(*np.log(hand.width)))), hand.max_weight * size * CANVAS)
    paths = []
    for stroke in style.strokes:
        shift = rng.normal(0, hand.stroke_shift * device.precision, 2)
        ctrl = [np.asarray(pts, dtype=np.float64) + shift + rng.normal(0, hand.jitter * device.precision,
                                                                         (len(pts), 2)) for _, pts in stroke]
        p = path(stroke, iter(ctrl))
        paths.append(_wobble(p, device.wobble, rng) if device.wobble else p)
    allp = np.vstack(paths)
    centre = (allp.min(0) + allp.max(0)) / 2
    c, s = math.cos(angle), math.sin(angle)
    m = np.array([[c, -s], [s, c]]) @ np.array([[stretch, -slant], [0.0, 1.0]])  # slant, stretch, then tilt
    paths = [(p - centre) @ m.T for p in paths]
    allp = np.vstack(paths)
    extent = float((allp.max(0) - allp.min(0)).max())
    pen = width / CANVAS
    scale = max(min(size, 1 - 2 * MARGIN) - pen, 0.05) / max(extent, 1e-6)  # the ink, pen included, spans `size`
    paths = [p * scale for p in paths]
    allp = np.vstack(paths)
    lo, hi = allp.min(0) - pen / 2 - MARGIN, allp.max(0) + pen / 2 + MARGIN
    room = np.clip(1 - (hi - lo), 0, None)
    offset = -lo + rng.uniform(0, 1, 2) * room
    return [p + offset for p in paths], size, width


def draw(paths: list[np.ndarray], width: float, size: int = CANVAS) -> np.ndarray:
    """White round-capped strokes of `width` (280 px units) on black, `size` px square, uint8."""
    img = Image.new("L", (size, size), 0)
    pen = ImageDraw.Draw(img)
    w = max(1.0, width * size / CANVAS)
    r = w / 2
    for p in paths:
        pts = [tuple(q) for q in (p * size).tolist()]
        if len(pts) > 1:
            pen.line(pts, fill=255, width=max(1, round(w)))
        # A disc at every point: round caps and joins. PIL's own joint="curve" is 5x slower, and a thick line of
        # short segments without joins leaves a notched fringe on the outside of every curve.
        for x, y in pts:
            pen.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return np.asarray(img)


def render(style: Style, rng: np.random.Generator, size: int = CANVAS, width: float | None = None,
           hand: Hand = CANVAS_HAND) -> np.ndarray:
    """One drawing of `style` as the Draw page's canvas gives it: (size, size) uint8, white ink on black.

    `width` fixes the pen (px on the 280 px canvas) instead of drawing it from the hand's range; the random draws
    are the same either way, so the same rng state gives the same shape in every width."""
    paths, _, pen = geometry(style, rng, hand)
    return draw(paths, pen if width is None else width, size)


def as_mnist(style: Style, rng: np.random.Generator, size: int = CANVAS, width: float | None = None,
             hand: Hand = CANVAS_HAND) -> np.ndarray:
    """What the network sees of one drawing: render, then the Draw page's own preprocessing (to_mnist)."""
    x = to_mnist(render(style, rng, size, width, hand))
    return np.zeros((28, 28), np.float32) if x is None else x


def pick(styles: Iterable[str] | None = None) -> list[Style]:
    """Styles by name (all when None); a name that is a digit ("7") or "junk" means all of that kind."""
    if styles is None:
        return list(STYLES.values())
    out: list[Style] = []
    for name in styles:
        if name in STYLES:
            out.append(STYLES[name])
        elif name == "junk" or name.isdigit():
            digit = JUNK if name == "junk" else int(name)
            out.extend(s for s in STYLES.values() if s.digit == digit)
        else:
            raise KeyError(f"no style {name!r}; there are {', '.join(STYLES)}")
    return out


def style_rng(seed: int, style: Style) -> np.random.Generator:
    """Each style its own stream: adding a style to the table leaves every other style's drawings unchanged."""
    return np.random.default_rng([seed, zlib.crc32(style.name.encode())])


def iter_samples(n_per_style: int, seed: int = 0, styles: Iterable[str] | None = None, size: int = CANVAS,
                 width: float | None = None, hand: Hand = CANVAS_HAND) -> Iterator[tuple[np.ndarray, int, str]]:
    """(image, label, style name) for n_per_style drawings of each style, style by style, without storing them."""
    for style in pick(styles):
        rng = style_rng(seed, style)
        for _ in range(n_per_style):
            yield render(style, rng, size, width, hand), style.digit, style.name


def sample(n_per_style: int, seed: int = 0, styles: Iterable[str] | None = None, size: int = CANVAS,
           width: float | None = None, hand: Hand = CANVAS_HAND) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Images (N, size, size) uint8, labels (N,) int64 (JUNK for junk) and style names, N = n_per_style x styles.

    A 280 px image is 78 KB: for tens of thousands use iter_samples, or as_mnist_batch for 28 x 28 training data."""
    images, labels, names = [], [], []
    for image, label, name in iter_samples(n_per_style, seed, styles, size, width, hand):
        images.append(image)
        labels.append(label)
        names.append(name)
    return np.stack(images), np.array(labels, dtype=np.int64), names


def as_mnist_batch(n_per_style: int, seed: int = 0, styles: Iterable[str] | None = None, size: int = CANVAS,
                   width: float | None = None, hand: Hand = CANVAS_HAND) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(N, 28, 28) float32 through to_mnist, labels and names: the same drawings as `sample` with the same seed.

    About 2.6 ms a drawing on one core, four fifths of it in to_mnist. size=FAST_SIZE draws at the 140 px that
    to_mnist works at, instead of 280 px that it halves first: the same shapes, shifted by under a pixel at
    28 x 28 (mean |difference| 0.01), for a few percent less time (docs/styles.md)."""
    xs, labels, names = [], [], []
    for style in pick(styles):
        rng = style_rng(seed, style)
        for _ in range(n_per_style):
            xs.append(as_mnist(style, rng, size, width, hand))
            labels.append(style.digit)
            names.append(style.name)
    return np.stack(xs), np.array(labels, dtype=np.int64), names
