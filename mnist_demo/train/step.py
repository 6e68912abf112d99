"""One optimizer step on a batch, eager or replayed as a CUDA graph. The loss and the correct count add up on the
device, so the host never waits for it between reports."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn

from mnist_demo.train.augment import NO_DIGIT


class Step:
    """loss, backward, optimizer step; `loss_sum` and `correct` accumulate on the device."""

    JUNK_WEIGHT = 0.5  # the junk rows' loss against the digits' (Hendrycks et al., 2019, use 0.5)
    # Distillation (Hinton et al., 2015): on a row where the teacher network is sure (top probability at least
    # COPY_SURE) and right, the loss is (1 - COPY_WEIGHT) of the label's and COPY_WEIGHT of the teacher's answers
    # softened at temperature COPY_T, which say which other digits a drawing resembles. Style drawings are left to
    # their labels: copying a teacher's doubt about a flag 1 would teach it to be a little bit a 7. So are MNIST's
    # own 1s and 7s (LABELS_ONLY): the teacher's doubt between the two (a US 7 with a short bar on a leaning stem is
    # a European 1) softens the boundary that the flag and serif 1s sit on, and more of them end "not sure".
    COPY_WEIGHT, COPY_T, COPY_SURE = 0.5, 2.0, 0.8
    LABELS_ONLY = (1, 7)  # the digits a distilled MNIST run learns from labels alone (train.loop.train_epoch)

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, device: torch.device,
                 label_smoothing: float = 0.0, junk: bool = False, teacher: nn.Module | None = None,
                 labels_only: tuple[int, ...] = ()) -> None:
        self.model, self.optimizer, self.label_smoothing, self.teacher = model, optimizer, label_smoothing, teacher
        self.labels_only = labels_only  # classes whose rows never copy the teacher
        self.junk_weight = self.JUNK_WEIGHT if junk else 0.0  # batches with rows labelled NO_DIGIT (augment.py)
        self.loss_sum = torch.zeros((), device=device)
        self.correct = torch.zeros((), device=device, dtype=torch.long)

    def forward(self, x: torch.Tensor, y: torch.Tensor, styled: torch.Tensor | None = None) -> torch.Tensor:
        """The loss to minimise; the plain cross-entropy, the tutorial's loss, is what adds up for the report.

        With label smoothing the target keeps 1 - e of its weight and spreads e evenly over all classes: the loss
        is F.cross_entropy(logits, y, label_smoothing=e), written out so that the plain one comes for free.
        With a teacher, rows marked in `styled` (style drawings, augment.augment_marked) learn from labels only.
        """
        logits = self.model(x)
        log_p = F.log_softmax(logits, 1)
        nll = F.nll_loss(log_p, y, ignore_index=NO_DIGIT)  # the mean over the digits; junk rows are left out
        self.loss_sum += nll.detach()
        self.correct += (logits.argmax(1) == y).sum()
        if self.teacher is not None:
            nll = self.copied(x, y, logits, log_p, styled)
        if not self.label_smoothing and not self.junk_weight:
            return nll
        junk = (y == NO_DIGIT).float()
        spread = log_p.mean(1)  # minus the cross-entropy towards equal odds on every class, per row
        loss = nll
        if self.label_smoothing:
            digits = 1 - junk
            loss = (1 - self.label_smoothing) * nll - self.label_smoothing * (spread * digits).sum() / digits.sum()
        if self.junk_weight:  # shapes that are no digit (augment.py): pushed towards equal odds, i.e. "not sure"
            loss = loss - self.junk_weight * (spread * junk).sum() / junk.sum().clamp(min=1)
        return loss

    def copied(self, x: torch.Tensor, y: torch.Tensor, logits: torch.Tensor, log_p: torch.Tensor,
               styled: torch.Tensor | None) -> torch.Tensor:
        """The digits' mean loss with the teacher's answers copied where it is sure and right (COPY_WEIGHT)."""
        assert self.teacher is not None  # Step.forward calls this only with a teacher
        with torch.no_grad():
            taught = self.teacher(x)
            sure, answer = taught.softmax(1).max(1)
            copy = (sure >= self.COPY_SURE) & (answer == y)
            if styled is not None:
                copy &= ~styled
            for digit in self.labels_only:
                copy &= y != digit
            soft = (taught / self.COPY_T).softmax(1)
        digits = y != NO_DIGIT
        label = F.nll_loss(log_p, y.clamp(min=0), reduction="none")
        kl = (soft * (soft.clamp(min=1e-12).log() - F.log_softmax(logits / self.COPY_T, 1))).sum(1)
        per_row = torch.where(copy, (1 - self.COPY_WEIGHT) * label + self.COPY_WEIGHT * self.COPY_T ** 2 * kl, label)
        return (per_row * digits).sum() / digits.sum().clamp(min=1)

    def __call__(self, x: torch.Tensor, y: torch.Tensor, styled: torch.Tensor | None = None) -> None:
        loss = self.forward(x, y, styled)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()


class CudaGraphs:
    """What a recorded step asks of CUDA, in one place: tests/test_graphed_step.py puts a CPU stand-in here, so that
    the step's own logic (warm-up, recording, replays, the eager last batch) runs in the CPU suite."""

    @staticmethod
    def warm_up(step: Callable[[], None]) -> None:
        """`step` run on a side stream, as torch.cuda.graph requires of the steps before a recording."""
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            step()
        torch.cuda.current_stream().wait_stream(side)

    @staticmethod
    def record(step: Callable[[], None]) -> torch.cuda.CUDAGraph:
        """`step`'s kernels recorded as a CUDA graph, not run."""
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            step()
        return graph


class GraphedStep(Step):
    """The same step, recorded once as a CUDA graph and replayed for every full batch.

    At batch 32 a step of this small network is a few dozen tiny kernels: launching them from Python costs more
    than running them. Replaying a graph launches them all at once. The learning rate is recorded in the graph,
    so a new one is recorded each epoch (a new GraphedStep per epoch); batches of another size (the last) run
    eagerly. With a teacher the recording holds the teacher's pass too: which rows copy it is a mask computed on
    the device, so a replay picks them anew for each batch.
    """

    WARMUP = 3  # eager steps on a side stream before recording, as torch.cuda.graph requires
    cuda = CudaGraphs

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, device: torch.device,
                 label_smoothing: float = 0.0, junk: bool = False, teacher: nn.Module | None = None,
                 labels_only: tuple[int, ...] = ()) -> None:
        super().__init__(model, optimizer, device, label_smoothing, junk, teacher, labels_only)
        self.graph: torch.cuda.CUDAGraph | None = None
        self.inputs: tuple[torch.Tensor, ...] = ()  # the recording's own copies of x, y (and styled), refilled
        self.steps = 0

    def __call__(self, x: torch.Tensor, y: torch.Tensor, styled: torch.Tensor | None = None) -> None:
        # `styled` is recorded like x and y: which rows are style drawings is data that the recorded kernels read
        # (a mask in Step.copied), not another program. A batch with it where the recording had none, or the other
        # way round, runs eagerly, as a batch of another size does.
        batch = (x, y) if styled is None else (x, y, styled)
        if self.graph is None and self.steps < self.WARMUP:
            self.cuda.warm_up(partial(super().__call__, *batch))
            self.steps += 1
        elif self.graph is None:
            self.inputs = tuple(t.clone() for t in batch)
            # The gradients are None before the recording, so that its backward allocates them from the graph's
            # own memory (torch.cuda.graph's docs); Step.__call__ sets them to None again, which records nothing.
            self.optimizer.zero_grad(set_to_none=True)
            self.graph = self.cuda.record(partial(super().__call__, *self.inputs))  # recorded, not run
            self.graph.replay()
        elif [t.shape for t in batch] == [t.shape for t in self.inputs]:
            for recorded, t in zip(self.inputs, batch):
                recorded.copy_(t)
            self.graph.replay()
        else:
            super().__call__(x, y, styled)
