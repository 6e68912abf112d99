"""Where a server's CPU time goes: py-spy samples the running process from outside, and each sample is put to the
part of the stack that spent it (PyTorch, Streamlit and its web server, the app's own code, the libraries the pages
draw with), with the training thread apart.

py-spy (a development dependency) reads the process's memory, so nothing in the server changes and the server does
not know it is watched. Only threads that are running are sampled (py-spy's default), so samples / rate estimates CPU
seconds. Each sample counts once, for the innermost frame that belongs to a known part: a page calling json.dumps is
the page's time, Streamlit calling json.dumps is Streamlit's.
"""

from __future__ import annotations

import collections
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

RATE = 100  # samples a second

PARTS = (  # (part, where its files are): the first part that owns the innermost frame of a sample wins. py-spy
    # names a file by its path inside its package folder ("torch/_tensor.py") or in full.
    ("PyTorch", ("torch/",)),
    ("Streamlit and its server", ("streamlit/", "tornado/", "starlette/", "uvicorn/", "google/protobuf/",
                                  "websockets/", "anyio/", "h11/")),
    ("Plotly", ("plotly/", "_plotly_utils/")),
    ("NumPy, PIL, pandas, Arrow", ("numpy/", "PIL/", "pandas/", "pyarrow/")),
    ("the app's code", ("mnist_demo/", "app.py", "server.py")),
)
OTHER = "other (Python itself)"
TRAINING = "training thread"
TRAINING_MARK = "mnist_demo/train/loop.py"  # a stack through the training loop is the run's own thread


def path_of(frame: str) -> str:
    """The file of a py-spy frame "function (path/to/file.py:12)", or "" for a thread's name."""
    if not frame.endswith(")") or " (" not in frame:
        return ""
    return frame.rsplit(" (", 1)[1][:-1].rsplit(":", 1)[0]


def part_of(frames: list[str]) -> str:
    """The part of the program one sample's stack (outermost frame first) is spending its time in."""
    for frame in reversed(frames):
        where = path_of(frame)
        for part, marks in PARTS:
            if any(where.startswith(mark) or f"/{mark}" in where for mark in marks):
                return part
    return OTHER


@dataclass
class Profile:
    """One phase's samples, by part; the training thread's apart."""

    samples: collections.Counter = field(default_factory=collections.Counter)

    @property
    def total(self) -> int:
        return sum(self.samples.values())

    @property
    def serving(self) -> int:
        """Samples of every thread but the training one: what the server spent answering pages."""
        return self.total - self.samples[TRAINING]

    def seconds(self, part: str | None = None) -> float:
        return (self.serving if part is None else self.samples[part]) / RATE

    def table(self) -> list[tuple[str, float, float]]:
        """(part, CPU seconds, share of the serving threads' time), the training thread last and without a share."""
        rows = [(part, n / RATE, n / max(self.serving, 1))
                for part, n in self.samples.most_common() if part != TRAINING]
        return rows + [(TRAINING, self.samples[TRAINING] / RATE, float("nan"))]


def read_raw(text: str) -> Profile:
    """py-spy's --format raw --threads output: one stack a line, "thread (id): name;frame;frame N"."""
    profile = Profile()
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        part = TRAINING if any(TRAINING_MARK in path_of(f) for f in frames) else part_of(frames[1:])
        profile.samples[part] += int(count)
    return profile


def available() -> str | None:
    """Why py-spy cannot watch a process here, or None."""
    if shutil.which("py-spy") is None and not (Path(sys.executable).parent / "py-spy").exists():
        return "py-spy is not installed (pip install -r requirements-dev.txt)"
    return None


class Spy:
    """py-spy recording `pid` from start() until stop(), which returns what it saw."""

    def __init__(self, pid: int, out: Path) -> None:
        self.pid, self.out = pid, out
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        exe = Path(sys.executable).parent / "py-spy"
        command = [str(exe) if exe.exists() else "py-spy", "record", "--pid", str(self.pid), "--rate", str(RATE),
                   "--format", "raw", "--threads", "--nonblocking", "-o", str(self.out)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def stop(self) -> Profile:
        assert self.process is not None, "start() first"
        self.process.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        _, err = self.process.communicate(timeout=60)
        if not self.out.exists():
            raise RuntimeError(f"py-spy wrote nothing: {err.strip()[-300:]}")
        return read_raw(self.out.read_text())
