import math
import threading

import pytest
import torch
import torch.nn.functional as F
from conftest import EPOCH_LINE

from mnist_demo.data import to_float
from mnist_demo.network import CNN
from mnist_demo.train.loop import EpochStats, evaluate, fit
from mnist_demo.train.recipes import TrainConfig, preset
from mnist_demo.train.step import Step


def test_the_tutorials_line_character_for_character():
    stats = EpochStats(1, 0.598, 1.585, 0.864, 0.491, 0.0, 0.0)
    assert stats.line() == "Epoch: 1, Train_acc:59.8%, Train_loss:1.585, Test_acc:86.4%,Test_loss:0.491"
    assert EpochStats(10, 0.99, 0.03, 0.976, 0.083, 0, 0).line() == (
        "Epoch:10, Train_acc:99.0%, Train_loss:0.030, Test_acc:97.6%,Test_loss:0.083"
    )


def test_the_seed_preset_is_the_tutorial():
    config = preset("seed")
    assert (config.batch_size, config.optimizer, config.lr, config.augment) == (32, "sgd", 0.01, "none")
    assert preset("seed", lr=0.1, epochs=None).lr == 0.1


def test_training_learns_and_reports_like_the_tutorial(splits):
    train, test = splits
    result = fit(TrainConfig(epochs=3, batch_size=16, optimizer="adam", lr=3e-3, device="cpu"), train, test)
    assert result.status == "finished" and [h.epoch for h in result.history] == [1, 2, 3]
    assert all(EPOCH_LINE.match(h.line()) for h in result.history)
    assert result.history[-1].test_acc > 0.6
    assert result.history[-1].train_loss < result.history[0].train_loss


def test_same_seed_same_numbers_other_seed_other_numbers(splits):
    train, test = splits
    config = TrainConfig(epochs=2, batch_size=32, device="cpu", seed=3)
    a, b = fit(config, train, test), fit(config, train, test)
    c = fit(TrainConfig(epochs=2, batch_size=32, device="cpu", seed=4), train, test)
    assert [h.line() for h in a.history] == [h.line() for h in b.history]
    assert [(h.train_loss, h.test_loss) for h in a.history] == [(h.train_loss, h.test_loss) for h in b.history]
    assert [h.train_loss for h in a.history] != [h.train_loss for h in c.history]


def test_train_accuracy_counts_the_epochs_own_predictions(splits):
    train, test = splits
    seen = []
    result = fit(TrainConfig(epochs=1, batch_size=50, device="cpu"), train, test,
                 callbacks=[seen.append])
    batch_reports = [p for p in seen if p.kind == "batch"]
    assert batch_reports[-1].batch == batch_reports[-1].batches == 12
    assert batch_reports[-1].accuracy == pytest.approx(result.history[0].train_acc)
    assert batch_reports[-1].loss == pytest.approx(result.history[0].train_loss)
    assert seen[-1].kind == "epoch" and seen[-1].fraction == 1.0 and seen[-1].images_per_s > 0


def test_stop_flag_ends_the_run_within_one_batch(splits):
    train, test = splits
    stop = threading.Event()
    batches_seen = []

    def on_progress(p):
        if p.kind == "batch":
            batches_seen.append(p.batch)
            stop.set()

    result = fit(TrainConfig(epochs=5, batch_size=16, device="cpu"), train, test, [on_progress], stop)
    assert result.status == "stopped" and "Stopped" in result.message
    assert batches_seen == [1] and result.history == []


def test_a_diverging_learning_rate_stops_with_an_explanation(splits):
    train, test = splits
    result = fit(TrainConfig(epochs=3, lr=1e3, device="cpu"), train, test)
    assert result.status == "did-not-learn" and result.message.startswith("Did not learn: ")
    assert "1000" in result.message and "too large" in result.message and "smaller" in result.message
    assert "such as 0.01" in result.message
    assert result.history == []


def test_test_loss_is_the_mean_of_batch_losses_as_a_dataloader_gives(splits):
    _, test = splits
    torch.manual_seed(0)
    model = CNN().eval()
    result = evaluate(model, test, batch_size=32)
    with torch.no_grad():
        losses, correct = [], 0
        for start in range(0, len(test), 32):
            x, y = to_float(test.images[start : start + 32]), test.labels[start : start + 32]
            logits = model(x)
            losses.append(F.cross_entropy(logits, y).item())
            correct += (logits.argmax(1) == y).sum().item()
    assert result.loss == pytest.approx(sum(losses) / len(losses), rel=1e-5)
    assert result.accuracy == correct / len(test)
    assert result.probabilities.shape == (200, 10)
    assert math.isclose(result.probabilities[0].sum().item(), 1, rel_tol=1e-5)


def test_the_onecycle_schedule_learns_batch_by_batch(splits):
    train, test = splits
    config = TrainConfig(epochs=3, batch_size=16, optimizer="adam", lr=3e-3, device="cpu", schedule="onecycle")
    result = fit(config, train, test)
    assert result.status == "finished" and len(result.history) == 3
    assert result.history[-1].test_acc > 0.6
    assert result.history[-1].train_loss < result.history[0].train_loss
    with pytest.raises(Exception, match="unknown schedule"):
        TrainConfig(schedule="sometimes")


def test_label_smoothing_trains_on_the_smoothed_loss_and_reports_the_plain_one(splits):
    train, _ = splits
    x, y = to_float(train.images[:64]), train.labels[:64]
    for e in (0.0, 0.1):
        torch.manual_seed(0)
        model, twin = CNN(), CNN()
        twin.load_state_dict(model.state_dict())
        plain = F.cross_entropy(twin(x), y).item()
        step = Step(model, torch.optim.SGD(model.parameters(), lr=0.1), torch.device("cpu"), label_smoothing=e)
        step(x, y)
        F.cross_entropy(twin(x), y, label_smoothing=e).backward()
        with torch.no_grad():
            for q in twin.parameters():
                q -= 0.1 * q.grad
        assert all(torch.allclose(p, q, atol=1e-6) for p, q in zip(model.parameters(), twin.parameters()))
        assert step.loss_sum.item() == pytest.approx(plain, rel=1e-6)


class Answers(torch.nn.Module):
    """A teacher that gives the same answers to whatever batch it is shown."""

    def __init__(self, logits: torch.Tensor) -> None:
        super().__init__()
        self.logits = logits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits


def test_distillation_copies_a_sure_right_teacher_and_leaves_style_drawings_1s_7s_and_mistakes_alone(splits):
    train, _ = splits
    x, y = to_float(train.images[:64]), train.labels[:64]
    resembles = (y + 1) % 10
    # a teacher sure of the right digit (84 %) that sees in each drawing a likeness of the next digit (12 %)
    sure = 5 * F.one_hot(y, 10).float() + 3 * F.one_hot(resembles, 10).float()
    wrong = 5 * F.one_hot(resembles, 10).float() + 3 * F.one_hot(y, 10).float()  # sure, and wrong

    def trained(teacher=None, styled=None, labels_only=(), steps: int = 60) -> CNN:
        torch.manual_seed(0)
        model = CNN()
        step = Step(model, torch.optim.Adam(model.parameters(), lr=3e-3), torch.device("cpu"), teacher=teacher,
                    labels_only=labels_only)
        for _ in range(steps):
            step(x, y, styled)
        return model.eval()

    plain, copied = trained(), trained(Answers(sure))
    second = lambda model: model(x).topk(2).indices[:, 1]  # noqa: E731 - the answer each model puts second
    assert (second(copied) == resembles).float().mean() > 0.9  # it learned the likeness the teacher saw...
    assert (second(plain) == resembles).float().mean() < 0.5  # ...which the labels alone do not teach
    assert (copied(x).argmax(1) == y).all()  # and it still reads every digit right

    def same(a: CNN, b: CNN) -> bool:  # the same weights, up to the order of floating-point sums
        return all(torch.allclose(p, q, atol=1e-5) for p, q in zip(a.parameters(), b.parameters()))

    # Where the teacher is not copied, each step is the plain step: the same weights after a few steps (a copied
    # row's loss sends its first steps elsewhere, as `copied` above shows)
    few = 10
    plain_few = trained(steps=few)
    assert not same(trained(Answers(sure), steps=few), plain_few)  # copied: not the same steps
    assert same(trained(Answers(sure), torch.ones(64, dtype=torch.bool), steps=few), plain_few)  # style drawings
    assert same(trained(Answers(wrong), steps=few), plain_few)  # where the teacher is wrong, the label alone
    assert same(trained(Answers(sure), labels_only=tuple(range(10)), steps=few), plain_few)  # digits kept (1, 7)
    assert Step.LABELS_ONLY == (1, 7)


def test_the_fast_preset_is_the_tutorials_network_with_a_short_schedule():
    fast = preset("fast")
    assert fast.schedule == "onecycle" and fast.augment == "none" and fast.epochs <= 3
