"""Teach the class model the class's handwriting: a short run from its weights on the class set mixed with MNIST.

The class's digits are split by writer: the digits of about a quarter of the writers are held out, so the "after"
figure is for handwriting the run never saw, as a new student's would be. The rest are repeated a few times and
mixed with a random slice of MNIST's training set, so that the network keeps what it knew; the run starts from the
class model's weights with a small learning rate. Before and after, the model is measured on the held-out class
digits and on MNIST's test set: the teacher sees both pairs and decides whether the result becomes the class model.

Streamlit-free: the CLI (`python -m mnist_demo finetune`) calls `finetune`; the Class page starts the same run
through the app's runs (`Runs.start(..., start_from=..., after=Plan.after(...))`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from mnist_demo.classset import Images
from mnist_demo.data import Split
from mnist_demo.errors import ClassSetError
from mnist_demo.messages import N_
from mnist_demo.network import Net
from mnist_demo.train.loop import Callback, RunResult, StopFlag, evaluate, fit
from mnist_demo.train.recipes import TrainConfig

HELDOUT = 0.25  # share of the writers whose digits are only measured on
REPEAT = 3  # each class digit is seen this many times an epoch (augmented differently each time)
MNIST_MIX = 6.0  # MNIST training images mixed in per class image seen: enough that MNIST stays learned
MIN_MNIST = 2_000  # and at least this many, so that a small class set cannot pull the network far
MIN_DIGITS = 20  # fewer class digits than this cannot be split and measured meaningfully
CONFIG = TrainConfig(epochs=1, batch_size=64, optimizer="adam", lr=5e-4, augment="affine", schedule="cosine")


@dataclass(frozen=True)
class Report:
    """Before and after, on held-out class digits and on the MNIST test set (accuracies 0-1)."""

    class_before: float
    class_after: float
    mnist_before: float
    mnist_after: float
    n_train: int  # class digits trained on
    n_heldout: int  # class digits measured on, from writers the run never saw
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def split_by_writer(writers: list[str], heldout: float = HELDOUT, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, held-out indices): whole writers on one side or the other, about `heldout` of the digits
    held out, and at least one writer on each side."""
    names = sorted(set(writers))
    if len(names) < 2:
        raise ClassSetError(N_("Fine-tuning needs digits from at least two writers (students), so that it can be "
                               "measured on handwriting it did not train on; the class set has one. Let more students "
                               "add digits on the Draw page.") if names else
                            N_("Fine-tuning needs digits from at least two writers (students), so that it can be "
                               "measured on handwriting it did not train on; the class set has none. Let more students "
                               "add digits on the Draw page."))
    order = np.random.default_rng(seed).permutation(len(names))
    counts = {w: 0 for w in names}
    for w in writers:
        counts[w] += 1
    held, n_held = set[str](), 0
    for i in order:
        if n_held >= heldout * len(writers) or len(held) == len(names) - 1:
            break
        held.add(names[i])
        n_held += counts[names[i]]
    mask = np.array([w in held for w in writers])
    return np.flatnonzero(~mask), np.flatnonzero(mask)


@dataclass(frozen=True)
class Plan:
    """What a fine-tuning run trains and measures on."""

    config: TrainConfig
    train: Split  # class digits (repeated) and MNIST training images, shuffled
    heldout: Split  # class digits of writers not in `train`
    n_train: int

    @property
    def n_heldout(self) -> int:
        return len(self.heldout)

    def measure(self, model: nn.Module, mnist_test: Split) -> tuple[float, float]:
        """(accuracy on the held-out class digits, accuracy on the MNIST test set)."""
        device = next(model.parameters()).device
        return (evaluate(model, self.heldout.to(device), 256).accuracy,
                evaluate(model, mnist_test.to(device), 256).accuracy)

    def after(self, start: nn.Module, mnist_test: Split, before: tuple[float, float] | None = None
              ) -> Callable[[nn.Module], dict]:
        """What a run calls with its finished model: the Report as a dict. `before` saves measuring `start` again."""
        began = time.monotonic()

        def report(model: nn.Module) -> dict:
            was = before or self.measure(start, mnist_test)
            now = self.measure(model, mnist_test)
            return Report(was[0], now[0], was[1], now[1], self.n_train, self.n_heldout,
                          time.monotonic() - began).as_dict()

        return report


def plan(digits: Images, mnist_train: Split, config: TrainConfig = CONFIG, seed: int = 0) -> Plan:
    """Split the class set by writer and mix its training side with MNIST (see the module's docstring)."""
    if len(digits.labels) < MIN_DIGITS:
        raise ClassSetError(N_("The class set has {n} digits; fine-tuning needs at least {least} from two or more "
                               "students."), n=len(digits.labels), least=MIN_DIGITS)
    train_idx, held_idx = split_by_writer(digits.writers, seed=seed)
    images = torch.from_numpy(digits.images)
    labels = torch.from_numpy(digits.labels)
    rng = torch.Generator().manual_seed(seed)
    seen = REPEAT * len(train_idx)
    n_mnist = min(len(mnist_train), max(MIN_MNIST, int(MNIST_MIX * seen)))
    pick = torch.randperm(len(mnist_train), generator=rng)[:n_mnist]
    cls = torch.from_numpy(np.tile(train_idx, REPEAT))
    mixed_images = torch.cat([images[cls], mnist_train.images[pick].cpu()])
    mixed_labels = torch.cat([labels[cls], mnist_train.labels[pick].cpu()])
    order = torch.randperm(len(mixed_labels), generator=rng)
    train = Split("mnist", True, mixed_images[order].contiguous(), mixed_labels[order].contiguous())
    heldout = Split("mnist", False, images[held_idx].contiguous(), labels[held_idx].contiguous())
    return Plan(config, train, heldout, len(train_idx))


def finetune(start: Net, digits: Images, mnist_train: Split, mnist_test: Split, config: TrainConfig = CONFIG,
             callbacks: Iterable[Callback] = (), stop: StopFlag | None = None, seed: int = 0
             ) -> tuple[RunResult, Report | None]:
    """Fine-tune a copy of `start` (which is left unchanged) in this thread: the run's result, and the Report when
    it finished (None when it was stopped or did not learn)."""
    began = time.monotonic()
    p = plan(digits, mnist_train, config, seed)
    before = p.measure(start, mnist_test)
    result = fit(config, p.train, mnist_test, callbacks, stop, start)
    if result.status != "finished" or result.model is None:
        return result, None
    class_after = evaluate(result.model, p.heldout.to(next(result.model.parameters()).device), 256).accuracy
    mnist_after = result.history[-1].test_acc  # fit measured the finished model on `mnist_test` already
    return result, Report(before[0], class_after, before[1], mnist_after, p.n_train, p.n_heldout,
                          time.monotonic() - began)
