"""The GPU path: skipped without CUDA (CI has none); scripts/gpu_check.sh runs it on a GPU machine."""

import pytest
import torch
from test_graphed_step import Reads

from mnist_demo.data import to_float
from mnist_demo.network import CNN
from mnist_demo.reading.inference import read
from mnist_demo.reading.not_sure import fit_feature_stats
from mnist_demo.train import loop
from mnist_demo.train.loop import fit, make_optimizer, train_epoch
from mnist_demo.train.recipes import TrainConfig
from mnist_demo.train.step import GraphedStep, Step

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here")]


@pytest.fixture(scope="module")
def on_cuda(splits):  # conftest.py
    return tuple(split.to("cuda") for split in splits)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_a_cuda_graph_trains_exactly_as_eager_steps_do(on_cuda, optimizer, monkeypatch):
    train, _ = on_cuda
    config = TrainConfig(batch_size=32, optimizer=optimizer, lr=1e-2 if optimizer != "adam" else 1e-3, device="cuda")
    recorded = []

    class Recorded(GraphedStep):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            recorded.append(self)

    monkeypatch.setattr(loop, "GraphedStep", Recorded)
    torch.manual_seed(0)
    init = CNN().state_dict()
    weights, metrics = [], []
    for graphed in (False, True):
        monkeypatch.setattr(loop, "CUDA_GRAPHS", graphed)
        recorded.clear()
        model = CNN().cuda().to(memory_format=torch.channels_last)
        model.load_state_dict(init)
        opt = make_optimizer(config.optimizer, model.parameters(), config.lr, "cuda")
        gen = torch.Generator().manual_seed(0)
        per_epoch = [train_epoch(model, train, opt, config, gen, epoch) for epoch in (1, 2)]
        metrics.append(per_epoch)
        weights.append([p.detach().clone() for p in model.parameters()])
        # the graphed pass did replay a recorded graph (one per epoch); the eager one made none
        assert len(recorded) == (2 if graphed else 0) and all(step.graph is not None for step in recorded)
    for (acc_e, loss_e), (acc_g, loss_g) in zip(*metrics):
        assert acc_e == pytest.approx(acc_g, abs=2e-3) and loss_e == pytest.approx(loss_g, rel=1e-3)
    for a, b in zip(*weights):
        torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-4)


def test_a_recorded_distilled_step_trains_as_an_eager_one(on_cuda):
    """A teacher's pass, style drawings and labels-only digits in a real CUDA graph (tests/test_graphed_step.py
    checks the same on the CPU with a stand-in for the graph)."""
    train, _ = on_cuda
    generator = torch.Generator().manual_seed(0)
    batches = []
    for start, size in [(32 * i, 32) for i in range(7)] + [(224, 20)]:  # seven full batches and a short one
        x, y = to_float(train.images[start : start + size]), train.labels[start : start + size]
        x[:, 0, 0, 0] = y / 10  # the label the teacher reads
        batches.append((x, y, (torch.rand(size, generator=generator) < 0.5).cuda()))

    def trained(kind):
        torch.manual_seed(0)
        model = CNN().cuda().to(memory_format=torch.channels_last)
        step = kind(model, make_optimizer("adam", model.parameters(), 3e-3, "cuda"), torch.device("cuda"),
                    label_smoothing=0.1, junk=True, teacher=Reads(), labels_only=(1, 7))
        for x, y, styled in batches:
            step(x, y, styled)
        return model, step

    (eager, eager_step), (recorded, recorded_step) = trained(Step), trained(GraphedStep)
    assert recorded_step.graph is not None
    assert recorded_step.loss_sum.item() == pytest.approx(eager_step.loss_sum.item(), rel=1e-3)
    for a, b in zip(eager.parameters(), recorded.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-4)


def test_fit_on_cuda_learns_and_leaves_a_shareable_model(on_cuda):
    train, test = on_cuda
    result = fit(TrainConfig(epochs=3, batch_size=16, optimizer="adam", lr=3e-3, device="cuda", schedule="cosine"),
                 train, test)
    assert result.status == "finished" and result.device.startswith("cuda")
    assert result.history[-1].test_acc > 0.6
    stats = fit_feature_stats(result.model, train)
    reading = read(result.model, test.images[0].float().cpu().numpy() / 255, stats)
    assert reading.probabilities.sum() == pytest.approx(1, abs=1e-4) and reading.distance is not None


def test_the_fast_preset_schedule_runs_on_cuda(on_cuda):
    train, test = on_cuda
    result = fit(TrainConfig(epochs=2, batch_size=32, optimizer="adam", lr=3e-3, device="cuda", schedule="onecycle"),
                 train, test)
    assert result.status == "finished" and result.history[-1].test_acc > 0.5
