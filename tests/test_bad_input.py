"""Bad input: each case a test, each answer a clear message, nothing lost.

Every row is met where a user meets it: the engine (what the app and the CLI call), the command line (exactly one
line on stderr, a non-zero exit status, never a traceback), the app's pages through Streamlit's AppTest, and, where
AppTest cannot reach, the real server (`streamlit run`, its websocket, Chromium). The rows live in three files:
this one (settings, stopping, uploads, saving, numbers, user text), tests/test_bad_files.py (files and paths: datasets,
checkpoints, --out, predict's paths) and tests/test_bad_web.py (the real server); the class set's rows are tested in
tests/test_classset.py (engine and CLI) and tests/test_class_page.py (the pages).

| case                              | engine                    | CLI                            | app page / server   |
|-----------------------------------|---------------------------|--------------------------------|---------------------|
| learning rate that diverges       | fit: "did-not-learn"      | train --lr 1000: exit 1        | Train               |
| batch size larger than the        | TrainConfig.check_against | train --batch-size 1000: exit  | Train               |
|   dataset                         |                           |   2                            |                     |
| 0 epochs                          | TrainConfig: ConfigError  | train --epochs 0: exit 2       | Train (slider)      |
| seed outside 0..2**63-1           | TrainConfig: ConfigError  | train --seed 2**64, -1: exit 2 | Train (0..10000)    |
| bench: 0 or negative epochs or    |                           | bench --epochs 0, -3, --test-  |                     |
|   test batch size                 |                           |   batch-size 0: exit 2         |                     |
| empty training set                | TrainConfig.check_against |                                |                     |
| unexpected error in a run         | Run: "Training failed: an |                                | Train               |
|                                   |   unexpected error"       |                                |                     |
| Stop during the first batch       | fit, Runs                 | Ctrl-C in batch 1: exit 130    | Train: Stop         |
| corrupt or truncated checkpoint   | checkpoint.load           | evaluate --checkpoint: exit 2  | shipped model       |
| checkpoint of another             | checkpoint.load           | evaluate --checkpoint: exit 2  |                     |
|   architecture                    |                           |                                |                     |
| checkpoint pickle carrying code   | checkpoint.load           | predict --checkpoint: exit 2   |                     |
| checkpoint metadata that lies:    | checkpoint.checks, before | evaluate --checkpoint: exit 2  | shipped model       |
|   10M or 0 classes, a list as     |   a network is built (10M |                                |                     |
|   dataset, a consistent 5-class   |   classes: < 100 MB)      |                                |                     |
|   model, an accuracy that is not  |                           |                                |                     |
|   a number                        |                           |                                |                     |
| NaN or infinite weights           | checkpoint.checks         | predict, evaluate: exit 2      | shipped model       |
| checkpoint of 31 MB, or a zip     | checkpoint.checks         | evaluate --checkpoint: exit 2  |                     |
|   that unpacks to 31 MB           |                           |                                |                     |
| dataset file: gzip under the IDX  | load_split (idx), before  | train --data-dir: exit 2,      | Train: Start,       |
|   name, another IDX kind, images  |   any training; names the |   before any epoch; the folder |   Gallery,          |
|   and labels swapped, 32 x 32, a  |   file, says how to fix;  |   is as it was                 |   Evaluate: no      |
|   label of 255, 600 images with   |   no torchvision import   |                                |   server paths      |
|   500 labels, an empty test set,  |                           |                                |                     |
|   truncated, a pipe, a link loop  |                           |                                |                     |
| dataset as downloaded (.gz        | load_split reads it       |                                |                     |
|   beside)                         |                           |                                |                     |
| data missing while offline        | load_split; no empty      | train --data-dir (misspelt):   | Train: Start, no    |
|                                   |   folders left behind     |   exit 2, no folder left       |   server paths      |
| upload: not an image, 50 MB,      | to_mnist, why_blank       | predict IMAGE: exit 1          | Draw: upload        |
|   10000 x 10000 px, all white,    |                           |                                |                     |
|   all black, transparent          |                           |                                |                     |
| upload whose name is Markdown     | web.plain                 |                                | Draw (AppTest and   |
|   (links, pictures, emphasis)     |                           |                                |   Chromium)         |
| predict: a pipe, a symbolic link  | to_mnist: refused without | predict: one line each, the    |                     |
|   loop or to nothing              |   opening                 |   others read, exit 1          |                     |
| predict -7.png (a name with a -)  |                           | read, exit 0                   |                     |
| float TIFF of a digit             | to_mnist reads it         | predict: read, exit 0          |                     |
| empty canvas                      | to_mnist: None            |                                | Draw                |
| forged canvas value: 12000 x      | web.canvas.checked_png,   |                                | server websocket:   |
|   12000 or 20000 x 20000 px,      |   before any decoding     |                                |   one message, peak |
|   malformed data URL, wrong JSON  |                           |                                |   memory < 100 MB   |
|   shape, inflating text chunks;   |   and config.toml's       |                                |   (15 MB, 250 MB:   |
|   3, 15 or 250 MB of base64       |   websocket limits        |                                |   it hangs up)      |
| --out: a device node, a pipe, a   | checkpoint.save           | train --out: exit 1, before    |                     |
|   symbolic link, a name ending /  |                           |   run                          |                     |
| two `train` runs on one --out     | checkpoint.claimed        | the second: exit 1, at once    |                     |
| soup: one checkpoint, a missing   | soup.mean_weights (shapes)| soup: exit 2, before the data  |                     |
|   file, no model, another dataset |                           |   loads; nothing saved (in     |                     |
|                                   |                           |   tests/test_cli.py)           |                     |
| SIGTERM while saving              | save removes its tmp file | exit 130, no hidden .tmp left  |                     |
| read-only checkpoints folder      | checkpoint.save           | train --out: exit 1, before    | Train: run end      |
|                                   |                           |   run                          |                     |
| full checkpoints folder           | checkpoint.save           | train --out: exit 1            | Train: run end      |
| class set: a label outside 0-9,   | classset checks: refused, | class add: one line, exit 2    | Draw: Right/Wrong   |
|   a blank or non-image drawing,   |   nothing stored          |   (label, writer) or 1 (image);|   says why          |
|   a bad writer id                 |                           |   the set unchanged            |                     |
| class import: zip slip (..),      | classset.transfer: whole  | class import: exit 2, names    | Class: import says  |
|   a link, a text file named .png, |   import refused, nothing |   the member                   |   which member      |
|   a blank member, over 1 MB, over |   written                 |                                |                     |
|   20,000 files or 200 MB, not a   |                           |                                |                     |
|   zip, truncated IDX              |                           |                                |                     |
| class database: not SQLite,       | ClassSet: one message,    | class stats: exit 2            | Draw: drawing goes  |
|   another app's or a newer        |   the file unchanged      |                                |   on; Class: says   |
|   schema, read-only, locked       |   (locked: "busy", retry) |                                |   so, no paths      |

"Nothing lost": a checkpoint already at the path keeps its bytes and no temporary file is left next to it; a
stopped run, or one that did not learn, is not offered as a model (the class model stays) and saves nothing; a
dataset folder keeps exactly its files.
"""

from __future__ import annotations

import errno
import functools
import io
import os
import struct
import tempfile
import threading
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import ROOT, button, drawing, one_line, open_page, run_cli, texts, wait_for, wait_until, write_dataset
from PIL import Image, ImageFile
from streamlit.testing.v1 import AppTest

import mnist_demo.runs.run
from mnist_demo import checkpoint, cli
from mnist_demo.errors import ConfigError, NotAllowed, UnreadableImage
from mnist_demo.network import CNN
from mnist_demo.paths import RUNS_DIR_ENV
from mnist_demo.reading.preprocess import to_mnist, why_blank
from mnist_demo.runs import SHIPPED_KEY, Runs
from mnist_demo.train.loop import fit
from mnist_demo.train.recipes import TrainConfig
from mnist_demo.web import state
from mnist_demo.web.user_text import plain

pytestmark = pytest.mark.usefixtures("fresh_app_state")  # conftest.py

# --------------------------------------------------------------------------------------------------------------------
# Shared pieces (and, in conftest.py, the fixtures `splits` and `offline`)


@pytest.fixture
def previous(tmp_path) -> tuple[Path, bytes]:
    """A checkpoint already in place: whatever goes wrong next, it must come out byte for byte the same."""
    torch.manual_seed(0)
    path = checkpoint.save(tmp_path / "checkpoints" / "model.pt", CNN().eval(), {"dataset": "mnist"})
    return path, path.read_bytes()


def assert_intact(path: Path, before: bytes, records: int | None = 0) -> None:
    """The checkpoint is byte for byte the same, with nothing new beside it (no temporary file) but `records` run
    records (the app keeps each run's table and curves, also of a run that did not finish; None: any number)."""
    assert path.read_bytes() == before
    beside = sorted(p.name for p in path.parent.iterdir())
    assert [n for n in beside if not n.endswith(".json")] == [path.name]
    assert records is None or len([n for n in beside if n.endswith(".json")]) == records


def deny_writes_in(folder: Path, monkeypatch) -> None:
    """A read-only folder, also for root (whom permission bits do not stop): creating a file there fails."""
    real = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and Path(dir).resolve() == folder.resolve():
            raise PermissionError(errno.EACCES, "Permission denied", str(dir))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


def disk_full(monkeypatch) -> None:
    """A disk that fills up halfway through writing the checkpoint."""

    def save(obj, f, *args, **kwargs):
        f.write(b"\0" * 4096)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(torch, "save", save)


def read_only_for_real(folder: Path) -> None:
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):
        folder.chmod(0o755)
        pytest.skip("running as root: permission bits do not stop writes (the simulated case covers it)")


def held_in_first_batch(real_fit=fit):
    """fit, with the run held in its first batch until someone presses Stop: a Stop that lands mid-batch."""

    def fit_(config, train, test, callbacks=(), stop=None, start=None, resume=None):
        first = [True]

        def held(p):
            if first[0] and p.kind == "batch":
                first[0] = False
                assert stop.wait(60), "nobody pressed Stop"

        return real_fit(config, train, test, [*callbacks, held], stop, start, resume=resume)

    return fit_


# --------------------------------------------------------------------------------------------------------------------
# Training settings: a learning rate that diverges, a batch larger than the dataset, 0 epochs


def test_engine_a_diverging_learning_rate_stops_the_run_with_the_reason(splits):
    result = fit(TrainConfig(epochs=3, lr=1e3, device="cpu"), *splits)
    assert result.status == "did-not-learn" and result.history == []
    assert result.message.startswith("Did not learn: the loss")
    assert "A learning rate of 1000 is too large for sgd" in result.message and "such as 0.01" in result.message


def test_engine_batch_size_larger_than_the_dataset_is_refused_before_training(splits):
    config = TrainConfig(batch_size=1000, device="cpu")
    with pytest.raises(ConfigError, match="the batch size 1,000 is larger than the 600 training images of mnist"):
        config.check_against(len(splits[0]))
    TrainConfig(batch_size=600).check_against(600)  # one full batch is fine


@pytest.mark.parametrize("settings, message", [
    ({"epochs": 0}, "epochs must be at least 1, not 0"),
    ({"lr": float("inf")}, "the learning rate must be a number above 0, not inf"),
    ({"lr": float("nan")}, "the learning rate must be a number above 0, not nan"),
    ({"label_smoothing": 1.0}, "label smoothing must be at least 0 and below 1, not 1"),
    ({"label_smoothing": -0.1}, "label smoothing must be at least 0 and below 1, not -0.1"),
    ({"seed": 2**64}, f"the seed must be a whole number from 0 to {2**63 - 1}, not {2**64}"),
    ({"seed": -1}, f"the seed must be a whole number from 0 to {2**63 - 1}, not -1"),
])
def test_engine_settings_that_cannot_train_are_refused(settings, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(**settings)


def test_cli_a_diverging_run_says_why_and_keeps_the_previous_checkpoint(capsys, tiny_data_dir, previous):
    path, before = previous
    code, out, err = run_cli(capsys, "train", "--data-dir", tiny_data_dir, "--epochs", 1, "--lr", 1000,
                             "--device", "cpu", "--quiet", "--out", path)
    assert code == 1 and "Done" not in out
    assert one_line(err).startswith("error: Did not learn: the loss") and "learning rate of 1000 is too large" in err
    assert_intact(path, before)


@pytest.mark.parametrize("flags, message", [
    (["--batch-size", 1000], "error: the batch size 1,000 is larger than the 600 training images of mnist: "
                             "choose a batch size of at most 600"),
    (["--epochs", 0], "error: epochs must be at least 1, not 0"),
    (["--epochs", "two"], "error: argument --epochs: invalid int value: 'two'"),
    (["--seed", 2**64], f"error: the seed must be a whole number from 0 to {2**63 - 1}, not {2**64}"),
    (["--seed", -1], f"error: the seed must be a whole number from 0 to {2**63 - 1}, not -1"),
])
def test_cli_settings_that_cannot_train_are_one_line_before_any_training(capsys, tiny_data_dir, previous, flags,
                                                                         message):
    path, before = previous
    started = time.monotonic()
    try:
        code, out, err = run_cli(capsys, "train", "--data-dir", tiny_data_dir, "--device", "cpu", "--quiet",
                                 "--out", path, *flags)
    except SystemExit as exit_:  # argparse's own refusal
        code, (out, err) = exit_.code, capsys.readouterr()
    assert code == 2 and out == "" and one_line(err).startswith(message)
    assert time.monotonic() - started < 10
    assert_intact(path, before)


def test_engine_an_empty_training_set_is_named_not_a_batch_size_of_at_most_0():
    with pytest.raises(ConfigError) as info:
        TrainConfig().check_against(0)
    assert str(info.value) == "the mnist training set is empty: there is nothing to train on"


@pytest.mark.parametrize("flags, value", [(["--epochs", 0], 0), (["--epochs", -3], -3),
                                          (["--test-batch-size", 0], 0), (["--test-batch-size", -1], -1),
                                          (["--drawings", 0], 0)])
def test_cli_bench_numbers_out_of_range_are_one_line(capsys, flags, value):
    with pytest.raises(SystemExit) as info:  # argparse's own refusal, before anything is loaded
        cli.main(["bench", *map(str, flags)])
    out, err = capsys.readouterr()
    assert info.value.code == 2 and out == ""
    assert one_line(err) == (f"error: argument {flags[0]}: must be at least 1, not {value} (see python -m mnist_demo "
                             "bench --help)")


def raises_inside(config, train, test, callbacks=(), stop=None, start=None, resume=None):
    """fit, failing the way a bug would: a raw IndexError whose text means nothing to a teacher."""
    raise IndexError("Target 255 is out of bounds.")


def test_engine_an_unexpected_error_in_a_run_is_one_plain_message(splits, monkeypatch, tmp_path):
    monkeypatch.setattr(mnist_demo.runs.run, "fit", raises_inside)
    run = Runs(checkpoint_dir=tmp_path).start(TrainConfig(epochs=1, device="cpu"), *splits, teacher=True)
    run.join(timeout=60)
    snap = run.snapshot()
    assert snap.state == "failed" and run.model is None
    assert snap.message == "Training failed: an unexpected error (the server log has the details)."


# --------------------------------------------------------------------------------------------------------------------
# Stop during the first batch: the run ends, saves nothing and is not offered as a model


def test_engine_stop_during_the_first_batch(splits):
    stop = threading.Event()
    result = fit(TrainConfig(epochs=5, batch_size=16, device="cpu"), *splits,
                 callbacks=[lambda p: stop.set()], stop=stop)
    assert result.status == "stopped" and result.message == "Stopped by the user during epoch 1."
    assert result.history == []


@pytest.mark.parametrize("ending", ["stopped in the first batch", "did not learn"])
def test_a_run_that_does_not_finish_leaves_the_previous_model_and_checkpoint(splits, previous, monkeypatch, ending):
    path, before = previous
    if ending == "did not learn":
        config = TrainConfig(epochs=2, lr=1e3, device="cpu")
    else:
        config = TrainConfig(epochs=2, batch_size=16, device="cpu")
        monkeypatch.setattr(mnist_demo.runs.run, "fit", held_in_first_batch())
    registry = Runs(checkpoint_dir=path.parent)
    run = registry.start(config, *splits, teacher=True)
    if ending != "did not learn":
        wait_until(lambda: run.snapshot().progress is not None, timeout=60)
        registry.stop(run, teacher=True)
    run.join(timeout=60)
    snap = run.snapshot()
    if ending == "did not learn":
        assert snap.state == "did-not-learn" and "too large" in snap.message
    else:
        assert snap.state == "stopped" and snap.message == "Stopped by the user during epoch 1."
    assert run.model is None and run.checkpoint_path is None and run.feature_stats is None
    # it is not offered as a model, so it cannot become the class model
    assert f"run-{run.id}" not in registry.models() and registry.class_key == SHIPPED_KEY
    with pytest.raises(NotAllowed, match="no model"):
        registry.set_class_model(f"run-{run.id}", teacher=True)
    assert_intact(path, before, records=2)  # the run's, and the one for the checkpoint that was there (brought in)


def test_cli_ctrl_c_in_the_first_batch_keeps_the_previous_checkpoint(capsys, tiny_data_dir, previous, monkeypatch):
    path, before = previous

    def interrupted(config, train, test, callbacks=(), **kwargs):
        def progress(p):
            raise KeyboardInterrupt

        return fit(config, train, test, [progress], **kwargs)

    monkeypatch.setattr(cli.models, "fit", interrupted)
    code, out, err = run_cli(capsys, "train", "--data-dir", tiny_data_dir, "--epochs", 1, "--device", "cpu",
                             "--quiet", "--out", path)
    assert code == 130 and out == ""
    assert one_line(err) == f"Interrupted: nothing was saved; {path} is unchanged."
    assert_intact(path, before)


# --------------------------------------------------------------------------------------------------------------------
# Uploads and the canvas: not an image, 50 MB, 10000 x 10000 px, all white, all black, transparent, empty


def encoded(img: Image.Image, kind: str = "PNG") -> bytes:
    buf = io.BytesIO()
    img.save(buf, kind)
    return buf.getvalue()


@functools.cache
def png_bomb(width: int = 10_000, height: int = 10_000) -> bytes:
    """A valid, complete black PNG of width x height: about 100 kB that would decode to 100 MB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    z, row = zlib.compressobj(9), bytes(width + 1)  # filter byte 0, then black pixels
    pixels = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


UPLOADS = {  # case: (file name, its bytes, what the user is told after "Cannot read X: " or "Nothing to read in X: ")
    "not an image": ("notes.png", lambda: b"Shopping list: milk, eggs, flour",
                     "it is not a readable image (a PNG or JPEG of one digit is expected)"),
    "50 MB": ("big.png", lambda: encoded(drawing(7)) + bytes(50 * 2**20),
              "it is 50 MB; the most this app reads is 25 MB. Crop the photo or save it smaller."),
    "10000 x 10000 px": ("huge.png", png_bomb,
                         "it is 10000 x 10000 px; the most this app reads is 50 megapixels. Save it smaller."),
    "all white": ("white.png", lambda: encoded(Image.new("L", (640, 480), 255)), "it is all white"),
    "all black": ("black.jpg", lambda: encoded(Image.new("RGB", (640, 480), 0), "JPEG"), "it is all black"),
    "transparent": ("clear.png", lambda: encoded(Image.new("RGBA", (280, 280), (0, 0, 0, 0))),
                    "it is fully transparent"),
}
REFUSED = ("not an image", "50 MB", "10000 x 10000 px")  # refused before decoding; the others are read, and empty


@pytest.fixture
def nothing_decodes_big(monkeypatch):
    """Fail loudly if a picture over a few megapixels were decoded."""
    real = ImageFile.ImageFile.load

    def load(self):
        assert self.size[0] * self.size[1] < 5_000_000, f"decoded a {self.size} picture"
        return real(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)


@pytest.mark.parametrize("case", UPLOADS)
def test_engine_uploads_that_cannot_be_read(case, nothing_decodes_big):
    _, make, message = UPLOADS[case]
    data = make()
    started = time.monotonic()
    if case in REFUSED:
        with pytest.raises(UnreadableImage) as info:
            to_mnist(data)
        assert str(info.value) == message
    else:
        assert to_mnist(data) is None and why_blank(data) == message
    assert time.monotonic() - started < 2


def test_engine_an_empty_canvas_has_nothing_to_read():
    canvas = np.zeros((280, 280, 4), dtype=np.uint8)  # what the canvas sends before anyone draws
    assert to_mnist(canvas) is None and to_mnist(Image.new("L", (280, 280), 0)) is None


@pytest.mark.parametrize("case", UPLOADS)
def test_cli_images_that_cannot_be_read_are_one_line_each(capsys, tmp_path, case, nothing_decodes_big):
    name, make, message = UPLOADS[case]
    path = tmp_path / name
    path.write_bytes(make())
    code, out, err = run_cli(capsys, "predict", path)
    what = "cannot read this image" if case in REFUSED else "nothing to read"
    assert code == 1 and out == "" and one_line(err) == f"{path}: {what}: {message}"


def test_cli_a_missing_image_or_a_folder_is_one_line(capsys, tmp_path):
    for path, message in ((tmp_path / "missing.png", "there is no such file"), (tmp_path, "it is a folder")):
        code, _, err = run_cli(capsys, "predict", path)
        assert code == 1 and one_line(err).startswith(f"{path}: cannot read this image: {message}")


# --------------------------------------------------------------------------------------------------------------------
# A read-only or full checkpoints folder on save


@pytest.mark.parametrize("how", ["chmod 555", "simulated read-only", "disk full"])
def test_engine_save_says_what_is_wrong_and_keeps_the_previous_checkpoint(previous, monkeypatch, how):
    path, before = previous
    if how == "chmod 555":
        read_only_for_real(path.parent)
    elif how == "simulated read-only":
        deny_writes_in(path.parent, monkeypatch)
    else:
        disk_full(monkeypatch)
    try:
        with pytest.raises(checkpoint.SaveError) as info:
            checkpoint.save(path, CNN(), {})
    finally:
        path.parent.chmod(0o755)
    why = (f"the disk is full (no space left for it in {path.parent})" if how == "disk full"
           else f"the folder {path.parent} is read-only (no permission to write there)")
    assert str(info.value) == f"Cannot save the checkpoint {path}: {why}. The previous checkpoint there is unchanged."
    assert isinstance(info.value, OSError)  # what the app's runs catch
    assert_intact(path, before)


def test_cli_a_read_only_folder_is_refused_before_training(capsys, tiny_data_dir, previous, monkeypatch):
    path, before = previous
    deny_writes_in(path.parent, monkeypatch)
    code, out, err = run_cli(capsys, "train", "--data-dir", tiny_data_dir, "--epochs", 1, "--device", "cpu",
                             "--quiet", "--out", path)
    assert code == 1 and out == ""  # not a single epoch was spent
    assert one_line(err) == (f"error: Cannot save the checkpoint {path}: the folder {path.parent} is read-only (no "
                             "permission to write there). The previous checkpoint there is unchanged.")
    assert_intact(path, before)


def test_cli_a_disk_that_fills_up_during_the_run_is_one_line(capsys, tiny_data_dir, previous, monkeypatch):
    path, before = previous
    disk_full(monkeypatch)
    code, out, err = run_cli(capsys, "train", "--data-dir", tiny_data_dir, "--epochs", 1, "--device", "cpu",
                             "--quiet", "--out", path)
    assert code == 1 and out.startswith("Epoch: 1,") and "Done" not in out
    assert one_line(err) == (f"error: Cannot save the checkpoint {path}: the disk is full (no space left for it in "
                             f"{path.parent}). The previous checkpoint there is unchanged.")
    assert_intact(path, before)


# --------------------------------------------------------------------------------------------------------------------
# The app's pages


@pytest.fixture
def app_in(monkeypatch, tmp_path):
    """Open the app on the data in `data_dir`; its runs save under tmp_path/checkpoints/runs."""

    def open_(data_dir: Path) -> AppTest:
        monkeypatch.setenv("MNIST_DEMO_DATA_DIR", str(data_dir))
        monkeypatch.setenv(RUNS_DIR_ENV, str(tmp_path / "checkpoints" / "runs"))
        return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()

    return open_


@pytest.fixture
def app(app_in, tiny_data_dir):
    return app_in(tiny_data_dir)


def widget(widgets, label: str):
    """The widget of that label (the Train page's settings move when the page changes)."""
    return next(w for w in widgets if w.label == label)


def progress_text(at: AppTest) -> str:
    """The text over the progress bar, starting or under way (web/live.py)."""
    return "".join([*(str(p.proto) for p in at.get("progress")),
                    *(m.value for m in at.markdown if 'class="live-progress"' in m.value)])


def runs_saved(tmp_path: Path) -> list[str]:
    """The models saved in the runs folder (a run's record is kept whatever its end)."""
    folder = tmp_path / "checkpoints" / "runs"
    return sorted(p.name for p in folder.glob("*.pt")) if folder.exists() else []


def test_app_a_diverging_learning_rate_ends_the_run_with_the_reason(app, tmp_path):
    widget(app.radio, "Optimizer").set_value("adam")
    widget(app.select_slider, "Learning rate").set_value(1.0)
    button(app, "Start").click()
    at = wait_for(app.run(), lambda a: len(a.error) > 0)
    error = at.main.error[0].value
    assert error.startswith("Did not learn: ")
    assert "A learning rate of 1 is too large for adam" in error and "such as 0.001" in error
    assert not at.exception and at.sidebar.selectbox[0].value == "class" and runs_saved(tmp_path) == []
    assert [k for k in state.runs().models() if k.startswith("run-")] == []  # not offered as a model


@pytest.fixture(scope="module")
def small_data_dir(tmp_path_factory) -> Path:
    """100 training images: fewer than the Train page's largest batch size."""
    return write_dataset(tmp_path_factory.mktemp("small"), n_train=100, n_test=20)


def test_app_a_batch_size_larger_than_the_dataset_is_refused_before_the_run(app_in, small_data_dir, tmp_path):
    at = app_in(small_data_dir)
    widget(at.select_slider, "Batch size").set_value(128)
    button(at, "Start").click()
    at.run()
    assert at.main.error[0].value.rstrip(".") == ("Cannot start: the batch size 128 is larger than the 100 training "
                                                  "images of mnist: choose a batch size of at most 100")
    assert not at.exception and not state.runs().all() and at.sidebar.selectbox[0].value == "class"


def test_app_an_unexpected_error_in_a_run_shows_no_raw_exception_text(app, monkeypatch):
    monkeypatch.setattr(mnist_demo.runs.run, "fit", raises_inside)
    button(app, "Start").click()
    at = wait_for(app.run(), lambda a: len(a.main.error) > 0)
    assert at.main.error[0].value == "Training failed: an unexpected error (the server log has the details)."
    assert "out of bounds" not in texts(at) and not at.exception


def test_app_zero_epochs_cannot_be_chosen(app):
    assert widget(app.slider, "Epochs").min == 1


def test_app_stop_during_the_first_batch_keeps_the_class_model(app, monkeypatch, tmp_path):
    monkeypatch.setattr(mnist_demo.runs.run, "fit", held_in_first_batch())
    button(app, "Start").click()
    at = wait_for(app.run(), lambda a: "Epoch 1 of" in progress_text(a))
    button(at, "Stop").click()
    at.run()
    assert at.main.warning[0].value == "Stopped by the user during epoch 1. The class model is unchanged."
    assert not at.exception and at.sidebar.selectbox[0].value == "class" and runs_saved(tmp_path) == []
    assert state.runs().class_key == SHIPPED_KEY and not any(b.label == "Use this run for the class"
                                                             for b in at.button)


@pytest.mark.parametrize("how", ["read-only", "disk full"])
def test_app_a_run_that_cannot_be_saved_says_so_and_can_still_be_used(app, tmp_path, monkeypatch, how):
    runs = tmp_path / "checkpoints" / "runs"
    earlier = checkpoint.save(runs / "run-earlier.pt", CNN(), {})
    before = earlier.read_bytes()
    if how == "read-only":
        deny_writes_in(runs, monkeypatch)
    else:
        disk_full(monkeypatch)
    widget(app.slider, "Epochs").set_value(1)
    button(app, "Start").click()
    at = wait_for(app.run(), lambda a: "Finished" in texts(a))
    why = f"the folder {runs} is read-only" if how == "read-only" else "the disk is full"
    warning = next(w.value for w in at.warning if "could not be saved" in w.value)
    assert warning.startswith(f"The model could not be saved: Cannot save the checkpoint {runs}/run-")
    assert why in warning
    assert not any(b.label == "Download this model" for b in at.get("download_button"))
    # the model is kept in memory: the teacher can still make it the class model
    button(at, "Use this run for the class").click()
    at.run()
    run = state.runs().all()[-1]
    assert not at.exception and state.runs().class_key == f"run-{run.id}"
    assert at.sidebar.selectbox[0].value == "class" and at.sidebar.markdown[1].value.startswith(f"**Run {run.id}")
    assert_intact(earlier, before, records=None)  # the simulated full disk fails torch.save only: records get written


@pytest.mark.parametrize("case", UPLOADS)
def test_app_draw_uploads_that_cannot_be_read(app, case, nothing_decodes_big):
    name, make, message = UPLOADS[case]
    at = open_page(app, "draw")
    at.file_uploader[0].set_value((name, make(), "image/png"))
    at.run()
    assert not at.exception and len(at.get("plotly_chart")) == 0  # no reading is shown
    if case in REFUSED:
        assert at.main.error[0].value == f"Cannot read {plain(name)}: {message}"
    else:
        assert at.main.warning[0].value.startswith(f"Nothing to read in {plain(name)}: {message}. Upload a photo or "
                                                   "scan")


def test_app_draw_an_empty_canvas_asks_for_a_drawing(app):
    at = open_page(app, "draw")
    assert at.main.info[0].value == "Draw a digit on the black square with your mouse or finger (the canvas is empty)."
    assert not at.exception and len(at.get("plotly_chart")) == 0


HOSTILE_NAME = "[click me](https://example.com) ![pixel](https://example.com/x.png) **bold** `tick` $x$.png"


@pytest.mark.parametrize("case", ["not an image", "all white", "a digit"])
def test_app_draw_an_upload_name_is_shown_as_text_not_markdown(app, case):
    data = {"not an image": b"Shopping list", "all white": encoded(Image.new("L", (64, 64), 255)),
            "a digit": encoded(drawing(7))}[case]
    at = open_page(app, "draw")
    at.file_uploader[0].set_value((HOSTILE_NAME, data, "image/png"))
    at.run()
    shown = f"``{HOSTILE_NAME}``"  # a code span: Markdown shows its characters and nothing else (see test_bad_web)
    assert plain(HOSTILE_NAME) == shown and not at.exception
    if case == "not an image":
        assert at.main.error[0].value == (f"Cannot read {shown}: it is not a readable image (a PNG or JPEG of one "
                                          "digit is expected)")
    elif case == "all white":
        assert at.main.warning[0].value.startswith(f"Nothing to read in {shown}: it is all white.")
    else:
        assert any(c.value.startswith(f"Read from the upload {shown} by ") for c in at.caption)
    assert HOSTILE_NAME not in texts(at).replace(shown, "")  # nowhere else, unescaped
