"""Does training in a thread cost anything? One Fast epoch through fit(), each in a fresh process, five ways:

    python scripts/thread_speed.py --data-dir ../shared/data [--rounds 2]

- main:     everything in the process's main thread, as `train` runs it;
- thread:   everything in one other thread, as the app trains (a run is a thread of the server);
- second:   the data loaded and one matrix product done in the main thread, then fit() in another thread;
- readers:  as `thread`, while ten times a second a new thread reads a drawing and does 30 ms of Python work, as a
            student's drawing runs the Draw page on a thread of its own (thirty students, one drawing each 3 s);
- readers1: the same, each drawing read on one OpenMP thread (train.device.one_thread), as the Draw page reads.

In "second" two threads of the process each hold a team of OpenMP threads. GNU OpenMP (the libgomp PyTorch ships
with on Linux) then manages more threads than there are cores and cuts its busy-waiting between parallel regions
to a few hundred spins, so the run's threads fall asleep and are woken at nearly every operation. Printed: each
way's training seconds, in the order run, then their means.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time

WAYS = ("main", "thread", "second", "readers", "readers1")
READ_EVERY_S, PAGE_S = 0.1, 0.03  # a drawing each 0.1 s; the rest of its page run: Python holding the GIL


def in_thread(f, *args):
    out = []
    worker = threading.Thread(target=lambda: out.append(f(*args)))
    worker.start()
    worker.join()
    return out[0]


def while_reading(train, splits, one_thread: bool) -> float:
    """`train(splits)` in a thread while drawings are read, each on a new thread, until it ends."""
    from contextlib import nullcontext

    import numpy as np

    from mnist_demo.network import CNN
    from mnist_demo.reading.inference import read
    from mnist_demo.train.device import one_thread as on_one_thread

    model, drawing = CNN().eval(), np.random.default_rng(0).integers(0, 256, (28, 28)).astype(np.float32) / 255
    done = threading.Event()

    def page() -> None:
        with on_one_thread() if one_thread else nullcontext():
            read(model, drawing, explain=False)
        began = time.perf_counter()
        while time.perf_counter() - began < PAGE_S:
            sum(range(1000))

    pages: list[threading.Thread] = []

    def drawings() -> None:
        while not done.wait(READ_EVERY_S):
            pages.append(threading.Thread(target=page))
            pages[-1].start()

    drawer = threading.Thread(target=drawings)
    drawer.start()
    try:
        return in_thread(train, splits)
    finally:  # every page done before the process ends: a thread still in PyTorch at exit aborts it
        done.set()
        drawer.join()
        for thread in pages:
            thread.join()


def one(way: str, data_dir: str) -> float:
    """Training seconds of one Fast epoch run `way`, in this process."""
    import torch

    from mnist_demo.data import load_split
    from mnist_demo.train.loop import fit
    from mnist_demo.train.recipes import preset

    def load():
        return load_split("mnist", True, data_dir), load_split("mnist", False, data_dir)

    def train(splits):
        return sum(h.train_seconds for h in fit(preset("fast", device="cpu"), *splits).history)

    if way == "main":
        return train(load())
    if way == "thread":
        return in_thread(train, in_thread(load))
    if way.startswith("readers"):
        return while_reading(train, in_thread(load), one_thread=way == "readers1")
    splits = load()
    torch.ones(500, 500) @ torch.ones(500, 500)  # the main thread's own OpenMP team, kept while the process lives
    return in_thread(train, splits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--way", choices=WAYS, help=argparse.SUPPRESS)  # one measurement, in a fresh process
    args = parser.parse_args()
    if args.way:
        print(one(args.way, args.data_dir))
        return
    seconds: dict[str, list[float]] = {way: [] for way in WAYS}
    for _ in range(args.rounds):
        for way in WAYS:
            done = subprocess.run([sys.executable, __file__, "--data-dir", args.data_dir, "--way", way],
                                  capture_output=True, text=True, check=True)
            seconds[way].append(float(done.stdout.split()[-1]))
            print(f"{way:8s} {seconds[way][-1]:.2f} s", flush=True)
    for way, values in seconds.items():
        print(f"{way:8s} mean {statistics.fmean(values):.2f} s, median {statistics.median(values):.2f} s")


if __name__ == "__main__":
    main()
