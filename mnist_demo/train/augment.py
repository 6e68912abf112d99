"""Batched augmentation on the training device: the ways people draw digits differently."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

if TYPE_CHECKING:
    from mnist_demo.data import Split

AUGMENTATIONS = ("none", "affine", "stroke", "both", "styles")
STYLE_SHARE = 0.3  # "styles": share of each batch swapped for drawings in the world's handwriting styles
REDRAWN_SHARE = 0.25  # "styles": share swapped for training digits redrawn as people's pictures
DRAWN_SHARE = 0.35  # "styles": share of each batch shown as the Draw page's preprocessing would show it
JUNK_SHARE = 0.1  # "styles": junk shapes added to each batch, this share of its size, labelled NO_DIGIT
NO_DIGIT = -100  # the label of a shape that is no digit: the loss asks for equal odds on every class (step.py)


def random_affine(
    x: torch.Tensor,
    generator: torch.Generator | None = None,
    degrees: float = 12.0,
    scale: tuple[float, float] = (0.85, 1.1),
    shift: float = 0.1,
) -> torch.Tensor:
    """Rotate, scale and shift (as a share of the width) each image of a (N, 1, H, W) batch by its own amount."""
    n = x.shape[0]
    r = torch.rand(n, 4, generator=generator).to(x.device)
    angle = (r[:, 0] * 2 - 1) * math.radians(degrees)
    s = scale[0] + r[:, 1] * (scale[1] - scale[0])
    tx, ty = (r[:, 2] * 2 - 1) * shift * 2, (r[:, 3] * 2 - 1) * shift * 2
    cos, sin = torch.cos(angle) / s, torch.sin(angle) / s
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")


def random_stroke(x: torch.Tensor, generator: torch.Generator | None = None, p: float = 0.25) -> torch.Tensor:
    """Thicken (grey dilation) a share p of the images and thin (grey erosion) another share p."""
    r = torch.rand(x.shape[0], generator=generator).to(x.device).view(-1, 1, 1, 1)
    thick = F.max_pool2d(x, 3, stride=1, padding=1)
    thin = F.pad(-F.max_pool2d(-x, 2, stride=1), (0, 1, 0, 1))
    thin = thin / thin.amax((2, 3), keepdim=True).clamp(min=1e-3)
    return torch.where(r < p, thick, torch.where(r > 1 - p, thin, x))


def as_drawn(x: torch.Tensor, floor: float = 0.25, box: float = 20.0) -> torch.Tensor:
    """What preprocess.to_mnist makes of each image of a (N, 1, 28, 28) batch, all at once: ink under `floor` of
    the brightest dropped (NOISE_FLOOR), the ink's bounding box scaled so that its longest side is `box` px, and
    its centre of mass moved to MNIST's (pixel 14, 14). The Draw page, uploads and `predict` all read drawings
    this way, so a shifted, scaled or thickened training digit is shown to the network as it would see it."""
    n, _, height, width = x.shape
    peak = x.flatten(1).amax(1).clamp(min=1e-6).view(-1, 1, 1, 1)
    ink = ((x / peak - floor) / (1 - floor)).clamp(0, 1)
    at = torch.arange(height, device=x.device, dtype=x.dtype)
    rows, cols = (ink > 0).any(3).squeeze(1), (ink > 0).any(2).squeeze(1)  # (N, H), (N, W)

    def extent(hit: torch.Tensor) -> torch.Tensor:
        first = torch.where(hit, at, float(height)).amin(1)
        return (torch.where(hit, at, -1.0).amax(1) - first + 1).clamp(min=1)

    scale = box / torch.maximum(extent(rows), extent(cols))  # (N,)
    mass = ink.sum((1, 2, 3)).clamp(min=1e-6)
    centre = torch.stack([(ink.sum(2).squeeze(1) * (at + 0.5)).sum(1), (ink.sum(3).squeeze(1) * (at + 0.5)).sum(1)],
                         1) / mass[:, None]  # (N, 2): x, y, in pixels from the top-left corner
    # grid_sample's normalised coordinates (align_corners=False): output u maps to input u / scale + offset, so
    # that the centre of mass lands on the centre of pixel 14 (14.5 from the corner).
    offset = 2 * centre / width - 1 - 1 / (width * scale[:, None])
    zero = torch.zeros_like(scale)
    theta = torch.stack([torch.stack([1 / scale, zero, offset[:, 0]], 1),
                         torch.stack([zero, 1 / scale, offset[:, 1]], 1)], 1)
    out = F.grid_sample(ink, F.affine_grid(theta, list(x.shape), align_corners=False), align_corners=False)
    out = out / out.flatten(1).amax(1).clamp(min=1e-6).view(-1, 1, 1, 1)
    return torch.where((mass > 1e-3).view(-1, 1, 1, 1), out, x)


def augment(x: torch.Tensor, y: torch.Tensor, kind: str, generator: torch.Generator | None = None,
            source: Split | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The batch to train on and its labels: augment_marked without the mark."""
    x, y, _ = augment_marked(x, y, kind, generator, source)
    return x, y


def augment_marked(x: torch.Tensor, y: torch.Tensor, kind: str, generator: torch.Generator | None = None,
                   source: Split | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """`kind` applied to a (N, 1, 28, 28) batch `x` of `source` (the training split) with labels `y`: the batch to
    train on, its labels, and which of its rows are style drawings ((N,) bool: distillation, step.py, leaves them
    to their labels).

    "styles", on an MNIST batch, swaps STYLE_SHARE of the images for drawings of the same digits in the world's
    handwriting styles (mnist_demo/pools.py) and REDRAWN_SHARE for training digits of the same class redrawn
    as people's pictures of them reach the network (mnist_demo/redrawn.py), and adds JUNK_SHARE junk shapes labelled
    NO_DIGIT (outlier exposure, Hendrycks et al., 2019); then it applies "both" (the affine change to MNIST's own and
    the redrawn digits only: a style drawing is tilted by its hand already), and shows DRAWN_SHARE of the images as
    the Draw page's preprocessing would (as_drawn). Another dataset's classes are no digits: there "styles"
    swaps and adds nothing."""
    own_tilt = None  # rows that keep their own tilt: style drawings (below)
    styled = torch.zeros(len(y), dtype=torch.bool, device=x.device)
    if kind == "styles" and source is not None and source.name == "mnist":
        from mnist_demo.handwriting import (  # drawing the pools needs PIL and scipy, which other kinds do not
            pools,
            redrawn,
        )

        x, styled = pools.swap_in(x, y, STYLE_SHARE, generator, pools.load(x.device))
        x, redrawn_at = pools.swap_in(x, y, REDRAWN_SHARE, generator, redrawn.load(source.images, source.labels))
        junk = pools.junk_batch(max(1, round(JUNK_SHARE * len(y))), generator, x.device)
        x = torch.cat([x, junk.to(x.dtype)])
        y = torch.cat([y, torch.full((len(junk),), NO_DIGIT, dtype=y.dtype, device=y.device)])
        styled = own_tilt = torch.cat([styled & ~redrawn_at, torch.zeros(len(junk), dtype=torch.bool, device=x.device)])
    if kind in ("stroke", "both", "styles"):
        x = random_stroke(x, generator)
    if kind in ("affine", "both", "styles"):
        turned = random_affine(x, generator)
        # A style drawing is tilted and slanted already, by its hand (styles.TRAINING_HAND, up to 37 degrees to the
        # right); turned again, a flag 1 could lean 49 degrees, which is a 7, and a 7 lean 41 degrees left, a 1.
        x = turned if own_tilt is None else torch.where(own_tilt.view(-1, 1, 1, 1), x, turned)
    if kind == "styles":
        drawn = torch.rand(x.shape[0], generator=generator).to(x.device).view(-1, 1, 1, 1) < DRAWN_SHARE
        x = torch.where(drawn, as_drawn(x), x)
    return x, y, styled


def trained_on(split: Split, kind: str) -> Split:
    """The digits a run with augmentation `kind` learned from, as one split: `split`, and with "styles" on MNIST
    also the style pool and the redrawn pool. The "not sure" statistics (reading/not_sure.py) are fitted on it, so that
    a style the network was taught counts as digit-like."""
    if kind != "styles" or split.name != "mnist":
        return split
    from mnist_demo.handwriting import pools, redrawn

    added = [pools.load(split.images.device), redrawn.load(split.images, split.labels)]
    return replace(split, images=torch.cat([split.images, *(p.images for p in added)]),
                   labels=torch.cat([split.labels, *(p.labels for p in added)]))
