"""The style drawings mixed into training: drawn apart from the checks, kept on disk, swapped in digit for digit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import drawing
from scipy import ndimage

from mnist_demo import handwriting, paths
from mnist_demo.data import Split, to_float
from mnist_demo.handwriting import pools, redrawn
from mnist_demo.network import CNN
from mnist_demo.reading.preprocess import to_mnist
from mnist_demo.train import augment
from mnist_demo.train.step import Step


@pytest.fixture
def small_pool(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path))
    monkeypatch.setattr(pools, "_loaded", {})
    return pools.load(per_style=3, seed=5)


def test_the_pool_is_every_digit_style_drawn_with_the_training_hand_and_kept_on_disk(small_pool, tmp_path):
    n = 3 * sum(pools.MORE.get(name, 1) for name in pools.digit_styles())  # the hardest styles: more
    assert small_pool.images.shape == (n, 28, 28) and small_pool.images.dtype == torch.uint8
    assert small_pool.count.sum() == n and (small_pool.count > 0).all()
    assert small_pool.count[0] == 3 * (1 + 2 + 2)  # 0-plain once; the slashed and the dotted zero twice
    assert small_pool.labels.tolist() == sorted(small_pool.labels.tolist())  # sorted by digit: start/count index it
    for d in range(10):
        at = slice(int(small_pool.start[d]), int(small_pool.start[d] + small_pool.count[d]))
        assert (small_pool.labels[at] == d).all()
    assert pools.cache_path(3, 5).is_file() and str(pools.cache_path(3, 5)).startswith(str(tmp_path))
    want, _, _ = handwriting.as_mnist_batch(3, 5, ["0-slashed"], hand=handwriting.TRAINING_HAND)
    assert any(np.abs(img.numpy() / 255 - want[0]).max() < 0.01 for img in small_pool.images[: small_pool.count[0]])
    pools._loaded.clear()  # a second process reads the file instead of drawing again
    again = pools.load(per_style=3, seed=5)
    assert torch.equal(again.images, small_pool.images)


def test_the_pool_is_named_after_what_shapes_it():
    assert pools.key(3, 5) == pools.key(3, 5)
    assert len({pools.key(3, 5), pools.key(4, 5), pools.key(3, 6)}) == 3


def test_swapping_keeps_every_label_right(small_pool):
    labels = torch.arange(10).repeat(40)
    x = torch.zeros(len(labels), 1, 28, 28)
    out, swapped = pools.swap_in(x, labels, 0.5, torch.Generator().manual_seed(0), small_pool)
    assert torch.equal(swapped, out.flatten(1).amax(1) > 0)  # the rows it says it replaced, and only those
    assert 0.35 < swapped.float().mean() < 0.65
    pool_of = {d: small_pool.images[small_pool.labels == d].float() / 255 for d in range(10)}
    for img, d in zip(out[swapped], labels[swapped]):  # each swapped image is a drawing of its own digit
        assert (pool_of[int(d)] - img[0]).abs().flatten(1).amax(1).min() < 1e-6


def test_as_drawn_shows_a_batch_as_the_draw_pages_preprocessing_does():
    rng = np.random.default_rng(0)
    digits = np.stack([to_mnist(drawing(d, width=int(w), box=tuple(b)))
                       for d, w, b in zip([0, 1, 4, 7] * 3, rng.integers(10, 30, 12),
                                          rng.uniform([0, 0, 0.6, 0.6], [0.3, 0.3, 1, 1], (12, 4)))])
    x = torch.from_numpy(digits).unsqueeze(1)
    g = torch.Generator().manual_seed(0)
    moved = augment.random_affine(augment.random_stroke(x, g, p=0.5), g, scale=(0.7, 1.2), shift=0.15)
    want = np.stack([to_mnist(img[0].numpy()) for img in moved])
    got = augment.as_drawn(moved)[:, 0].numpy()
    assert np.abs(moved[:, 0].numpy() - want).mean() > 0.05  # shifted and scaled: not what to_mnist gives...
    assert np.abs(got - want).mean() < 0.02  # ...until as_drawn brings it back
    for img in got:
        cy, cx = ndimage.center_of_mass(img)
        assert abs(cy - 14) < 0.3 and abs(cx - 14) < 0.3
    assert torch.equal(augment.as_drawn(torch.zeros(2, 1, 28, 28)), torch.zeros(2, 1, 28, 28))  # blank stays blank


def test_styles_augmentation_without_digits_swaps_nothing_in():
    x = torch.rand(8, 1, 28, 28) * (torch.rand(8, 1, 28, 28) > 0.8)
    y = torch.arange(8)
    fashion = Split("fashion-mnist", True, torch.zeros(8, 28, 28, dtype=torch.uint8), y)
    both, _ = augment.augment(x, y, "both", torch.Generator().manual_seed(1), fashion)
    styled, labels = augment.augment(x, y, "styles", torch.Generator().manual_seed(1), fashion)  # no digits
    same = (styled == both).flatten(1).all(1)
    assert same.any() and not same.all()  # the half shown as drawn differs, the rest is "both" exactly
    assert torch.equal(labels, y)  # and no junk rows: another dataset's classes are no digits


@pytest.fixture
def small_mnist(small_pool, monkeypatch):
    monkeypatch.setattr(pools, "PER_STYLE", 3)  # the pools augment() loads: small_pool's, and 4 junk a shape
    monkeypatch.setattr(pools, "SEED", 5)
    monkeypatch.setattr(pools, "JUNK_PER_STYLE", 4)
    monkeypatch.setattr(redrawn, "_loaded", {})
    images = (torch.rand(40, 28, 28) > 0.7).to(torch.uint8) * 255
    return Split("mnist", True, images, torch.arange(10).repeat(4))


def test_styles_adds_junk_rows_labelled_no_digit(small_mnist):
    junk = pools.load_junk()
    assert junk.shape == (4 * len(pools.junk_styles()), 28, 28)
    x, y = to_float(small_mnist.images[:20]), small_mnist.labels[:20]
    out, labels = augment.augment(x, y, "styles", torch.Generator().manual_seed(0), small_mnist)
    assert out.shape == (22, 1, 28, 28) and torch.equal(labels[:20], y)
    assert (labels[20:] == augment.NO_DIGIT).all()  # 10 % of the batch: two junk shapes, with no digit
    grown = augment.trained_on(small_mnist, "styles")  # the "not sure" statistics see what training saw
    assert len(grown) == 40 + len(pools.load().labels) + 40 and set(grown.labels.tolist()) == set(range(10))
    assert augment.trained_on(small_mnist, "both") is small_mnist


def test_style_drawings_keep_their_own_tilt_and_only_mnist_digits_are_turned(small_mnist, monkeypatch):
    """A style drawing is tilted and slanted by its hand already: turning it again makes flag 1s into 7s."""
    monkeypatch.setattr(augment, "DRAWN_SHARE", 0.0)
    monkeypatch.setattr(augment, "random_stroke", lambda x, generator=None: x)  # leave the affine change alone
    pool = pools.load().images.float() / 255
    x, y = to_float(small_mnist.images), small_mnist.labels
    out, _, marked = augment.augment_marked(x, y, "styles", torch.Generator().manual_seed(0), small_mnist)
    from_pool = torch.tensor([(pool - img[0]).abs().flatten(1).amax(1).min() < 1e-6 for img in out[:40]])
    assert 4 <= from_pool.sum() <= 20  # about STYLE_SHARE x (1 - REDRAWN_SHARE) of 40, untouched
    kept = (out[:40] == x).flatten(1).all(1)
    assert not kept[~from_pool].any()  # every other digit was turned, shifted or scaled
    # the mark that distillation reads (step.py): the style drawings, and neither digits nor junk
    assert torch.equal(marked[:40], from_pool) and not marked[40:].any()


def test_junk_rows_are_pushed_to_equal_odds_and_left_out_of_the_report():
    x = torch.rand(12, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    y = torch.tensor([3, 1, 4, 1, 5, 9, 2, 6] + [augment.NO_DIGIT] * 4)

    def trained(junk: bool) -> CNN:
        torch.manual_seed(0)
        model = CNN()
        step = Step(model, torch.optim.Adam(model.parameters(), 1e-3), torch.device("cpu"), junk=junk)
        with torch.no_grad():
            want = F.cross_entropy(model(x[:8]), y[:8])
            step.forward(x, y)
        assert torch.isclose(step.loss_sum, want)  # the tutorial's loss counts the digits only
        for _ in range(60):
            step(x, y)
        return model

    tops = {}
    for junk in (True, False):
        model = trained(junk)
        with torch.no_grad():
            assert (model(x[:8]).argmax(1) == y[:8]).all()  # the digits are learned either way
            tops[junk] = torch.softmax(model(x[8:]), 1).max(1).values
    assert (tops[True] < 0.3).all()  # no class stands out for a junk shape: the app says "not sure"
    assert tops[False].mean() > tops[True].mean() + 0.1  # left out of the loss, junk leans to some digit
