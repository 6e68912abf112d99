"""What every page shares: cached data, device and models, the app's runs, the sidebar.

Everything heavy is shared by all sessions (browser tabs) and built once per server with st.cache_resource: the
datasets, the shipped model, the runs. A session's own st.session_state holds only small values (keys, numbers,
widget values), never tensors or models, so a closed tab leaves nothing behind.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass

import streamlit as st
import torch
from torch import nn

from .. import checkpoint
from ..data import CLASS_NAMES, DataMissingError, Split, load_sample, load_split, resolve_data_dir
from ..devices import describe, pick_device
from ..familiarity import FeatureStats
from ..jobs import TrainingJob, max_runs, trim

SHIPPED_KEY = "shipped"


@st.cache_resource(show_spinner=False)
def device() -> torch.device:
    return pick_device("auto")


@st.cache_resource(show_spinner="Loading the dataset…")
def _dataset(name: str, train: bool, data_dir: str) -> Split:
    return load_split(name, train, data_dir)


def dataset(name: str, train: bool) -> tuple[Split | None, str]:
    """(split, "") or (None, a message that says where to put the files). Failures are not cached: files put
    in place while the app runs are found on the next rerun."""
    try:
        return _dataset(name, train, str(resolve_data_dir())), ""
    except DataMissingError as exc:
        return None, str(exc)


@st.cache_resource(show_spinner=False)
def sample() -> Split:
    return load_sample()


@st.cache_resource(show_spinner="Loading the shipped model…")
def _shipped(mtime: float) -> checkpoint.Checkpoint:
    return checkpoint.load(checkpoint.SHIPPED, device())


def shipped() -> tuple[checkpoint.Checkpoint | None, str]:
    """(the shipped model, "") or (None, why not); reloaded when the file changes."""
    try:
        return _shipped(checkpoint.SHIPPED.stat().st_mtime), ""
    except FileNotFoundError:
        return None, f"No model at {checkpoint.SHIPPED}."
    except checkpoint.CheckpointError as exc:
        return None, str(exc)


@dataclass(frozen=True)
class ActiveModel:
    key: str
    name: str
    model: nn.Module
    dataset: str
    accuracy: float | None
    stats: FeatureStats | None = None
    finished_at: float = 0.0  # when its run ended; 0 for the shipped model

    @property
    def classes(self) -> list[str]:
        return CLASS_NAMES[self.dataset]


@st.cache_resource
def jobs() -> list[TrainingJob]:
    """Every run since the app started, oldest first: shared by all browser tabs, so a run survives page
    changes and reloads, and the class sees the teacher's run."""
    return []


def running_job() -> TrainingJob | None:
    """The newest run still queued or training."""
    return next((j for j in reversed(list(jobs())) if j.running), None)


def alive_jobs() -> list[TrainingJob]:
    """Runs queued or training, oldest first."""
    return [j for j in list(jobs()) if j.running]


def candidates() -> dict[str, ActiveModel]:
    """Every model there is to use: the shipped one and each finished run still held in memory."""
    found: dict[str, ActiveModel] = {}
    ckpt, _ = shipped()
    if ckpt is not None:
        found[SHIPPED_KEY] = ActiveModel(SHIPPED_KEY, "Shipped model", ckpt.model, ckpt.dataset, ckpt.test_accuracy,
                                         ckpt.feature_stats)
    for job in list(jobs()):  # a copy: other tabs append runs meanwhile
        result = job.result  # read once: trimming replaces it
        if result is not None and result.status == "finished" and result.model is not None:
            found[f"run-{job.id}"] = ActiveModel(f"run-{job.id}", f"Run {job.name}", result.model, job.config.dataset,
                                                 result.history[-1].test_acc, result.feature_stats,
                                                 job.finished_at or time.time())
    return found


def active_model(found: dict[str, ActiveModel] | None = None) -> ActiveModel | None:
    """The newest of: the user's last choice and each run that finished after it; else the shipped model.
    Chosen among `found` (default: candidates())."""
    found = candidates() if found is None else found
    key, chosen_at = st.session_state.get("active_choice", (None, 0.0))
    newer = [m for m in found.values() if m.finished_at > chosen_at]
    if newer:
        return max(newer, key=lambda m: m.finished_at)
    if key in found:
        return found[key]
    return next(reversed(found.values()), None)


class _Pin:
    """A session's chosen run, held in its st.session_state: the run keeps its model while the session lives."""

    __slots__ = ("run_id", "__weakref__")

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id


_pins: weakref.WeakSet[_Pin] = weakref.WeakSet()  # empties itself as sessions end
_trim_lock = threading.Lock()


def choose(key: str) -> None:
    """Make `key` this session's active model, and keep that run's model in memory while the session lives."""
    st.session_state["active_choice"] = (key, time.time())
    pin = None
    if key.startswith("run-"):
        pin = _Pin(int(key.removeprefix("run-")))
        _pins.add(pin)
    st.session_state["active_pin"] = pin


def pinned_runs() -> set[int]:
    return {pin.run_id for pin in list(_pins)}


def trim_runs() -> list[TrainingJob]:
    """Bound the memory the app's runs hold (jobs.trim), sparing runs that a live session has chosen."""
    with _trim_lock:
        return trim(jobs(), pinned_runs())


def rerun_if_sidebar_is_stale() -> None:
    """Draw the whole app again when the sidebar is out of date: a run finished and added a model, or a run has
    reached another epoch since the sidebar said how far it had got."""
    if tuple(candidates()) != st.session_state.get("sidebar_models") or (
            _run_marks() != st.session_state.get("sidebar_runs")):
        st.rerun()


def _run_marks() -> tuple:
    """Each queued or training run, with its place in line or its epoch: what the sidebar's account depends on."""
    marks = []
    for job in alive_jobs():
        snap = job.snapshot()
        marks.append((job.id, snap.state, snap.queue_position, snap.progress.epoch if snap.progress else None))
    return tuple(marks)


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def run_status(job: TrainingJob) -> tuple[str, str]:
    """(icon, one line) saying how far a queued or training run has got."""
    snap = job.snapshot()
    if snap.state == "queued":
        limit = max_runs()
        line = f"{ordinal(snap.queue_position)} in line" if snap.queue_position else "next"
        return ":material/hourglass_top:", (f"Run {job.name} is waiting ({line}): {limit} run"
                                            f"{' trains' if limit == 1 else 's train'} at a time.")
    p = snap.progress
    if snap.state != "running" or p is None:
        return ":material/model_training:", f"Training run {job.name} in progress: starting."
    return ":material/model_training:", (f"Training run {job.name} in progress: epoch {p.epoch} of {p.epochs}, "
                                         f"{p.fraction:.0%} done.")


def _runs_in_progress() -> None:
    """The sidebar's account of the runs queued or training, as of this run of the page: every page a student uses
    reruns as they work (each drawing on the Draw page does), and the Train page follows a run live.

    Deliberately not a fragment with run_every: Streamlit 1.67 can drop a full run's "finished" message when a timed
    fragment rerun arrives just as that run ends, which left about 4 % of the drawings in scripts/load_test.py with a
    page that never finished (docs/load.md).
    """
    st.session_state["sidebar_runs"] = _run_marks()
    for job in alive_jobs():
        icon, line = run_status(job)
        st.info(line, icon=icon)


def can_start() -> bool:
    """Whether a new run would train at once rather than wait (MNIST_DEMO_MAX_RUNS, default 1)."""
    return len(alive_jobs()) < max_runs()


def sidebar() -> None:
    trim_runs()
    found = candidates()
    st.session_state["sidebar_models"] = tuple(found)
    with st.sidebar:
        st.caption("Device")
        st.markdown(f"**{describe(device())}**")
        active = active_model(found)
        st.caption("Active model")
        if not found:
            _, why = shipped()
            st.warning(f"No model yet. Train one on the Train page. ({why})")
        else:
            keys = list(found)
            choice = st.selectbox("Active model", keys, index=keys.index(active.key), label_visibility="collapsed",
                                  format_func=lambda k: found[k].name)
            if choice != active.key:
                choose(choice)
                st.rerun()
            acc = f"{active.accuracy:.2%}" if active.accuracy is not None else "unknown"
            st.markdown(f"Test accuracy **{acc}** on {active.dataset}")
        _runs_in_progress()
