"""Checkpoints: weights plus metadata, written atomically, read with weights_only=True."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import pickle
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn

from .errors import CheckpointError, SaveError  # noqa: F401 - CheckpointError: raised here, caught by callers
from .familiarity import FeatureStats
from .model import CNN
from .paths import ROOT, SHIPPED  # noqa: F401 - SHIPPED: the shipped model, which callers load from here

if TYPE_CHECKING:
    from .training import RunResult

FORMAT = "mnist-demo/1"
DEFAULT_OUT = ROOT / "checkpoints" / "last.pt"


READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS}
FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}


def save_error(path: Path, exc: OSError) -> SaveError:
    """The clear, one-line version of an OSError met while writing `path`."""
    folder = path.parent
    kept = " The previous checkpoint there is unchanged." if path.is_file() else " Nothing was written."
    if exc.errno in READ_ONLY:
        why = f"the folder {folder} is read-only (no permission to write there)"
    elif exc.errno in FULL:
        why = f"the disk is full (no space left for it in {folder})"
    elif path.is_dir():
        why = "that is a folder; give a file name, such as " + str(path / "model.pt")
    else:
        why = exc.strerror or str(exc)
    error = SaveError(f"Cannot save the checkpoint {path}: {why}.{kept}")
    error.errno, error.filename = exc.errno, str(path)
    return error


def check_writable(path: str | os.PathLike) -> None:
    """Raise SaveError now if `path` could not be saved to, with the message save() would give: before a long
    run rather than after it. (A disk that fills up during the run is still only found on saving.)"""
    path = Path(path)
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise save_error(path, exc) from None


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
    """Write atomically: a temporary file in the same folder, fsync, then rename over `path`.

    Any OSError (read-only folder, full disk) becomes a SaveError that says so; `path` keeps its old content and
    no temporary file is left behind."""
    path = Path(path)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    meta = {
        "torch_version": str(torch.__version__),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        **meta,
    }
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            torch.save({"format": FORMAT, "state_dict": state, "meta": meta}, f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, SaveError):
            raise save_error(path, exc) from exc
        raise
    return path


def load(path: str | os.PathLike, device: torch.device | str = "cpu") -> Checkpoint:
    """Load a checkpoint; anything corrupt, truncated or foreign raises CheckpointError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"No checkpoint at {path}.")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        code = re.search(r"\bGLOBAL ([\w.]+)", str(exc))  # "Unsupported global: GLOBAL x", "unsupported GLOBAL x"
        if code:  # weights_only=True refused it before anything ran
            raise CheckpointError(
                f"{path} was refused: besides weights it holds Python objects ({code.group(1)}) whose loading "
                "could run code. mnist-demo loads weights only; do not load this file unless you trust it."
            ) from None
        raise CheckpointError(f"{path} is not a readable checkpoint (corrupt or truncated?): UnpicklingError") from None
    except Exception as exc:
        raise CheckpointError(
            f"{path} is not a readable checkpoint (corrupt or truncated?): {type(exc).__name__}"
        ) from None
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not an mnist-demo checkpoint (expected format {FORMAT!r}).")
    meta, state = blob.get("meta") or {}, blob.get("state_dict")
    if not isinstance(meta, dict) or not isinstance(state, dict):
        raise CheckpointError(f"{path} is not an mnist-demo checkpoint (its weights or metadata are missing).")
    try:
        model = CNN(num_classes=meta.get("num_classes", 10))
        mismatch = _mismatch(model.state_dict(), state)
        if mismatch:
            raise ValueError(mismatch)
        model.load_state_dict(state)
    except Exception as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(
            f"{path} holds weights that do not fit the tutorial's CNN (another architecture?): {detail}"
        ) from None
    return Checkpoint(model.to(device, memory_format=torch.channels_last).eval(), meta, path)


def _shape(t: object) -> str:
    return " x ".join(map(str, getattr(t, "shape", ()))) or "not a tensor"


def _mismatch(expected: dict, got: dict, show: int = 3) -> str:
    """What differs between two state dicts, in one line; "" when they fit."""

    def listed(keys: list[str]) -> str:
        return ", ".join(keys[:show]) + (f" and {len(keys) - show} more" if len(keys) > show else "")

    wrong = [f"{k} is {_shape(got[k])}, expected {_shape(v)}" for k, v in expected.items()
             if k in got and (not isinstance(got[k], torch.Tensor) or got[k].shape != v.shape)]
    missing = [k for k in expected if k not in got]
    unexpected = [k for k in got if k not in expected]
    parts = wrong[:show]
    if missing:
        parts.append(f"missing {listed(missing)}")
    if unexpected:
        parts.append(f"unexpected {listed(unexpected)}")
    return "; ".join(parts)


def save_run(path: str | os.PathLike, result: RunResult, feature_stats: FeatureStats | None = None) -> Path:
    """Save a finished run with its configuration, per-epoch history and the statistics behind "not sure"."""
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
        **({"feature_stats": feature_stats.as_dict()} if feature_stats else {}),
    })
