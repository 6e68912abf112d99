"""The app's runs and models, in one place: the list of runs, how many train at once, the model the whole class
reads with, the model a session chose for itself, which runs keep their weights in memory, and who may do what.

One `Runs` serves every session of a server (the web face builds one per process). Policy, decided here:
- The class model is the shipped model until the teacher chooses another; a finished run never replaces it by itself.
- A session may choose another model for itself; that choice is its own and pins the run's weights in memory for as
  long as the session holds its `Pin`.
- Only the teacher starts and stops runs, chooses the class model and deletes runs, unless the class is open
  (`open_class`, default from $MNIST_DEMO_OPEN_CLASS=1), when everyone may train.
- A Start while as many runs train as may at once ($MNIST_DEMO_MAX_RUNS, default 1) is refused, never queued: every
  page shows the run that trains, and no second one waits behind it unseen.
- Memory is bounded: the newest `KEEP_MODELS` ended runs (and pinned ones) keep their model and heavy data; older ones
  keep only their settings and table (their model stays on disk); past `KEEP_RUNS` the oldest are forgotten.
"""

from __future__ import annotations

import itertools
import os
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from mnist_demo import checkpoint
from mnist_demo.data import CLASS_NAMES, Split
from mnist_demo.errors import NotAllowed
from mnist_demo.messages import N_, Message, Name
from mnist_demo.network import TUTORIAL, Net
from mnist_demo.paths import SHIPPED, runs_dir
from mnist_demo.reading.not_sure import FeatureStats
from mnist_demo.runs.queue import RunSlots, max_runs
from mnist_demo.runs.run import TRAINING, Run
from mnist_demo.train.recipes import TrainConfig

SHIPPED_KEY = "shipped"
MAX_SPEC_TEXT = 400  # characters of a network's SPEC kept for the class to see
SHIPPED_NAME = Name((Message(N_("Shipped model")),))
KEEP_MODELS = 5  # ended runs, newest first, that keep their model and heavy per-epoch data in memory
KEEP_RUNS = 50  # runs remembered at all (the Compare runs list)
OPEN_CLASS_ENV = "MNIST_DEMO_OPEN_CLASS"


@dataclass(frozen=True)
class Model:
    """A network there is to read with: the shipped one or a finished run's."""

    key: str  # "shipped" or "run-<id>"
    name: Name
    model: Net
    dataset: str
    accuracy: float | None
    stats: FeatureStats | None = None

    @property
    def classes(self) -> list[str]:
        return CLASS_NAMES[self.dataset]


class Pin:
    """A session's chosen model: while the session holds it, that run keeps its weights in memory."""

    __slots__ = ("key", "__weakref__")

    def __init__(self, key: str) -> None:
        self.key = key


class Runs:
    def __init__(self, device: torch.device | str = "cpu", shipped: Path = SHIPPED,
                 checkpoint_dir: Path | None = None) -> None:
        self.device, self.shipped_path = torch.device(device), shipped
        self.checkpoint_dir = checkpoint_dir or runs_dir()
        self.slots = RunSlots()
        self.open_class = os.environ.get(OPEN_CLASS_ENV, "").strip() == "1"
        self._lock = threading.RLock()
        self._runs: list[Run] = []
        self._ids = itertools.count(1)
        self._class_key = SHIPPED_KEY
        self._pins: weakref.WeakSet[Pin] = weakref.WeakSet()  # empties itself as sessions end
        self._shipped: tuple[float, checkpoint.Checkpoint | None, str] | None = None
        self._version = 0
        self._draft = TUTORIAL

    # --- who may do what -------------------------------------------------------------------------------------
    def may_train(self, teacher: bool) -> bool:
        return teacher or self.open_class

    def _require(self, allowed: bool, refusal: str) -> None:
        if not allowed:
            raise NotAllowed(refusal)

    # --- the network the teacher is building ----------------------------------------------------------------------
    @property
    def draft(self) -> str:
        """The network (its SPEC) the teacher has on the Train page now: what every student's page shows, with its
        shapes, before and while it trains."""
        return self._draft

    def set_draft(self, arch: str, teacher: bool) -> None:
        """The teacher's network as they edit it; a SPEC that cannot work is kept too (the pages explain it)."""
        self._require(self.may_train(teacher), "change the network")
        if arch != self._draft:
            self._draft = arch[:MAX_SPEC_TEXT]
            self._changed()

    def set_open_class(self, open_: bool, teacher: bool) -> None:
        self._require(teacher, N_("Only the teacher can open training to the whole class."))
        self.open_class = bool(open_)
        self._changed()

    # --- runs ------------------------------------------------------------------------------------------------
    def start(self, config: TrainConfig, train: Split, test: Split, teacher: bool, start_from: Net | None = None,
              kind: str = TRAINING, after: Callable[[nn.Module], dict] | None = None, recipe: str | None = None
              ) -> Run:
        """Start a run and return it; refused while as many runs as may train at once (max_runs(), default 1) are
        training or about to: two Starts pressed at once in two tabs make one run, not a second that waits unseen.
        `after` measures the finished model (in the run's thread, before it reports the end); its answer is
        `run.measures`. `recipe`: the preset the settings came from, which names the run."""
        self._require(self.may_train(teacher), N_("Only the teacher can start a training run."))
        config.check_against(len(train))
        with self._lock:  # the check and the start together: a second Start waits here, then finds the first alive
            busy = self.alive()
            if len(busy) >= max_runs():
                raise NotAllowed(N_("{run} is still training: wait for it to end, or stop it, before starting "
                                    "another."), run=busy[-1].name)
            run = Run(next(self._ids), config, train, test, self.slots, self.checkpoint_dir, start_from, kind,
                      on_change=self._changed, after=after, recipe=recipe)
            self._runs.append(run)
            run.start()
        self._changed()
        return run

    def stop(self, run: Run, teacher: bool) -> None:
        self._require(self.may_train(teacher), N_("Only the teacher can stop a training run."))
        run.stop()

    def delete(self, run: Run, teacher: bool) -> None:
        """Forget an ended run (its checkpoint file stays); the class goes back to the shipped model if it was it."""
        self._require(teacher, N_("Only the teacher can delete runs."))
        if run.running:
            raise NotAllowed(N_("{run} is still going: stop it first."), run=run.name)
        with self._lock:
            if run in self._runs:
                self._runs.remove(run)
            if self._class_key == f"run-{run.id}":
                self._class_key = SHIPPED_KEY
        run.release()
        self._changed()

    def all(self) -> list[Run]:
        """Every run remembered, oldest first (a copy: other sessions add runs meanwhile)."""
        with self._lock:
            return list(self._runs)

    def alive(self) -> list[Run]:
        """Runs queued or training, oldest first."""
        return [r for r in self.all() if r.running]

    def running(self) -> Run | None:
        """The newest run still queued or training."""
        alive = self.alive()
        return alive[-1] if alive else None

    def can_start_now(self) -> bool:
        """Whether `start` would start a run now rather than refuse (MNIST_DEMO_MAX_RUNS, default 1)."""
        return len(self.alive()) < max_runs()

    # --- models ----------------------------------------------------------------------------------------------
    def shipped(self) -> tuple[checkpoint.Checkpoint | None, str]:
        """(the shipped model, "") or (None, why not: a Message); read again when the file changes."""
        try:
            mtime = self.shipped_path.stat().st_mtime
        except OSError:
            return None, Message(N_("No model at {name} in checkpoints/."), name=self.shipped_path.name)
        with self._lock:
            if self._shipped is None or self._shipped[0] != mtime:
                try:
                    self._shipped = (mtime, checkpoint.load(self.shipped_path, self.device), "")
                except checkpoint.CheckpointError as exc:
                    self._shipped = (mtime, None, exc.message)
            return self._shipped[1], self._shipped[2]

    def models(self) -> dict[str, Model]:
        """Every model there is to read with: the shipped one and each ended run whose weights are in memory."""
        found: dict[str, Model] = {}
        ckpt, _ = self.shipped()
        if ckpt is not None:
            found[SHIPPED_KEY] = Model(SHIPPED_KEY, SHIPPED_NAME, ckpt.model, ckpt.dataset, ckpt.test_accuracy,
                                       ckpt.feature_stats)
        for run in self.all():
            if run.model is not None:
                found[f"run-{run.id}"] = Model(f"run-{run.id}", run.name, run.model, run.config.dataset,
                                               run.test_accuracy, run.feature_stats)
        return found

    def class_model(self, found: dict[str, Model] | None = None) -> Model | None:
        """The model every session reads with unless it chose another."""
        found = self.models() if found is None else found
        return found.get(self._class_key) or found.get(SHIPPED_KEY) or next(iter(found.values()), None)

    @property
    def class_key(self) -> str:
        return self._class_key

    def set_class_model(self, key: str, teacher: bool) -> Model:
        self._require(teacher, N_("Only the teacher can choose the model the class reads with."))
        found = self.models()
        if key not in found:
            raise NotAllowed(N_("There is no model {key!r} to use (it may have been deleted)."), key=key)
        with self._lock:
            self._class_key = key
        self._changed()
        return found[key]

    def model_for(self, choice: Pin | None, found: dict[str, Model] | None = None) -> Model | None:
        """The model a session reads with: its own choice while that model exists, else the class model."""
        found = self.models() if found is None else found
        if choice is not None and choice.key in found:
            return found[choice.key]
        return self.class_model(found)

    def choose(self, key: str | None) -> Pin | None:
        """A session's own choice (None: follow the class model). Keep the returned Pin in the session."""
        if key is None:
            return None
        pin = Pin(key)
        self._pins.add(pin)
        return pin

    def pinned(self) -> set[int]:
        return {int(p.key.removeprefix("run-")) for p in list(self._pins) if p.key.startswith("run-")}

    # --- memory ----------------------------------------------------------------------------------------------
    def trim(self, keep_models: int | None = None, keep_runs: int | None = None) -> list[Run]:
        """Bound what the runs hold (see the module's docstring). Runs queued or training, pinned runs and the class
        model's run are never touched. Returns the runs released or forgotten by this call."""
        keep_models = KEEP_MODELS if keep_models is None else keep_models
        keep_runs = KEEP_RUNS if keep_runs is None else keep_runs
        with self._lock:
            spared = self.pinned() | ({int(self._class_key[4:])} if self._class_key.startswith("run-") else set())
            ended = [r for r in self._runs if not r.running and r.finished_at is not None]
            touched: list[Run] = []
            for run in ended[: max(len(ended) - keep_models, 0)]:
                if run.id not in spared and not run.released:
                    run.release()
                    touched.append(run)
            excess = len(self._runs) - keep_runs
            for run in [r for r in ended if r.id not in spared][: max(excess, 0)]:
                self._runs.remove(run)
                if run not in touched:
                    touched.append(run)
        return touched

    # --- following live --------------------------------------------------------------------------------------
    @property
    def version(self) -> int:
        """Grows whenever something a page shows changes: a run starts, ends an epoch or ends; the class model or
        the open-class setting changes. A page compares it with the value it drew to know it is out of date."""
        return self._version

    def _changed(self) -> None:
        with self._lock:
            self._version += 1
