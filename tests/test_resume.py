"""An interrupted run goes on: the state kept at the end of each epoch, the resumed run's numbers, the command line's
--resume, and saved states that are damaged or foreign."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from mnist_demo import checkpoint, cli
from mnist_demo.errors import CheckpointError, ConfigError
from mnist_demo.train.loop import fit
from mnist_demo.train.recipes import TrainConfig, preset

RECIPES = {  # each way a run draws randomness or changes its learning rate between epochs
    "tutorial": preset("seed", epochs=3, device="cpu"),
    "adam, cosine, augmented": TrainConfig(epochs=3, batch_size=64, optimizer="adam", lr=2e-3, augment="both",
                                           schedule="cosine", device="cpu"),
    "fast (one-cycle, label smoothing)": preset("fast", epochs=3, batch_size=64, device="cpu"),
}


def numbers(history) -> list[tuple]:
    return [(h.epoch, h.train_acc, h.train_loss, h.test_acc, h.test_loss) for h in history]


class AfterEpoch:
    """A listener that keeps the resumable state at the end of epoch `epoch` and then stops the run, as a server
    that goes down during the next epoch would."""

    def __init__(self, epoch: int) -> None:
        self.epoch, self.state = epoch, None

    def __call__(self, p) -> None:
        if p.kind == "epoch" and p.epoch == self.epoch:
            self.state = p.resumable()

    def is_set(self) -> bool:
        return self.state is not None


@pytest.mark.parametrize("recipe", list(RECIPES))
def test_a_resumed_run_gives_the_uninterrupted_runs_numbers_bit_for_bit(splits, tmp_path, recipe):
    config = RECIPES[recipe]
    whole = fit(config, *splits)
    cut = AfterEpoch(1)
    stopped = fit(config, *splits, [cut], cut)
    assert stopped.status == "stopped" and len(stopped.history) == 1
    path = checkpoint.save_state(tmp_path / "run.pt.resume", cut.state)  # through the file, as after a restart
    state, _ = checkpoint.load_state(path)
    resumed = fit(config, *splits, resume=state)
    assert resumed.status == "finished"
    assert numbers(resumed.history) == numbers(whole.history)  # the same floats, not merely close
    for name, value in whole.model.state_dict().items():
        assert torch.equal(resumed.model.state_dict()[name], value), name
    assert resumed.seconds >= state.seconds


def test_the_state_is_taken_at_the_epochs_end_and_leaves_the_run_untouched(splits):
    config = TrainConfig(epochs=2, batch_size=64, optimizer="adam", lr=2e-3, schedule="cosine", device="cpu")
    kept = []
    result = fit(config, *splits, [lambda p: kept.append(p.resumable()) if p.kind == "epoch" else None])
    assert [s.epoch for s in kept] == [1, 2]
    first = kept[0]
    assert numbers(first.history) == numbers(result.history[:1]) and first.config == config
    changed = [k for k, v in first.model.items() if not torch.equal(v, result.model.state_dict()[k])]
    assert changed, "a copy of the weights after epoch 1, not the live tensors"
    assert first.schedule["last_epoch"] == 1


def test_a_state_of_other_settings_or_another_network_is_refused(splits):
    config = TrainConfig(epochs=3, batch_size=64, device="cpu")
    cut = AfterEpoch(1)
    fit(config, *splits, [cut], cut)
    with pytest.raises(ConfigError, match="other settings"):
        fit(dataclasses.replace(config, lr=0.1), *splits, resume=cut.state)
    wrong = dataclasses.replace(cut.state, model={**cut.state.model, "fc2.weight": torch.zeros(3, 64)})
    with pytest.raises(ConfigError, match="do not fit this run's network: fc2.weight is 3 x 64, expected 10 x 64"):
        fit(config, *splits, resume=wrong)
    assert fit(dataclasses.replace(config, device="cpu"), *splits, resume=cut.state).status == "finished"


@pytest.fixture(scope="module")
def saved_state(splits, tmp_path_factory):
    cut = AfterEpoch(1)
    fit(TrainConfig(epochs=3, batch_size=64, optimizer="adam", lr=2e-3, device="cpu"), *splits, [cut], cut)
    return checkpoint.save_state(tmp_path_factory.mktemp("state") / "run.pt.resume", cut.state), cut.state


def damaged(state, **changes) -> dict:
    blob = {"format": "mnist-demo-resume/1", "config": state.config.as_dict(), "epoch": state.epoch,
            "model": state.model, "optimizer": state.optimizer, "schedule": state.schedule,
            "generator": state.generator, "history": [dataclasses.asdict(h) for h in state.history],
            "seconds": state.seconds, "meta": {}}
    return {**blob, **changes}


@pytest.mark.parametrize(("change", "why"), [
    ({"format": "mnist-demo/1"}, "is not the saved state of an mnist-demo run"),
    ({"epoch": 3}, "claims 3 epochs done of 3"),
    ({"config": {"epochs": 0}}, "epochs must be at least 1"),
    ({"history": [{"epoch": 1}]}, "a damaged saved state"),
    ({"seconds": float("nan")}, "values that are not numbers"),
    ({"generator": torch.zeros(3)}, "random generator's state is damaged"),
])
def test_a_damaged_state_file_is_one_message_naming_it(saved_state, tmp_path, change, why):
    _, state = saved_state
    path = tmp_path / "bad.pt.resume"
    torch.save(damaged(state, **change), path)
    with pytest.raises(CheckpointError, match=why) as info:
        checkpoint.load_state(path)
    assert str(path) in str(info.value)


def test_a_state_with_weights_that_are_not_numbers_is_refused(saved_state, tmp_path):
    _, state = saved_state
    path = tmp_path / "nan.pt.resume"
    torch.save(damaged(state, model={**state.model, "conv1.bias": torch.full((32,), float("nan"))}), path)
    with pytest.raises(CheckpointError, match=r"weights conv1\.bias are not numbers"):
        checkpoint.load_state(path)
    path.write_bytes(saved_state[0].read_bytes()[:5000])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        checkpoint.load_state(path)


def test_an_optimizer_state_of_the_wrong_shape_is_refused_before_training(splits, saved_state):
    _, state = saved_state
    optimizer = {**state.optimizer, "state": {**state.optimizer["state"]}}
    optimizer["state"][0] = {**optimizer["state"][0], "exp_avg": torch.zeros(2, 2)}
    with pytest.raises(ConfigError, match="the saved state does not fit this run"):
        fit(state.config, *splits, resume=dataclasses.replace(state, optimizer=optimizer))


# --- the command line ---------------------------------------------------------------------------------------------

def interrupt_in_epoch(epoch: int, real_fit=fit):
    """fit, with Ctrl-C pressed during the first batch of `epoch`."""

    def fit_(config, train, test, callbacks=(), **kwargs):
        def ctrl_c(p):
            if p.kind == "batch" and p.epoch == epoch:
                raise KeyboardInterrupt

        return real_fit(config, train, test, [*callbacks, ctrl_c], **kwargs)

    return fit_


def test_cli_resume_goes_on_after_ctrl_c_and_prints_the_uninterrupted_runs_lines(tiny_data_dir, tmp_path, capsys,
                                                                                   monkeypatch):
    flags = ["--data-dir", str(tiny_data_dir), "--epochs", "3", "--device", "cpu", "--quiet"]
    assert cli.main(["train", *flags, "--out", str(tmp_path / "whole.pt")]) == 0
    whole = capsys.readouterr().out.splitlines()

    out = tmp_path / "cut.pt"
    with monkeypatch.context() as m:
        m.setattr(cli.models, "fit", interrupt_in_epoch(3))
        assert cli.main(["train", *flags, "--out", str(out)]) == 130
    printed = capsys.readouterr()
    assert printed.err.strip().splitlines()[-1] == (f"Interrupted after epoch 2 of 3: nothing was saved. Go on with: "
                                                    f"python -m mnist_demo train --resume {out}")
    assert not out.exists() and (tmp_path / "cut.pt.resume").exists()

    assert cli.main(["train", "--resume", str(out), "--data-dir", str(tiny_data_dir), "--quiet"]) == 0
    resumed = capsys.readouterr()
    assert resumed.out.splitlines() == whole  # epochs 1 and 2 as saved, then epoch 3: the same lines
    assert "Going on from epoch 2 of 3" in resumed.err
    assert out.exists() and not (tmp_path / "cut.pt.resume").exists(), "finished: nothing left to resume"
    whole_model, cut_model = checkpoint.load(tmp_path / "whole.pt"), checkpoint.load(out)
    measures = ("epoch", "train_acc", "train_loss", "test_acc", "test_loss")
    assert ([[h[k] for k in measures] for h in cut_model.meta["history"]]
            == [[h[k] for k in measures] for h in whole_model.meta["history"]])
    for name, value in whole_model.model.state_dict().items():
        assert torch.equal(cut_model.model.state_dict()[name], value), name


def test_cli_resume_refuses_new_settings_and_says_when_there_is_nothing_to_resume(tmp_path, capsys):
    assert cli.main(["train", "--resume", str(tmp_path / "x.pt"), "--epochs", "5", "--lr", "0.1"]) == 2
    assert capsys.readouterr().err.strip() == ("error: --resume goes on with the run's own settings: leave out "
                                               "--epochs, --lr")
    assert cli.main(["train", "--resume", str(tmp_path / "x.pt"), "--arch", "tiny", "--preset", "seed"]) == 2
    assert capsys.readouterr().err.strip().endswith("leave out --preset, --arch"), "the network is the run's own too"
    assert cli.main(["train", "--resume", str(tmp_path / "x.pt")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: No run to go on with: {tmp_path / 'x.pt.resume'} is not there.")
    (tmp_path / "x.pt.resume").write_bytes(b"not a state")
    assert cli.main(["train", "--resume", str(tmp_path / "x.pt")]) == 2
    assert "is not a readable checkpoint (corrupt or truncated?)" in capsys.readouterr().err
