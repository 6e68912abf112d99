"""Batched augmentation on the training device: the ways people draw digits differently."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

AUGMENTATIONS = ("none", "affine", "stroke", "both", "styles")
STYLE_SHARE = 0.2  # "styles": share of each batch swapped for drawings in the world's handwriting styles
DRAWN_SHARE = 0.5  # "styles": share of each batch shown as the Draw page's preprocessing would show it


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


def augment(x: torch.Tensor, kind: str, generator: torch.Generator | None = None,
            digits: torch.Tensor | None = None) -> torch.Tensor:
    """`kind` applied to a (N, 1, 28, 28) batch. "styles" swaps STYLE_SHARE of the images for drawings of the same
    digits in the styles of mnist_demo/styles.py (it needs the batch's labels as `digits`, which only an MNIST batch
    has: another dataset's classes are no digits), applies "both", then shows DRAWN_SHARE of the images as the Draw
    page's preprocessing would (as_drawn)."""
    if kind == "styles" and digits is not None:
        from .style_pool import swap_in  # drawing the pool needs PIL and scipy, which other kinds do not

        x = swap_in(x, digits, STYLE_SHARE, generator)
    if kind in ("stroke", "both", "styles"):
        x = random_stroke(x, generator)
    if kind in ("affine", "both", "styles"):
        x = random_affine(x, generator)
    if kind == "styles":
        drawn = torch.rand(x.shape[0], generator=generator).to(x.device).view(-1, 1, 1, 1) < DRAWN_SHARE
        x = torch.where(drawn, as_drawn(x), x)
    return x
