"""Synthetic handwriting styles: every style draws, the same seed draws the same, and to_mnist reads them."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from mnist_demo import handwriting
from mnist_demo.handwriting import CANVAS, JUNK, STYLES, pen
from mnist_demo.reading.preprocess import to_mnist

ASKED_FOR = ["1-flag", "1-base", "0-slashed", "0-dotted", "7-crossed", "7-hooked", "4-open", "4-closed", "9-straight",
             "9-curved", "2-loop", "2-plain", "3-flat-top", "8-two-loops", "8-plain"]


def test_the_table_covers_every_digit_the_issue_and_junk():
    digits = {s.digit for s in STYLES.values()}
    assert digits == set(range(10)) | {JUNK}
    assert all(name in STYLES for name in ASKED_FOR)
    assert {handwriting.PLAIN[d] for d in range(10)} <= set(STYLES)
    assert sum(s.digit == JUNK for s in STYLES.values()) >= 5
    for name, style in STYLES.items():
        assert style.name == name and style.description and style.strokes
        assert name.startswith("junk-" if style.digit == JUNK else f"{style.digit}-")
        for path in style.polylines:  # the undisturbed strokes stay on the unit square
            assert path.ndim == 2 and path.shape[1] == 2 and len(path) >= 2
            assert path.min() >= 0 and path.max() <= 1


@pytest.mark.parametrize("name", list(STYLES))
def test_every_style_draws_a_canvas_like_image_inside_the_canvas(name):
    rng = np.random.default_rng(0)
    for _ in range(3):
        img = handwriting.render(STYLES[name], rng)
        assert img.shape == (CANVAS, CANVAS) and img.dtype == np.uint8
        assert set(np.unique(img)) <= {0, 255}  # white ink on black, as the canvas is
        rows, cols = np.nonzero(img)
        assert len(rows) > 200
        extent = max(rows.max() - rows.min(), cols.max() - cols.min()) + 1
        assert 0.35 * CANVAS <= extent <= 0.97 * CANVAS  # the drawing is 40-95 % of the canvas
        frame = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
        assert frame.max() == 0  # nothing cut off at an edge


def test_the_same_seed_draws_the_same_and_another_seed_does_not():
    style = STYLES["7-crossed"]
    a = handwriting.render(style, np.random.default_rng(3))
    assert np.array_equal(a, handwriting.render(style, np.random.default_rng(3)))
    assert not np.array_equal(a, handwriting.render(style, np.random.default_rng(4)))
    x1, y1, n1 = handwriting.sample(2, seed=5, styles=["7"])
    x2, y2, n2 = handwriting.sample(2, seed=5, styles=["7"])
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2) and n1 == n2


def test_a_style_draws_the_same_whichever_other_styles_are_asked_for():
    alone, _, _ = handwriting.sample(3, seed=1, styles=["0-slashed"])
    among, _, names = handwriting.sample(3, seed=1, styles=["0", "7-plain"])
    assert np.array_equal(alone, among[[i for i, n in enumerate(names) if n == "0-slashed"]])


def test_width_fixes_the_pen_without_changing_the_shape():
    style = STYLES["4-open"]
    thin = handwriting.render(style, np.random.default_rng(2), width=8)
    thick = handwriting.render(style, np.random.default_rng(2), width=32)
    assert (thick > 0).sum() > 2.5 * (thin > 0).sum()
    assert np.all(thick[thin > 0] > 0)  # the thin drawing lies inside the thick one: same path


def test_sample_gives_images_labels_and_names():
    images, labels, names = handwriting.sample(2, seed=0, styles=["1", "junk-line"])
    ones = [s.name for s in STYLES.values() if s.digit == 1]
    assert images.shape == (2 * (len(ones) + 1), CANVAS, CANVAS) and images.dtype == np.uint8
    assert labels.dtype == np.int64 and list(labels) == [1] * 2 * len(ones) + [JUNK] * 2
    assert names == [n for n in ones for _ in range(2)] + ["junk-line"] * 2
    with pytest.raises(KeyError, match="no style"):
        handwriting.sample(1, styles=["7-fancy"])


@pytest.mark.parametrize("name", list(STYLES))
def test_to_mnist_reads_every_style_to_a_centred_28_by_28_digit(name):
    x = handwriting.as_mnist(STYLES[name], np.random.default_rng(1))
    assert x.shape == (28, 28) and x.dtype == np.float32
    assert 0 <= x.min() and x.max() <= 1 and x.max() > 0.5
    cy, cx = ndimage.center_of_mass(x)
    assert abs(cy - 14) < 1 and abs(cx - 14) < 1  # MNIST's centring, as the Draw page does it
    rows, cols = np.nonzero(x > 0.1)
    assert 17 <= max(rows.max() - rows.min(), cols.max() - cols.min()) + 1 <= 23  # the 20 px box


def test_the_batch_path_is_render_then_to_mnist_and_the_fast_size_nearly_the_same():
    xs, labels, names = handwriting.as_mnist_batch(4, seed=2, styles=["2", "junk-star"])
    images, labels2, names2 = handwriting.sample(4, seed=2, styles=["2", "junk-star"])
    assert xs.shape == (len(images), 28, 28) and xs.dtype == np.float32
    assert np.array_equal(labels, labels2) and names == names2
    assert np.allclose(xs, np.stack([to_mnist(i) for i in images]))
    fast, _, _ = handwriting.as_mnist_batch(4, seed=2, styles=["2", "junk-star"], size=handwriting.FAST_SIZE)
    assert np.abs(fast - xs).mean() < 0.03  # the same shapes, shifted by under a pixel


def test_training_draws_with_a_wider_hand_than_the_checks():
    check, train = handwriting.CANVAS_HAND, handwriting.TRAINING_HAND
    for lo_hi in ("size", "width", "slant", "stretch"):
        (a, b), (c, d) = getattr(check, lo_hi), getattr(train, lo_hi)
        assert c <= a and d >= b and (c, d) != (a, b), lo_hi
    assert train.rotate > check.rotate and train.jitter > check.jitter and train.stroke_shift > check.stroke_shift
    assert train.width == (6.0, 40.0)  # the Draw page's pen slider


def test_every_device_draws_and_a_mouse_wobbles():
    style = STYLES["1-plain"]  # one straight stroke: any bend is the hand's
    rng = np.random.default_rng(0)
    bends = {}
    for name, device in handwriting.DEVICES.items():
        p = pen._wobble(style.polylines[0], device.wobble, rng) if device.wobble else style.polylines[0]
        chord = p[-1] - p[0]
        rel = p - p[0]
        off = np.abs(chord[0] * rel[:, 1] - chord[1] * rel[:, 0]) / np.linalg.norm(chord)  # distance from the chord
        bends[name] = off.max()
    assert bends["pen"] < 1e-9 < bends["finger"] < bends["mouse"] < 0.08


def test_a_pen_too_heavy_for_a_small_digit_is_kept_lighter():
    hand = handwriting.Hand(size=(0.35, 0.35), width=(40.0, 40.0))
    _, size, width = handwriting.geometry(STYLES["7-plain"], np.random.default_rng(0), hand)
    assert width == pytest.approx(hand.max_weight * size * CANVAS)
