"""Running the network on 28 x 28 images.

Safe from many threads at once on one shared model (every browser tab reads drawings with the same model, while
a training thread trains another): nothing here changes the model. No train()/eval() switching (a model must be in
eval mode before it is shared: checkpoint.load and train.loop.fit leave it so), no hooks, and gradients are taken
with respect to the input only, so no parameter's .grad is ever written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from mnist_demo.network import Net
from mnist_demo.reading.not_sure import FeatureStats


def model_device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def _check_eval(model: nn.Module) -> None:
    if model.training:
        raise ValueError("the model is in training mode: call model.eval() once, before sharing it")


def as_batch(images: np.ndarray | torch.Tensor, device: torch.device) -> torch.Tensor:
    """(28, 28) or (N, 28, 28) floats in [0, 1] -> (N, 1, 28, 28) on `device`."""
    x = torch.as_tensor(np.asarray(images, dtype=np.float32))
    return x.reshape(-1, 1, 28, 28).to(device)


@torch.no_grad()
def probabilities(model: nn.Module, images: np.ndarray | torch.Tensor) -> np.ndarray:
    """(N, 10) class probabilities for a batch of 28 x 28 images."""
    _check_eval(model)
    return model(as_batch(images, model_device(model))).softmax(1).cpu().numpy()


UNSURE_BELOW = 0.80  # top probability under which the app says "not sure"


def is_sure(top_probability, distance=None, threshold=None):
    """The Draw page's rule for showing a digit rather than "not sure": the top probability is at least
    UNSURE_BELOW and (when the model has feature statistics) the drawing is no farther from every digit than
    the threshold. Works on one reading (floats) or a batch (arrays), so the checks count what the page shows."""
    ok = np.asarray(top_probability) >= UNSURE_BELOW
    if distance is not None and threshold is not None:
        ok = ok & (np.asarray(distance) <= threshold)
    return bool(ok) if ok.ndim == 0 else ok


@torch.no_grad()
def read_many(model: Net, images: np.ndarray | torch.Tensor, stats: FeatureStats | None = None,
              chunk: int = 512) -> tuple[np.ndarray, np.ndarray | None]:
    """(N, 10) probabilities and (N,) distances from the learned digits (None without `stats`) for a batch:
    what `read` gives for each image, without feature maps and saliency."""
    _check_eval(model)
    device = model_device(model)
    probs, dists = [], []
    for i in range(0, len(images), chunk):
        x = as_batch(images[i : i + chunk], device)
        probs.append(model(x).softmax(1).cpu())
        if stats is not None:
            dists.append(stats.distance(model.embed(x)).cpu())
    return torch.cat(probs).numpy(), torch.cat(dists).numpy() if stats is not None else None


@dataclass
class Reading:
    """One image read by the network, with what a student can see of how."""

    probabilities: np.ndarray
    saliency: np.ndarray | None  # (28, 28) Integrated Gradients for the top class, >= 0; None without `explain`
    distance: float | None = None  # Mahalanobis distance from the digits the network learned
    threshold: float | None = None

    @property
    def top2(self) -> list[tuple[int, float]]:
        order = np.argsort(self.probabilities)[::-1][:2]
        return [(int(i), float(self.probabilities[i])) for i in order]

    @property
    def digit_like(self) -> bool:
        return self.distance is None or self.threshold is None or self.distance <= self.threshold

    @property
    def sure(self) -> bool:
        return is_sure(self.top2[0][1], self.distance, self.threshold)


def integrated_gradients(model: nn.Module, x: torch.Tensor, target: int, steps: int = 32) -> torch.Tensor:
    """Attribution of each input pixel to `target`, from a black image to `x` (Sundararajan et al., 2017).

    torch.autograd.grad with respect to the input alone: the parameters' .grad stay untouched (None)."""
    alphas = torch.linspace(1 / steps, 1, steps, device=x.device).view(-1, 1, 1, 1)
    with torch.enable_grad():
        path = (alphas * x.detach()).requires_grad_(True)
        (grads,) = torch.autograd.grad(model(path)[:, target].sum(), path)
    return (grads.mean(0) * x[0]).squeeze(0).detach()


def saliency(model: nn.Module, image: np.ndarray, target: int) -> np.ndarray:
    """(28, 28) Integrated Gradients of one 28 x 28 image for class `target`, >= 0: where the network looked."""
    _check_eval(model)
    return integrated_gradients(model, as_batch(image, model_device(model)), target).clamp(min=0).cpu().numpy()


def read(model: Net, image: np.ndarray, stats: FeatureStats | None = None, explain: bool = True) -> Reading:
    """Probabilities, (with `stats`) digit-likeness and, with `explain`, the saliency for one 28 x 28 image (the
    feature maps are mnist_demo.insight's). Saliency is 32 forward and backward passes: the Draw page asks for it
    only when "Inside the network" is open."""
    _check_eval(model)
    x = as_batch(image, model_device(model))
    with torch.no_grad():
        probs = model(x).softmax(1)[0]
        distance = float(stats.distance(model.embed(x))[0]) if stats else None
    threshold = stats.threshold if stats else None
    if not explain:
        return Reading(probs.cpu().numpy(), None, distance, threshold)
    attribution = integrated_gradients(model, x, int(probs.argmax())).clamp(min=0)
    return Reading(probs.cpu().numpy(), attribution.cpu().numpy(), distance, threshold)
