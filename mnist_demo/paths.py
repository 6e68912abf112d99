"""Where the project's folders are: from the project root or one environment variable, never from the working
directory, so a server started anywhere (and every test) reads and writes the same places."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "checkpoints" / "mnist_cnn.pt"
SAMPLE = ROOT / "assets" / "mnist_test_sample.npz"

DATA_DIR_ENV = "MNIST_DEMO_DATA_DIR"
RUNS_DIR_ENV = "MNIST_DEMO_RUNS_DIR"


def data_dir(given: str | os.PathLike | None = None) -> Path:
    """`given` (a --data-dir flag), else $MNIST_DEMO_DATA_DIR, else data/ in the project."""
    return Path(given or os.environ.get(DATA_DIR_ENV) or ROOT / "data")


def runs_dir() -> Path:
    """Where the app saves its runs' checkpoints: $MNIST_DEMO_RUNS_DIR, else checkpoints/runs/ in the project."""
    return Path(os.environ.get(RUNS_DIR_ENV) or ROOT / "checkpoints" / "runs")
