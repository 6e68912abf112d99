"""The command line through cli.main in this process, as `python -m mnist_demo` runs it: its exit status, what it
prints, what it saves. `train` runs once (conftest.py's tiny_training), and the tests that need a trained model share
its checkpoint. tests/test_scripts.py runs `python -m mnist_demo` itself."""

import json
import re

import pytest
import torch
from conftest import EPOCH_LINE, TINY_TRAIN, drawing, one_line, run_cli

from mnist_demo import checkpoint


def test_train_prints_the_tutorials_lines_then_done(tiny_training):
    (code, printed, err), out = tiny_training
    assert code == 0, err
    lines = printed.splitlines()
    assert len(lines) == 3 and all(EPOCH_LINE.match(line) for line in lines[:2]) and lines[-1] == "Done"
    assert lines[0].startswith("Epoch: 1,") and lines[1].startswith("Epoch: 2,")
    assert "img/s" in err and out.exists()


def evaluate(capsys, path, data_dir) -> dict:
    code, out, err = run_cli(capsys, "evaluate", "--checkpoint", path, "--data-dir", data_dir, "--json")
    assert code == 0, err
    return json.loads(out)


def test_evaluate_json(tiny_checkpoint, tiny_data_dir, capsys):
    result = evaluate(capsys, tiny_checkpoint, tiny_data_dir)
    assert set(result) == {"accuracy", "loss", "per_class_accuracy", "n"}
    assert result["n"] == 200 and 0 <= result["accuracy"] <= 1 and len(result["per_class_accuracy"]) == 10
    code, text, _ = run_cli(capsys, "evaluate", "--checkpoint", tiny_checkpoint, "--data-dir", tiny_data_dir)
    assert code == 0 and f"{result['accuracy']:.2%}" in text


def test_a_diverging_run_explains_itself(tiny_data_dir, tmp_path, capsys):
    code, out, err = run_cli(capsys, "train", "--data-dir", tiny_data_dir, "--epochs", 1, "--lr", 1000,
                             "--out", tmp_path / "x.pt")
    assert code == 1 and "Done" not in out
    assert "learning rate of 1000 is too large" in err and "Traceback" not in err
    assert not (tmp_path / "x.pt").exists()


def test_missing_data_says_where_to_put_it(tmp_path, capsys, offline):
    code, _, err = run_cli(capsys, "train", "--data-dir", tmp_path, "--epochs", 1)
    assert code == 2 and "Traceback" not in err
    assert str(tmp_path) in err and "train-images-idx3-ubyte" in err


def test_predict_reads_drawings_of_either_polarity_and_any_size(tmp_path, capsys):
    paths = []
    for digit, kwargs in [(1, {}), (7, {"ink": 10, "paper": 240}), (0, {"size": 600, "width": 40}),
                          (4, {"mode": "RGBA"})]:
        path = tmp_path / f"digit{digit}.png"
        drawing(digit, **kwargs).save(path)
        paths.append((digit, path))
    jpeg = tmp_path / "seven.jpg"
    drawing(7, ink=30, paper=220, size=400, width=30).convert("RGB").save(jpeg, quality=70)
    paths.append((7, jpeg))
    code, out, err = run_cli(capsys, "predict", *[p for _, p in paths])
    assert code == 0, err
    rows = [line.split() for line in out.splitlines()]
    assert [(r[0], int(r[1])) for r in rows] == [(str(p), d) for d, p in paths]
    assert all(0.5 < float(r[2]) <= 1 for r in rows)
    as_json = [json.loads(line) for line in run_cli(capsys, "predict", "--json", paths[0][1])[1].splitlines()]
    assert as_json[0]["digit"] == 1 and len(as_json[0]["probabilities"]) == 10 and as_json[0]["sure"] is True
    assert sum(as_json[0]["probabilities"]) == pytest.approx(1, abs=1e-4)


def test_predict_json_says_not_sure_as_the_draw_page_does(tmp_path, capsys):
    """`sure` is the Draw page's rule (reading.inference.Reading.sure, with the checkpoint's statistics): shapes that
    are no digit say "not sure", a clear digit does not."""
    import numpy as np
    from PIL import Image

    from mnist_demo import handwriting
    from mnist_demo.reading.inference import read
    from mnist_demo.reading.preprocess import to_mnist

    junk = [s for s in handwriting.STYLES.values() if s.digit == handwriting.JUNK][:6]
    paths = []
    for i, style in enumerate(junk):
        path = tmp_path / f"junk{i}.png"
        Image.fromarray(handwriting.render(style, np.random.default_rng(i))).save(path)
        paths.append(path)
    one = tmp_path / "one.png"
    drawing(1).save(one)
    rows = [json.loads(line) for line in run_cli(capsys, "predict", "--json", one, *paths)[1].splitlines()]
    shipped = checkpoint.load(checkpoint.SHIPPED)
    for path, row in zip([one, *paths], rows):
        assert row["sure"] == read(shipped.model, to_mnist(path), shipped.feature_stats, explain=False).sure
    assert rows[0]["sure"] is True and sum(not r["sure"] for r in rows[1:]) >= 4


def test_predict_names_an_unreadable_file_and_fails(tmp_path, capsys):
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    good = tmp_path / "one.png"
    drawing(1).save(good)
    code, out, err = run_cli(capsys, "predict", bad, good, tmp_path / "missing.png")
    assert code == 1 and "Traceback" not in err
    assert f"{bad}: cannot read" in err and "missing.png: cannot read" in err
    assert out.split()[:2] == [str(good), "1"]


def test_without_a_model_the_cli_says_how_to_train_one(tmp_path, capsys):
    code, _, err = run_cli(capsys, "predict", "--checkpoint", tmp_path / "none.pt", "x.png")
    assert code == 2 and "python -m mnist_demo train" in err


def test_a_second_run_starts_from_a_checkpoints_weights(tiny_checkpoint, tiny_data_dir, tmp_path, capsys):
    before = evaluate(capsys, tiny_checkpoint, tiny_data_dir)
    out = tmp_path / "more.pt"
    # a learning rate too small to learn anything in one epoch: a run from the weights keeps their accuracy...
    one_epoch = [*TINY_TRAIN, "--epochs", 1, "--lr", 1e-7]  # the last of a repeated flag counts
    code, _, err = run_cli(capsys, "train", "--data-dir", tiny_data_dir, *one_epoch, "--start-from", tiny_checkpoint,
                           "--out", out)
    assert code == 0, err
    after = evaluate(capsys, out, tiny_data_dir)
    assert after["accuracy"] == pytest.approx(before["accuracy"], abs=0.01) and before["accuracy"] > 0.5
    # ...and from fresh weights it guesses
    _, fresh, _ = run_cli(capsys, "train", "--data-dir", tiny_data_dir, *one_epoch, "--out", tmp_path / "fresh.pt")
    assert float(re.search(r"Test_acc:([\d.]+)%", fresh).group(1)) < 30


def test_start_from_a_missing_or_other_datasets_checkpoint_is_one_line_before_training(tiny_checkpoint, tiny_data_dir,
                                                                                      tmp_path, capsys):
    missing = run_cli(capsys, "train", "--data-dir", tiny_data_dir, "--start-from", tmp_path / "nope.pt",
                      "--out", tmp_path / "x.pt")
    assert missing[0] == 2 and "nope.pt" in one_line(missing[2])
    other = run_cli(capsys, "train", "--dataset", "fashion-mnist", "--data-dir", tiny_data_dir, "--start-from",
                    tiny_checkpoint, "--out", tmp_path / "x.pt")
    assert other[0] == 2 and "was trained on mnist, not fashion-mnist" in other[2]
    assert "Epoch" not in missing[1] + other[1] and not (tmp_path / "x.pt").exists()


def test_a_run_distilled_from_a_checkpoint_names_it_and_a_bad_teacher_is_one_line(tiny_checkpoint, tiny_data_dir,
                                                                                  tmp_path, capsys):
    out = tmp_path / "student.pt"
    code, printed, err = run_cli(capsys, "train", "--data-dir", tiny_data_dir, *TINY_TRAIN, "--epochs", 1,
                                 "--distill-from", tiny_checkpoint, "--out", out)
    assert code == 0 and printed.splitlines()[-1] == "Done", err
    assert checkpoint.load(out).meta["distilled_from"] == tiny_checkpoint.name
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    for bad, says in [(tmp_path / "nope.pt", "nope.pt"), (tmp_path / "junk.pt", "junk.pt")]:
        code, printed, err = run_cli(capsys, "train", "--data-dir", tiny_data_dir, "--distill-from", bad,
                                     "--out", tmp_path / "x.pt")
        assert code == 2 and says in one_line(err) and "Epoch" not in printed
    other = run_cli(capsys, "train", "--dataset", "fashion-mnist", "--data-dir", tiny_data_dir, "--distill-from",
                    tiny_checkpoint, "--out", tmp_path / "x.pt")
    assert other[0] == 2 and "was trained on mnist, not fashion-mnist" in other[2]
    assert not (tmp_path / "x.pt").exists()


def test_a_soup_is_the_mean_of_runs_from_one_start_measured_and_bad_ingredients_are_one_line(tiny_checkpoint,
                                                                                            tiny_data_dir, tmp_path,
                                                                                            capsys):
    runs = []
    for seed in (1, 2):  # two short runs from the same weights, each its own way
        out = tmp_path / f"run{seed}.pt"
        code, _, err = run_cli(capsys, "train", "--data-dir", tiny_data_dir, *TINY_TRAIN, "--epochs", 1, "--lr", 0.001,
                               "--seed", seed, "--start-from", tiny_checkpoint, "--out", out)
        assert code == 0, err
        runs.append(checkpoint.load(out))
    code, made, err = run_cli(capsys, "soup", runs[0].path, runs[1].path, "--data-dir", tiny_data_dir,
                              "--out", tmp_path / "soup.pt")
    assert code == 0, err
    soup = checkpoint.load(tmp_path / "soup.pt")
    a, b, mean = (c.model.state_dict() for c in (*runs, soup))
    assert not torch.equal(a["fc2.weight"], b["fc2.weight"]), "two different runs, so their mean is neither"
    assert all(torch.allclose(mean[k], (a[k] + b[k]) / 2, atol=1e-6) for k in mean)
    measured = evaluate(capsys, tmp_path / "soup.pt", tiny_data_dir)
    assert soup.test_accuracy == measured["accuracy"] and f"test accuracy {measured['accuracy']:.2%}" in made
    assert soup.meta["averaged_from"] == ["run1.pt", "run2.pt"]
    assert not torch.equal(soup.feature_stats.means, runs[0].feature_stats.means), "'not sure' fitted on the soup"

    (tmp_path / "junk.pt").write_bytes(b"not a model")
    checkpoint.save(tmp_path / "fashion.pt", runs[0].model, {"dataset": "fashion-mnist"})
    for ingredients, says in [((runs[0].path,), "at least two checkpoints"), ((runs[0].path, tmp_path / "nope.pt"),
                              "nope.pt"), ((runs[0].path, tmp_path / "junk.pt"), "junk.pt"),
                              ((runs[0].path, tmp_path / "fashion.pt"), "was trained on fashion-mnist, not mnist")]:
        code, _, err = run_cli(capsys, "soup", *ingredients, "--data-dir", tiny_data_dir, "--out", tmp_path / "x.pt")
        assert code == 2 and says in one_line(err), err
    assert not (tmp_path / "x.pt").exists()


def test_only_the_same_network_averages():
    from mnist_demo.errors import UsageError
    from mnist_demo.network import CNN
    from mnist_demo.train.soup import mean_weights

    with pytest.raises(UsageError, match="not the same network"):
        mean_weights([CNN(10), CNN(3)])
    one = CNN()
    assert all(torch.equal(v, one.state_dict()[k]) for k, v in mean_weights([one, one]).state_dict().items())
