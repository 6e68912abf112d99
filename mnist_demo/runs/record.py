"""A run's record on disk: what the pages show of it (its recipe, per-epoch table, curves, state, timings), as a
JSON file beside its checkpoint. Written atomically at each change of state and at each epoch's end, read back when
the server starts, so that yesterday's runs are there as if the server had never stopped.

The folder of runs holds, per run, `STEM.json` (this record), `STEM.pt` (its model, once finished) and
`STEM.pt.resume` (the state to go on from, while it trains; see checkpoint.save_state). A checkpoint without a
record was brought in (trained with `python -m mnist_demo train`, elsewhere, or uploaded): the app writes its record.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mnist_demo import checkpoint
from mnist_demo.errors import UserError
from mnist_demo.train.loop import EpochStats, Progress
from mnist_demo.train.recipes import TrainConfig

FORMAT = "mnist-demo-run/1"
SUFFIX = ".json"
CURVE_POINTS = 10  # running points kept per epoch once a run has ended: the shape of the curve, in little memory
MAX_BYTES = 4 * 2**20  # a record of 60 epochs is about 100 kB
STATES = ("queued", "running", "finished", "stopped", "did-not-learn", "failed", "interrupted")


class RecordError(UserError):
    """A record that cannot be read back: the message names the file and what is wrong."""


@dataclass
class Record:
    id: int
    stem: str
    kind: str  # "Training", "Fine-tuning" or "Brought in"
    config: TrainConfig
    state: str  # one of STATES as last written: "queued" or "running" read back after a restart means interrupted
    message: str = ""
    started_at: float = 0.0
    updated_at: float = 0.0
    finished_at: float | None = None
    history: list[EpochStats] = field(default_factory=list)
    curve: list[tuple[int, int, int, float, float]] = field(default_factory=list)  # epoch, batch, batches, loss, acc
    checkpoint: str | None = None  # the model's file name, in the same folder
    stamp: tuple[int, int] | None = None  # the checkpoint's size and mtime (ns) when recorded: if changed, read again
    title: str | None = None  # the teacher's name for the run
    recipe_known: bool = True  # False for a brought checkpoint that does not say how it was trained
    measures: dict | None = None  # a fine-tuning run's before and after
    seconds: float = 0.0
    device: str = "cpu"
    source: str | None = None  # a brought checkpoint's file name
    stated_accuracy: float | None = None  # a brought checkpoint's own test accuracy

    def as_json(self) -> bytes:
        data = asdict(self)
        data["config"] = self.config.as_dict()
        return json.dumps({"format": FORMAT, **data}, allow_nan=False).encode()

    def events(self) -> list[Progress]:
        """The reports the curves are drawn from."""
        epochs = self.config.epochs
        return reports(self.history, [Progress("batch", c[0], epochs, c[1], c[2], c[3], c[4], 0.0, 0.0)
                                      for c in self.curve], epochs)


def reports(history: list[EpochStats], points: list[Progress], epochs: int) -> list[Progress]:
    """A run's reports rebuilt from its table and running points, in order: each epoch's points, then its end."""
    ends = [Progress("epoch", h.epoch, epochs, 1, 1, h.train_loss, h.train_acc, 0.0, 0.0, h) for h in history]
    return sorted([*points, *ends], key=lambda p: (p.x if p.kind == "batch" else p.epoch, p.kind == "epoch"))


def curve_of(events: list[Progress] | tuple[Progress, ...], per_epoch: int = CURVE_POINTS) -> list[Progress]:
    """The batch reports to keep of a run: the newest in each 1/per_epoch of an epoch."""
    kept: dict[tuple[int, int], Progress] = {}
    for p in events:
        if p.kind == "batch":
            kept[(p.epoch, min(int(p.batch / max(p.batches, 1) * per_epoch), per_epoch - 1))] = p
    return list(kept.values())


def points(events) -> list[tuple[int, int, int, float, float]]:
    return [(p.epoch, p.batch, p.batches, round(p.loss, 5), round(p.accuracy, 5)) for p in curve_of(events)
            if math.isfinite(p.loss) and math.isfinite(p.accuracy)]


def path_of(folder: Path, stem: str) -> Path:
    return folder / f"{stem}{SUFFIX}"


def write(folder: Path, record: Record) -> Path:
    """Write the record atomically (checkpoint.write_atomic): the next start sees the old one or this one."""
    body = record.as_json()
    return checkpoint.write_atomic(path_of(folder, record.stem), lambda f: f.write(body))


def read(path: Path) -> Record:
    """A record, checked field by field; RecordError naming the file when it is damaged or not one."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ValueError("it is far larger than a record")
        data = json.loads(path.read_bytes())
        if not isinstance(data, dict) or data.pop("format", None) != FORMAT:
            raise ValueError(f"it is not a record of an mnist-demo run (format {FORMAT!r})")
        config = TrainConfig(**data.pop("config"))
        history = [EpochStats(**h) for h in data.pop("history", [])]
        curve = [tuple(c) for c in data.pop("curve", [])]
        stamp = data.pop("stamp", None)
        found = Record(config=config, history=history, curve=curve, stamp=tuple(stamp) if stamp else None, **data)
        _check(found)
    except (OSError, ValueError, TypeError, KeyError, UserError) as exc:
        raise RecordError(f"{path} could not be read back ({exc}); it was left as it is.") from None
    return found


def _number(value: object) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _check(r: Record) -> None:
    if type(r.id) is not int or r.id < 1 or not isinstance(r.stem, str) or not r.stem or "/" in r.stem:
        raise ValueError("its id or name is damaged")
    if r.state not in STATES or not isinstance(r.kind, str) or not isinstance(r.message, str):
        raise ValueError(f"its state {r.state!r} is not one a run has")
    if not all(_number(v) for h in r.history for v in asdict(h).values()):
        raise ValueError("its table of epochs holds values that are not numbers")
    if not all(len(c) == 5 and all(_number(v) for v in c) for c in r.curve):
        raise ValueError("its curve holds values that are not numbers")
    if r.checkpoint is not None and (not isinstance(r.checkpoint, str) or Path(r.checkpoint).name != r.checkpoint):
        raise ValueError("it names its model file with a path")
    if not all(v is None or isinstance(v, str) for v in (r.title, r.source)):
        raise ValueError("its title is not text")
    if r.stated_accuracy is not None and not (_number(r.stated_accuracy) and 0 <= r.stated_accuracy <= 1):
        raise ValueError("its test accuracy is not a number from 0 to 1")
    if not all(_number(v) for v in (r.started_at, r.updated_at, r.seconds)) or not (
            r.finished_at is None or _number(r.finished_at)):
        raise ValueError("its times are not numbers")
    if r.measures is not None and not (isinstance(r.measures, dict) and all(_number(v) for v in r.measures.values())):
        raise ValueError("its measures are not numbers")


def read_all(folder: Path) -> tuple[list[Record], list[str]]:
    """Every record in `folder`, oldest id first, and one line for each file that could not be read back."""
    records, problems, seen = [], [], set()
    for path in sorted(folder.glob(f"[!.]*{SUFFIX}")):
        try:
            found = read(path)
        except RecordError as exc:
            problems.append(str(exc))
            continue
        if found.id in seen:
            problems.append(f"{path} repeats the id of another run's record; it was left out.")
            continue
        seen.add(found.id)
        records.append(found)
    return sorted(records, key=lambda r: r.id), problems
