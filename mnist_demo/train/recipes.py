"""A run's settings and the named recipes (presets). Checked when made: a bad setting never reaches training."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Literal

from mnist_demo.data import CLASS_NAMES, DATASETS
from mnist_demo.errors import ConfigError
from mnist_demo.messages import N_, Message
from mnist_demo.network.spec import TUTORIAL, canonical, plan
from mnist_demo.train.augment import AUGMENTATIONS

OPTIMIZERS = (N_("sgd"), N_("momentum"), N_("adam"))  # marked: messages name them (a page words them its way)
SCHEDULES = ("constant", "cosine", "onecycle")  # onecycle: warm up to lr, then anneal, batch by batch (Smith, 2018)
SAFE_LR = {"sgd": 0.01, "momentum": 0.01, "adam": 0.001}
MAX_SEED = 2**63 - 1  # torch.manual_seed takes a 64-bit signed seed


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
    arch: str = TUTORIAL  # the network, as a SPEC (mnist_demo.network.spec)

    def __post_init__(self) -> None:
        checks = [
            (self.dataset in DATASETS, Message(N_("unknown dataset {name!r}; choose one of {choices}"),
                                               name=self.dataset, choices=", ".join(DATASETS))),
            (self.epochs >= 1, Message(N_("epochs must be at least 1, not {epochs}: there would be nothing to train"),
                                       epochs=self.epochs)),
            (self.batch_size >= 1, Message(N_("the batch size must be at least 1, not {size}"), size=self.batch_size)),
            (self.lr > 0 and math.isfinite(self.lr), Message(N_("the learning rate must be a number above 0, not "
                                                                "{lr:g}"), lr=self.lr)),
            (self.optimizer in OPTIMIZERS, Message(N_("unknown optimizer {name!r}; choose one of {choices}"),
                                                   name=self.optimizer, choices=OPTIMIZERS)),
            (0 <= self.seed <= MAX_SEED, Message(N_("the seed must be a whole number from 0 to {most}, not {seed}"),
                                                 most=MAX_SEED, seed=self.seed)),
            (self.augment in AUGMENTATIONS, Message(N_("unknown augmentation {name!r}; choose one of {choices}"),
                                                    name=self.augment, choices=AUGMENTATIONS)),
            (self.schedule in SCHEDULES, Message(N_("unknown schedule {name!r}; choose one of {choices}"),
                                                 name=self.schedule, choices=", ".join(SCHEDULES))),
            (self.device in ("auto", "cpu", "cuda", "mps"), Message(N_("unknown device {name!r}"), name=self.device)),
            (0 <= self.label_smoothing < 1, Message(N_("label smoothing must be at least 0 and below 1, not "
                                                       "{smoothing:g}"), smoothing=self.label_smoothing)),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)
        object.__setattr__(self, "arch", canonical(self.arch))  # one text per network: "conv32:3  relu" is the same
        plan(self.arch, len(CLASS_NAMES[self.dataset]))  # ArchitectureError, naming the block, before any training

    def as_dict(self) -> dict:
        return asdict(self)

    def check_against(self, n_train: int) -> None:
        """Raise ConfigError, before any training, when the batch size is larger than the training set."""
        if n_train < 1:
            raise ConfigError(N_("the {dataset} training set is empty: there is nothing to train on"),
                              dataset=self.dataset)
        if self.batch_size > n_train:
            raise ConfigError(N_("the batch size {size:,} is larger than the {n:,} training images of {dataset}: "
                                 "choose a batch size of at most {n:,}"), size=self.batch_size, n=n_train,
                              dataset=self.dataset)


PRESETS: dict[str, TrainConfig] = {
    # The tutorial, unchanged: batch 32, plain SGD at 0.01, 10 epochs.
    "seed": TrainConfig(),
    # A two-minute classroom run on a laptop CPU.
    "quick": TrainConfig(epochs=3, batch_size=64, optimizer="momentum", lr=0.01),
    # The shipped model: same network, trained to read people's drawings, in the world's handwriting styles too.
    "classroom": TrainConfig(epochs=60, batch_size=64, optimizer="adam", lr=2e-3, augment="styles",
                             schedule="cosine"),
    # 99 % in one epoch: the same network, Adam with a one-cycle learning rate, a little label smoothing.
    "fast": TrainConfig(epochs=1, batch_size=128, optimizer="adam", lr=0.016, schedule="onecycle",
                        label_smoothing=0.05),
}


def preset(name: str, **overrides) -> TrainConfig:
    """A preset with the given fields replaced; None values are ignored."""
    if name not in PRESETS:
        raise ConfigError(N_("unknown preset {name!r}; choose one of {choices}"), name=name, choices=", ".join(PRESETS))
    return replace(PRESETS[name], **{k: v for k, v in overrides.items() if v is not None})


def recipe_of(config: TrainConfig) -> str:
    """The preset a config comes from: the one whose schedule, augmentation and label smoothing it has (what the
    app's controls leave to the recipe), the one with its optimizer too where two share those; else the tutorial."""
    def same(p: TrainConfig, fields: tuple[str, ...]) -> bool:
        return all(getattr(p, f) == getattr(config, f) for f in fields)

    extras = ("schedule", "augment", "label_smoothing")
    matches = [name for name, p in PRESETS.items() if same(p, extras)]
    return next((name for name in matches if same(PRESETS[name], ("optimizer",))), matches[0] if matches else "seed")
