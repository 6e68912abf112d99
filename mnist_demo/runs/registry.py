"""The app's runs and models, in one place: the list of runs, how many train at once, the model the whole class
reads with, the model a session chose for itself, which runs keep their weights in memory, and who may do what.

One `Runs` serves every session of a server (the web face builds one per process). Policy, decided here:
- The class model is the shipped model until the teacher chooses another; a finished run never replaces it by itself.
- A session may choose another model for itself; that choice is its own and pins the run's weights in memory for as
  long as the session holds its `Pin`.
- Only the teacher starts and stops runs, chooses the class model and deletes runs, unless the class is open
  (`open_class`, default from $MNIST_DEMO_OPEN_CLASS=1), when everyone may train.
- A Start while as many runs train as may at once ($MNIST_DEMO_MAX_RUNS, default 1) is refused, never queued: every
  page shows the run that trains, and no second one waits behind it unseen. Resuming an interrupted run is a Start.
- Memory is bounded: the newest `KEEP_MODELS` ended runs (and pinned ones) keep their model and heavy data; older ones
  keep only their settings and table (their model stays on disk, read back when someone reads with it); past
  `KEEP_RUNS` the oldest are forgotten (their files stay).
- The lesson survives a restart: every run keeps its record in the runs folder (runs/record.py) and comes back when
  the next server starts, one that was training as "interrupted", which the teacher can resume. A checkpoint put in
  the folder, or uploaded, joins the runs once it passes every check. The class model and the open class are kept in
  `settings` (the class set's SQLite file), and restored; a class model that is gone or fails its checks gives way
  to the shipped model, and `notes` tell the teacher why.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import re
import secrets
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import torch
from torch import nn

from mnist_demo import checkpoint
from mnist_demo.checkpoint.checks import MAX_BYTES
from mnist_demo.checkpoint.files import save_error
from mnist_demo.data import CLASS_NAMES, Split
from mnist_demo.errors import CheckpointError, NotAllowed, UserError
from mnist_demo.messages import N_, Message, Name
from mnist_demo.network import TUTORIAL, Net
from mnist_demo.paths import SHIPPED, runs_dir
from mnist_demo.reading.not_sure import FeatureStats
from mnist_demo.runs import record
from mnist_demo.runs.queue import RunSlots, max_runs
from mnist_demo.runs.run import BROUGHT, TRAINING, Run
from mnist_demo.train.recipes import TrainConfig

SHIPPED_KEY = "shipped"
MAX_SPEC_TEXT = 400  # characters of a network's SPEC kept for the class to see
SHIPPED_NAME = Name((Message(N_("Shipped model")),))
KEEP_MODELS = 5  # ended runs, newest first, that keep their model and heavy per-epoch data in memory
KEEP_RUNS = 50  # runs remembered at all (the Compare runs list)
OPEN_CLASS_ENV = "MNIST_DEMO_OPEN_CLASS"
SCAN_EVERY = 3.0  # seconds between looks for checkpoints put in the runs folder
LARGE_FOLDER = 256 * 2**20  # the teacher is told when the runs folder grows past this
MAX_TITLE = 60
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Model:
    """A network there is to read with: the shipped one or a finished run's. Its weights are read (from memory, or
    from the run's checkpoint) when `model` or `stats` is first asked for."""

    key: str  # "shipped" or "run-<id>"
    name: Name
    dataset: str
    accuracy: float | None
    source: Callable[[], tuple[Net, FeatureStats | None]] = field(repr=False, compare=False)

    @property
    def model(self) -> Net:
        return self.source()[0]

    @property
    def stats(self) -> FeatureStats | None:
        return self.source()[1]

    @property
    def classes(self) -> list[str]:
        return CLASS_NAMES[self.dataset]


class Settings(Protocol):
    """Where the class's settings are kept (classset.ClassSet: a table in the class set's SQLite file)."""

    def setting(self, key: str) -> str | None: ...

    def keep_setting(self, key: str, value: str) -> None: ...


class Memory:
    """Settings kept for as long as the server runs: when the class set's file cannot keep them."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def setting(self, key: str) -> str | None:
        return self._values.get(key)

    def keep_setting(self, key: str, value: str) -> None:
        self._values[key] = value


class Pin:
    """A session's chosen model: while the session holds it, that run keeps its weights in memory."""

    __slots__ = ("key", "__weakref__")

    def __init__(self, key: str) -> None:
        self.key = key


class Runs:
    def __init__(self, device: torch.device | str = "cpu", shipped: Path = SHIPPED,
                 checkpoint_dir: Path | None = None, settings: Settings | None = None) -> None:
        self.device, self.shipped_path = torch.device(device), shipped
        self.checkpoint_dir = checkpoint_dir or runs_dir()
        self.settings = settings or Memory()
        self.slots = RunSlots()
        self.notes: list[Message] = []  # what the teacher should know: a class model given up, files left out
        self._lock = threading.RLock()
        self._runs: list[Run] = []
        self._ids = itertools.count(1)
        self._class_key = SHIPPED_KEY
        self._pins: weakref.WeakSet[Pin] = weakref.WeakSet()  # empties itself as sessions end
        self._shipped: tuple[float, checkpoint.Checkpoint | None, str] | None = None
        self._version = 0
        self._refused: dict[str, tuple[int, int]] = {}  # checkpoints that failed a check, by name: (size, mtime)
        self._broken: dict[str, tuple[int, int] | None] = {}  # runs whose model failed to load, by key: the file then
        self._scanned = 0.0
        self._scanning = threading.Lock()
        self._stems: set[str] = set()  # every run's name on disk, listed or forgotten: never brought in again
        self._draft = TUTORIAL
        saved = self._setting("open_class")
        self.open_class = saved == "1" if saved is not None else os.environ.get(OPEN_CLASS_ENV, "").strip() == "1"
        self._restore()

    # --- kept on disk ----------------------------------------------------------------------------------------
    def _restore(self) -> None:
        """Read the runs folder back: each record becomes a run again (the newest KEEP_RUNS), each checkpoint
        without one is brought in, and the class model chosen before is checked and chosen again."""
        folder = self.checkpoint_dir
        if not folder.is_dir():
            return
        _sweep(folder)
        found, problems = record.read_all(folder)
        ids = [r.id for r in found]
        self._stems |= {r.stem for r in found}
        with self._lock:
            for kept in found[-KEEP_RUNS:]:
                self._runs.append(Run.restored(kept, self.slots, folder, self._changed))
            self._ids = itertools.count(max(ids, default=0) + 1)
        for problem in problems:
            _log.warning("%s", problem)
        if problems:
            self.notes.append(Message(N_("{n} file(s) in {folder} could not be read back as runs and were left as "
                                         "they are; the server's log names them. The first: {first}"),
                                      n=len(problems), folder=folder, first=problems[0]))
        self.refresh(force=True)
        saved = self._setting("class_model")
        if saved and saved != SHIPPED_KEY:
            chosen = next((r for r in self.all() if r.checkpoint_path is not None and
                           r.checkpoint_path.name == saved), None)
            if chosen is None or chosen.checkpoint_path is None or not chosen.checkpoint_path.is_file():
                self._give_up_class_model(Message(N_("The class model chosen before, {name}, is no longer in "
                                                     "{folder}."), name=saved, folder=folder))
            else:
                try:
                    chosen.load(self.device)
                    self._class_key = f"run-{chosen.id}"
                except CheckpointError as exc:
                    self._give_up_class_model(Message(N_("The class model chosen before could not be used: {why}"),
                                                      why=exc))

    def refresh(self, force: bool = False) -> list[Run]:
        """Bring in the checkpoints put in the runs folder since the last look (at most every SCAN_EVERY seconds
        unless `force`), and read again a brought one whose file was replaced: each that passes every check is a
        run; one that fails is said once in `notes` (again if the file changes). Returns the runs added."""
        now = time.monotonic()
        if not force and now - self._scanned < SCAN_EVERY or not self._scanning.acquire(blocking=False):
            return []
        try:
            self._scanned = now
            try:
                files = sorted(self.checkpoint_dir.glob("[!.]*.pt"))
            except OSError:
                return []
            with self._lock:
                by_file = {r.checkpoint_path.name: r for r in self._runs if r.checkpoint_path is not None}
                stems = self._stems | {r.stem for r in self._runs}  # a run saving its checkpoint now is one of these
            added = [run for path in files if (run := self._bring_file(path, by_file.get(path.name), stems))]
        finally:
            self._scanning.release()
        if added:
            self._changed()
        return added

    def _bring_file(self, path: Path, known: Run | None, stems: set[str]) -> Run | None:
        stamp = _stamp(path)
        if stamp is None or self._refused.get(path.name) == stamp:
            return None
        if known is not None and (known.kind != BROUGHT or known.file_stamp in (None, stamp) or known.running):
            return None
        if known is None and path.stem in stems:
            return None
        try:
            found = checkpoint.load(path, self.device)
        except CheckpointError as exc:
            self._refused[path.name] = stamp
            _log.warning("%s", exc)
            self.notes.append(Message(N_("{name} in the runs folder was not added: {why}"), name=path.name, why=exc))
            self._changed()
            return None
        self._refused.pop(path.name, None)
        with self._lock:  # a replaced file is a new run (a new key: nothing cached of the old model is shown)
            run = Run.brought(next(self._ids), found, self.slots, self._changed)
            if known is not None and known in self._runs:
                run.title = known.title
                self._runs[self._runs.index(known)] = run
                if self._class_key == f"run-{known.id}":
                    self._class_key = f"run-{run.id}"
            else:
                self._runs.append(run)
            self._stems.add(run.stem)
        run.save_record()
        return run

    def bring(self, data: bytes, name: str, teacher: bool) -> Run:
        """Add an uploaded checkpoint to the runs: written to the runs folder under its own name (made unique) only
        once it has passed every check. A file that fails one changes nothing: CheckpointError says why."""
        self._require(teacher, N_("Only the teacher can add a model."))
        shown = _file_name(name)
        if len(data) > MAX_BYTES:  # checks.check_size's words, before anything is written
            raise _not_added(Message(N_("{path} is {size}; an mnist-demo checkpoint is about 0.5 MB for the "
                                        "tutorial's network and at most {most}: it is not one."), path=shown,
                                     size=_megabytes(len(data)), most=_megabytes(MAX_BYTES)))
        folder = self.checkpoint_dir
        trial = folder / f".upload-{secrets.token_hex(4)}.pt"  # hidden: never taken for a run while checked
        try:
            checkpoint.write_atomic(trial, lambda f: f.write(data))
            try:
                found = checkpoint.load(trial, self.device)
            except CheckpointError as exc:
                raise _not_added(_named(exc.message, trial, shown)) from None
            target = _link_free(trial, folder, shown)
        except OSError as exc:
            raise exc if isinstance(exc, UserError) else save_error(folder / shown, exc) from None
        finally:
            trial.unlink(missing_ok=True)
        found = replace(found, path=target)
        with self._lock:
            run = Run.brought(next(self._ids), found, self.slots, self._changed)
            self._runs.append(run)
            self._stems.add(run.stem)
        run.save_record()
        self._changed()
        return run

    def folder_size(self) -> tuple[int, int]:
        """(how many runs, how many bytes) the runs folder holds on disk, listed or not."""
        runs, size = 0, 0
        try:
            for path in self.checkpoint_dir.iterdir():
                info = _stamp(path)
                if info is not None:
                    size += info[0]
                    runs += path.suffix == record.SUFFIX and not path.name.startswith(".")
        except OSError:
            pass
        return runs, size

    def too_large(self) -> bool:
        return self.folder_size()[1] > LARGE_FOLDER

    def _setting(self, key: str) -> str | None:
        try:
            return self.settings.setting(key)
        except UserError as exc:
            self._settings_trouble(exc)
            return None

    def _keep(self, key: str, value: str) -> None:
        try:
            self.settings.keep_setting(key, value)
        except UserError as exc:
            self._settings_trouble(exc)

    def _settings_trouble(self, exc: UserError) -> None:
        note = Message(N_("The class's settings could not be kept, so they last only until the server stops: {why}"),
                       why=exc)
        _log.warning("%s", note)
        if note not in self.notes:
            self.notes.append(note)

    def _give_up_class_model(self, why: Message) -> None:
        """Back to the shipped model, with the reason for the teacher."""
        with self._lock:
            self._class_key = SHIPPED_KEY
        self.notes.append(Message(N_("{why} The class reads with the shipped model until you choose another."),
                                  why=why))
        _log.warning("%s", self.notes[-1])
        self._keep("class_model", SHIPPED_KEY)
        self._changed()

    def dismiss_notes(self, teacher: bool) -> None:
        self._require(teacher, N_("Only the teacher can dismiss the server's notes."))
        self.notes.clear()
        self._changed()

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
        self._require(self.may_train(teacher), N_("Only the teacher can change the network."))
        if arch != self._draft:
            self._draft = arch[:MAX_SPEC_TEXT]
            self._changed()

    def set_open_class(self, open_: bool, teacher: bool) -> None:
        self._require(teacher, N_("Only the teacher can open training to the whole class."))
        self.open_class = bool(open_)
        self._keep("open_class", "1" if self.open_class else "0")
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
            self._refuse_if_busy()
            run = Run(next(self._ids), config, train, test, self.slots, self.checkpoint_dir, start_from, kind,
                      on_change=self._changed, after=after, recipe=recipe)
            self._runs.append(run)
            self._stems.add(run.stem)
            run.start()
        self._changed()
        return run

    def _refuse_if_busy(self) -> None:
        busy = self.alive()
        if len(busy) >= max_runs():
            raise NotAllowed(N_("{run} is still training: wait for it to end, or stop it, before starting another."),
                             run=busy[-1].name)

    def stop(self, run: Run, teacher: bool) -> None:
        self._require(self.may_train(teacher), N_("Only the teacher can stop a training run."))
        run.stop()

    def delete(self, run: Run, teacher: bool) -> None:
        """Delete an ended run and its files (record, model, saved state); the class goes back to the shipped model
        if it was it."""
        self._require(teacher, N_("Only the teacher can delete runs."))
        if run.running:
            raise NotAllowed(N_("{run} is still going: stop it first."), run=run.name)
        with self._lock:
            if run in self._runs:
                self._runs.remove(run)
            was_class = self._class_key == f"run-{run.id}"
            if was_class:
                self._class_key = SHIPPED_KEY
            self._stems.discard(run.stem)
        if was_class:
            self._keep("class_model", SHIPPED_KEY)
        run.release()
        run.forget_files()
        self._changed()

    def rename(self, run: Run, title: str, teacher: bool) -> None:
        """Give a run the teacher's name (kept in its record); an empty one gives back the name it was born with."""
        self._require(teacher, N_("Only the teacher can rename runs."))
        title = " ".join(str(title).split())
        if len(title) > MAX_TITLE:
            raise NotAllowed(N_("A run's name can be at most {most} characters long; this one has {n}."),
                             most=MAX_TITLE, n=len(title))
        run.rename(title.replace(" · ", " - ") or None)
        self._changed()

    def resume(self, run: Run, train: Split, test: Split, teacher: bool) -> Run:
        """Go on with an interrupted run from the last epoch it finished, with its own settings: the same run (its
        id, name, files and curves so far) trains on. Without a saved state (stopped in its first epoch) it starts
        again from epoch 1."""
        self._require(self.may_train(teacher), N_("Only the teacher can resume a training run."))
        if not run.interrupted:
            raise NotAllowed(N_("{run} was not interrupted: there is nothing to resume."), run=run.name)
        if not run.resumable:
            raise NotAllowed(N_("{run} cannot be resumed: its data is not kept. Start it again instead."),
                             run=run.name)
        state = None
        if run.resume_file.exists():
            state, _ = checkpoint.load_state(run.resume_file)
        config = replace(state.config if state is not None else run.config, device=self.device.type)
        config.check_against(len(train))
        done, history = (state.epoch, state.history) if state is not None else (0, [])
        points = [e for e in run.snapshot().events if e.kind == "batch" and e.epoch <= done]
        earlier = record.reports(history, points, config.epochs)  # the saved state's table is the one it goes on with
        with self._lock:  # one Start at a time (see start): going on with a run is one
            if run not in self._runs or not run.interrupted:
                raise NotAllowed(N_("{run} is already going on, or was deleted."), run=run.name)
            self._refuse_if_busy()
            again = Run(run.id, config, train, test, self.slots, self.checkpoint_dir, kind=run.kind,
                        on_change=self._changed, stem=run.stem, title=run.title, resume_from=state, earlier=earlier,
                        recipe=run.recipe)
            self._runs[self._runs.index(run)] = again
            again.start()
        self._changed()
        return again

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
        """Every model there is to read with: the shipped one and each finished run's (in memory, or in its
        checkpoint, then read when first used)."""
        found: dict[str, Model] = {}
        ckpt, _ = self.shipped()
        if ckpt is not None:
            found[SHIPPED_KEY] = Model(SHIPPED_KEY, SHIPPED_NAME, ckpt.dataset, ckpt.test_accuracy,
                                       lambda: (ckpt.model, ckpt.feature_stats))
        for run in self.all():
            if run.offers_model and not self._unreadable(run):
                found[f"run-{run.id}"] = Model(f"run-{run.id}", run.name, run.config.dataset, run.test_accuracy,
                                               functools.partial(run.load, self.device))
        return found

    def _usable(self, model: Model | None) -> bool:
        """Whether `model`'s weights can be read: a run whose checkpoint has gone or fails its checks since is
        not (and the teacher is told, once)."""
        if model is None:
            return False
        try:
            model.source()
            return True
        except CheckpointError as exc:
            run = self.find(model.key)
            if run is not None and run.checkpoint_path is not None:
                self._broken[model.key] = _stamp(run.checkpoint_path)  # not offered again until the file changes
            if model.key == self._class_key:
                self._give_up_class_model(Message(N_("The class model could not be read: {why}"), why=exc))
            else:
                self.notes.append(Message(N_("{model} could not be read: {why}"), model=model.name, why=exc))
                self._changed()
            return False

    def _unreadable(self, run: Run) -> bool:
        key = f"run-{run.id}"
        return key in self._broken and run.model is None and self._broken[key] == _stamp(run.checkpoint_path)

    def class_model(self, found: dict[str, Model] | None = None) -> Model | None:
        """The model every session reads with unless it chose another, its weights read."""
        found = self.models() if found is None else found
        chosen = found.get(self._class_key)
        if self._usable(chosen):
            return chosen
        shipped = found.get(SHIPPED_KEY)
        return shipped or next((m for m in found.values() if self._usable(m)), None)

    @property
    def class_key(self) -> str:
        return self._class_key

    def set_class_model(self, key: str, teacher: bool) -> Model:
        self._require(teacher, N_("Only the teacher can choose the model the class reads with."))
        found = self.models()
        if key not in found:
            raise NotAllowed(N_("There is no model {key!r} to use (it may have been deleted)."), key=key)
        try:
            found[key].source()
        except CheckpointError as exc:
            raise NotAllowed(N_("{model} cannot be used: {why}"), model=found[key].name, why=exc) from None
        run = self.find(key)
        with self._lock:
            self._class_key = key
        self._keep("class_model", run.checkpoint_path.name if run is not None and run.checkpoint_path is not None
                   else SHIPPED_KEY)
        self._changed()
        return found[key]

    def find(self, key: str) -> Run | None:
        """The run behind a model key ("run-<id>"), or None."""
        return next((r for r in self.all() if f"run-{r.id}" == key), None)

    def model_for(self, choice: Pin | None, found: dict[str, Model] | None = None) -> Model | None:
        """The model a session reads with: its own choice while that model exists, else the class model."""
        found = self.models() if found is None else found
        if choice is not None and choice.key in found and self._usable(found[choice.key]):
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


# --- the runs folder ----------------------------------------------------------------------------------------------

STALE = 600  # seconds after which a hidden temporary file in the runs folder is a leftover of a killed writer


def _stamp(path: Path | None) -> tuple[int, int] | None:
    """(size, mtime in ns) of a regular file, or None."""
    if path is None:
        return None
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns) if path.is_file() else None


def _sweep(folder: Path) -> None:
    """Remove what a killed writer left: hidden temporary files (`.NAME.*.tmp`, `.upload-*.pt`) older than STALE
    seconds; younger ones may belong to a writer that is still going (a `train --out` into this folder)."""
    now = time.time()
    for path in [*folder.glob(".*.tmp"), *folder.glob(".upload-*.pt")]:
        try:
            if now - path.stat().st_mtime > STALE:
                path.unlink()
        except OSError:
            pass


def _megabytes(n: int) -> str:
    return f"{n / 2**20:,.1f} MB"


def _not_added(why: Message) -> CheckpointError:
    """Why an upload was refused, and that nothing was added (one full stop between the two, in English)."""
    ended = str(why).rstrip().endswith((".", "?", "!"))
    return CheckpointError(N_("{why} Nothing was added.") if ended else N_("{why}. Nothing was added."), why=why)


def _named(message: Message, trial: Path, shown: str) -> Message:
    """`message` about the hidden file an upload is checked in, naming the uploaded file instead."""
    if not message.params:
        return message
    return Message(message.id, **{k: shown if str(v) == str(trial) else v for k, v in message.params.items()})


def _file_name(name: str) -> str:
    """An uploaded file's name, safe to write in the runs folder: its last part, plain characters, ending in .pt."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(str(name)).name).strip(".-")[:60] or "model"
    stem = stem.removesuffix(".pt") or "model"
    return f"{stem}.pt"


def _link_free(file: Path, folder: Path, name: str) -> Path:
    """Give `file` the name `name` in `folder`, or name-2, name-3...: an upload never replaces a file (a hard link
    fails where a name is taken, also by a file written meanwhile), nor takes a run's record name."""
    stem = name.removesuffix(".pt")
    for n in itertools.count(1):
        candidate = folder / f"{stem if n == 1 else f'{stem}-{n}'}.pt"
        if candidate.with_suffix(record.SUFFIX).exists():
            continue
        try:
            os.link(file, candidate)
            return candidate
        except FileExistsError:
            continue
        except OSError:  # a file system without hard links (FAT): a rename, where the name is free now
            if not candidate.exists():
                os.replace(file, candidate)
                return candidate
    raise AssertionError("unreachable")
