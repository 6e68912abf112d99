import pytest
import torch

from mnist_demo import checkpoint
from mnist_demo.data import load_split
from mnist_demo.train.loop import fit
from mnist_demo.train.recipes import TrainConfig


@pytest.fixture(scope="module")
def run(tiny_data_dir):
    return fit(TrainConfig(epochs=1, device="cpu"), load_split("mnist", True, tiny_data_dir),
               load_split("mnist", False, tiny_data_dir))


def test_round_trip_keeps_weights_and_metadata(run, tmp_path):
    path = checkpoint.save_run(tmp_path / "sub" / "model.pt", run)
    loaded = checkpoint.load(path)
    saved, restored = run.model.state_dict(), loaded.model.state_dict()
    assert all(torch.equal(saved[k], restored[k]) for k in saved)
    x = torch.rand(4, 1, 28, 28)
    with torch.no_grad():
        assert torch.allclose(loaded.model(x), run.model.eval()(x), atol=1e-6)
    meta = loaded.meta
    assert meta["dataset"] == "mnist" and meta["config"]["batch_size"] == 32
    assert meta["test_accuracy"] == run.history[-1].test_acc == loaded.test_accuracy
    assert meta["history"][0]["epoch"] == 1 and meta["torch_version"] == str(torch.__version__)
    assert meta["date"].startswith("20")
    assert list(tmp_path.joinpath("sub").iterdir()) == [path]  # no temporary file left behind


def test_saving_over_a_checkpoint_replaces_it_whole(run, tmp_path):
    path = tmp_path / "model.pt"
    path.write_bytes(b"old")
    checkpoint.save_run(path, run)
    assert checkpoint.load(path).meta["status"] == "finished"


@pytest.mark.parametrize("content, why", [
    (b"this is not a checkpoint", "not a readable checkpoint"),
    (None, "not a readable checkpoint"),  # truncated
])
def test_corrupt_or_truncated_files_are_refused_by_name(run, tmp_path, content, why):
    path = tmp_path / "broken.pt"
    if content is None:
        good = checkpoint.save_run(tmp_path / "good.pt", run).read_bytes()
        content = good[: len(good) // 2]
    path.write_bytes(content)
    with pytest.raises(checkpoint.CheckpointError, match=why) as info:
        checkpoint.load(path)
    assert str(path) in str(info.value)


def test_foreign_files_are_refused(tmp_path):
    other = tmp_path / "resnet.pt"
    torch.save({"conv.weight": torch.zeros(3)}, other)
    with pytest.raises(checkpoint.CheckpointError, match="not an mnist-demo checkpoint"):
        checkpoint.load(other)
    wrong = tmp_path / "wrong.pt"
    torch.save({"format": checkpoint.FORMAT, "state_dict": {"fc1.weight": torch.zeros(2, 2)}, "meta": {}}, wrong)
    with pytest.raises(checkpoint.CheckpointError, match="do not fit"):
        checkpoint.load(wrong)


def test_loading_never_unpickles_code(tmp_path):
    evil = tmp_path / "evil.pt"
    torch.save({"format": checkpoint.FORMAT, "state_dict": {}, "meta": {"x": print}}, evil)
    with pytest.raises(checkpoint.CheckpointError):
        checkpoint.load(evil)
