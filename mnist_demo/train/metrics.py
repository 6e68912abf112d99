"""Confusion matrices and per-class accuracy."""

from __future__ import annotations

import torch


def confusion_matrix(predictions: torch.Tensor, labels: torch.Tensor, num_classes: int = 10) -> torch.Tensor:
    """counts[true, predicted]."""
    flat = labels.long() * num_classes + predictions.long()
    return torch.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def per_class_accuracy(predictions: torch.Tensor, labels: torch.Tensor, num_classes: int = 10) -> list[float]:
    cm = confusion_matrix(predictions, labels, num_classes)
    totals = cm.sum(1).clamp(min=1)
    return (cm.diag().float() / totals).tolist()
