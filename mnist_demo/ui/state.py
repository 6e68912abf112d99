"""What every page shares: cached data, device and models, the app's runs, the sidebar."""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st
import torch
from torch import nn

from .. import checkpoint
from ..data import CLASS_NAMES, DataMissingError, Split, load_sample, load_split, resolve_data_dir
from ..devices import describe, pick_device
from ..familiarity import FeatureStats
from ..jobs import TrainingJob

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

    @property
    def classes(self) -> list[str]:
        return CLASS_NAMES[self.dataset]


@st.cache_resource
def jobs() -> list[TrainingJob]:
    """Every run since the app started, oldest first: shared by all browser tabs, so a run survives page
    changes and reloads, and the class sees the teacher's run."""
    return []


def running_job() -> TrainingJob | None:
    return next((j for j in reversed(jobs()) if j.running), None)


def candidates() -> dict[str, ActiveModel]:
    """Every model there is to use: the shipped one and each finished run."""
    found: dict[str, ActiveModel] = {}
    ckpt, _ = shipped()
    if ckpt is not None:
        found[SHIPPED_KEY] = ActiveModel(SHIPPED_KEY, "Shipped model", ckpt.model, ckpt.dataset, ckpt.test_accuracy,
                                         ckpt.feature_stats)
    for job in jobs():
        if job.model is not None:
            last = job.result.history[-1]
            found[f"run-{job.id}"] = ActiveModel(f"run-{job.id}", f"Run {job.name}", job.model,
                                                 job.config.dataset, last.test_acc, job.result.feature_stats)
    return found


def active_model() -> ActiveModel | None:
    """The newest of: the user's last choice and each run that finished after it; else the shipped model."""
    found = candidates()
    key, chosen_at = st.session_state.get("active_choice", (None, 0.0))
    newer = [j for j in jobs() if j.model is not None and (j.finished_at or 0) > chosen_at]
    if newer:
        return found[f"run-{newer[-1].id}"]
    if key in found:
        return found[key]
    return next(reversed(found.values()), None)


def rerun_if_sidebar_is_stale() -> None:
    """A run that finished after the sidebar was drawn adds a model: draw the whole app again."""
    if tuple(candidates()) != st.session_state.get("sidebar_models"):
        st.rerun()


def sidebar() -> None:
    st.session_state["sidebar_models"] = tuple(candidates())
    with st.sidebar:
        st.caption("Device")
        st.markdown(f"**{describe(device())}**")
        found = candidates()
        active = active_model()
        st.caption("Active model")
        if not found:
            _, why = shipped()
            st.warning(f"No model yet. Train one on the Train page. ({why})")
            return
        keys = list(found)
        choice = st.selectbox("Active model", keys, index=keys.index(active.key), label_visibility="collapsed",
                              format_func=lambda k: found[k].name)
        if choice != active.key:
            st.session_state["active_choice"] = (choice, time.time())
            st.rerun()
        acc = f"{active.accuracy:.2%}" if active.accuracy is not None else "unknown"
        st.markdown(f"Test accuracy **{acc}** on {active.dataset}")
        job = running_job()
        if job is not None:
            st.info(f"Training run {job.name} in progress.", icon=":material/model_training:")
