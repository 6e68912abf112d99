"""Build your own network: a SPEC of the tutorial's layer types, planned, built, trained, saved, read and looked
inside; the tutorial's own network stays bit for bit what it was."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import ROOT
from torch import nn

from mnist_demo import checkpoint
from mnist_demo.cli import main as cli_main
from mnist_demo.errors import ArchitectureError, CheckpointError
from mnist_demo.insight import dense, neuron, probabilities_from, trace, weights_of
from mnist_demo.network import (
    CNN,
    PRESETS,
    TUTORIAL,
    TUTORIAL_PARAMETERS,
    LocallyConnected2d,
    Net,
    canonical,
    layer_table,
    plan,
)
from mnist_demo.train.loop import fit
from mnist_demo.train.recipes import TrainConfig


class TutorialCNN(nn.Module):
    """The network as the tutorial writes it: conv -> ReLU -> pool, twice, then two fully connected layers."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3)
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(1600, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.pool1(F.relu(self.conv1(x)))
        x = self.pool2(F.relu(self.conv2(x)))
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


def test_the_tutorials_spec_is_the_tutorials_network_bit_for_bit():
    torch.manual_seed(3)
    theirs = TutorialCNN()
    torch.manual_seed(3)
    ours = Net("tutorial")
    assert ours.arch == TUTORIAL and isinstance(CNN(), Net) and CNN().arch == TUTORIAL
    assert ours.parameters_count == TUTORIAL_PARAMETERS == 121_930
    for (name, a), (name_b, b) in zip(theirs.state_dict().items(), ours.state_dict().items()):
        assert name == name_b and torch.equal(a, b)  # the same seed draws the same initial weights
    x, y = torch.rand(64, 1, 28, 28), torch.arange(64) % 10
    for model in (theirs, ours):
        F.cross_entropy(model(x), y).backward()
    assert torch.equal(theirs(x), ours(x))
    for a, b in zip(theirs.parameters(), ours.parameters()):
        assert torch.equal(a.grad, b.grad)  # pooling before the ReLU changes no gradient either


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_plans_what_torchinfo_counts(name):
    from torchinfo import summary

    net = Net(PRESETS[name])
    rows = layer_table(net)
    assert sum(r.parameters for r in rows) == net.parameters_count
    info = summary(net, input_size=(1, 1, 28, 28), device="cpu", verbose=0, depth=1)
    counted = {i.var_name: (tuple(i.output_size[1:]), i.num_params) for i in info.summary_list if i.depth == 1}
    for row in rows:
        if row.parameters:  # the layers with weights; an activation runs after a max-pool, so torchinfo sees its
            assert counted[row.name] == (row.output_shape, row.parameters)  # output pooled
    assert net(torch.rand(2, 1, 28, 28)).shape == (2, 10)


def test_a_locally_connected_layer_is_a_convolution_with_a_kernel_per_position():
    local, conv = LocallyConnected2d(1, 32, 3, 28), nn.Conv2d(1, 32, 3)
    assert sum(p.numel() for p in local.parameters()) == 26 * 26 * 32 * (3 * 3 + 1) == 216_320
    assert sum(p.numel() for p in conv.parameters()) == 320
    with torch.no_grad():  # every position given the convolution's kernels: the same picture
        local.weight.copy_(conv.weight.reshape(32, 9).expand(26 * 26, 32, 9))
        local.bias.copy_(conv.bias.view(32, 1, 1).expand(32, 26, 26))
    x = torch.rand(4, 1, 28, 28)
    torch.testing.assert_close(local(x), conv(x), rtol=1e-5, atol=1e-5)
    assert plan("local32:3 relu maxpool2 fc10")[0].parameters == 216_320


@pytest.mark.parametrize(("spec", "said"), [
    ("conv32:3 relu maxpool2 maxpool2 maxpool2 maxpool2 maxpool2 fc10", "Block 7 (maxpool2) shrinks the 1 x 1 image "
                                                                         "to nothing"),
    ("conv32:30 fc10", "Block 1 (conv32:30) shrinks the 28 x 28 image to nothing"),
    ("fc64 relu conv32:3 fc10", "Block 3 (conv32:3) comes after a fully connected layer"),
    ("fc64 maxpool2 fc10", "Block 2 (maxpool2) comes after a fully connected layer"),
    ("conv512:3 fc4096 fc10", "Block 2 (fc4096) brings the network to"),
    ("conv32:3 relu fc64", "The last block is fc64; a network for 10 classes ends with fc10"),
    ("conv32:3 softmax fc10", "Block 2 (softmax) is not a block"),
    ("dropout1.5 fc10", "Block 1 (dropout1.5) drops a share of 1.5"),
    ("", "The network is empty"),
])
def test_a_stack_that_cannot_work_is_one_sentence_naming_the_block(spec, said):
    with pytest.raises(ArchitectureError) as refused:
        plan(spec)
    assert str(refused.value).startswith(said) and "\n" not in str(refused.value)
    with pytest.raises(ArchitectureError):  # a run's settings are refused before anything trains
        TrainConfig(arch=spec)


def test_a_spec_is_written_one_way():
    assert canonical("  CONV32:3   relu maxpool2 dropout.50 fc10 ") == "conv32:3 relu maxpool2 dropout0.5 fc10"
    assert canonical("lenet5") == PRESETS["lenet5"] and TrainConfig(arch="tutorial").arch == TUTORIAL


@pytest.fixture(scope="module")
def lenet(splits):  # conftest.py: the tiny dataset
    train, test = splits
    result = fit(TrainConfig(arch="conv6:5 bn tanh avgpool2 conv16:5 tanh maxpool2 dropout0.25 fc84 tanh fc10",
                             epochs=2, batch_size=32, optimizer="adam", lr=3e-3), train, test)
    assert result.status == "finished" and result.model.arch.startswith("conv6:5 bn tanh")
    return result


def test_a_built_network_trains_saves_and_loads_with_its_architecture(lenet, tmp_path):
    assert lenet.history[-1].test_acc > 0.5 and lenet.feature_stats is not None  # it learns, and has "not sure"
    path = checkpoint.save_run(tmp_path / "lenet.pt", lenet)
    loaded = checkpoint.load(path)
    assert loaded.model.arch == lenet.model.arch and loaded.meta["parameters"] == lenet.model.parameters_count
    x = torch.rand(5, 1, 28, 28)
    torch.testing.assert_close(loaded.model(x), lenet.model.eval()(x))
    assert loaded.feature_stats.means.shape == (10, 84)  # "not sure" lives in what the last layer reads


def with_meta(path, tmp_path, **changes):
    blob = torch.load(path, weights_only=True)
    blob["meta"].update(changes)
    out = tmp_path / "edited.pt"
    torch.save(blob, out)
    return out


def test_a_checkpoint_naming_a_network_that_cannot_be_built_or_does_not_fit_is_refused(lenet, tmp_path):
    path = checkpoint.save_run(tmp_path / "lenet.pt", lenet)
    cases = {
        "conv32:3 fc64 maxpool2 fc10": "names a network that cannot be built: Block 3 (maxpool2) comes after a fully",
        "x" * 1000: "names its network 'xxxxxx",
        12: "names its network 12",
        TUTORIAL: 'holds damaged "not sure" statistics (means is 10 x 84, expected at most 10 x 64',
        "fc84 tanh fc10": "holds weights that do not fit the network it names (fc84 tanh fc10)",
    }
    for arch, said in cases.items():
        edited = with_meta(path, tmp_path, architecture=arch)
        with pytest.raises(CheckpointError, match="^" + re.escape(f"{edited} {said}")):
            checkpoint.load(edited)


@pytest.mark.slow  # a Python process of its own (importing torch): make test, not make check
def test_a_sparse_weight_is_refused_before_it_is_used(tmp_path):
    model = CNN().eval()
    state = model.state_dict()
    state["fc2.bias"] = state["fc2.bias"].to_sparse()
    torch.save({"format": checkpoint.FORMAT, "state_dict": state, "meta": {}}, tmp_path / "sparse.pt")
    with pytest.raises(CheckpointError, match=r"holds fc2\.bias as a sparse_coo tensor"):
        checkpoint.load(tmp_path / "sparse.pt")
    code = subprocess.run([sys.executable, "-m", "mnist_demo", "evaluate", "--checkpoint", str(tmp_path / "sparse.pt")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert code.returncode == 2 and code.stderr.count("\n") == 1 and "sparse_coo" in code.stderr


def test_inside_any_network_the_sums_shown_are_the_networks_own(lenet, splits):
    model = lenet.model.eval()
    image = splits[1].images[0].float().numpy() / 255
    t = trace(model, image)
    assert [layer.name for layer in t.layers][:4] == ["conv1", "bn1", "tanh1", "pool1"]
    assert t.image_layers() == ["conv1", "conv2"]
    np.testing.assert_allclose(t.probabilities, model(torch.from_numpy(image).view(1, 1, 28, 28)).softmax(1)[0]
                               .detach().numpy(), atol=1e-5)
    for layer in ("conv1", "conv2"):  # 5 x 5 kernels, one and six input channels
        n = neuron(model, t, layer, 2, 3, 4)
        assert n.total == pytest.approx(n.value, abs=1e-4) and n.kernel.shape[-1] == 5
    second = neuron(model, t, "conv2", 2, 3, 4)
    assert second.activation == "tanh" and second.pool.kind == "maxpool" and second.terms.shape == (6,)
    assert second.pool.result == pytest.approx(t.output("pool2")[2, 1, 2], abs=1e-6)
    assert neuron(model, t, "conv1", 0, 0, 0).activation is None  # batch normalisation comes between
    d = dense(model, t)
    assert d.hidden.shape == (84,)
    np.testing.assert_allclose(d.contributions.sum(1) + d.bias, d.logits, atol=1e-4)


def test_watch_it_learn_rereads_with_a_copy_of_any_network(lenet, splits):
    from mnist_demo.insight import Probe

    model = lenet.model.eval()
    images = np.random.default_rng(0).random((3, 28, 28)).astype(np.float32)
    state = torch.random.get_rng_state()
    copied = probabilities_from(weights_of(model), images, model.arch)
    assert torch.equal(torch.random.get_rng_state(), state)  # a page's re-reading draws no random numbers
    np.testing.assert_allclose(copied, model(torch.from_numpy(images).unsqueeze(1)).softmax(1).detach().numpy(),
                               atol=1e-5)
    probe = Probe(splits[1])
    taken = probe.take(Net("fc-only").eval(), 0.0, 1, 1)
    assert taken.filters is None and taken.probabilities.shape == (40, 10)  # no convolution first: no filters
    assert probe.take(model, 0.5, 1, 2).filters.shape == (6, 5, 5)


def run_cli(capsys, *args):
    code = cli_main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("spec", ["tutorial", "fc-only", "conv8:3 relu maxpool2 local4:3 relu fc10"])
def test_train_arch_json_ends_with_the_network_and_its_accuracy(spec, tiny_data_dir, tmp_path, capsys):
    code, out, err = run_cli(capsys, "train", "--arch", spec, "--data-dir", tiny_data_dir, "--epochs", 1, "--device",
                             "cpu", "--quiet", "--json", "--out", tmp_path / "m.pt")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[-2] == "Done"
    result = json.loads(lines[-1])
    assert result["architecture"] == canonical(spec) and result["parameters"] == Net(spec).parameters_count
    assert 0 <= result["test_acc"] <= 1 and checkpoint.load(tmp_path / "m.pt").model.arch == canonical(spec)
    code, out, err = run_cli(capsys, "evaluate", "--checkpoint", tmp_path / "m.pt", "--data-dir", tiny_data_dir,
                             "--json")
    assert code == 0 and json.loads(out)["accuracy"] == pytest.approx(result["test_acc"])


def test_a_spec_that_cannot_work_is_one_line_and_exit_2(tiny_data_dir, tmp_path, capsys):
    code, out, err = run_cli(capsys, "train", "--arch", "conv8:3 fc32 conv8:3 fc10", "--data-dir", tiny_data_dir,
                             "--out", tmp_path / "m.pt")
    assert code == 2 and out == "" and err.startswith("error: Block 3 (conv8:3) comes after a fully connected layer")
    assert err.count("\n") == 1 and not (tmp_path / "m.pt").exists()


@pytest.mark.slow  # a Python process of its own (importing torch): make test, not make check
def test_the_generated_code_trains_the_same_run_as_the_cli(tiny_data_dir, tmp_path, capsys):
    """`mnist-demo code > run.py`: a file that needs only torch and torchvision and prints the CLI's lines."""
    code, script, _ = run_cli(capsys, "code", "--epochs", 2)
    assert code == 0 and "import mnist_demo" not in script and "from mnist_demo" not in script
    (tmp_path / "run.py").write_text(script)
    ran = subprocess.run([sys.executable, "run.py", "--data-dir", str(tiny_data_dir)], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr
    printed = [line for line in ran.stdout.splitlines() if line.startswith(("Epoch:", "Done"))]
    code, out, _ = run_cli(capsys, "train", "--data-dir", tiny_data_dir, "--epochs", 2, "--device", "cpu", "--quiet",
                           "--out", tmp_path / "m.pt")
    assert code == 0 and len(printed) == 3 and printed == out.strip().splitlines()
    assert "Parameters: 121930" in ran.stdout


@pytest.mark.parametrize("flags", [["--arch", "local-first", "--preset", "fast"],
                                   ["--arch", "tutorial-bn-dropout", "--preset", "quick", "--lr", "0.03"]])
def test_the_generated_code_of_other_choices_is_python_that_names_them(flags, capsys):
    code, script, _ = run_cli(capsys, "code", *flags)
    assert code == 0
    compile(script, "run.py", "exec")
    if "local-first" in flags:
        assert "class LocallyConnected2d(nn.Module):" in script and "OneCycleLR" in script
        assert "nn.CrossEntropyLoss(label_smoothing=0.05)" in script
    else:
        assert "nn.BatchNorm2d(32)" in script and "nn.Dropout(0.5)" in script and "momentum=0.9" in script
        assert "learn_rate = 0.03" in script


def test_the_generated_code_speaks_chinese_in_its_comments_and_stays_the_same_code(capsys):
    code, english, _ = run_cli(capsys, "code")
    assert code == 0
    code, chinese, _ = run_cli(capsys, "code", "--lang", "zh")
    assert code == 0
    compile(chinese, "run.py", "exec")
    assert "# 1. 数据：torchvision 的 MNIST" in chinese and "# 2. 网络" in chinese and "# 3. 训练" in chinese
    assert "1. The data" in english and "数据" not in english

    def code_only(script: str) -> list[str]:  # the lines without their comments and strings' words
        return [line.split("#")[0].rstrip() for line in script.splitlines() if not line.lstrip().startswith("#")]

    differing = [(a, b) for a, b in zip(code_only(english), code_only(chinese)) if a != b]
    assert all('"' in a for a, _ in differing), differing  # only texts in strings differ (a title, a label)
