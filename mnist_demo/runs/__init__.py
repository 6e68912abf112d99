"""Runs: the whole life of a training run, from the Start button to the class model. Streamlit-free."""

from mnist_demo.runs.queue import MAX_RUNS_ENV, RunSlots, max_runs
from mnist_demo.runs.registry import KEEP_MODELS, KEEP_RUNS, SHIPPED_KEY, Model, Pin, Runs
from mnist_demo.runs.run import Run, Snapshot

__all__ = ["KEEP_MODELS", "KEEP_RUNS", "MAX_RUNS_ENV", "SHIPPED_KEY", "Model", "Pin", "Run", "RunSlots", "Runs",
           "Snapshot", "max_runs"]
