"""How many runs train at once, and the line the others wait in.

Set by ``MNIST_DEMO_MAX_RUNS`` (a whole number, default 1): runs started beyond it wait, first come first served.
On a small machine one run at a time is fastest overall: runs that share the processor each go slower, and so does
reading the students' drawings. The variable is read whenever a run asks for a slot, so a changed value applies to
the next run that starts; anything but a whole number of at least 1 counts as 1.
"""

from __future__ import annotations

import logging
import os
import threading

MAX_RUNS_ENV = "MNIST_DEMO_MAX_RUNS"
_log = logging.getLogger(__name__)


def max_runs() -> int:
    """How many runs may train at once: $MNIST_DEMO_MAX_RUNS, a whole number >= 1; 1 when unset or invalid."""
    raw = os.environ.get(MAX_RUNS_ENV, "").strip()
    if not raw:
        return 1
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        _log.warning("%s=%r is not a whole number of at least 1: one run trains at a time", MAX_RUNS_ENV, raw)
        return 1
    return value


class RunSlots:
    """At most `max_runs()` runs train at once; the others wait in the order they asked, and can be stopped while
    they wait."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._waiting: list[object] = []  # oldest first
        self._holders: set[int] = set()

    def acquire(self, owner: object, stop: threading.Event) -> bool:
        """Block until `owner` may train (True) or `stop` is set (False)."""
        with self._cond:
            self._waiting.append(owner)
            try:
                while not stop.is_set():
                    free = max_runs() - len(self._holders)
                    if self._waiting.index(owner) < free:
                        self._holders.add(id(owner))
                        return True
                    self._cond.wait(timeout=1.0)  # the timeout picks up a changed MNIST_DEMO_MAX_RUNS
                return False
            finally:
                self._waiting.remove(owner)
                self._cond.notify_all()

    def release(self, owner: object) -> None:
        with self._cond:
            self._holders.discard(id(owner))
            self._cond.notify_all()

    def wake(self) -> None:
        """Let waiters look at their stop flag now."""
        with self._cond:
            self._cond.notify_all()

    def position(self, owner: object) -> int | None:
        """1 for the first in line, 2 for the next...; None when `owner` is not waiting."""
        with self._cond:
            return self._waiting.index(owner) + 1 if owner in self._waiting else None

    @property
    def training(self) -> int:
        with self._cond:
            return len(self._holders)
