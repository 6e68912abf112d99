"""A training run in a background thread that a UI can watch, stop and keep after it ends."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from torch import nn

from . import checkpoint
from .data import Split
from .training import EpochStats, EvalResult, Progress, RunResult, TrainConfig, fit

_ids = itertools.count(1)
_one_at_a_time = threading.Semaphore(1)  # runs from several browser tabs queue rather than share the processor


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


@dataclass(eq=False)
class TrainingJob:
    config: TrainConfig
    train_split: Split
    test_split: Split
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
        self._thread = threading.Thread(target=self._run, name=f"training-job-{self.id}", daemon=True)

    @property
    def name(self) -> str:
        c = self.config
        return f"#{self.id} {c.dataset} {c.optimizer} lr={c.lr:g} batch={c.batch_size}"

    def start(self) -> TrainingJob:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    @property
    def model(self) -> nn.Module | None:
        """The trained network, once the run has finished (not when stopped or diverged)."""
        return self.result.model if self.result and self.result.status == "finished" else None

    def snapshot(self) -> Snapshot:
        with self._lock:
            history = list(self.result.history if self.result else (self._progress.history if self._progress else []))
            end = self.finished_at or time.time()
            return Snapshot(self._state, self._progress, history, list(self._live), self._message,
                            end - self.started_at, self._last_eval[1], self._last_eval[0])

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
        with _one_at_a_time:
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
