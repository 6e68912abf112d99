"""The recorded CUDA step's own logic, on the CPU: a stand-in for CUDA's graphs (GraphedStep.cuda) runs a warm-up
step at once, keeps the step it is asked to record and runs it again, on the recording's own input copies, at each
replay, as a CUDA graph replays its kernels on its recorded buffers. tests/test_cuda.py checks the real graphs on
a GPU (scripts/gpu_check.sh); these run everywhere."""

from __future__ import annotations

import inspect

import pytest
import torch
import torch.nn.functional as F

from mnist_demo.data import to_float
from mnist_demo.network import CNN
from mnist_demo.train import loop
from mnist_demo.train.loop import make_optimizer, train_epoch
from mnist_demo.train.recipes import TrainConfig
from mnist_demo.train.step import GraphedStep, Step


class Replayed:
    """A recording: the step it was given, run again at each replay."""

    def __init__(self, step) -> None:
        self.step, self.replays = step, 0

    def replay(self) -> None:
        self.replays += 1
        self.step()


class OnTheCpu:
    """CUDA's part in a recorded step (step.CudaGraphs), on the CPU."""

    def __init__(self) -> None:
        self.warm_ups = 0
        self.recordings: list[Replayed] = []

    def warm_up(self, step) -> None:
        self.warm_ups += 1
        step()

    def record(self, step) -> Replayed:  # like a CUDA graph, a recording does not run the step
        self.recordings.append(Replayed(step))
        return self.recordings[-1]


@pytest.fixture
def cuda(monkeypatch) -> OnTheCpu:
    stand_in = OnTheCpu()
    monkeypatch.setattr(GraphedStep, "cuda", stand_in, raising=False)
    return stand_in


def same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    return all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_a_recorded_step_trains_exactly_as_eager_steps_do_over_two_epochs(splits, cuda, optimizer, monkeypatch):
    train, _ = splits
    config = TrainConfig(batch_size=32, optimizer=optimizer, lr=1e-2 if optimizer != "adam" else 1e-3)
    full = len(train) // config.batch_size
    assert len(train) % config.batch_size, "the tiny training set ends with a short batch"
    torch.manual_seed(0)
    init = CNN().state_dict()
    models, metrics = [], []
    for recorded in (False, True):
        if recorded:  # on a CPU train_epoch picks Step: here it gets the recorded one, as on a GPU
            monkeypatch.setattr(loop, "Step", GraphedStep)
        model = CNN().to(memory_format=torch.channels_last)
        model.load_state_dict(init)
        opt = make_optimizer(config.optimizer, model.parameters(), config.lr)
        generator = torch.Generator().manual_seed(0)
        metrics.append([train_epoch(model, train, opt, config, generator, epoch) for epoch in (1, 2)])
        models.append(model)
    assert metrics[0] == metrics[1]  # the same accuracy and loss, epoch by epoch
    assert same_weights(*models)
    # one recording per epoch, after WARMUP steps, replayed for every full batch after them and not for the short
    # last one, which ran eagerly
    assert cuda.warm_ups == 2 * GraphedStep.WARMUP
    assert [r.replays for r in cuda.recordings] == [full - GraphedStep.WARMUP] * 2


class Reads(torch.nn.Module):
    """A teacher sure (84 %) and right about every drawing, whose label is written in its top-left pixel, that sees
    in each a likeness of the next digit (12 %)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = (x[:, 0, 0, 0] * 10).round().long()
        return 5 * F.one_hot(y, 10).float() + 3 * F.one_hot((y + 1) % 10, 10).float()


def test_a_recorded_distilled_step_leaves_style_drawings_and_labels_only_digits_to_their_labels(splits, cuda):
    train, _ = splits
    generator = torch.Generator().manual_seed(0)
    batches = []
    for start, size in [(32 * i, 32) for i in range(7)] + [(224, 20)]:  # seven full batches and a short one
        x, y = to_float(train.images[start : start + size]), train.labels[start : start + size]
        x[:, 0, 0, 0] = y / 10
        batches.append((x, y, torch.rand(size, generator=generator) < 0.5))  # half the rows style drawings

    def trained(kind: type[Step], marked: bool = True, labels_only: tuple[int, ...] = (1, 7)) -> tuple[CNN, Step]:
        torch.manual_seed(0)
        model = CNN()
        step = kind(model, torch.optim.Adam(model.parameters(), lr=3e-3), torch.device("cpu"), label_smoothing=0.1,
                    junk=True, teacher=Reads(), labels_only=labels_only)
        for x, y, styled in batches:
            step(x, y, styled if marked else None)
        return model, step

    (eager, eager_step), (recorded, recorded_step) = trained(Step), trained(GraphedStep)
    assert same_weights(eager, recorded)
    assert torch.equal(eager_step.loss_sum, recorded_step.loss_sum)
    assert torch.equal(eager_step.correct, recorded_step.correct)
    assert [r.replays for r in cuda.recordings] == [7 - GraphedStep.WARMUP]
    # the recording did read which rows are style drawings, and which digits learn from labels only
    assert not same_weights(recorded, trained(Step, marked=False)[0])
    assert not same_weights(recorded, trained(Step, labels_only=())[0])


def test_a_recorded_step_takes_every_argument_a_step_takes():
    """train_epoch builds and calls either one alike: a change to Step's arguments needs the same in GraphedStep."""
    for method in ("__init__", "__call__"):
        assert inspect.signature(getattr(GraphedStep, method)) == inspect.signature(getattr(Step, method))
