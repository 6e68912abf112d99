"""Small gradient searches on threads of their own, each running PyTorch's CPU kernels on one OpenMP thread.

A search is dozens of forward and backward passes on a batch of eight 28 x 28 images: too little work for two
threads to share, and on a busy machine (a training run, other sessions) every OpenMP barrier of a two-thread team
waits for a slice of a core that another process holds: many times slower (figures: docs/speed.md). PyTorch's
torch.set_num_threads would change it for every thread started afterwards (a training run among them), so each
lane thread sets only its own OpenMP thread count, through libgomp, after PyTorch has set it up for that thread.
Where PyTorch does not use libgomp, the lanes run with PyTorch's default.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import torch

from mnist_demo.train.device import use_one_thread

LANES = 2  # searches that may run at once; more wait their turn
_log = logging.getLogger(__name__)
T = TypeVar("T")


def _one_thread() -> None:
    if use_one_thread() is None:
        _log.info("no libgomp in this process: searches use PyTorch's default threads")


_pool = ThreadPoolExecutor(LANES, thread_name_prefix="insight-lane", initializer=_one_thread)


def in_lane(fn: Callable[..., T], *args, **kwargs) -> T:
    """Run `fn` on a lane thread and return its result (or raise its exception) here."""
    return _pool.submit(fn, *args, **kwargs).result()


def lane_threads() -> int:
    """How many OpenMP threads a lane's kernels use (1 where libgomp was found)."""
    return in_lane(torch.get_num_threads)
