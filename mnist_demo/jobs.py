"""A training run in a background thread that a UI can watch, stop and keep after it ends.

How many runs train at once is set by the environment variable ``MNIST_DEMO_MAX_RUNS`` (a whole number, default
1): runs started beyond it wait, first come first served, and say so (``Snapshot.state == "queued"``,
``Snapshot.queue_position``). On a small machine one run at a time is fastest overall: runs that share the processor
each go slower, and so does reading the students' drawings. The variable is read whenever a run asks for a slot, so
a changed value applies to the next run that starts; anything but a whole number of at least 1 counts as 1.

Runs are kept by the app, not by a browser tab, so they grow in number for as long as it serves. `trim` bounds what
they hold: the newest `KEEP_MODELS` ended runs (and any run a session has chosen) keep their model, the test-set
readings of their last epoch and their live loss curve; older ones keep only their settings and per-epoch table (their
model stays on disk under checkpoints/runs/), and past `KEEP_RUNS` runs the oldest are forgotten.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import os
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from torch import nn

from . import checkpoint
from .data import Split
from .training import EpochStats, EvalResult, Progress, RunResult, TrainConfig, fit

MAX_RUNS_ENV = "MNIST_DEMO_MAX_RUNS"
KEEP_MODELS = 5  # ended runs, newest first, that keep their model and heavy per-epoch data in memory
KEEP_RUNS = 50  # runs remembered at all (the Compare runs list)

_ids = itertools.count(1)
_log = logging.getLogger(__name__)


def max_runs() -> int:
    """How many runs may train at once: $MNIST_DEMO_MAX_RUNS, a whole number >= 1; 1 when unset or invalid."""
    raw = os.environ.get(MAX_RUNS_ENV, "").strip()
    if not raw:
        return 1
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        _log.warning("%s=%r is not a whole number of at least 1: one run trains at a time", MAX_RUNS_ENV, raw)
        return 1
    return value


class RunSlots:
    """At most `max_runs()` runs train at once; the others wait in the order they asked, and can be stopped while
    they wait."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._waiting: list[object] = []  # oldest first
        self._holders: set[int] = set()

    def acquire(self, owner: object, stop: threading.Event) -> bool:
        """Block until `owner` may train (True) or `stop` is set (False)."""
        with self._cond:
            self._waiting.append(owner)
            try:
                while not stop.is_set():
                    free = max_runs() - len(self._holders)
                    if self._waiting.index(owner) < free:
                        self._holders.add(id(owner))
                        return True
                    self._cond.wait(timeout=1.0)  # the timeout picks up a changed MNIST_DEMO_MAX_RUNS
                return False
            finally:
                self._waiting.remove(owner)
                self._cond.notify_all()

    def release(self, owner: object) -> None:
        with self._cond:
            self._holders.discard(id(owner))
            self._cond.notify_all()

    def wake(self) -> None:
        """Let waiters look at their stop flag now."""
        with self._cond:
            self._cond.notify_all()

    def position(self, owner: object) -> int | None:
        """1 for the first in line, 2 for the next...; None when `owner` is not waiting."""
        with self._cond:
            return self._waiting.index(owner) + 1 if owner in self._waiting else None

    @property
    def training(self) -> int:
        with self._cond:
            return len(self._holders)


slots = RunSlots()  # shared by every run in the process: runs from several browser tabs queue here


@dataclass
class Snapshot:
    """A consistent copy of a job's state for drawing."""

    state: str  # queued | running | finished | stopped | diverged | failed
    progress: Progress | None
    history: list[EpochStats]
    live_loss: list[tuple[float, float]]
    message: str
    elapsed: float
    last_eval: EvalResult | None  # the test set as the model read it after epoch `last_eval_epoch`
    last_eval_epoch: int
    queue_position: int | None = None  # while queued: 1 for the next run to start

    @property
    def fraction(self) -> float:
        """Share of the run done: 0 while queued, 1 once it has ended."""
        if self.state == "queued":
            return 0.0
        if self.state == "running":
            return self.progress.fraction if self.progress is not None else 0.0
        return 1.0


@dataclass(eq=False)
class TrainingJob:
    config: TrainConfig
    train_split: Split | None  # None once `release`d
    test_split: Split | None
    checkpoint_dir: Path = Path("checkpoints") / "runs"
    id: int = field(default_factory=lambda: next(_ids))
    started_at: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._progress: Progress | None = None
        self._live: list[tuple[float, float]] = []
        self._last_eval: tuple[int, EvalResult | None] = (0, None)
        self._state = "queued"
        self._message = ""
        self.result: RunResult | None = None
        self.checkpoint_path: Path | None = None
        self.finished_at: float | None = None
        self.released = False
        self._thread = threading.Thread(target=self._run, name=f"training-job-{self.id}", daemon=True)

    @property
    def name(self) -> str:
        c = self.config
        words = [f"#{self.id}", c.dataset, c.optimizer, f"lr={c.lr:g}", f"batch={c.batch_size}"]
        if c.schedule != "constant":
            words.append(c.schedule)
        if c.augment != "none":
            words.append(f"augment={c.augment}")
        if c.label_smoothing:
            words.append(f"smoothing={c.label_smoothing:g}")
        return " ".join(words)

    def start(self) -> TrainingJob:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        slots.wake()  # a queued run ends at once

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    @property
    def model(self) -> nn.Module | None:
        """The trained network, once the run has finished (not when stopped or diverged)."""
        result = self.result  # read once: `release` replaces it
        return result.model if result is not None and result.status == "finished" else None

    def snapshot(self) -> Snapshot:
        position = slots.position(self) if self._state == "queued" else None
        with self._lock:
            history = list(self.result.history if self.result else (self._progress.history if self._progress else []))
            end = self.finished_at or time.time()
            return Snapshot(self._state, self._progress, history, list(self._live), self._message,
                            end - self.started_at, self._last_eval[1], self._last_eval[0], position)

    def release(self) -> None:
        """Drop what an ended run holds in memory beyond its settings and per-epoch table: the model (it stays on
        disk at `checkpoint_path`), the test-set readings, the live loss curve and the datasets."""
        if self.running:
            raise RuntimeError(f"run {self.id} is still going")
        with self._lock:
            if self.result is not None:
                self.result = dataclasses.replace(self.result, model=None, feature_stats=None)
            self._last_eval = (self._last_eval[0], None)
            self._live = []
            if self._progress is not None:
                self._progress = dataclasses.replace(self._progress, history=[])
            self.train_split = self.test_split = None
            self.released = True

    def _on_progress(self, p: Progress) -> None:
        with self._lock:
            p.history = list(p.history)
            self._progress = p
            if p.kind == "batch":
                self._live.append((p.epoch - 1 + p.batch / p.batches, p.running_loss))

    def _on_epoch_end(self, stats: EpochStats, model: nn.Module, result: EvalResult) -> None:
        with self._lock:
            self._last_eval = (stats.epoch, result)

    def _run(self) -> None:
        if not slots.acquire(self, self._stop):
            with self._lock:
                self._state, self._message = "stopped", "Stopped before it started."
                self.finished_at = time.time()
            return
        try:
            self._train()
        finally:
            slots.release(self)

    def _train(self) -> None:
        with self._lock:
            self._state = "stopped" if self._stop.is_set() else "running"
            self.started_at = time.time()
        if self._stop.is_set():
            self._message, self.finished_at = "Stopped before it started.", time.time()
            return
        try:
            result = fit(self.config, self.train_split, self.test_split, self._on_progress, self._stop,
                         self._on_epoch_end)
        except Exception as exc:  # shown on the page instead of dying silently in a thread
            with self._lock:
                self._state, self._message = "failed", f"Training failed: {type(exc).__name__}: {exc}"
                self.finished_at = time.time()
            return
        message = result.message
        if result.status == "finished":
            stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(self.started_at))
            try:
                self.checkpoint_path = checkpoint.save_run(self.checkpoint_dir / f"run-{stamp}-{self.id}.pt", result)
            except OSError as exc:
                message = f"The model is active but could not be saved: {exc}"
        with self._lock:
            self.result, self._state, self._message = result, result.status, message
            self.finished_at = time.time()


def trim(jobs: list[TrainingJob], pinned: Collection[int] = (), keep_models: int | None = None,
         keep_runs: int | None = None) -> list[TrainingJob]:
    """Bound what the app's runs hold (see the module's docstring); `jobs` is changed in place, oldest first.

    Runs still queued or training are never touched, nor are runs whose id is in `pinned` (a session's chosen
    model). Returns the runs released or forgotten by this call.
    """
    keep_models = KEEP_MODELS if keep_models is None else keep_models
    keep_runs = KEEP_RUNS if keep_runs is None else keep_runs
    ended = [j for j in jobs if not j.running and j.finished_at is not None]
    touched: list[TrainingJob] = []
    for job in ended[: max(len(ended) - keep_models, 0)]:
        if job.id not in pinned and not job.released:
            job.release()
            touched.append(job)
    excess = len(jobs) - keep_runs
    for job in [j for j in ended if j.id not in pinned][: max(excess, 0)]:
        jobs.remove(job)  # one at a time, never a rebuilt list: a run appended meanwhile by another tab stays
        if job not in touched:
            touched.append(job)
    return touched
