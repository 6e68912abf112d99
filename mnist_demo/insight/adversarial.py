"""Fool the network: the smallest change, among a few budgets, that makes it read a drawing as another digit.

Targeted projected gradient steps (Madry et al., 2018): each step moves every pixel by a small amount in the
direction that raises the chosen digit's score, then keeps the change within the budget (at most `budget` of full
ink per pixel) and the picture within black..white. Each search starts from seeded random noise within its budget
(without it, the many pixels whose gradient is exactly 0, behind ReLUs and max-pools, never move, and searches
fail that need not: docs/speed.md has the count). Every budget is searched at once, as one batch, and the smallest
that works is kept.

Gradients are taken with torch.autograd.grad with respect to the change alone, as in mnist_demo.reading.inference: the
shared model's parameters get no .grad, and nothing about the model changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mnist_demo.insight.lane import in_lane
from mnist_demo.reading.inference import _check_eval, as_batch, model_device

BUDGETS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)  # largest change per pixel, in shares of full ink
STEPS = 40
CHANGED = 1 / 255  # a pixel counts as changed when it moved by more than one grey level


@dataclass(frozen=True)
class Fooled:
    target: int
    original: np.ndarray  # 28 x 28 in [0, 1]
    changed: np.ndarray  # 28 x 28 in [0, 1]: original + change, what the network read
    before: np.ndarray  # 10 probabilities for the original
    after: np.ndarray  # 10 probabilities for the changed picture
    budget: float  # the budget that was used (the smallest that worked, or the largest tried)
    steps: int  # gradient steps taken

    @property
    def change(self) -> np.ndarray:
        return self.changed - self.original

    @property
    def success(self) -> bool:
        """The network reads the target, more than half sure (as the search asks): a top class at equal odds on
        every digit is no reading."""
        return int(self.after.argmax()) == self.target and float(self.after[self.target]) > 0.5

    @property
    def undecided(self) -> bool:
        """The changed picture looks like no digit to the network: no class above 50 %. A network trained to give
        equal odds to shapes that are no digit (augment.JUNK_SHARE) often ends a failed search here."""
        return float(self.after.max()) <= 0.5

    @property
    def reading(self) -> int:
        return int(self.after.argmax())

    @property
    def max_change(self) -> float:
        """The largest change of one pixel, in shares of full ink (1.0 = black to white)."""
        return float(np.abs(self.change).max())

    @property
    def pixels_changed(self) -> int:
        return int((np.abs(self.change) > CHANGED).sum())

    @property
    def relative_size(self) -> float:
        """The change's length (L2) as a share of the drawing's own."""
        return float(np.linalg.norm(self.change) / max(float(np.linalg.norm(self.original)), 1e-6))


def fool(model: nn.Module, image: np.ndarray, target: int, budgets: tuple[float, ...] = BUDGETS,
         steps: int = STEPS, seed: int = 0) -> Fooled:
    """Search for a change within each budget that makes `model` read `image` (28 x 28, 0..1) as `target`.
    On a CPU the search runs on a one-thread lane (mnist_demo.insight.lane says why)."""
    _check_eval(model)
    if model_device(model).type == "cpu":
        return in_lane(_search, model, image, target, budgets, steps, seed)
    return _search(model, image, target, budgets, steps, seed)


def _search(model: nn.Module, image: np.ndarray, target: int, budgets: tuple[float, ...], steps: int,
            seed: int) -> Fooled:
    device = model_device(model)
    x0 = as_batch(image, device)
    eps = torch.tensor(budgets, device=device, dtype=torch.float32).view(-1, 1, 1, 1)
    alpha = eps * 2.5 / steps  # step size: enough to cross the whole budget in under half the steps
    noise = torch.rand(len(budgets), 1, 28, 28, generator=torch.Generator().manual_seed(seed)).to(device)
    delta = (x0 + (noise * 2 - 1) * eps).clamp(0, 1) - x0
    labels = torch.full((len(budgets),), target, device=device, dtype=torch.long)
    found: list[tuple[torch.Tensor, int] | None] = [None] * len(budgets)  # (the changed picture, steps taken)
    taken = 0
    with torch.enable_grad():
        for taken in range(1, steps + 1):
            delta.requires_grad_(True)
            logits = model((x0 + delta).clamp(0, 1))
            # a hit: the target is more than half sure, so that reading the picture again gives the same answer
            hits = (logits.softmax(1)[:, target] > 0.5).tolist()
            for b, hit in enumerate(hits):
                if hit and found[b] is None:
                    found[b] = ((x0 + delta).clamp(0, 1)[b, 0].detach().clone(), taken - 1)
            # done when the smallest budget works, or once a larger one has and the smaller ones had half the steps
            if found[0] is not None or (any(f is not None for f in found) and taken > steps // 2):
                break
            (grad,) = torch.autograd.grad(F.cross_entropy(logits, labels, reduction="sum"), delta)
            with torch.no_grad():
                delta = (delta - alpha * grad.sign()).clamp(-eps, eps)
                delta = (x0 + delta).clamp(0, 1) - x0
    best = next((b for b, f in enumerate(found) if f is not None), len(budgets) - 1)
    hit = found[best]
    if hit is None:  # none worked: the largest budget's last try
        with torch.no_grad():
            changed, used = (x0 + delta.detach()).clamp(0, 1)[best, 0], taken
    else:
        changed, used = hit
    with torch.no_grad():
        both = torch.stack([x0[0, 0], changed]).unsqueeze(1)
        before, after = model(both).softmax(1).float().cpu().numpy()
    return Fooled(target, x0[0, 0].float().cpu().numpy(), changed.float().cpu().numpy(), before, after,
                  float(budgets[best]), used)
