"""The GPU path: skipped without CUDA (CI has none); scripts/gpu_check.sh runs it on a GPU machine."""

import pytest
import torch

from mnist_demo.data import load_split
from mnist_demo.inference import read
from mnist_demo.model import CNN
from mnist_demo.training import TrainConfig, fit, make_optimizer, train_epoch

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here")


@pytest.fixture(scope="module")
def splits(tiny_data_dir):
    return load_split("mnist", True, tiny_data_dir).to("cuda"), load_split("mnist", False, tiny_data_dir).to("cuda")


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_a_cuda_graph_trains_exactly_as_eager_steps_do(splits, optimizer):
    train, _ = splits
    torch.manual_seed(0)
    init = CNN().state_dict()
    weights, metrics = [], []
    for graphed in (False, True):
        model = CNN().cuda().to(memory_format=torch.channels_last)
        model.load_state_dict(init)
        opt = make_optimizer(optimizer, model.parameters(), 1e-2 if optimizer != "adam" else 1e-3, "cuda")
        gen = torch.Generator().manual_seed(0)
        per_epoch = [train_epoch(model, train, opt, 32, gen, cuda_graph=graphed) for _ in range(2)]
        metrics.append(per_epoch)
        weights.append([p.detach().clone() for p in model.parameters()])
    for (acc_e, loss_e), (acc_g, loss_g) in zip(*metrics):
        assert acc_e == pytest.approx(acc_g, abs=2e-3) and loss_e == pytest.approx(loss_g, rel=1e-3)
    for a, b in zip(*weights):
        torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-4)


def test_fit_on_cuda_learns_and_leaves_a_shareable_model(splits):
    train, test = splits
    result = fit(TrainConfig(epochs=3, batch_size=16, optimizer="adam", lr=3e-3, device="cuda", schedule="cosine"),
                 train, test)
    assert result.status == "finished" and result.device.startswith("cuda")
    assert result.history[-1].test_acc > 0.6
    reading = read(result.model, test.images[0].float().cpu().numpy() / 255, result.feature_stats)
    assert reading.probabilities.sum() == pytest.approx(1, abs=1e-4)


def test_the_fast_preset_schedule_runs_on_cuda(splits):
    train, test = splits
    result = fit(TrainConfig(epochs=2, batch_size=32, optimizer="adam", lr=3e-3, device="cuda", schedule="onecycle"),
                 train, test)
    assert result.status == "finished" and result.history[-1].test_acc > 0.5
