"""Training and evaluation with the tutorial's semantics, read top to bottom: train_epoch, evaluate, fit.

Progress has one shape, `Progress`, from the loop to every listener (the CLI's bar and lines, the app's runs,
tests): fit calls each callback with it during an epoch (kind "batch") and after it (kind "epoch").

A run can go on after it was cut short: at each epoch's end the Progress offers `resumable()`, a `TrainState` (the
weights, the optimizer's and the schedule's states, the generator's, the epochs so far), and `fit(resume=...)`
goes on from it. Every random draw of training (shuffling, augmentation) comes from the run's own generator, not
the global one, so on the CPU the resumed run gives the numbers of the run that was never stopped, bit for bit.
"""

from __future__ import annotations

import copy
import math
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

import torch
import torch.nn.functional as F
from torch import nn

from mnist_demo.checkpoint.checks import mismatch
from mnist_demo.data import Split, batches, num_batches, to_float
from mnist_demo.errors import ConfigError
from mnist_demo.messages import N_, Message
from mnist_demo.network import Net
from mnist_demo.reading.not_sure import FeatureStats, fit_feature_stats
from mnist_demo.train.augment import augment_marked, trained_on
from mnist_demo.train.device import keep_freed_memory, pick_device
from mnist_demo.train.recipes import SAFE_LR, TrainConfig
from mnist_demo.train.step import GraphedStep, Step

EXPLODED = 20  # a running loss this many times chance level (ln of the class count) means the run diverged
PLATEAU = 0.95  # recent loss above this share of chance level, with guessing accuracy, means it learns nothing...
JUDGE_AFTER = 200  # ...once this many batches, and half the first epoch, have given it the chance to
CUDA_GRAPHS = os.environ.get("MNIST_DEMO_CUDA_GRAPHS", "1") != "0"  # 0: run the CUDA step eagerly
_init_lock = threading.Lock()  # seeding the global RNG and drawing the initial weights happen together


@dataclass
class EpochStats:
    epoch: int
    train_acc: float
    train_loss: float
    test_acc: float
    test_loss: float
    train_seconds: float
    test_seconds: float

    def line(self) -> str:
        """The tutorial's line, character for character."""
        return (f"Epoch:{self.epoch:2d}, Train_acc:{self.train_acc * 100:.1f}%, Train_loss:{self.train_loss:.3f}, "
                f"Test_acc:{self.test_acc * 100:.1f}%,Test_loss:{self.test_loss:.3f}")


@dataclass
class EvalResult:
    accuracy: float
    loss: float
    predictions: torch.Tensor
    probabilities: torch.Tensor
    labels: torch.Tensor

    @property
    def n(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class Progress:
    """One report of a run, the only shape progress takes. `loss` and `accuracy` are the running means of this
    epoch's training batches so far (for kind "epoch", the whole epoch's); `stats` and `evaluation` come with
    kind "epoch"; `model` is the network in training, for listeners that look inside it during the call."""

    kind: Literal["batch", "epoch"]
    epoch: int
    epochs: int
    batch: int
    batches: int
    loss: float
    accuracy: float
    images_per_s: float
    elapsed: float
    stats: EpochStats | None = None
    evaluation: EvalResult | None = field(default=None, repr=False)
    model: Net | None = field(default=None, repr=False, compare=False)
    resumable: Callable[[], TrainState] | None = field(default=None, repr=False, compare=False)  # kind "epoch",
    # during the call: where the run stands, to save and go on from (built only when asked)

    @property
    def fraction(self) -> float:
        """Share of the whole run done."""
        return ((self.epoch - 1) + self.batch / max(self.batches, 1)) / max(self.epochs, 1)

    @property
    def x(self) -> float:
        """Where the report sits on an epoch axis: 0.5 is half way through the first epoch."""
        return self.epoch - 1 + self.batch / max(self.batches, 1)

    @property
    def seconds_left(self) -> float:
        done = self.fraction
        return self.elapsed * (1 - done) / done if done > 0 else math.nan


Callback = Callable[[Progress], None]


class StopFlag(Protocol):
    def is_set(self) -> bool: ...


@dataclass
class RunResult:
    config: TrainConfig
    model: Net | None
    history: list[EpochStats] = field(default_factory=list)
    status: Literal["finished", "stopped", "did-not-learn"] = "finished"
    message: str = ""
    seconds: float = 0.0
    device: str = "cpu"
    feature_stats: FeatureStats | None = field(default=None, repr=False)  # behind "not sure", once finished


def _copied(value):
    """`value` with every tensor copied to the CPU, strides kept (a fused optimizer wants its state laid out as its
    parameters are)."""
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", copy=True)
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copied(v) for v in value)
    return value


@dataclass
class TrainState:
    """All a run needs to go on after `epoch` of `config.epochs` epochs as if it had never stopped."""

    config: TrainConfig
    epoch: int
    model: dict[str, torch.Tensor] = field(repr=False)
    optimizer: dict = field(repr=False)
    schedule: dict | None = field(repr=False)
    generator: torch.Tensor = field(repr=False)  # the state of the generator that shuffles and augments
    history: list[EpochStats] = field(default_factory=list)
    seconds: float = 0.0  # of training and testing so far

    def restore(self, model: nn.Module, optimizer: torch.optim.Optimizer,
                schedule: torch.optim.lr_scheduler.LRScheduler | None, generator: torch.Generator) -> None:
        """Put this state into a freshly built run (its schedule already made: making one sets the learning rate,
        which the optimizer's state then sets back). ConfigError when it does not fit them."""
        different = mismatch(model.state_dict(), self.model)
        if different:
            raise ConfigError(N_("the saved weights do not fit this run's network: {why}"), why=different)
        if (schedule is None) != (self.schedule is None):
            raise ConfigError(N_("the saved state was made with another learning-rate schedule"))
        try:
            model.load_state_dict(self.model)
            optimizer.load_state_dict(self.optimizer)
            _check_optimizer(optimizer)
            if schedule is not None and self.schedule is not None:
                schedule.load_state_dict(self.schedule)
            generator.set_state(self.generator)
        except (RuntimeError, ValueError, KeyError, TypeError, IndexError) as exc:
            said = exc.args[0] if exc.args and isinstance(exc.args[0], Message) else (
                str(exc).splitlines()[0][:160] if str(exc) else Message(N_("no details")))  # PyTorch's words
            raise ConfigError(N_("the saved state does not fit this run ({kind}: {details})"), kind=type(exc).__name__,
                              details=said) from None


def _check_optimizer(optimizer: torch.optim.Optimizer) -> None:
    """Each saved moment has its parameter's shape and is a finite number (a damaged file would fail later, or
    train on NaN)."""
    for group in optimizer.param_groups:
        for param in group["params"]:
            for name, value in optimizer.state.get(param, {}).items():
                if not isinstance(value, torch.Tensor) or value.dim() == 0:
                    continue
                if value.shape != param.shape or not bool(torch.isfinite(value).all()):
                    raise ValueError(Message(N_("the optimizer's {name} does not fit its parameter or is not finite"),
                                             name=name))


class DidNotLearn(RuntimeError):
    """The run stopped making sense: the loss is not a number, exploded, or stays at guessing level."""


def make_optimizer(name: str, params, lr: float, device_type: str = "cpu") -> torch.optim.Optimizer:
    """On a CPU Adam runs fused (one kernel for all parameters); on CUDA it keeps its step count on the device,
    so that a CUDA graph can record its update."""
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, fused=device_type == "cpu" or None, capturable=device_type == "cuda")
    raise ConfigError(N_("unknown optimizer {name!r}"), name=name)


def exploded(config: TrainConfig, loss: float, epoch: int, batch: int) -> Message:
    template = (N_("Did not learn: the loss became {loss} at epoch {epoch}, batch {batch}. A learning rate of {lr:g} "
                   "is too large for {optimizer}: the steps overshoot and the weights blow up. Try a smaller one, "
                   "such as {smaller:g}.") if not math.isfinite(loss) else
                N_("Did not learn: the loss shot up to {loss:.3g} (about 2.3 at the start) at epoch {epoch}, batch "
                   "{batch}. A learning rate of {lr:g} is too large for {optimizer}: the steps overshoot and the "
                   "weights blow up. Try a smaller one, such as {smaller:g}."))
    return Message(template, loss=loss, epoch=epoch, batch=batch, lr=config.lr, optimizer=Message(config.optimizer),
                   smaller=min(config.lr / 10, SAFE_LR[config.optimizer]))


def stuck(config: TrainConfig, loss: float, accuracy: float, epoch: int, batch: int | None = None) -> Message:
    """Why a run that stays at guessing level stopped: during an epoch at `batch`, or after it (on the test set)."""
    template = (N_("Did not learn: at epoch {epoch}, batch {batch}, the loss is {loss:.2f} (pure guessing gives 2.30) "
                   "and it reads {accuracy:.0%} right, as a ten-sided die would. With a learning rate of {lr:g}, "
                   "{optimizer} is not learning: too large a step can switch off every neuron at once, too small a "
                   "one barely moves. Try {usual:g}, the usual learning rate for {optimizer}.") if batch is not None
                else N_("Did not learn: after epoch {epoch}, on the test set, the loss is {loss:.2f} (pure guessing "
                        "gives 2.30) and it reads {accuracy:.0%} right, as a ten-sided die would. With a learning rate "
                        "of {lr:g}, {optimizer} is not learning: too large a step can switch off every neuron at once, "
                        "too small a one barely moves. Try {usual:g}, the usual learning rate for {optimizer}."))
    return Message(template, epoch=epoch, batch=batch, loss=loss, accuracy=accuracy, lr=config.lr,
                   optimizer=Message(config.optimizer), usual=SAFE_LR[config.optimizer])


def train_epoch(model: Net, split: Split, optimizer: torch.optim.Optimizer, config: TrainConfig,
                generator: torch.Generator | None = None, epoch: int = 1, callbacks: Iterable[Callback] = (),
                stop: StopFlag | None = None, after_step: Callable[[], None] | None = None, started: float = 0.0,
                report_every: float = 0.1, teacher: nn.Module | None = None) -> tuple[float, float] | None:
    """One pass over `split`: (accuracy, mean batch loss), or None if `stop` was set.

    Accuracy counts the predictions made during the epoch, as the tutorial does. Every `report_every` seconds
    (and after the last batch) the host reads the device's sums, checks that the run still learns, and sends a
    Progress to each callback. `after_step` runs after each optimizer step (a per-batch learning-rate schedule).
    With a `teacher` network the model also copies its answers where it is sure and right (step.Step.copied).
    Raises DidNotLearn when the loss is not finite or explodes, or stays at guessing level half an epoch in.
    """
    model.train()
    device = split.images.device
    chance = math.log(model.num_classes)
    total = num_batches(len(split), config.batch_size)
    # Distilled epochs run eagerly until tests/test_cuda.py has passed a recorded distilled step on a GPU.
    graphed = CUDA_GRAPHS and device.type == "cuda" and after_step is None and teacher is None
    step = (GraphedStep if graphed else Step)(model, optimizer, device, config.label_smoothing,
                                              junk=config.augment == "styles" and split.name == "mnist",
                                              teacher=teacher, labels_only=Step.LABELS_ONLY if split.name == "mnist"
                                              else ())
    seen, last_report, t0 = 0, -math.inf, time.monotonic()
    window = (0, 0.0, 0.0)  # (batch, loss sum, correct) at the previous report: the recent loss is the difference
    for i, (x, y) in enumerate(batches(split, config.batch_size, shuffle=True, generator=generator), start=1):
        if stop is not None and stop.is_set():
            return None
        seen += len(y)
        styled = None
        if config.augment != "none":
            x, y, styled = augment_marked(x, y, config.augment, generator, split)
        step(x, y, styled)
        if after_step is not None:
            after_step()
        now = time.monotonic()
        if now - last_report < report_every and i != total:
            continue
        last_report = now
        loss_sum, correct = step.loss_sum.item(), step.correct.item()
        loss = loss_sum / i
        if not loss < EXPLODED * chance:
            raise DidNotLearn(exploded(config, loss, epoch, i))
        if (epoch - 1) * total + i >= max(total / 2, JUDGE_AFTER) and i - window[0] >= 20:
            recent = (loss_sum - window[1]) / (i - window[0])
            recent_acc = (correct - window[2]) / max(seen - window[0] * config.batch_size, 1)
            if recent > PLATEAU * chance and recent_acc < 2 / model.num_classes:
                raise DidNotLearn(stuck(config, recent, recent_acc, epoch, i))
        if i - window[0] >= 20:
            window = (i, loss_sum, correct)
        progress = Progress("batch", epoch, config.epochs, i, total, loss, correct / seen, seen / max(now - t0, 1e-9),
                            now - started if started else now - t0, model=model)
        for callback in callbacks:
            callback(progress)
    return step.correct.item() / len(split), step.loss_sum.item() / total


@torch.no_grad()
def evaluate(model: nn.Module, split: Split, batch_size: int = 32, chunk: int | None = None) -> EvalResult:
    """Test accuracy and the tutorial's test loss (mean of per-batch mean losses at `batch_size`).

    Runs in chunks of `chunk` images for speed (128 on a CPU, where larger ones fall out of cache); the loss
    is regrouped into batches of `batch_size`, so the figure is the one a DataLoader with that batch size gives.
    """
    model.eval()
    chunk = chunk or (128 if split.images.device.type == "cpu" else 4096)
    losses, probs = [], []
    for start in range(0, len(split), chunk):
        x = to_float(split.images[start : start + chunk])
        logits = model(x)
        losses.append(F.cross_entropy(logits, split.labels[start : start + chunk], reduction="none"))
        probs.append(logits.softmax(1))
    per_sample = torch.cat(losses)
    probabilities = torch.cat(probs)
    batch_means = torch.stack([b.mean() for b in per_sample.split(batch_size)])
    predictions = probabilities.argmax(1)
    return EvalResult(
        accuracy=(predictions == split.labels).sum().item() / len(split),
        loss=batch_means.mean().item(),
        predictions=predictions.cpu(),
        probabilities=probabilities.cpu(),
        labels=split.labels.cpu(),
    )


def new_model(config: TrainConfig, num_classes: int, start: Net | None = None) -> Net:
    """A fresh network of `config.arch` seeded by `config.seed`, or a copy of `start` (to fine-tune it)."""
    with _init_lock:
        torch.manual_seed(config.seed)
        model = Net(start.arch if start is not None else config.arch, num_classes)
    if start is not None:
        model.load_state_dict({k: v.detach().cpu() for k, v in start.state_dict().items()})
    return model


def fit(config: TrainConfig, train_split: Split, test_split: Split, callbacks: Iterable[Callback] = (),
        stop: StopFlag | None = None, start: Net | None = None, teacher: nn.Module | None = None,
        resume: TrainState | None = None) -> RunResult:
    """Train a fresh network of `config.arch` (or a copy of `start`) with `config`, copying `teacher`'s answers
    where it is sure and right when one is given (distillation); same seed, config and device give the same numbers.
    Stops early, with a message in words, when the run does not learn. With `resume` (saved at the end of an epoch
    of this config) it goes on from there; its history and seconds include the epochs before."""
    if start is not None:  # a second run of that network: its architecture, whatever the recipe's
        config = replace(config, arch=start.arch)
    callbacks = list(callbacks)
    device = pick_device(config.device)
    if device.type == "cpu":
        keep_freed_memory()
    if device.type == "cuda":
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    model = new_model(config, len(train_split.classes), start).to(device).to(memory_format=torch.channels_last)
    if teacher is not None:
        teacher = copy.deepcopy(teacher).to(device).to(memory_format=torch.channels_last).eval().requires_grad_(False)
    train_split, test_split = train_split.to(device), test_split.to(device)
    config.check_against(len(train_split))
    optimizer = make_optimizer(config.optimizer, model.parameters(), config.lr, device.type)
    per_epoch = per_batch = None
    n_batches = num_batches(len(train_split), config.batch_size)
    if config.schedule == "cosine":
        per_epoch = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.epochs)
    elif config.schedule == "onecycle":
        per_batch = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr, epochs=config.epochs,
                                                        steps_per_epoch=n_batches, pct_start=0.15)
    generator = torch.Generator().manual_seed(config.seed)
    result = RunResult(config=config, model=model, device=str(device))
    first, earlier = 1, 0.0
    if resume is not None:
        if replace(resume.config, device=config.device) != config:  # another device may go on with it
            raise ConfigError(N_("the saved state belongs to a run with other settings"))
        resume.restore(model, optimizer, per_epoch or per_batch, generator)
        first, earlier, result.history = resume.epoch + 1, resume.seconds, list(resume.history)
    started = time.monotonic() - earlier

    def state_after(epoch: int) -> Callable[[], TrainState]:
        schedule = per_epoch or per_batch
        return lambda: TrainState(config, epoch, _copied(model.state_dict()), _copied(optimizer.state_dict()),
                                  _copied(schedule.state_dict()) if schedule is not None else None,
                                  generator.get_state(), list(result.history), time.monotonic() - started)

    for epoch in range(first, config.epochs + 1):
        epoch_start = time.monotonic()
        try:
            trained = train_epoch(model, train_split, optimizer, config, generator, epoch, callbacks, stop,
                                  per_batch.step if per_batch is not None else None, started, teacher=teacher)
        except DidNotLearn as exc:
            result.status, result.message = "did-not-learn", exc.args[0]
            break
        if trained is None:
            result.status, result.message = "stopped", Message(N_("Stopped by the user during epoch {epoch}."),
                                                               epoch=epoch)
            break
        train_seconds = time.monotonic() - epoch_start
        if per_epoch is not None:
            per_epoch.step()
        test_start = time.monotonic()
        test = evaluate(model, test_split, config.batch_size)
        stats = EpochStats(epoch, trained[0], trained[1], test.accuracy, test.loss,
                           train_seconds, time.monotonic() - test_start)
        result.history.append(stats)
        progress = Progress("epoch", epoch, config.epochs, n_batches, n_batches, stats.train_loss, stats.train_acc,
                            len(train_split) / train_seconds, time.monotonic() - started, stats, test, model,
                            state_after(epoch))
        for callback in callbacks:
            callback(progress)
        if (test.accuracy < 1.5 / len(train_split.classes) and stats.train_loss > PLATEAU * math.log(len(
                train_split.classes)) and epoch * n_batches >= JUDGE_AFTER):
            result.status = "did-not-learn"
            result.message = stuck(config, test.loss, test.accuracy, epoch)
            break
    result.seconds = time.monotonic() - started
    model.eval()
    if result.status == "finished":  # what "not sure" measures against: the digits it learned from
        result.feature_stats = fit_feature_stats(model, trained_on(train_split, config.augment))
    return result
