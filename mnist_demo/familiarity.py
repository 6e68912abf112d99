"""How digit-like an image is to a trained network: Mahalanobis distance in its last hidden layer.

Softmax confidence alone is high for letters and scribbles too. Following Lee et al. (2018), fit one
Gaussian per class with a shared covariance to the fc1 features of the training set; an image whose
features lie far from every class centre is not something the network has learned to read.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .data import Split, to_float

QUANTILE = 0.995  # training images closer than the threshold: all but 0.5 %


@dataclass
class FeatureStats:
    means: torch.Tensor  # (classes, 64)
    precision: torch.Tensor  # (64, 64)
    threshold: float

    def distance(self, features: torch.Tensor) -> torch.Tensor:
        """Squared Mahalanobis distance to the nearest class centre, per row (what `threshold` bounds)."""
        diff = features.unsqueeze(1) - self.means.to(features.device)  # (N, classes, 64)
        return torch.einsum("nci,ij,ncj->nc", diff, self.precision.to(features.device), diff).min(1).values

    def as_dict(self) -> dict:
        return {"means": self.means.cpu(), "precision": self.precision.cpu(), "threshold": self.threshold}

    @classmethod
    def from_dict(cls, d: dict) -> FeatureStats:
        return cls(d["means"], d["precision"], float(d["threshold"]))


@torch.no_grad()
def fit_feature_stats(model: nn.Module, split: Split, chunk: int = 1000) -> FeatureStats:
    model.eval()
    feats = torch.cat([model.embed(to_float(split.images[i : i + chunk])) for i in range(0, len(split), chunk)])
    labels = split.labels.to(feats.device)
    classes = int(labels.max()) + 1
    means = torch.stack([feats[labels == c].mean(0) for c in range(classes)])
    centred = feats - means[labels]
    cov = centred.T @ centred / len(feats) + 1e-3 * torch.eye(feats.shape[1], device=feats.device)
    precision = torch.linalg.inv(cov.double().cpu()).float()
    stats = FeatureStats(means.cpu(), precision, 0.0)
    stats.threshold = float(torch.quantile(stats.distance(feats.cpu()), QUANTILE))
    return stats
