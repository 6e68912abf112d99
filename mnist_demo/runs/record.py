"""A run's record on disk: what the pages show of it (its recipe, per-epoch table, curves, state, timings), as a
JSON file beside its checkpoint. Written atomically at each change of state and at each epoch's end, read back when
the server starts, so that yesterday's runs are there as if the server had never stopped.

The folder of runs holds, per run, `STEM.json` (this record), `STEM.pt` (its model, once finished) and
`STEM.pt.resume` (the state to go on from, while it trains; see checkpoint.save_state). A checkpoint without a
record was brought in (trained with `python -m mnist_demo train`, elsewhere, or uploaded): the app writes its record.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mnist_demo import checkpoint
from mnist_demo.errors import UserError
from mnist_demo.messages import N_, Clause, Message, Name
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
    kind: str  # "Training", "Fine-tuning" or "Brought in" (message ids: run.TRAINING, FINE_TUNING, BROUGHT)
    config: TrainConfig
    state: str  # one of STATES as last written: "queued" or "running" read back after a restart means interrupted
    message: str = ""  # a Message (kept as its id and parameters, so that a page words it in its language) or ""
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
    recipe: str | None = None  # the preset it was started from (Run.recipe)

    def as_json(self) -> bytes:
        data = asdict(dataclasses.replace(self, message=""))
        data["config"] = self.config.as_dict()
        data["message"] = encoded(self.message)
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


def encoded(value: object) -> object:
    """A message as JSON: its id and parameters (each in its turn), so that it is worded again when read back; an
    error as the form a browser is shown; a plain str as it is; anything else (a path, a system error) as its str."""
    if isinstance(value, UserError):
        value = value.public
    if isinstance(value, Name):
        return {"name": [encoded(part) for part in value.parts]}
    if isinstance(value, Message):
        return {"id": value.id, "params": {k: encoded(v) for k, v in value.params.items()},
                **({"clause": True} if isinstance(value, Clause) else {})}
    if value is None or type(value) in (bool, int, str):
        return value
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else str(value)  # "nan", "inf": JSON has no such numbers
    return str(value)


def decoded(data: object) -> object:
    """What `encoded` wrote, as a Message, Name or plain value again; ValueError when it is not that."""
    if isinstance(data, dict) and set(data) == {"name"} and isinstance(data["name"], list):
        return Name(tuple(str(decoded(part)) for part in data["name"]))
    if isinstance(data, dict) and isinstance(data.get("id"), str) and isinstance(data.get("params"), dict):
        try:
            message = Message(data["id"], **{str(k): decoded(v) for k, v in data["params"].items()})
        except (KeyError, IndexError, ValueError, TypeError, AttributeError):
            raise ValueError(Message(N_("its message does not fit its words"))) from None
        return Clause(message) if data.get("clause") else message
    if data is None or type(data) in (bool, int, float, str):
        return data
    raise ValueError(Message(N_("its message is damaged")))


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
            raise ValueError(Message(N_("it is far larger than a record")))
        data = json.loads(path.read_bytes())
        if not isinstance(data, dict) or data.pop("format", None) != FORMAT:
            raise ValueError(Message(N_("it is not a record of an mnist-demo run (format {format!r})"), format=FORMAT))
        data["message"] = decoded(data.get("message", ""))
        config = TrainConfig(**data.pop("config"))
        history = [EpochStats(**h) for h in data.pop("history", [])]
        curve = [tuple(c) for c in data.pop("curve", [])]
        stamp = data.pop("stamp", None)
        found = Record(config=config, history=history, curve=curve, stamp=tuple(stamp) if stamp else None, **data)
        _check(found)
    except (OSError, ValueError, TypeError, KeyError, UserError) as exc:
        raise RecordError(N_("{path} could not be read back ({why}); it was left as it is."), path=path,
                          why=_why(exc)) from None
    return found


def _why(exc: Exception) -> object:
    """What is wrong, as a clause of RecordError's sentence."""
    if isinstance(exc, UserError):
        return Clause(exc.message)
    if exc.args and isinstance(exc.args[0], Message):
        return exc.args[0]
    if isinstance(exc, KeyError):
        return Message(N_("{name} is missing"), name=repr(exc.args[0]) if exc.args else "?")
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)  # the system's words
    return Message(N_("{reason}"), reason=str(exc))


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and type(value) is not bool and math.isfinite(value)


def _check(r: Record) -> None:
    if type(r.id) is not int or r.id < 1 or not isinstance(r.stem, str) or not r.stem or "/" in r.stem:
        raise ValueError(Message(N_("its id or name is damaged")))
    if r.state not in STATES or not isinstance(r.kind, str) or not isinstance(r.message, str):
        raise ValueError(Message(N_("its state {state!r} is not one a run has"), state=r.state))
    if not all(_number(v) for h in r.history for v in asdict(h).values()):
        raise ValueError(Message(N_("its table of epochs holds values that are not numbers")))
    if not all(len(c) == 5 and all(_number(v) for v in c) for c in r.curve):
        raise ValueError(Message(N_("its curve holds values that are not numbers")))
    if r.checkpoint is not None and (not isinstance(r.checkpoint, str) or Path(r.checkpoint).name != r.checkpoint):
        raise ValueError(Message(N_("it names its model file with a path")))
    if not all(v is None or isinstance(v, str) for v in (r.title, r.source, r.recipe)):
        raise ValueError(Message(N_("its title is not text")))
    if r.stated_accuracy is not None and not (_number(r.stated_accuracy) and 0 <= r.stated_accuracy <= 1):
        raise ValueError(Message(N_("its test accuracy is not a number from 0 to 1")))
    if not all(_number(v) for v in (r.started_at, r.updated_at, r.seconds)) or not (
            r.finished_at is None or _number(r.finished_at)):
        raise ValueError(Message(N_("its times are not numbers")))
    if r.measures is not None and not (isinstance(r.measures, dict) and all(_number(v) for v in r.measures.values())):
        raise ValueError(Message(N_("its measures are not numbers")))


def read_all(folder: Path) -> tuple[list[Record], list[RecordError]]:
    """Every record in `folder`, oldest id first, and one line for each file that could not be read back."""
    records, problems, seen = [], [], set()
    for path in sorted(folder.glob(f"[!.]*{SUFFIX}")):
        try:
            found = read(path)
        except RecordError as exc:
            problems.append(exc)
            continue
        if found.id in seen:
            problems.append(RecordError(N_("{path} repeats the id of another run's record; it was left out."),
                                        path=path))
            continue
        seen.add(found.id)
        records.append(found)
    return sorted(records, key=lambda r: r.id), problems
