"""Checkpoints: weights plus metadata, written atomically, read with weights_only=True."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn

from .familiarity import FeatureStats
from .model import CNN
from .training import RunResult

FORMAT = "mnist-demo/1"
SHIPPED = Path(__file__).resolve().parent.parent / "checkpoints" / "mnist_cnn.pt"
DEFAULT_OUT = Path("checkpoints") / "last.pt"


class CheckpointError(RuntimeError):
    """A file that is not a usable mnist-demo checkpoint."""


@dataclass
class Checkpoint:
    model: nn.Module
    meta: dict = field(default_factory=dict)
    path: Path | None = None

    @property
    def test_accuracy(self) -> float | None:
        return self.meta.get("test_accuracy")

    @property
    def dataset(self) -> str:
        return self.meta.get("dataset", "mnist")

    @property
    def feature_stats(self) -> FeatureStats | None:
        stats = self.meta.get("feature_stats")
        return FeatureStats.from_dict(stats) if stats else None


def save(path: str | os.PathLike, model: nn.Module, meta: dict) -> Path:
    """Write atomically: a temporary file in the same folder, fsync, then rename over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    meta = {
        "torch_version": str(torch.__version__),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        **meta,
    }
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save({"format": FORMAT, "state_dict": state, "meta": meta}, f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load(path: str | os.PathLike, device: torch.device | str = "cpu") -> Checkpoint:
    """Load a checkpoint; anything corrupt, truncated or foreign raises CheckpointError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"No checkpoint at {path}.")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointError(
            f"{path} is not a readable checkpoint (corrupt or truncated?): {type(exc).__name__}"
        ) from None
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not an mnist-demo checkpoint (expected format {FORMAT!r}).")
    meta = blob.get("meta") or {}
    model = CNN(num_classes=meta.get("num_classes", 10))
    try:
        model.load_state_dict(blob["state_dict"])
    except Exception as exc:
        raise CheckpointError(f"{path} holds weights that do not fit the tutorial's CNN: {exc}") from None
    return Checkpoint(model.to(device, memory_format=torch.channels_last).eval(), meta, path)


def save_run(path: str | os.PathLike, result: RunResult) -> Path:
    """Save a finished run with its configuration and per-epoch history."""
    last = result.history[-1] if result.history else None
    return save(path, result.model, {
        "dataset": result.config.dataset,
        "num_classes": result.model.fc2.out_features,
        "config": result.config.as_dict(),
        "history": [asdict(h) for h in result.history],
        "test_accuracy": last.test_acc if last else None,
        "test_loss": last.test_loss if last else None,
        "status": result.status,
        "device": result.device,
        "seconds": result.seconds,
        **({"feature_stats": result.feature_stats.as_dict()} if result.feature_stats else {}),
    })
