"""Checkpoints: weights plus metadata, written atomically, read with weights_only=True."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import math
import os
import pickle
import re
import stat
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import filelock
import torch
from torch import nn

from mnist_demo.checkpoint import checks
from mnist_demo.errors import CheckpointError, SaveError, UserError
from mnist_demo.messages import N_, Clause, Message
from mnist_demo.network import Net
from mnist_demo.paths import ROOT
from mnist_demo.reading.not_sure import FeatureStats

if TYPE_CHECKING:
    from mnist_demo.train.loop import RunResult, TrainState

FORMAT = "mnist-demo/1"
_UNREADABLE = N_("{path} is not a readable checkpoint (corrupt or truncated?): {kind}")
DEFAULT_OUT = ROOT / "checkpoints" / "last.pt"


READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS}
FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}


def save_error(path: Path, exc: OSError) -> SaveError:
    """The clear, one-line version of an OSError met while writing `path`."""
    folder = path.parent
    if exc.errno in READ_ONLY:
        why = Message(N_("the folder {folder} is read-only (no permission to write there)"), folder=folder)
    elif exc.errno in FULL:
        why = Message(N_("the disk is full (no space left for it in {folder})"), folder=folder)
    elif path.is_dir():
        why = Message(N_("that is a folder; give a file name, such as {example}"), example=path / "model.pt")
    else:
        why = Message(exc.strerror or str(exc))  # the system's words, untranslated
    error = SaveError(_KEPT if path.is_file() else _NOTHING, path=path, why=why)
    error.errno, error.filename = exc.errno, str(path)
    return error


_KEPT = N_("Cannot save the checkpoint {path}: {why}. The previous checkpoint there is unchanged.")
_NOTHING = N_("Cannot save the checkpoint {path}: {why}. Nothing was written.")


def _refusal(raw: str) -> Message | None:
    """Why `raw` may not be written, or None. Only a new path or a regular file is written: a device node or pipe
    is left alone (renaming over /dev/null as root would replace the system's), a symbolic link is neither
    replaced nor followed, and a name ending in / means a folder."""
    path = Path(raw)
    if raw.endswith(tuple(s for s in ("/", os.sep, os.altsep) if s)):
        return Message(N_("a name that ends in {end} is a folder; give a file name, such as {example}"), end=raw[-1],
                       example=path / "model.pt")
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:  # a file where a folder should be on the way, a name too long...
        return Message(N_("{reason}"), reason=(exc.strerror or str(exc)).lower())
    if stat.S_ISLNK(info.st_mode):
        return Message(N_("it is a symbolic link, which mnist-demo neither replaces nor writes through: give the path "
                          "of the file itself, or a new name"))
    if stat.S_ISDIR(info.st_mode):
        return Message(N_("that is a folder; give a file name, such as {example}"), example=path / "model.pt")
    if not stat.S_ISREG(info.st_mode):
        return Message(N_("it is not a regular file (a device, pipe or socket): give the name of a new or regular "
                          "file"))
    return None


def _refuse_special(raw: str) -> None:
    why = _refusal(raw)
    if why:
        regular = os.path.isfile(raw) and not os.path.islink(raw)
        raise SaveError(_KEPT if regular else _NOTHING, path=raw, why=why)


def check_writable(path: str | os.PathLike) -> None:
    """Raise SaveError now if `path` could not be saved to, with the message save() would give: before a long
    run rather than after it. (A disk that fills up during the run is still only found on saving.)"""
    _refuse_special(os.fspath(path))
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise save_error(path, exc) from None


@contextlib.contextmanager
def claimed(path: str | os.PathLike) -> Iterator[None]:
    """Hold `path` while this process trains towards it: a second run aimed at the same file is refused at once,
    instead of both saying "Saved" while one result is lost. The lock (filelock's) is a hidden file beside the
    checkpoint holding the owner's process id, removed on leaving (also on Ctrl-C or SIGTERM)."""
    path = Path(path)
    lock_path = path.parent / f".{path.name}.lock"
    lock = filelock.FileLock(lock_path, is_singleton=False)
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        try:
            holder = lock_path.read_text(errors="replace")[:32].strip()
        except OSError:
            holder = ""
        raise SaveError(N_("Cannot save the checkpoint {path}: another run (process {holder}) is training towards it "
                           "now, and one of the two results would be lost. Wait for it to end, or save to another "
                           "file. Nothing was written.") if holder else
                        N_("Cannot save the checkpoint {path}: another run is training towards it now, and one of the "
                           "two results would be lost. Wait for it to end, or save to another file. Nothing was "
                           "written."), path=path, holder=holder) from None
    except OSError as exc:
        raise save_error(path, exc) from None
    try:
        with contextlib.suppress(OSError):
            lock_path.write_text(str(os.getpid()))
        yield
    finally:
        with contextlib.suppress(OSError):
            lock_path.unlink()  # filelock leaves its file; a peer that opened it meanwhile checks the inode
        lock.release()


@dataclass
class Checkpoint:
    model: Net
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


def write_atomic(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> Path:
    """Write a file atomically: `write` fills a temporary file in the same folder, which is fsynced, then renamed
    over `path`. A reader (or the next start after a kill) sees the old file or the new one, whole, never half.

    Any OSError (read-only folder, full disk) becomes a SaveError that says so; `path` keeps its old content and
    no temporary file is left behind (after `kill -9`, one may be: a hidden `.NAME.*.tmp`, which nothing reads).
    Only a new path or a regular file is written (see _refusal)."""
    raw = os.fspath(path)
    _refuse_special(raw)
    path = Path(raw)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        _refuse_special(raw)  # again: something else may have been put there while the model trained
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, SaveError):
            raise save_error(path, exc) from exc
        raise
    return path


def save(path: str | os.PathLike, model: nn.Module, meta: dict) -> Path:
    """Write a checkpoint atomically (see write_atomic)."""
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    meta = {
        "torch_version": str(torch.__version__),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        **meta,
    }
    return write_atomic(path, lambda f: torch.save({"format": FORMAT, "state_dict": state, "meta": meta}, f))


def _read(path: Path) -> object:
    """torch.load with weights only, after the size check; CheckpointError for anything unreadable."""
    if not path.is_file():
        raise CheckpointError(N_("No checkpoint at {path}.") if not os.path.lexists(path) else
                              N_("{path} is not a regular file (a folder, pipe or device): give a checkpoint file."),
                              path=path)
    checks.check_size(path)
    try:
        with warnings.catch_warnings():  # torch's notes on what a file holds (sparse tensors...) are not for a user:
            warnings.simplefilter("ignore")  # the checks below say what is wrong in one sentence
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        code = re.search(r"\bGLOBAL ([\w.]+)", str(exc))  # "Unsupported global: GLOBAL x", "unsupported GLOBAL x"
        if code:  # weights_only=True refused it before anything ran
            raise CheckpointError(N_("{path} was refused: besides weights it holds Python objects ({objects}) whose "
                                     "loading could run code. mnist-demo loads weights only; do not load this file "
                                     "unless you trust it."), path=path, objects=code.group(1)) from None
        raise CheckpointError(_UNREADABLE, path=path, kind="UnpicklingError") from None
    except Exception as exc:
        raise CheckpointError(_UNREADABLE, path=path, kind=type(exc).__name__) from None


def load(path: str | os.PathLike, device: torch.device | str = "cpu") -> Checkpoint:
    """Load a checkpoint; anything corrupt, truncated, foreign, inconsistent or not finite raises CheckpointError
    naming the file, before a network is built from it (checkpoint.checks says what is checked)."""
    path = Path(path)
    blob = _read(path)
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise CheckpointError(N_("{path} is not an mnist-demo checkpoint (expected format {format!r})."), path=path,
                              format=FORMAT)
    meta, state = blob.get("meta") or {}, blob.get("state_dict")
    if not isinstance(meta, dict) or not isinstance(state, dict):
        raise CheckpointError(N_("{path} is not an mnist-demo checkpoint (its weights or metadata are missing)."),
                              path=path)
    classes, arch = checks.check_meta(path, meta)
    checks.check_weights(path, state, classes, arch)
    model = Net(arch, classes)
    model.load_state_dict(state)
    return Checkpoint(model.to(device).to(memory_format=torch.channels_last).eval(), meta, path)


def save_run(path: str | os.PathLike, result: RunResult, **meta) -> Path:
    """Save a finished run with its configuration, per-epoch history and the statistics behind "not sure" (fitted by
    train.loop.fit); `meta` adds to what is recorded, or replaces it (a soup's measured accuracy)."""
    assert result.model is not None, "a run's result keeps its model until Run.release"
    last = result.history[-1] if result.history else None
    return save(path, result.model, {
        "dataset": result.config.dataset,
        "num_classes": result.model.num_classes,
        "architecture": result.model.arch,
        "parameters": result.model.parameters_count,
        "config": result.config.as_dict(),
        "history": [asdict(h) for h in result.history],
        "test_accuracy": last.test_acc if last else None,
        "test_loss": last.test_loss if last else None,
        "status": result.status,
        "device": result.device,
        "seconds": result.seconds,
        **({"feature_stats": result.feature_stats.as_dict()} if result.feature_stats else {}),
        **meta,
    })


RESUME_FORMAT = "mnist-demo-resume/1"
RESUME_SUFFIX = ".resume"  # beside the checkpoint a run trains towards: last.pt -> last.pt.resume


def resume_path(target: str | os.PathLike) -> Path:
    """Where the run training towards `target` keeps its resumable state (or `target` itself, when it is one)."""
    target = Path(target)
    return target if target.name.endswith(RESUME_SUFFIX) else target.with_name(target.name + RESUME_SUFFIX)


def save_state(path: str | os.PathLike, state: TrainState, **meta) -> Path:
    """Write a run's resumable state atomically (at the end of each epoch); `meta` is kept with it (what the CLI
    needs to go on: the file it trains towards, the model it copies)."""
    return write_atomic(path, lambda f: torch.save({
        "format": RESUME_FORMAT, "config": state.config.as_dict(), "epoch": state.epoch, "model": state.model,
        "optimizer": state.optimizer, "schedule": state.schedule, "generator": state.generator,
        "history": [asdict(h) for h in state.history], "seconds": state.seconds, "meta": meta}, f))


def load_state(path: str | os.PathLike) -> tuple[TrainState, dict]:
    """(the resumable state, its meta), read with weights only and checked: the settings are valid, the epochs
    count up to fewer than the run's, every weight and number is finite. (Whether the weights and the optimizer's
    state fit the network is checked when the run goes on from it: TrainState.restore.)"""
    from mnist_demo.train.loop import EpochStats, TrainState
    from mnist_demo.train.recipes import TrainConfig

    path = Path(path)
    blob = _read(path)
    if not isinstance(blob, dict) or blob.get("format") != RESUME_FORMAT:
        raise CheckpointError(N_("{path} is not the saved state of an mnist-demo run (expected format {format!r})."),
                              path=path, format=RESUME_FORMAT)
    try:
        config = TrainConfig(**blob["config"])
        history = [EpochStats(**h) for h in blob["history"]]
        epoch, seconds, model = blob["epoch"], blob["seconds"], blob["model"]
        if type(epoch) is not int or not 1 <= epoch < config.epochs or len(history) != epoch:
            raise _Damaged(N_("it claims {done} epochs done of {epochs}"), done=repr(epoch), epochs=config.epochs)
        numbers = [seconds, *(v for h in history for v in asdict(h).values())]
        if not all(type(v) in (int, float) and math.isfinite(v) for v in numbers):
            raise _Damaged(N_("its table holds values that are not numbers"))
        if not isinstance(model, dict) or not all(isinstance(v, torch.Tensor) for v in model.values()):
            raise _Damaged(N_("its weights are not tensors"))
        broken = [k for k, v in model.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
        if broken:
            raise _Damaged(N_("its weights {names} are not numbers (NaN or infinite)"), names=", ".join(broken[:3]))
        generator = blob["generator"]
        if not isinstance(generator, torch.Tensor) or generator.dtype != torch.uint8:
            raise _Damaged(N_("its random generator's state is damaged"))
        meta = blob.get("meta") or {}
        if not isinstance(meta, dict):
            raise _Damaged(N_("its notes are not a table"))
        state = TrainState(config, epoch, model, blob["optimizer"], blob["schedule"], generator, history,
                           float(seconds))
    except (KeyError, TypeError, ValueError, UserError) as exc:
        why: object = (exc.message if isinstance(exc, UserError) else
                       Message(N_("{name} is missing"), name=repr(exc.args[0]) if exc.args else "?")
                       if isinstance(exc, KeyError) else Message(N_("{reason}"), reason=str(exc)))
        raise CheckpointError(N_("{path} is a damaged saved state of a run ({why}): start the run again."), path=path,
                              why=Clause(why) if isinstance(why, Message) else why) from None
    return state, meta


class _Damaged(UserError, ValueError):
    """Why a saved state cannot be used (load_state words it into a CheckpointError)."""
