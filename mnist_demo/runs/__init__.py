"""Runs: the whole life of a training run, from the Start button to the class model. Streamlit-free."""

from .queue import MAX_RUNS_ENV, RunSlots, max_runs
from .registry import KEEP_MODELS, KEEP_RUNS, SHIPPED_KEY, Model, Pin, Runs
from .run import Run, Snapshot

__all__ = ["KEEP_MODELS", "KEEP_RUNS", "MAX_RUNS_ENV", "SHIPPED_KEY", "Model", "Pin", "Run", "RunSlots", "Runs",
           "Snapshot", "max_runs"]
