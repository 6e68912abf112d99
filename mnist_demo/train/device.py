"""Choosing and naming the compute device."""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from mnist_demo.errors import ConfigError
from mnist_demo.messages import N_, Message


def pick_device(name: str = "auto") -> torch.device:
    """`auto` -> the accelerator PyTorch finds (CUDA, MPS, ...), else the CPU; `cuda` fails clearly without a GPU."""
    if name == "auto":
        return torch.accelerator.current_accelerator(check_available=True) or torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError(N_("--device cuda was asked for, but PyTorch sees no CUDA GPU here; use --device cpu or "
                             "auto"))
    return torch.device(name)


def describe(device: torch.device) -> Message:
    """`NVIDIA H200 (cuda)`, `Apple GPU (mps)` or `CPU (8 threads)`."""
    if device.type == "cuda":
        return Message(N_("{gpu} (cuda)"), gpu=torch.cuda.get_device_name(device))
    if device.type == "mps":
        return Message(N_("Apple GPU (mps)"))
    return Message(N_("CPU ({threads} threads)"), threads=torch.get_num_threads())


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt() parameters


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed buffers for reuse instead of handing them back to the system at once.

    Each training step allocates and frees the same few megabytes of activations; by default glibc returns them to
    the system and the next step faults the pages back in, which cost about a fifth of a CPU step at batch 128 here
    (`python -m mnist_demo bench`). Up to 256 MB stays with the process. No effect (False) off glibc.
    """
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, 64 * 2**20) and mallopt(_M_TRIM_THRESHOLD, 256 * 2**20))


@functools.cache
def _libgomp() -> ctypes.CDLL | None:
    """PyTorch's own GNU OpenMP, already loaded into this process (Linux); None elsewhere."""
    try:
        with open("/proc/self/maps") as maps:
            path = next((line.split()[-1] for line in maps if "libgomp" in line), None)
        return ctypes.CDLL(path) if path else None
    except OSError:
        return None


def use_one_thread() -> int | None:
    """From now on, PyTorch's CPU kernels run on one OpenMP thread in this thread, whatever the process's setting;
    the count it had, or None where PyTorch does not use GNU OpenMP (nothing changed). Only this thread changes:
    torch.set_num_threads would change every thread started afterwards, a training run's among them."""
    gomp = _libgomp()
    if gomp is None:
        return None
    before = torch.get_num_threads()  # this thread's count; PyTorch sets it up on first use, which would undo ours
    gomp.omp_set_num_threads(1)
    return before


@contextmanager
def one_thread() -> Iterator[None]:
    """`use_one_thread` for the block: a little work done in a thread that trains nothing while a run trains.

    Reading one drawing takes a fraction of a millisecond either way, but a thread that runs kernels on two OpenMP
    threads keeps a team of its own, and with more OpenMP threads than cores GNU OpenMP stops spinning between
    operations: the run's threads then sleep and wake at nearly every one (docs/speed.md, "Training in a thread";
    docs/load.md has what it cost a run while a class drew)."""
    gomp, before = _libgomp(), use_one_thread()
    try:
        yield
    finally:
        if gomp is not None and before is not None:
            gomp.omp_set_num_threads(before)
