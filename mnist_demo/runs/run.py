"""One training run in a background thread: it waits for a slot, trains, keeps its progress for anyone to draw,
computes the statistics behind "not sure", saves its checkpoint, and can give back its memory when it is old.

A run keeps itself on disk as it goes (runs/record.py): its record at each change and each epoch's end, and, for a
training run, the state to go on from (checkpoint.save_state). After a restart it comes back from its record
(`Run.restored`), its model read from its checkpoint when someone reads with it (`load`); one that was training is
"interrupted" and can go on (`Runs.resume`). A checkpoint brought in from elsewhere becomes a run too (`brought`)."""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import torch
from torch import nn

from mnist_demo import checkpoint
from mnist_demo.data import Split
from mnist_demo.errors import CheckpointError, UserError
from mnist_demo.insight.probe import Probe
from mnist_demo.messages import N_, Message, Name
from mnist_demo.network import TUTORIAL, Net
from mnist_demo.network.spec import PRESET_NAMES, preset_of
from mnist_demo.reading.not_sure import FeatureStats
from mnist_demo.runs import record
from mnist_demo.runs.queue import RunSlots
from mnist_demo.train.loop import EpochStats, EvalResult, Progress, RunResult, TrainState, fit
from mnist_demo.train.recipes import PRESETS, TrainConfig, recipe_of

RECIPE_NAMES = {"seed": N_("Tutorial"), "quick": N_("Quick"), "fast": N_("Fast"), "classroom": N_("Classroom")}
TRAINING, FINE_TUNING, BROUGHT = N_("Training"), N_("Fine-tuning"), N_("Brought in")  # the kinds of run
OPTIMIZER_NAMES = {"sgd": "SGD", "momentum": "Momentum", "adam": "Adam"}
assert set(RECIPE_NAMES) == set(PRESETS)
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """A consistent copy of a run's state for drawing: every view of a run reads one of these."""

    state: str  # queued | running | finished | stopped | did-not-learn | failed | interrupted (the server stopped)
    events: tuple[Progress, ...]  # the run's reports, oldest first (batch reports thinned to ~100 an epoch)
    message: str
    elapsed: float
    last_eval: EvalResult | None  # the test set as the model read it after epoch `last_eval_epoch`
    last_eval_epoch: int
    queue_position: int | None = None  # while queued: 1 for the next run to start
    version: int = 0  # grows with every report and change of state

    @property
    def progress(self) -> Progress | None:
        return self.events[-1] if self.events else None

    @property
    def history(self) -> list[EpochStats]:
        return [e.stats for e in self.events if e.stats is not None]

    @property
    def fraction(self) -> float:
        """Share of the run done: 0 while queued, 1 once it has ended."""
        if self.state == "queued":
            return 0.0
        if self.state == "running":
            return self.progress.fraction if self.progress is not None else 0.0
        if self.state == "interrupted":
            return len(self.history) / max(self.progress.epochs, 1) if self.progress is not None else 0.0
        return 1.0


@dataclass(eq=False)
class Run:
    id: int
    config: TrainConfig
    train_split: Split | None  # None once `release`d
    test_split: Split | None
    slots: RunSlots
    checkpoint_dir: Path
    start_from: Net | None = None  # fine-tune these weights instead of starting afresh
    kind: str = TRAINING  # or FINE_TUNING, or BROUGHT (a checkpoint the app did not train)
    on_change: Callable[[], None] = lambda: None  # told of every report and change of state
    listeners: list[Callable[[Progress], None]] = field(default_factory=list)  # more views of the live run
    started_at: float = field(default_factory=time.time)
    after: Callable[[nn.Module], dict] | None = None  # measures the finished model; its answer becomes `measures`
    stem: str = ""  # its files' name in checkpoint_dir: STEM.json, STEM.pt, STEM.pt.resume
    title: str | None = None  # the teacher's name for it
    resume_from: TrainState | None = field(default=None, repr=False)  # go on from here instead of from epoch 1
    earlier: list[Progress] = field(default_factory=list, repr=False)  # the reports before `resume_from`
    recipe: str | None = None  # the preset it was started from (a key of PRESETS); None: worked out from `config`

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._disk = threading.Lock()  # one writer of the record at a time: the newest state is the last written
        self._loading = threading.Lock()
        self._stop = threading.Event()
        self._events: list[Progress] = list(self.earlier)
        self.earlier = []
        self._last_eval: tuple[int, EvalResult | None] = (0, None)
        self._state, self._message, self._version = "queued", "", 0
        self.result: RunResult | None = None
        self.feature_stats: FeatureStats | None = None
        self.checkpoint_path: Path | None = None
        self.measures: dict | None = None  # what `after` said of the finished model (fine-tuning: before and after)
        self.finished_at: float | None = None
        self.released = False
        self.source: str | None = None  # a brought checkpoint's file name
        self.recipe_known = True  # False for a brought checkpoint that does not say how it was trained
        self.stated_accuracy: float | None = None  # a brought checkpoint's own test accuracy, when it has no table
        self.file_stamp: tuple[int, int] | None = None  # a brought checkpoint's (size, mtime) when it was read
        self.disk_trouble = ""  # why the run could not be kept on disk, if it could not
        self.stem = self.stem or f"run-{time.strftime('%Y%m%d-%H%M%S', time.localtime(self.started_at))}-{self.id}"
        self.probe = Probe(self.test_split) if self.test_split is not None else None  # "watch it learn": small arrays
        if self.probe is not None:
            self.listeners.append(self.probe)
        self._thread = threading.Thread(target=self._run, name=f"run-{self.id}", daemon=True)

    @property
    def name(self) -> Name:
        """What people read, in parts: "Run 5 · Fast · Adam 0.016 · 99.1 %" (the dataset after the number when it is
        not MNIST, the kind instead of the recipe when fine-tuning); "Run 5 · the teacher's title · 99.1 %" once
        renamed; "Run 7 · last.pt · Tutorial · SGD 0.01 · 98.9 %" for a checkpoint brought in."""
        c = self.config
        parts: list[str] = [Message(N_("Run {n}"), n=self.id)]
        if self.title:
            parts.append(self.title)
        else:
            if self.source:
                parts.append(self.source)
            if self.recipe_known:
                recipe = RECIPE_NAMES[self.recipe if self.recipe in RECIPE_NAMES else recipe_of(c)]
                parts += [Message(self.kind if self.kind == FINE_TUNING else recipe),
                          f"{OPTIMIZER_NAMES[c.optimizer]} {c.lr:g}"]
            if c.arch != TUTORIAL:  # the network, when it is not the tutorial's: a preset's name, else its SPEC
                preset = preset_of(c.arch)
                parts.append(Message(PRESET_NAMES[preset]) if preset else c.arch)
            if c.dataset != "mnist":
                parts.insert(1, c.dataset)
        accuracy = self.test_accuracy
        if accuracy is not None:
            parts.append(f"{accuracy:.1%}".replace("%", " %"))
        return Name(tuple(parts))

    @property
    def resume_file(self) -> Path:
        return checkpoint.resume_path(self.checkpoint_dir / f"{self.stem}.pt")

    @property
    def resumable(self) -> bool:
        """Whether this kind of run can go on after a stop: a fine-tuning run's data (the class set mixed with
        MNIST) is not kept, so it cannot."""
        return self.kind == TRAINING

    @property
    def interrupted(self) -> bool:
        return self._state == "interrupted"

    def start(self) -> Run:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.slots.wake()  # a queued run ends at once

    def join(self, timeout: float | None = None) -> None:
        if self._thread.ident is not None:  # a run read back from disk has no thread
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    @property
    def model(self) -> Net | None:
        """The trained network while in memory, once the run has finished (not when stopped or when it did not
        learn); `load` reads it back from its checkpoint."""
        result = self.result  # read once: `release` replaces it
        return result.model if result is not None and result.status == "finished" else None

    @property
    def offers_model(self) -> bool:
        """Whether there is a model to read with: a finished run's, in memory or in its checkpoint."""
        if self._state != "finished":
            return False
        return self.model is not None or (self.checkpoint_path is not None and self.checkpoint_path.is_file())

    def load(self, device: torch.device | str = "cpu") -> tuple[Net, FeatureStats | None]:
        """(the model, its "not sure" statistics): from memory, or read from the checkpoint with every check and
        kept until `release`. CheckpointError when the file is gone or fails a check."""
        with self._loading:
            model = self.model
            if model is not None:
                return model, self.feature_stats
            if self._state != "finished" or self.checkpoint_path is None:
                raise CheckpointError(N_("{run} has no model to read with."), run=self.name)
            found = checkpoint.load(self.checkpoint_path, device)
            with self._lock:
                self.result = (dataclasses.replace(self.result, model=found.model) if self.result is not None else
                               RunResult(self.config, found.model))
                self.feature_stats = found.feature_stats
                self.released = False
            return found.model, found.feature_stats

    @property
    def test_accuracy(self) -> float | None:
        result = self.result
        if result is not None and result.history:
            return result.history[-1].test_acc
        return self.stated_accuracy

    def snapshot(self) -> Snapshot:
        position = self.slots.position(self) if self._state == "queued" else None
        with self._lock:
            end = self.finished_at or time.time()
            return Snapshot(self._state, tuple(self._events), self._message, end - self.started_at,
                            self._last_eval[1], self._last_eval[0], position, self._version)

    def release(self) -> None:
        """Drop what an ended run holds in memory beyond its settings, per-epoch table and a few points of its
        running curve: the model (it stays on disk at `checkpoint_path`), the test-set readings, the datasets."""
        if self.running:
            raise RuntimeError(f"run {self.id} is still going")
        with self._lock:
            if self.result is not None:
                self.result = dataclasses.replace(self.result, model=None)
            self.feature_stats = None
            self._last_eval = (self._last_eval[0], None)
            kept = set(map(id, record.curve_of(self._events)))
            self._events = [e for e in self._events if e.kind == "epoch" or id(e) in kept]
            self.train_split = self.test_split = self.start_from = self.after = None
            self.released = True
            self.probe = None

    def rename(self, title: str | None) -> None:
        with self._lock:
            self.title = title
            self._version += 1
        self.save_record()

    # --- on disk -------------------------------------------------------------------------------------------------

    def as_record(self) -> record.Record:
        with self._lock:
            result = self.result
            history = result.history if result is not None else [e.stats for e in self._events if e.stats]
            path = self.checkpoint_path
            try:
                info = path.stat() if path is not None else None
            except OSError:
                info = None
            return record.Record(
                self.id, self.stem, self.kind, self.config, self._state, self._message, started_at=self.started_at,
                updated_at=time.time(), finished_at=self.finished_at, history=list(history),
                curve=record.points(self._events), checkpoint=path.name if path is not None else None,
                stamp=self.file_stamp or ((info.st_size, info.st_mtime_ns) if info is not None else None),
                title=self.title, recipe=self.recipe,
                recipe_known=self.recipe_known, measures=self.measures,
                seconds=result.seconds if result is not None else 0.0,
                device=result.device if result is not None else self.config.device, source=self.source,
                stated_accuracy=self.stated_accuracy)

    def save_record(self) -> None:
        """Write the record (atomically); a folder that cannot be written is said once in the log and in
        `disk_trouble`, and the run goes on."""
        with self._disk:
            try:
                record.write(self.checkpoint_dir, self.as_record())
            except OSError as exc:
                self._trouble(exc)

    def forget_files(self) -> None:
        """Delete the run's files: its record, model and saved state."""
        with self._disk:
            for path in (record.path_of(self.checkpoint_dir, self.stem), self.checkpoint_path, self.resume_file):
                if path is not None:
                    try:
                        path.unlink(missing_ok=True)
                    except OSError as exc:
                        self._trouble(exc)

    def _trouble(self, exc: OSError) -> None:
        if not self.disk_trouble:
            _log.warning("run %s could not be kept on disk: %s", self.id, exc)
        self.disk_trouble = str(exc)

    def _keep_state(self, p: Progress) -> None:
        """At an epoch's end, the state to go on from, should the server stop before the run ends."""
        if self.resumable and p.resumable is not None and p.epoch < p.epochs:
            try:
                checkpoint.save_state(self.resume_file, p.resumable())
            except OSError as exc:
                self._trouble(exc)

    # --- in the run's thread -------------------------------------------------------------------------------------

    def _record(self, p: Progress) -> None:
        """The run's own listener: keeps the report (without the live model) for snapshots, and at each epoch's end
        keeps the run on disk."""
        for listener in self.listeners:
            listener(p)
        kept = dataclasses.replace(p, model=None, evaluation=None, resumable=None)
        with self._lock:
            last = self._events[-1] if self._events else None
            news = p.kind == "epoch" or last is None or last.epoch != p.epoch  # an epoch began or ended
            if p.kind == "epoch":
                self._last_eval = (p.epoch, p.evaluation)
            elif last is not None and last.kind == "batch" and last.epoch == p.epoch and int(p.x * 100) == int(
                    last.x * 100):
                # at most about 100 batch reports an epoch: the newest of each hundredth of it (comparing with the
                # report it replaces instead kept one report an epoch, and the curves had no running line)
                self._events[-1] = kept
                self._version += 1
                return
            self._events.append(kept)
            self._version += 1
        if p.kind == "epoch":
            self._keep_state(p)  # first the state, then the record that counts its epoch
            self.save_record()
        if news:
            self.on_change()

    def _set(self, state: str, message: str = "", ended: bool = False) -> None:
        with self._lock:
            self._state, self._message, self._version = state, message, self._version + 1
            if ended:
                self.finished_at = time.time()
        if ended:
            try:
                self.resume_file.unlink(missing_ok=True)  # ended: nothing to go on with
            except OSError as exc:
                self._trouble(exc)
        self.save_record()
        self.on_change()

    def _run(self) -> None:
        if not self.slots.acquire(self, self._stop):
            self._set("stopped", Message(N_("Stopped before it started.")), ended=True)
            return
        try:
            self.started_at = time.time() - (self.resume_from.seconds if self.resume_from is not None else 0.0)
            self._set("running")
            self._train()
        except Exception as exc:  # shown on the page instead of dying silently in a thread
            _log.exception("run %s failed", self.id)
            why = exc if isinstance(exc, UserError) else Message(N_("an unexpected error (the server log has the "
                                                                    "details)"))
            self._set("failed", Message(N_("Training failed: {why}."), why=why), ended=True)
        finally:
            self.slots.release(self)

    def _train(self) -> None:
        assert self.train_split is not None and self.test_split is not None  # released only once the run has ended
        resume_from, self.resume_from = self.resume_from, None  # the run holds it no longer than it needs it
        result = fit(self.config, self.train_split, self.test_split, [self._record], self._stop, self.start_from,
                     resume=resume_from)
        message = result.message
        if result.status == "finished":
            self.feature_stats = result.feature_stats
            try:
                self.checkpoint_path = checkpoint.save_run(self.checkpoint_dir / f"{self.stem}.pt", result)
            except OSError as exc:
                message = Message(N_("The model could not be saved: {why}"), why=exc)
            if self.after is not None and result.model is not None:
                try:
                    self.measures = self.after(result.model)
                except Exception as exc:  # the run itself is fine: say so and keep it
                    _log.exception("run %s: measuring the finished model failed", self.id)
                    why = exc if isinstance(exc, UserError) else Message(N_("see the server log"))
                    message = (Message(N_("{message} It could not be measured ({why})."), message=message, why=why)
                               if message else Message(N_("It could not be measured ({why})."), why=why))
        with self._lock:
            self.result = result
        self._set(result.status, message, ended=True)

    # --- read back -----------------------------------------------------------------------------------------------

    @classmethod
    def restored(cls, found: record.Record, slots: RunSlots, folder: Path,
                 on_change: Callable[[], None] = lambda: None) -> Run:
        """A run as its record left it. One that was queued or training when the server stopped is "interrupted"
        after the epochs it had finished; its model, if any, is read from its checkpoint when someone reads with it."""
        run = cls(found.id, found.config, None, None, slots, folder, kind=found.kind, on_change=on_change,
                  started_at=found.started_at, stem=found.stem, title=found.title, earlier=found.events(),
                  recipe=found.recipe)
        ended: Literal["finished", "stopped", "did-not-learn"] = (
            "finished" if found.state == "finished" else "did-not-learn" if found.state == "did-not-learn" else
            "stopped")
        run.result = RunResult(found.config, None, list(found.history), ended, found.message, found.seconds,
                               found.device)
        run.checkpoint_path = folder / found.checkpoint if found.checkpoint else None
        run.measures, run.recipe_known = found.measures, found.recipe_known
        run.source, run.stated_accuracy, run.file_stamp = found.source, found.stated_accuracy, found.stamp
        run.finished_at = found.finished_at or found.updated_at
        run._state, run._message = found.state, found.message
        if found.state in ("queued", "running"):
            run._state = "interrupted"
            run._message = Message(N_("Interrupted after epoch {epoch} of {epochs}: the server stopped while it "
                                      "trained."), epoch=len(found.history), epochs=found.config.epochs)
        run.released = True
        return run

    @classmethod
    def brought(cls, run_id: int, found: checkpoint.Checkpoint, slots: RunSlots,
                on_change: Callable[[], None] = lambda: None) -> Run:
        """A finished run made of a checkpoint the app did not train (already loaded, so checked): its recipe,
        table and test accuracy as the file gives them."""
        meta, path = found.meta, found.path
        assert path is not None, "a loaded checkpoint knows its file"
        try:
            config, known = TrainConfig(**meta["config"]), True
        except (KeyError, TypeError, UserError):
            config, known = TrainConfig(dataset=found.dataset, epochs=max(len(meta.get("history") or []), 1)), False
        config = dataclasses.replace(config, arch=found.model.arch)  # the network the file holds, checked
        try:
            history = [EpochStats(**h) for h in meta.get("history") or []]
        except TypeError:
            history = []
        stated = meta.get("seconds")
        seconds = float(stated) if isinstance(stated, (int, float)) and math.isfinite(stated) else 0.0
        info = path.stat()
        run = cls(run_id, config, None, None, slots, path.parent, kind=BROUGHT, on_change=on_change,
                  started_at=info.st_mtime - seconds, stem=path.stem)
        run.source, run.recipe_known = path.name, known
        run.file_stamp = (info.st_size, info.st_mtime_ns)
        run.stated_accuracy = found.test_accuracy
        run._events = record.reports(history, [], config.epochs)
        run.result = RunResult(config, found.model, history, "finished", "", seconds, str(meta.get("device", "cpu")),
                               found.feature_stats)
        run.feature_stats = found.feature_stats
        run.checkpoint_path = path
        run.finished_at = info.st_mtime
        run._state = "finished"
        return run
