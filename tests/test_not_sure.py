"""The Draw page's "not sure": low top probability, or a drawing unlike the digits the network learned."""

import numpy as np
import pytest
from conftest import drawing
from PIL import Image, ImageDraw

from mnist_demo import checkpoint
from mnist_demo.data import load_sample
from mnist_demo.handwriting import drawing_check
from mnist_demo.reading.inference import UNSURE_BELOW, Reading, read
from mnist_demo.reading.preprocess import to_mnist

# The shipped model's figures on the sets below (none of them trained on) are in docs/results.md ("Reading real
# drawings"; `pytest -s` prints them). Floors sit under the figures.
SCRIBBLES_FLOOR, LETTERS_FLOOR, DIGITS_CEILING = 0.75, 0.33, 0.04

LETTERS = {  # capital letters as pen strokes on a unit square
    "A": [[(0.2, 0.9), (0.5, 0.1), (0.8, 0.9)], [(0.32, 0.6), (0.68, 0.6)]],
    "E": [[(0.75, 0.1), (0.25, 0.1), (0.25, 0.9), (0.75, 0.9)], [(0.25, 0.5), (0.65, 0.5)]],
    "F": [[(0.75, 0.1), (0.25, 0.1), (0.25, 0.9)], [(0.25, 0.5), (0.65, 0.5)]],
    "H": [[(0.25, 0.1), (0.25, 0.9)], [(0.75, 0.1), (0.75, 0.9)], [(0.25, 0.5), (0.75, 0.5)]],
    "K": [[(0.25, 0.1), (0.25, 0.9)], [(0.75, 0.1), (0.25, 0.55), (0.75, 0.9)]],
    "M": [[(0.15, 0.9), (0.2, 0.1), (0.5, 0.6), (0.8, 0.1), (0.85, 0.9)]],
    "N": [[(0.25, 0.9), (0.25, 0.1), (0.75, 0.9), (0.75, 0.1)]],
    "R": [[(0.25, 0.9), (0.25, 0.1), (0.65, 0.12), (0.72, 0.3), (0.65, 0.48), (0.25, 0.5), (0.75, 0.9)]],
    "T": [[(0.15, 0.1), (0.85, 0.1)], [(0.5, 0.1), (0.5, 0.9)]],
    "W": [[(0.1, 0.1), (0.3, 0.9), (0.5, 0.4), (0.7, 0.9), (0.9, 0.1)]],
    "X": [[(0.2, 0.1), (0.8, 0.9)], [(0.8, 0.1), (0.2, 0.9)]],
    "Y": [[(0.2, 0.1), (0.5, 0.5), (0.8, 0.1)], [(0.5, 0.5), (0.5, 0.9)]],
}


def pen(strokes, width: int, box=(0.15, 0.15, 0.85, 0.85), size: int = 280) -> Image.Image:
    img = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(img)
    left, top, right, bottom = box
    for stroke in strokes:
        draw.line([(size * (left + x * (right - left)), size * (top + y * (bottom - top))) for x, y in stroke],
                  fill=255, width=width, joint="curve")
    return img


def scribble(rng: np.random.Generator) -> Image.Image:
    points = [tuple(rng.uniform(0.05, 0.95, 2)) for _ in range(int(rng.integers(8, 16)))]
    return pen([points], width=int(rng.integers(12, 24)), box=(0, 0, 1, 1))


@pytest.fixture(scope="module")
def shipped():
    ckpt = checkpoint.load(checkpoint.SHIPPED)
    assert ckpt.feature_stats is not None, "the shipped model carries the statistics that 'not sure' needs"
    return ckpt


def unsure_share(ckpt, images) -> float:
    """The share the Draw page shows as "not sure" (its figures and saliency, which do not change that, left out)."""
    return float(np.mean([not read(ckpt.model, to_mnist(img), ckpt.feature_stats, explain=False).sure
                          for img in images]))


def test_scribbles_and_letters_are_mostly_not_sure(shipped):
    rng = np.random.default_rng(0)
    scribbles = unsure_share(shipped, [scribble(rng) for _ in range(60)])
    letters = unsure_share(shipped, [pen(s, w) for s in LETTERS.values() for w in (14, 22, 30)])
    print(f"not sure: scribbles {scribbles:.0%}, letters {letters:.0%}")
    assert scribbles >= SCRIBBLES_FLOOR and letters >= LETTERS_FLOOR


def test_digits_people_draw_are_read_without_hesitation(shipped):
    sample = load_sample()
    renderings = drawing_check.build(sample.images[:200].numpy(), sample.labels[:200].numpy(), seed=1)
    unsure = unsure_share(shipped, [r.image for r in renderings])
    pen_digits = unsure_share(shipped, [drawing(d, width=w) for d in (0, 1, 4, 7) for w in (14, 22, 30)])
    print(f"not sure: redrawn MNIST digits {unsure:.1%}, pen digits {pen_digits:.0%}")
    assert unsure <= DIGITS_CEILING and pen_digits == 0


def test_the_rule_low_probability_or_far_from_every_digit():
    def reading(top: float, distance: float) -> Reading:
        p = np.full(10, (1 - top) / 9)
        p[3] = top
        return Reading(p, np.zeros((28, 28)), distance, 50.0)

    assert reading(0.95, 10.0).sure and reading(UNSURE_BELOW, 50.0).sure
    assert not reading(UNSURE_BELOW - 0.01, 10.0).sure  # hesitant
    assert not reading(0.999, 50.1).sure and not reading(0.999, 50.1).digit_like  # confident, but not a digit
