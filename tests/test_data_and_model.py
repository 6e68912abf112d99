from pathlib import Path

import pytest
import torch
from torchvision import datasets
from torchvision.transforms import ToTensor

from mnist_demo.data import batches, load_split, to_float
from mnist_demo.errors import DataMissingError
from mnist_demo.network import CNN, count_parameters, layer_table
from mnist_demo.paths import DATA_DIR_ENV, ROOT, data_dir


def test_torchvision_reads_the_idx_files(tiny_data_dir):
    train = load_split("mnist", True, tiny_data_dir)
    test = load_split("mnist", False, tiny_data_dir)
    assert train.images.shape == (600, 28, 28) and train.images.dtype == torch.uint8
    assert test.images.shape == (200, 28, 28)
    assert train.labels.dtype == torch.int64 and set(train.labels.tolist()) == set(range(10))
    assert train.classes == [str(d) for d in range(10)]


def test_scaling_is_exactly_totensor(tiny_data_dir):
    split = load_split("mnist", False, tiny_data_dir)
    reference = datasets.MNIST(str(tiny_data_dir), train=False, transform=ToTensor())
    for i in (0, 7, 199):
        assert torch.equal(to_float(split.images[i : i + 1])[0], reference[i][0])


def test_shuffled_batches_cover_each_image_once_and_follow_the_seed(tiny_data_dir):
    split = load_split("mnist", True, tiny_data_dir)
    first = [y for _, y in batches(split, 32, generator=torch.Generator().manual_seed(5))]
    again = [y for _, y in batches(split, 32, generator=torch.Generator().manual_seed(5))]
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    assert [len(y) for y in first] == [32] * 18 + [24]
    assert sorted(torch.cat(first).tolist()) == sorted(split.labels.tolist())
    x, _ = next(batches(split, 32, generator=torch.Generator().manual_seed(5)))
    assert x.shape == (32, 1, 28, 28) and x.dtype == torch.float32 and 0 <= x.min() and x.max() <= 1


@pytest.mark.usefixtures("offline")  # conftest.py
def test_missing_data_names_the_folder_and_files(tmp_path):
    with pytest.raises(DataMissingError) as info:
        load_split("mnist", True, tmp_path / "nowhere")
    message = str(info.value)
    assert str((tmp_path / "nowhere").resolve()) in message
    assert "MNIST/raw/train-images-idx3-ubyte" in message and "t10k-labels-idx1-ubyte" in message


def test_data_dir_setting(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_DIR_ENV, "/somewhere")
    assert data_dir() == Path("/somewhere")
    assert data_dir("explicit") == Path("explicit")
    monkeypatch.delenv(DATA_DIR_ENV)
    monkeypatch.chdir(tmp_path)  # the default is the project's data/, wherever the app is started from
    assert data_dir() == ROOT / "data"


def test_the_tutorials_network():
    model = CNN()
    assert count_parameters(model) == 121_930
    rows = {r.name: r for r in layer_table(model)}
    assert [r.parameters for r in rows.values() if r.parameters] == [320, 18_496, 102_464, 650]
    assert rows["conv1"].output_shape == (32, 26, 26)
    assert rows["pool1"].output_shape == (32, 13, 13)
    assert rows["conv2"].output_shape == (64, 11, 11)
    assert rows["pool2"].output_shape == (64, 5, 5)
    assert rows["fc1"].output_shape == (64,) and rows["fc2"].output_shape == (10,)
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_pooling_before_relu_is_the_tutorials_order_exactly():
    """The fast forward (pool, then ReLU) gives the tutorial's conv -> ReLU -> pool outputs and gradients."""
    torch.manual_seed(0)
    model = CNN()
    x = torch.randn(8, 1, 28, 28)

    def tutorial(m: CNN, x: torch.Tensor) -> torch.Tensor:
        x = m.pool1(torch.relu(m.conv1(x)))
        x = m.pool2(torch.relu(m.conv2(x)))
        return m.fc2(torch.relu(m.fc1(torch.flatten(x, 1))))

    outputs, grads = [], []
    for forward in (tutorial, lambda m, x: m(x)):
        model.zero_grad()
        out = forward(model, x)
        out.square().sum().backward()
        outputs.append(out.detach())
        grads.append([p.grad.clone() for p in model.parameters()])
    assert torch.equal(outputs[0], outputs[1])
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
