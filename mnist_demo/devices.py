"""Choosing and naming the compute device."""

from __future__ import annotations

import torch

from .errors import ConfigError


def pick_device(name: str = "auto") -> torch.device:
    """`auto` -> cuda, then mps, then cpu; `cuda` fails clearly when there is no GPU."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("--device cuda was asked for, but PyTorch sees no CUDA GPU here; use --device cpu or auto")
    return torch.device(name)


def describe(device: torch.device) -> str:
    """`NVIDIA H200 (cuda)`, `Apple GPU (mps)` or `CPU (8 threads)`."""
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (cuda)"
    if device.type == "mps":
        return "Apple GPU (mps)"
    return f"CPU ({torch.get_num_threads()} threads)"
