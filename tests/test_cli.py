import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import EPOCH_LINE, ROOT, drawing

from mnist_demo import checkpoint


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mnist_demo", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def trained(tiny_data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("ckpt") / "tiny.pt"
    run = cli("train", "--data-dir", tiny_data_dir, "--epochs", 2, "--batch-size", 16, "--optimizer", "adam",
              "--lr", 0.003, "--device", "cpu", "--out", out)
    return run, out


def test_train_prints_the_tutorials_lines_then_done(trained):
    run, out = trained
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 3 and all(EPOCH_LINE.match(line) for line in lines[:2]) and lines[-1] == "Done"
    assert lines[0].startswith("Epoch: 1,") and lines[1].startswith("Epoch: 2,")
    assert "img/s" in run.stderr and out.exists()


def test_evaluate_json(trained, tiny_data_dir):
    _, out = trained
    run = cli("evaluate", "--checkpoint", out, "--data-dir", tiny_data_dir, "--json")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert set(result) == {"accuracy", "loss", "per_class_accuracy", "n"}
    assert result["n"] == 200 and 0 <= result["accuracy"] <= 1 and len(result["per_class_accuracy"]) == 10
    text = cli("evaluate", "--checkpoint", out, "--data-dir", tiny_data_dir)
    assert f"{result['accuracy']:.2%}" in text.stdout


def test_a_diverging_run_explains_itself(tiny_data_dir, tmp_path):
    run = cli("train", "--data-dir", tiny_data_dir, "--epochs", 1, "--lr", 1000, "--out", tmp_path / "x.pt")
    assert run.returncode == 1 and "Done" not in run.stdout
    assert "learning rate of 1000 is too large" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "x.pt").exists()


def test_missing_data_says_where_to_put_it(tmp_path, monkeypatch):
    run = subprocess.run(
        [sys.executable, "-c", "import torchvision.datasets as d, sys;"
         "d.MNIST.download = lambda self: (_ for _ in ()).throw(OSError('offline'));"
         "from mnist_demo.cli import main; sys.exit(main(sys.argv[1:]))",
         "train", "--data-dir", str(tmp_path), "--epochs", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert str(tmp_path) in run.stderr and "train-images-idx3-ubyte" in run.stderr


def test_predict_reads_drawings_of_either_polarity_and_any_size(tmp_path):
    paths = []
    for digit, kwargs in [(1, {}), (7, {"ink": 10, "paper": 240}), (0, {"size": 600, "width": 40}),
                          (4, {"mode": "RGBA"})]:
        path = tmp_path / f"digit{digit}.png"
        drawing(digit, **kwargs).save(path)
        paths.append((digit, path))
    jpeg = tmp_path / "seven.jpg"
    drawing(7, ink=30, paper=220, size=400, width=30).convert("RGB").save(jpeg, quality=70)
    paths.append((7, jpeg))
    run = cli("predict", *[p for _, p in paths])
    assert run.returncode == 0, run.stderr
    rows = [line.split() for line in run.stdout.splitlines()]
    assert [(r[0], int(r[1])) for r in rows] == [(str(p), d) for d, p in paths]
    assert all(0.5 < float(r[2]) <= 1 for r in rows)
    as_json = [json.loads(line) for line in cli("predict", "--json", paths[0][1]).stdout.splitlines()]
    assert as_json[0]["digit"] == 1 and len(as_json[0]["probabilities"]) == 10 and as_json[0]["sure"] is True
    assert sum(as_json[0]["probabilities"]) == pytest.approx(1, abs=1e-4)


def test_predict_json_says_not_sure_as_the_draw_page_does(tmp_path):
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
    rows = [json.loads(line) for line in cli("predict", "--json", one, *paths).stdout.splitlines()]
    shipped = checkpoint.load(checkpoint.SHIPPED)
    for path, row in zip([one, *paths], rows):
        assert row["sure"] == read(shipped.model, to_mnist(path), shipped.feature_stats, explain=False).sure
    assert rows[0]["sure"] is True and sum(not r["sure"] for r in rows[1:]) >= 4


def test_predict_names_an_unreadable_file_and_fails(tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    good = tmp_path / "one.png"
    drawing(1).save(good)
    run = cli("predict", bad, good, tmp_path / "missing.png")
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert f"{bad}: cannot read" in run.stderr and "missing.png: cannot read" in run.stderr
    assert run.stdout.split()[:2] == [str(good), "1"]


def test_without_a_model_the_cli_says_how_to_train_one(tmp_path):
    run = cli("predict", "--checkpoint", tmp_path / "none.pt", "x.png")
    assert run.returncode == 2 and "python -m mnist_demo train" in run.stderr


def test_bench_prints_both_pipelines_side_by_side(tiny_data_dir):
    run = cli("bench", "--data-dir", tiny_data_dir, "--device", "cpu")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    rows = [line for line in out.splitlines() if line.startswith(("| tutorial |", "| mnist-demo |"))]
    assert len(rows) == 2, out
    assert re.search(r"mnist-demo vs the tutorial's pipeline: train [\d.]+x, test [\d.]+x, train \+ test [\d.]+x", out)
    assert re.search(r"drawing -> probabilities: p50 [\d.]+ ms, p95 [\d.]+ ms", out)
    assert re.search(r"app: imports [\d.]+ s .* healthy after [\d.]+ s", out)


def test_a_second_run_starts_from_a_checkpoints_weights(trained, tiny_data_dir, tmp_path):
    _, start = trained
    before = json.loads(cli("evaluate", "--checkpoint", start, "--data-dir", tiny_data_dir, "--json").stdout)
    out = tmp_path / "more.pt"
    # a learning rate too small to learn anything in one epoch: a run from the weights keeps their accuracy...
    run = cli("train", "--data-dir", tiny_data_dir, "--epochs", 1, "--batch-size", 16, "--optimizer", "adam",
              "--lr", 1e-7, "--device", "cpu", "--start-from", start, "--out", out)
    assert run.returncode == 0, run.stderr
    after = json.loads(cli("evaluate", "--checkpoint", out, "--data-dir", tiny_data_dir, "--json").stdout)
    assert after["accuracy"] == pytest.approx(before["accuracy"], abs=0.01) and before["accuracy"] > 0.5
    # ...and from fresh weights it guesses
    fresh = cli("train", "--data-dir", tiny_data_dir, "--epochs", 1, "--batch-size", 16, "--optimizer", "adam",
                "--lr", 1e-7, "--device", "cpu", "--out", tmp_path / "fresh.pt")
    assert float(re.search(r"Test_acc:([\d.]+)%", fresh.stdout).group(1)) < 30


def test_start_from_a_missing_or_other_datasets_checkpoint_is_one_line_before_training(trained, tiny_data_dir,
                                                                                      tmp_path):
    _, start = trained
    missing = cli("train", "--data-dir", tiny_data_dir, "--start-from", tmp_path / "nope.pt",
                  "--out", tmp_path / "x.pt")
    assert missing.returncode == 2 and "nope.pt" in missing.stderr and "Traceback" not in missing.stderr
    other = cli("train", "--dataset", "fashion-mnist", "--data-dir", tiny_data_dir, "--start-from", start,
                "--out", tmp_path / "x.pt")
    assert other.returncode == 2 and "was trained on mnist, not fashion-mnist" in other.stderr
    assert "Epoch" not in missing.stdout + other.stdout and not (tmp_path / "x.pt").exists()


def test_a_run_distilled_from_a_checkpoint_names_it_and_a_bad_teacher_is_one_line(trained, tiny_data_dir, tmp_path):
    _, teacher = trained
    out = tmp_path / "student.pt"
    run = cli("train", "--data-dir", tiny_data_dir, "--epochs", 1, "--batch-size", 16, "--optimizer", "adam",
              "--lr", 0.003, "--device", "cpu", "--distill-from", teacher, "--out", out)
    assert run.returncode == 0 and run.stdout.splitlines()[-1] == "Done", run.stderr
    assert checkpoint.load(out).meta["distilled_from"] == teacher.name
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    for bad, says in [(tmp_path / "nope.pt", "nope.pt"), (tmp_path / "junk.pt", "junk.pt")]:
        refused = cli("train", "--data-dir", tiny_data_dir, "--distill-from", bad, "--out", tmp_path / "x.pt")
        assert refused.returncode == 2 and says in refused.stderr and "Traceback" not in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1 and "Epoch" not in refused.stdout
    other = cli("train", "--dataset", "fashion-mnist", "--data-dir", tiny_data_dir, "--distill-from", teacher,
                "--out", tmp_path / "x.pt")
    assert other.returncode == 2 and "was trained on mnist, not fashion-mnist" in other.stderr
    assert not (tmp_path / "x.pt").exists()


def test_a_soup_is_the_mean_of_runs_from_one_start_measured_and_bad_ingredients_are_one_line(trained, tiny_data_dir,
                                                                                            tmp_path):
    _, start = trained
    runs = []
    for seed in (1, 2):  # two short runs from the same weights, each its own way
        out = tmp_path / f"run{seed}.pt"
        run = cli("train", "--data-dir", tiny_data_dir, "--epochs", 1, "--batch-size", 16, "--optimizer", "adam",
                  "--lr", 0.001, "--seed", seed, "--device", "cpu", "--start-from", start, "--out", out)
        assert run.returncode == 0, run.stderr
        runs.append(checkpoint.load(out))
    made = cli("soup", runs[0].path, runs[1].path, "--data-dir", tiny_data_dir, "--out", tmp_path / "soup.pt")
    assert made.returncode == 0, made.stderr
    soup = checkpoint.load(tmp_path / "soup.pt")
    a, b, mean = (c.model.state_dict() for c in (*runs, soup))
    assert not torch.equal(a["fc2.weight"], b["fc2.weight"]), "two different runs, so their mean is neither"
    assert all(torch.allclose(mean[k], (a[k] + b[k]) / 2, atol=1e-6) for k in mean)
    measured = json.loads(cli("evaluate", "--checkpoint", tmp_path / "soup.pt", "--data-dir", tiny_data_dir,
                              "--json").stdout)
    assert soup.test_accuracy == measured["accuracy"] and f"test accuracy {measured['accuracy']:.2%}" in made.stdout
    assert soup.meta["averaged_from"] == ["run1.pt", "run2.pt"]
    assert not torch.equal(soup.feature_stats.means, runs[0].feature_stats.means), "'not sure' fitted on the soup"

    (tmp_path / "junk.pt").write_bytes(b"not a model")
    checkpoint.save(tmp_path / "fashion.pt", runs[0].model, {"dataset": "fashion-mnist"})
    for ingredients, says in [((runs[0].path,), "at least two checkpoints"), ((runs[0].path, tmp_path / "nope.pt"),
                              "nope.pt"), ((runs[0].path, tmp_path / "junk.pt"), "junk.pt"),
                              ((runs[0].path, tmp_path / "fashion.pt"), "was trained on fashion-mnist, not mnist")]:
        refused = cli("soup", *ingredients, "--data-dir", tiny_data_dir, "--out", tmp_path / "x.pt")
        assert refused.returncode == 2 and says in refused.stderr, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
    assert not (tmp_path / "x.pt").exists()


def test_only_the_same_network_averages():
    from mnist_demo.errors import UsageError
    from mnist_demo.network import CNN
    from mnist_demo.train.soup import mean_weights

    with pytest.raises(UsageError, match="not the same network"):
        mean_weights([CNN(10), CNN(3)])
    one = CNN()
    assert all(torch.equal(v, one.state_dict()[k]) for k, v in mean_weights([one, one]).state_dict().items())
