"""Training and evaluation with the tutorial's semantics, progress callbacks and a stop flag."""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Literal, Protocol

import torch
import torch.nn.functional as F
from torch import nn

from .augment import AUGMENTATIONS
from .augment import augment as augment_batch
from .data import DATASETS, Split, batches, num_batches, to_float
from .devices import keep_freed_memory, pick_device
from .errors import ConfigError
from .familiarity import FeatureStats, fit_feature_stats
from .model import CNN

OPTIMIZERS = ("sgd", "momentum", "adam")
SCHEDULES = ("constant", "cosine", "onecycle")  # onecycle: warm up to lr, then anneal, batch by batch (Smith, 2018)
SAFE_LR = {"sgd": 0.01, "momentum": 0.01, "adam": 0.001}
EXPLODED = 20  # a running loss this many times chance level (ln of the class count) means the run diverged


# Replay each epoch's training step as a CUDA graph on a GPU; MNIST_DEMO_CUDA_GRAPHS=0 runs it eagerly.
CUDA_GRAPHS = os.environ.get("MNIST_DEMO_CUDA_GRAPHS", "1") != "0"

_init_lock = threading.Lock()  # seeding the global RNG and drawing the initial weights happen together


@dataclass(frozen=True)
class TrainConfig:
    dataset: str = "mnist"
    epochs: int = 10
    batch_size: int = 32
    lr: float = 0.01
    optimizer: str = "sgd"
    seed: int = 0
    device: str = "auto"
    augment: str = "none"
    schedule: Literal["constant", "cosine", "onecycle"] = "constant"
    label_smoothing: float = 0.0  # share of each target spread over all classes (Szegedy et al., 2016)

    def __post_init__(self) -> None:
        checks = [
            (self.dataset in DATASETS, f"unknown dataset {self.dataset!r}; choose one of {', '.join(DATASETS)}"),
            (self.epochs >= 1, f"epochs must be at least 1, not {self.epochs}: there would be nothing to train"),
            (self.batch_size >= 1, f"the batch size must be at least 1, not {self.batch_size}"),
            (self.lr > 0 and math.isfinite(self.lr), f"the learning rate must be a number above 0, not {self.lr:g}"),
            (self.optimizer in OPTIMIZERS, f"unknown optimizer {self.optimizer!r}; choose one of {OPTIMIZERS}"),
            (self.augment in AUGMENTATIONS, f"unknown augmentation {self.augment!r}; choose one of {AUGMENTATIONS}"),
            (self.schedule in SCHEDULES, f"unknown schedule {self.schedule!r}; choose one of {', '.join(SCHEDULES)}"),
            (self.device in ("auto", "cpu", "cuda", "mps"), f"unknown device {self.device!r}"),
            (0 <= self.label_smoothing < 1, f"label smoothing must be at least 0 and below 1, not "
                                            f"{self.label_smoothing:g}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)

    def as_dict(self) -> dict:
        return asdict(self)

    def check_against(self, n_train: int) -> None:
        """Raise ConfigError, before any training, when the batch size is larger than the training set."""
        if self.batch_size > n_train:
            raise ConfigError(
                f"the batch size {self.batch_size:,} is larger than the {n_train:,} training images of "
                f"{self.dataset}: choose a batch size of at most {n_train:,}"
            )


PRESETS: dict[str, TrainConfig] = {
    # The tutorial, unchanged: batch 32, plain SGD at 0.01, 10 epochs.
    "seed": TrainConfig(),
    # A two-minute classroom run on a laptop CPU.
    "quick": TrainConfig(epochs=3, batch_size=64, optimizer="momentum", lr=0.01),
    # The shipped model: same network, trained to read people's drawings.
    "classroom": TrainConfig(epochs=15, batch_size=64, optimizer="adam", lr=2e-3, augment="both", schedule="cosine"),
    # 99 % in one epoch: the same network, Adam with a one-cycle learning rate, a little label smoothing.
    "fast": TrainConfig(epochs=1, batch_size=128, optimizer="adam", lr=0.016, schedule="onecycle",
                        label_smoothing=0.05),
}


def preset(name: str, **overrides) -> TrainConfig:
    """A preset with the given fields replaced; None values are ignored."""
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return replace(PRESETS[name], **{k: v for k, v in overrides.items() if v is not None})


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
class Progress:
    """What a UI needs to draw a run: sent during each epoch (kind='batch') and after it (kind='epoch')."""

    kind: Literal["batch", "epoch"]
    epoch: int
    epochs: int
    batch: int
    batches: int
    running_loss: float
    running_acc: float
    images_per_s: float
    elapsed: float
    history: list[EpochStats]

    @property
    def fraction(self) -> float:
        """Share of the whole run done."""
        return ((self.epoch - 1) + self.batch / max(self.batches, 1)) / max(self.epochs, 1)

    @property
    def seconds_left(self) -> float:
        done = self.fraction
        return self.elapsed * (1 - done) / done if done > 0 else math.nan


class StopFlag(Protocol):
    def is_set(self) -> bool: ...


@dataclass
class RunResult:
    config: TrainConfig
    model: nn.Module
    history: list[EpochStats] = field(default_factory=list)
    status: Literal["finished", "stopped", "diverged"] = "finished"
    message: str = ""
    seconds: float = 0.0
    device: str = "cpu"
    feature_stats: FeatureStats | None = None


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


class Diverged(RuntimeError):
    """The loss stopped being a finite number."""

    def __init__(self, loss: float, batch: int) -> None:
        super().__init__(f"loss {loss} at batch {batch}")
        self.loss, self.batch = loss, batch


def make_optimizer(name: str, params, lr: float, device_type: str = "cpu") -> torch.optim.Optimizer:
    """On a CPU Adam runs fused (one kernel for all parameters: 0.26 ms a step here instead of 0.65); on CUDA it
    keeps its step count on the device, so that a CUDA graph can record its update."""
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, fused=device_type == "cpu" or None, capturable=device_type == "cuda")
    raise ConfigError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")


def divergence_message(config: TrainConfig, loss: float, epoch: int, batch: int) -> str:
    what = f"became {loss}" if not math.isfinite(loss) else f"shot up to {loss:.3g} (about 2.3 at the start)"
    return (
        f"Training stopped: the loss {what} at epoch {epoch}, batch {batch}. "
        f"A learning rate of {config.lr:g} is too large for {config.optimizer}: the steps overshoot and the "
        f"weights blow up. Try a smaller one, such as {min(config.lr / 10, SAFE_LR[config.optimizer]):g}."
    )


class _Step:
    """One optimizer step on a batch. The loss and the correct count add up on the device: no host sync."""

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, device: torch.device,
                 label_smoothing: float = 0.0) -> None:
        self.model, self.optimizer, self.label_smoothing = model, optimizer, label_smoothing
        self.loss_sum = torch.zeros((), device=device)
        self.correct = torch.zeros((), device=device, dtype=torch.long)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The loss to minimise; the plain cross-entropy, the tutorial's loss, is what adds up for the report.

        With label smoothing the target keeps 1 - e of its weight and spreads e evenly over all classes: the loss
        is F.cross_entropy(logits, y, label_smoothing=e), written out so that the plain one comes for free.
        """
        logits = self.model(x)
        log_p = F.log_softmax(logits, 1)
        nll = F.nll_loss(log_p, y)
        self.loss_sum += nll.detach()
        self.correct += (logits.argmax(1) == y).sum()
        if not self.label_smoothing:
            return nll
        return (1 - self.label_smoothing) * nll - self.label_smoothing * log_p.mean()

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        loss = self.forward(x, y)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()


class _GraphedStep(_Step):
    """The same step, recorded once as a CUDA graph and replayed for every full batch.

    At batch 32 a step of this small network is a few dozen tiny kernels: launching them from Python costs more
    than running them. Replaying a graph launches them all at once. The learning rate is recorded in the graph,
    so a new one is recorded each epoch (see train_epoch); batches of another size (the last) run eagerly.
    """

    WARMUP = 3  # eager steps on a side stream before recording, as torch.cuda.graph requires

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, device: torch.device,
                 label_smoothing: float = 0.0) -> None:
        super().__init__(model, optimizer, device, label_smoothing)
        self.graph: torch.cuda.CUDAGraph | None = None
        self.x = self.y = None
        self.steps = 0

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        if self.graph is None and self.steps < self.WARMUP:
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                super().__call__(x, y)
            torch.cuda.current_stream().wait_stream(side)
            self.steps += 1
        elif self.graph is None:
            self._record(x, y)  # records the step without running it
            self.graph.replay()
        elif x.shape == self.x.shape:
            self.x.copy_(x)
            self.y.copy_(y)
            self.graph.replay()
        else:
            super().__call__(x, y)

    def _record(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.x, self.y = x.clone(), y.clone()
        self.optimizer.zero_grad(set_to_none=True)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            self.forward(self.x, self.y).backward()
            self.optimizer.step()
        self.graph = graph


def train_epoch(
    model: nn.Module,
    split: Split,
    optimizer: torch.optim.Optimizer,
    batch_size: int,
    generator: torch.Generator | None = None,
    augment: str = "none",
    on_batch: Callable[[int, int, float, float, int], None] | None = None,
    stop: StopFlag | None = None,
    report_every: float = 0.1,
    after_step: Callable[[], None] | None = None,
    cuda_graph: bool = False,
    label_smoothing: float = 0.0,
) -> tuple[float, float] | None:
    """One pass over `split`. Returns (accuracy, mean batch loss), or None if `stop` was set.

    Accuracy counts the predictions made during the epoch, as the tutorial does. `on_batch(batch, batches,
    running_loss, running_acc, seen)` is called at most every `report_every` seconds and after the last batch:
    only then does the host wait for the device. `after_step` runs after each optimizer step (a per-batch
    learning-rate schedule). With `cuda_graph` (CUDA only, not with `after_step`) full batches replay a recorded
    CUDA graph. `label_smoothing` changes the loss minimised, not the one reported. Raises Diverged as soon as the
    running loss is not finite or explodes (EXPLODED times chance).
    """
    model.train()
    device = split.images.device
    limit = EXPLODED * math.log(model.fc2.out_features)
    total = num_batches(len(split), batch_size)
    graphed = cuda_graph and device.type == "cuda" and after_step is None
    step = (_GraphedStep if graphed else _Step)(model, optimizer, device, label_smoothing)
    seen, last_report = 0, -math.inf
    for i, (x, y) in enumerate(batches(split, batch_size, shuffle=True, generator=generator), start=1):
        if stop is not None and stop.is_set():
            return None
        if augment != "none":
            x = augment_batch(x, augment, generator)
        step(x, y)
        if after_step is not None:
            after_step()
        seen += len(y)
        now = time.monotonic()
        if now - last_report >= report_every or i == total:
            last_report = now
            running_loss = step.loss_sum.item() / i
            if not running_loss < limit:
                raise Diverged(running_loss, i)
            if on_batch is not None:
                on_batch(i, total, running_loss, step.correct.item() / seen, seen)
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


def fit(
    config: TrainConfig,
    train_split: Split,
    test_split: Split,
    on_progress: Callable[[Progress], None] | None = None,
    stop: StopFlag | None = None,
    on_epoch_end: Callable[[EpochStats, nn.Module, EvalResult], None] | None = None,
) -> RunResult:
    """Train a fresh CNN with `config`; same seed, config and device give the same numbers."""
    device = pick_device(config.device)
    if device.type == "cpu":
        keep_freed_memory()
    if device.type == "cuda":
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    with _init_lock:
        torch.manual_seed(config.seed)
        model = CNN(num_classes=len(train_split.classes))
    model = model.to(device, memory_format=torch.channels_last)
    train_split, test_split = train_split.to(device), test_split.to(device)
    config.check_against(len(train_split))
    optimizer = make_optimizer(config.optimizer, model.parameters(), config.lr, device.type)
    per_epoch, per_batch = None, None
    if config.schedule == "cosine":
        per_epoch = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.epochs)
    elif config.schedule == "onecycle":
        per_batch = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=config.lr, epochs=config.epochs, steps_per_epoch=num_batches(len(train_split),
            config.batch_size), pct_start=0.15)
    generator = torch.Generator().manual_seed(config.seed)
    result = RunResult(config=config, model=model, device=str(device))
    started = time.monotonic()

    for epoch in range(1, config.epochs + 1):
        epoch_start = time.monotonic()

        def on_batch(batch: int, total: int, loss: float, acc: float, seen: int, epoch=epoch, t0=epoch_start) -> None:
            if on_progress is not None:
                now = time.monotonic()
                on_progress(
                    Progress("batch", epoch, config.epochs, batch, total, loss, acc,
                             seen / max(now - t0, 1e-9), now - started, result.history)
                )

        try:
            trained = train_epoch(
                model, train_split, optimizer, config.batch_size, generator, config.augment, on_batch, stop,
                after_step=per_batch.step if per_batch is not None else None, cuda_graph=CUDA_GRAPHS,
                label_smoothing=config.label_smoothing,
            )
        except Diverged as exc:
            result.status, result.message = "diverged", divergence_message(config, exc.loss, epoch, exc.batch)
            break
        if trained is None:
            result.status, result.message = "stopped", f"Stopped by the user during epoch {epoch}."
            break
        train_seconds = time.monotonic() - epoch_start
        if per_epoch is not None:
            per_epoch.step()
        test_start = time.monotonic()
        test = evaluate(model, test_split, config.batch_size)
        stats = EpochStats(epoch, trained[0], trained[1], test.accuracy, test.loss,
                           train_seconds, time.monotonic() - test_start)
        result.history.append(stats)
        if on_epoch_end is not None:
            on_epoch_end(stats, model, test)
        if on_progress is not None:
            n_batches = num_batches(len(train_split), config.batch_size)
            on_progress(
                Progress("epoch", epoch, config.epochs, n_batches, n_batches, stats.train_loss, stats.train_acc,
                         len(train_split) / train_seconds, time.monotonic() - started, result.history)
            )
    if result.status == "finished":
        result.feature_stats = fit_feature_stats(model, train_split)
    result.seconds = time.monotonic() - started
    model.eval()
    return result
