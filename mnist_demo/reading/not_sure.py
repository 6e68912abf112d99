"""How digit-like an image is to a trained network: Mahalanobis distance in its last hidden layer.

Softmax confidence alone is high for letters and scribbles too. Following Lee et al. (2018), fit one
Gaussian per class with a shared covariance to the fc1 features of the training set; an image whose
features lie farther from every class centre than most training images is not something the network
has learned to read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from mnist_demo.data import Split, to_float

if TYPE_CHECKING:
    from mnist_demo.network import Net

QUANTILE = 0.999  # farther than 99.9 % of the images it trained on counts as "not digit-like" (docs/results.md: why)


@dataclass
class FeatureStats:
    means: torch.Tensor  # (classes, 64)
    precision: torch.Tensor  # (64, 64)
    quantiles: torch.Tensor  # (1001,): the training images' distance at quantile 0, 0.001, ..., 1

    @property
    def threshold(self) -> float:
        return float(self.quantiles[round(QUANTILE * 1000)])

    def distance(self, features: torch.Tensor) -> torch.Tensor:
        """Squared Mahalanobis distance to the nearest class centre, per row."""
        diff = features.unsqueeze(1) - self.means.to(features.device)  # (N, classes, 64)
        return torch.einsum("nci,ij,ncj->nc", diff, self.precision.to(features.device), diff).min(1).values

    def as_dict(self) -> dict:
        return {"means": self.means, "precision": self.precision, "quantiles": self.quantiles}

    @classmethod
    def from_dict(cls, d: dict) -> FeatureStats:
        return cls(d["means"], d["precision"], d["quantiles"])


FIT_ON = 10_000  # training images the statistics are fitted on (every n-th): plenty for 10 x 64 means and a 64 x 64
# covariance, and a fifth of the time of all 60,000 on a CPU


MAX_FEATURES = 512  # wider than this, the statistics (a width x width matrix) would outweigh the network: a network
# whose last layer reads more numbers says "not sure" by its top probability alone


@torch.no_grad()
def fit_feature_stats(model: Net, split: Split, chunk: int | None = None) -> FeatureStats | None:
    """The statistics of what the last layer reads, for the digits of `split`; None when that is too wide."""
    model.eval()
    if model.embed(torch.zeros(1, 1, 28, 28, device=next(model.parameters()).device)).shape[1] > MAX_FEATURES:
        return None
    split = split.to(next(model.parameters()).device)  # no copy when it is there already
    chunk = chunk or (128 if split.images.device.type == "cpu" else 4096)
    step = max(1, len(split) // FIT_ON)
    images, labels = split.images[::step], split.labels[::step]
    feats = torch.cat([model.embed(to_float(images[i : i + chunk])) for i in range(0, len(images), chunk)])
    feats, labels = feats.cpu(), labels.cpu()
    means = torch.stack([feats[labels == c].mean(0) for c in range(int(labels.max()) + 1)])
    centred = feats - means[labels]
    cov = centred.T @ centred / len(feats) + 1e-3 * torch.eye(feats.shape[1])
    stats = FeatureStats(means, torch.linalg.inv(cov.double()).float(), torch.zeros(1001))
    stats.quantiles = torch.quantile(stats.distance(feats), torch.linspace(0, 1, 1001))
    return stats
