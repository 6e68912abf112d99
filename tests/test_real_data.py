"""Against the real MNIST: run where it is present (always in CI), skipped with a reason elsewhere."""

import pytest

from mnist_demo import checkpoint
from mnist_demo.data import load_split
from mnist_demo.train.loop import evaluate, fit
from mnist_demo.train.recipes import preset


@pytest.fixture(scope="module")
def mnist(real_data):
    return load_split("mnist", True, real_data), load_split("mnist", False, real_data)


def test_one_epoch_of_the_tutorial_recipe_reaches_85_percent(mnist):
    train, test = mnist
    assert (len(train), len(test)) == (60_000, 10_000)
    result = fit(preset("seed", epochs=1, device="cpu"), train, test)
    print(result.history[0].line())
    assert result.history[0].test_acc >= 0.85


def test_the_shipped_model_reads_99_percent_of_the_test_set(mnist):
    _, test = mnist
    shipped = checkpoint.load(checkpoint.SHIPPED)
    result = evaluate(shipped.model, test, batch_size=1000)
    assert result.accuracy >= 0.99
    assert result.accuracy == pytest.approx(shipped.test_accuracy, abs=1e-9)


def test_the_fast_preset_reaches_99_percent_in_one_epoch(mnist):
    train, test = mnist
    result = fit(preset("fast", device="cpu"), train, test)
    print(result.history[-1].line())
    assert result.status == "finished" and len(result.history) == 1
    assert result.history[-1].test_acc >= 0.99
