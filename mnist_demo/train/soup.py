"""A model soup: one network whose weights are the mean of several runs' weights (Wortsman et al., 2022).

Runs that start from the same weights and train a little further each their own way (`train --start-from`, a
different --seed each) stay in one valley of the loss, so the mean of their weights is a network in that valley
too, and usually a better one than each run: it reads much as the runs would together, at the cost of one
network. Runs trained from fresh weights do not average this way (the same feature sits in a different channel in
each), so `mean_weights` is meant for runs from one start; the CLI measures what it made, and says so.

Streamlit-free: `python -m mnist_demo soup` calls it.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TypeVar

import torch
from torch import nn

from mnist_demo.errors import UsageError
from mnist_demo.messages import N_

M = TypeVar("M", bound=nn.Module)


def mean_weights(models: Sequence[M]) -> M:
    """A new network of the first one's kind whose every weight is the mean of that weight over `models`."""
    if len(models) < 2:
        raise UsageError(N_("a soup needs at least two models to average, not {n}"), n=len(models))
    states = [m.state_dict() for m in models]
    shapes = [{k: tuple(v.shape) for k, v in s.items()} for s in states]
    if any(s != shapes[0] for s in shapes[1:]):
        raise UsageError(N_("the models to average are not the same network (their weights differ in shape)"))
    soup = copy.deepcopy(models[0])
    # float64 for the sum, so that the order of the models does not change the last bit of the mean
    soup.load_state_dict({k: torch.stack([s[k].double() for s in states]).mean(0).to(v.dtype)
                          for k, v in states[0].items()})
    return soup
