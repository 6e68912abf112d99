"""The drawing check: MNIST test digits redrawn the way people draw, read by the project's path."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

from mnist_demo.network import Net
from mnist_demo.reading.inference import is_sure, probabilities, read_many
from mnist_demo.reading.not_sure import FeatureStats
from mnist_demo.reading.preprocess import to_mnist

CANVAS = 280
STROKES = (-6, -3, 0, 0, 5, 10)  # px of erosion (<0) or dilation (>0) on the 280 px canvas


@dataclass(frozen=True)
class Rendering:
    image: Image.Image
    label: int
    size: float
    stroke: int
    angle: float
    dark_ink: bool
    jpeg: bool


def render(digit: np.ndarray, label: int, rng: np.random.Generator) -> Rendering:
    """Draw one 28 x 28 uint8 digit on a 280 x 280 canvas: random size, place, stroke, tilt and polarity."""
    rows, cols = np.nonzero(digit > 30)
    crop = Image.fromarray(digit[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1])
    size = rng.uniform(0.40, 0.95)
    scale = size * CANVAS / max(crop.size)
    big = crop.resize((max(1, round(crop.width * scale)), max(1, round(crop.height * scale))), Image.Resampling.BICUBIC)
    stroke = int(rng.choice(STROKES))
    arr = np.asarray(big, dtype=np.float32)
    if stroke > 0:
        arr = ndimage.grey_dilation(arr, size=(stroke, stroke))
    elif stroke < 0:
        arr = ndimage.grey_erosion(arr, size=(-stroke, -stroke))
    angle = float(rng.uniform(-10, 10))
    big = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).rotate(angle, Image.Resampling.BILINEAR, expand=True)
    big.thumbnail((CANVAS, CANVAS))
    canvas = Image.new("L", (CANVAS, CANVAS), 0)
    canvas.paste(big, (int(rng.integers(0, CANVAS - big.width + 1)), int(rng.integers(0, CANVAS - big.height + 1))))
    ink = np.asarray(canvas, dtype=np.float32) / 255
    dark_ink = bool(rng.random() < 0.5)
    if dark_ink:
        paper, pen = rng.uniform(0.75, 1.0), rng.uniform(0.0, 0.3)
    else:
        paper, pen = rng.uniform(0.0, 0.1), rng.uniform(0.8, 1.0)
    gray = paper + (pen - paper) * ink + rng.normal(0, 0.02, ink.shape)
    image = Image.fromarray(np.clip(gray * 255, 0, 255).astype(np.uint8))
    jpeg = bool(rng.random() < 0.3)
    if jpeg:
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=int(rng.integers(50, 90)))
        image = Image.open(io.BytesIO(buf.getvalue()))
        image.load()
    return Rendering(image, int(label), size, stroke, angle, dark_ink, jpeg)


def build(digits: np.ndarray, labels: np.ndarray, seed: int = 0) -> list[Rendering]:
    rng = np.random.default_rng(seed)
    return [render(d, int(y), rng) for d, y in zip(digits, labels)]


def plain_resize(image: Image.Image) -> np.ndarray:
    """The naive path, for contrast: the whole picture squeezed to 28 x 28."""
    return np.asarray(image.convert("L").resize((28, 28), Image.Resampling.BILINEAR), dtype=np.float32) / 255


def blank() -> np.ndarray:
    return np.zeros((28, 28), dtype=np.float32)


@dataclass
class Score:
    project: float  # read right by the project's path (crop, 20 px box, centre of mass)
    plain: float  # read right after a plain resize, for contrast
    n: int
    wrong_sure: float | None = None  # read wrongly, yet shown as sure (not "not sure"): needs feature statistics
    unsure: float | None = None  # "not sure", right or wrong


def score(model: Net, renderings: list[Rendering], stats: FeatureStats | None = None) -> Score:
    """Accuracy of the project's preprocessing and of plain resizing on the same renderings; with the model's
    feature statistics, also the shares the Draw page would show wrongly as sure, and as "not sure"."""
    labels = np.array([r.label for r in renderings])
    ours = np.stack([x if (x := to_mnist(r.image)) is not None else blank() for r in renderings])
    plain = np.stack([plain_resize(r.image) for r in renderings])
    probs, dist = read_many(model, ours, stats)
    right = probs.argmax(1) == labels
    score = Score(float(right.mean()), float((probabilities(model, plain).argmax(1) == labels).mean()), len(labels))
    if stats is not None:
        sure = is_sure(probs.max(1), dist, stats.threshold)
        score.wrong_sure, score.unsure = float((sure & ~right).mean()), float((~sure).mean())
    return score
