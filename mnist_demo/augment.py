"""Batched augmentation on the training device: the ways people draw digits differently."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

AUGMENTATIONS = ("none", "affine", "stroke", "both")


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


def augment(x: torch.Tensor, kind: str, generator: torch.Generator | None = None) -> torch.Tensor:
    if kind in ("stroke", "both"):
        x = random_stroke(x, generator)
    if kind in ("affine", "both"):
        x = random_affine(x, generator)
    return x
