"""One training run in a background thread: it waits for a slot, trains, keeps its progress for anyone to draw,
computes the statistics behind "not sure", saves its checkpoint, and can give back its memory when it is old."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from torch import nn

from mnist_demo import checkpoint
from mnist_demo.data import Split
from mnist_demo.errors import UserError
from mnist_demo.insight.probe import Probe
from mnist_demo.messages import N_, Message, Name
from mnist_demo.network import TUTORIAL, Net
from mnist_demo.network.spec import PRESET_NAMES, preset_of
from mnist_demo.reading.not_sure import FeatureStats
from mnist_demo.runs.queue import RunSlots
from mnist_demo.train.loop import EpochStats, EvalResult, Progress, RunResult, fit
from mnist_demo.train.recipes import PRESETS, TrainConfig, recipe_of

RECIPE_NAMES = {"seed": N_("Tutorial"), "quick": N_("Quick"), "fast": N_("Fast"), "classroom": N_("Classroom")}
TRAINING, FINE_TUNING = N_("Training"), N_("Fine-tuning")  # the kinds of run
OPTIMIZER_NAMES = {"sgd": "SGD", "momentum": "Momentum", "adam": "Adam"}
assert set(RECIPE_NAMES) == set(PRESETS)
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """A consistent copy of a run's state for drawing: every view of a run reads one of these."""

    state: str  # queued | running | finished | stopped | did-not-learn | failed
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
    kind: str = TRAINING  # or FINE_TUNING
    on_change: Callable[[], None] = lambda: None  # told of every report and change of state
    listeners: list[Callable[[Progress], None]] = field(default_factory=list)  # more views of the live run
    started_at: float = field(default_factory=time.time)
    after: Callable[[nn.Module], dict] | None = None  # measures the finished model; its answer becomes `measures`
    recipe: str | None = None  # the preset it was started from (a key of PRESETS); None: worked out from `config`

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._events: list[Progress] = []
        self._last_eval: tuple[int, EvalResult | None] = (0, None)
        self._state, self._message, self._version = "queued", "", 0
        self.result: RunResult | None = None
        self.feature_stats: FeatureStats | None = None
        self.checkpoint_path: Path | None = None
        self.measures: dict | None = None  # what `after` said of the finished model (fine-tuning: before and after)
        self.finished_at: float | None = None
        self.released = False
        self.probe = Probe(self.test_split) if self.test_split is not None else None  # "watch it learn": small arrays
        if self.probe is not None:
            self.listeners.append(self.probe)
        self._thread = threading.Thread(target=self._run, name=f"run-{self.id}", daemon=True)

    @property
    def name(self) -> Name:
        """What people read, in parts: "Run 5 · Fast · Adam 0.016 · 99.1 %" (the dataset after the number when it is
        not MNIST, the kind instead of the recipe when fine-tuning)."""
        c = self.config
        recipe = RECIPE_NAMES[self.recipe if self.recipe in RECIPE_NAMES else recipe_of(c)]
        parts = [Message(N_("Run {n}"), n=self.id), Message(recipe if self.kind == TRAINING else self.kind),
                 f"{OPTIMIZER_NAMES[c.optimizer]} {c.lr:g}"]
        if c.arch != TUTORIAL:  # the network, when it is not the tutorial's: a preset's name, else its SPEC
            preset = preset_of(c.arch)
            parts.append(Message(PRESET_NAMES[preset]) if preset else c.arch)
        if c.dataset != "mnist":
            parts.insert(1, c.dataset)
        history = self.result.history if self.result is not None else []
        if history:
            parts.append(f"{history[-1].test_acc:.1%}".replace("%", " %"))
        return Name(tuple(parts))

    def start(self) -> Run:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.slots.wake()  # a queued run ends at once

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    @property
    def model(self) -> Net | None:
        """The trained network, once the run has finished (not when stopped or when it did not learn)."""
        result = self.result  # read once: `release` replaces it
        return result.model if result is not None and result.status == "finished" else None

    @property
    def test_accuracy(self) -> float | None:
        result = self.result
        return result.history[-1].test_acc if result is not None and result.history else None

    def snapshot(self) -> Snapshot:
        position = self.slots.position(self) if self._state == "queued" else None
        with self._lock:
            end = self.finished_at or time.time()
            return Snapshot(self._state, tuple(self._events), self._message, end - self.started_at,
                            self._last_eval[1], self._last_eval[0], position, self._version)

    def release(self) -> None:
        """Drop what an ended run holds in memory beyond its settings and per-epoch table: the model (it stays on
        disk at `checkpoint_path`), the test-set readings, the live curve and the datasets."""
        if self.running:
            raise RuntimeError(f"run {self.id} is still going")
        with self._lock:
            if self.result is not None:
                self.result = dataclasses.replace(self.result, model=None)
            self.feature_stats = None
            self._last_eval = (self._last_eval[0], None)
            self._events = [e for e in self._events if e.kind == "epoch"]
            self.train_split = self.test_split = self.start_from = self.after = None
            self.released = True
            self.probe = None

    def _record(self, p: Progress) -> None:
        """The run's own listener: keeps the report (without the live model) for snapshots."""
        for listener in self.listeners:
            listener(p)
        kept = dataclasses.replace(p, model=None, evaluation=None)
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
        if news:
            self.on_change()

    def _set(self, state: str, message: str = "", ended: bool = False) -> None:
        with self._lock:
            self._state, self._message, self._version = state, message, self._version + 1
            if ended:
                self.finished_at = time.time()
        self.on_change()

    def _run(self) -> None:
        if not self.slots.acquire(self, self._stop):
            self._set("stopped", Message(N_("Stopped before it started.")), ended=True)
            return
        try:
            self.started_at = time.time()
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
        result = fit(self.config, self.train_split, self.test_split, [self._record], self._stop, self.start_from)
        message = result.message
        if result.status == "finished":
            self.feature_stats = result.feature_stats
            stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(self.started_at))
            try:
                self.checkpoint_path = checkpoint.save_run(self.checkpoint_dir / f"run-{stamp}-{self.id}.pt",
                                                           result)
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
