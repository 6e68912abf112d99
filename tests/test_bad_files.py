"""Bad files and paths: dataset files, checkpoints, where a checkpoint is saved, the images `predict` is given.
Rows of the table at the top of tests/test_bad_input.py, met where a user meets them: the engine, the command line
(one line on stderr, a non-zero exit status, never a traceback) and the app's pages through AppTest.

"Nothing lost": a dataset folder keeps exactly its files (nothing "re-downloaded", renamed or removed), a checkpoint
already at the path keeps its bytes, and no temporary or lock file is left beside it.
"""

from __future__ import annotations

import functools
import gzip
import os
import shlex
import shutil
import stat
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import test_bad_input
import torch
from conftest import ROOT, button, drawing, open_page, texts, write_idx
from PIL import Image
from test_bad_input import assert_intact, one_line, run_cli
from torch import nn

from mnist_demo import checkpoint
from mnist_demo.data import load_split
from mnist_demo.errors import DataFileError, DataMissingError
from mnist_demo.network import CNN
from mnist_demo.paths import DATA_DIR_ENV
from mnist_demo.reading.preprocess import to_mnist
from mnist_demo.runs import Runs
from mnist_demo.web import state

pytestmark = pytest.mark.usefixtures("fresh_app_state")  # conftest.py
previous, app_in = test_bad_input.previous, test_bad_input.app_in  # fixtures: the checkpoint in place, the app
posix_only = pytest.mark.skipif(os.name != "posix", reason="pipes, device nodes and /proc are POSIX/Linux")


def listing(folder: Path) -> list[tuple[str, int, int]]:
    """Every entry under `folder` (not following links): name, kind and size; what "nothing lost" compares."""
    found = []
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        found.append((str(path.relative_to(folder)), stat.S_IFMT(info.st_mode), info.st_size))
    return found


def peak_growth_mb(action) -> float:
    """How far this process's peak resident memory rose above its current size while `action()` ran (Linux)."""
    status = Path("/proc/self/status")
    read = lambda key: next(int(line.split()[1]) for line in status.read_text().splitlines()
                            if line.startswith(key + ":")) / 1024
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    before = read("VmRSS")
    action()
    return read("VmHWM") - before


# --------------------------------------------------------------------------------------------------------------------
# Dataset files: compressed, of another kind, swapped, of other images, labels out of range, counts that differ,
# empty, truncated, not a regular file


TRAIN = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
TEST = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def gzip_under_its_name(raw: Path) -> None:
    path = raw / TEST[0]
    path.write_bytes(gzip.compress(path.read_bytes()))


def another_kind(raw: Path) -> None:
    path = raw / TEST[0]
    path.write_bytes(bytes.fromhex("00000d03") + path.read_bytes()[4:])  # IDX of floats, not of bytes


def swapped(raw: Path) -> None:
    images, labels = raw / TEST[0], raw / TEST[1]
    data = images.read_bytes()
    images.write_bytes(labels.read_bytes())
    labels.write_bytes(data)


def bigger_images(raw: Path) -> None:
    write_idx(raw / TEST[0], np.zeros((200, 32, 32), np.uint8))


def label_255(raw: Path) -> None:
    labels = np.arange(200) % 10
    labels[3] = 255
    write_idx(raw / TEST[1], labels)


def fewer_labels(raw: Path) -> None:
    write_idx(raw / TRAIN[1], np.arange(500) % 10)


def empty_test_set(raw: Path) -> None:
    write_idx(raw / TEST[0], np.zeros((0, 28, 28), np.uint8))
    write_idx(raw / TEST[1], np.zeros(0, np.uint8))


def truncated_file(raw: Path) -> None:
    path = raw / TEST[0]
    path.write_bytes(path.read_bytes()[:3000])


def a_pipe(raw: Path) -> None:
    (raw / TEST[0]).unlink()
    os.mkfifo(raw / TEST[0])


def a_link_loop(raw: Path) -> None:
    (raw / TEST[0]).unlink()
    (raw / TEST[0]).symlink_to(raw / TEST[0])


BAD_DATA = {  # case: (how the data folder is spoiled, the split it spoils, what the user is told)
    "gzip bytes under the IDX name": (gzip_under_its_name, TEST, "{images} is gzip-compressed (a download that was "
                                      "not decompressed): decompress it (gunzip), or add .gz to its name and the "
                                      "loader decompresses it itself."),
    "another kind of IDX file": (another_kind, TEST, "{images} is not an MNIST-format (IDX) images file: it starts "
                                 "with 0x00000d03, not 0x00000803. Put the dataset's own file there."),
    "images and labels swapped": (swapped, TEST, "{images} holds labels, not images: are the images and labels files "
                                  "swapped? Give each its own name back."),
    "32 x 32 images": (bigger_images, TEST, "{images} holds 32 x 32 images; MNIST-format datasets hold 28 x 28. Put "
                       "the dataset's own file there (or resize the images to 28 x 28)."),
    "a label of 255": (label_255, TEST, "{labels} holds the label 255 (first at position 3); labels must be 0 to 9. "
                       "Put the dataset's own labels file there."),
    "600 images with 500 labels": (fewer_labels, TRAIN, "{images} holds 600 images but {labels} holds 500 labels: "
                                   "each image needs its label. Copy both files of the split again, from the same "
                                   "download."),
    "an empty test set": (empty_test_set, TEST, "{images} holds no images: the test set is empty. Put the dataset's "
                          "own files there."),
    "a truncated file": (truncated_file, TEST, "{images} is truncated: its header announces 200 images (156,816 "
                         "bytes) but it holds 3,000 bytes. An interrupted download or copy? Delete it and download "
                         "it again."),
    "a pipe": (a_pipe, TEST, "{images} is not a regular file (a pipe, device or socket): put the dataset's file of "
               "that name there."),
    "a symbolic link loop": (a_link_loop, TEST, "{images} cannot be read (Too many levels of symbolic links): check "
                             "it, or put the dataset's file there."),
}


@pytest.fixture
def bad_data(tmp_path, tiny_data_dir, monkeypatch):
    """bad_data(case) -> (data folder, train?, the message with full paths, the message a browser gets)."""

    def make(case: str) -> tuple[Path, bool, str, str]:
        spoil, split, message = BAD_DATA[case]
        root = tmp_path / "data"
        shutil.copytree(tiny_data_dir, root)
        raw = root / "MNIST" / "raw"
        spoil(raw)
        monkeypatch.setenv(DATA_DIR_ENV, str(root))
        full = message.format(images=raw / split[0], labels=raw / split[1])
        public = message.format(**{k: f"`${DATA_DIR_ENV}/MNIST/raw/{name}`" for k, name in zip(("images", "labels"),
                                                                                                split)})
        return root, split == TRAIN, full, public

    return make


@posix_only
@pytest.mark.parametrize("case", BAD_DATA)
def test_engine_bad_dataset_files_are_named_when_the_split_is_loaded(bad_data, case, tmp_path):
    root, train, message, public = bad_data(case)
    before = listing(root)
    started = time.monotonic()
    with pytest.raises(DataFileError) as info:
        load_split("mnist", train, root)
    assert time.monotonic() - started < 2  # refused on loading, not after an epoch
    assert str(info.value) == message
    assert info.value.public == public and str(tmp_path) not in public  # what a browser is shown
    assert listing(root) == before  # reported, not "re-downloaded" over


@posix_only
@pytest.mark.parametrize("case", BAD_DATA)
def test_cli_bad_dataset_files_are_one_line_before_any_training(capsys, bad_data, previous, case):  # noqa: F811 - fixture
    path, before = previous
    root, _, message, _ = bad_data(case)
    files = listing(root)
    code, out, err = run_cli(capsys, "train", "--data-dir", root, "--epochs", 1, "--device", "cpu", "--quiet",
                             "--out", path)
    assert code == 2 and out == ""  # not one epoch line: refused before training
    assert one_line(err) == f"error: {message}"
    assert_intact(path, before)
    assert listing(root) == files


@pytest.mark.parametrize("page, case", [("train", "a label of 255"), ("gallery", "600 images with 500 labels"),
                                        ("evaluate", "gzip bytes under the IDX name")])
def test_app_bad_dataset_files_are_named_without_the_servers_paths(app_in, bad_data, tmp_path, page, case):  # noqa: F811 - fixture
    root, _, _, public = bad_data(case)
    at = app_in(root)
    if page == "train":
        button(at, "Start").click()
        at.run()
        assert at.main.error[0].value == public and not state.runs().all()
    elif page == "gallery":
        at = open_page(at, "gallery")
        assert public in at.main.info[0].value  # and it shows the shipped sample instead
    else:
        at = open_page(at, "evaluate")
        assert "Only the 500 test images shipped" in texts(at)  # the shipped sample, not a traceback
    shown = texts(at) + "".join(str(e.value) for e in at.exception)
    assert not at.exception and str(tmp_path) not in shown and str(ROOT) not in shown


@pytest.mark.slow  # a Python process of its own (importing torch): make test, not make check
def test_engine_a_gzip_download_beside_the_idx_name_is_read_without_torchvision(tiny_data_dir, tmp_path):
    """The fast path stays fast: good files, and a .gz left beside, are read without importing torchvision (2 s);
    a bad file is reported without it too."""
    root = shutil.copytree(tiny_data_dir, tmp_path / "data")
    raw = root / "MNIST" / "raw"
    gzipped = raw / (TEST[0] + ".gz")
    gzipped.write_bytes(gzip.compress((raw / TEST[0]).read_bytes()))
    (raw / TEST[0]).unlink()
    bad = shutil.copytree(tiny_data_dir, tmp_path / "bad")
    truncated_file(bad / "MNIST" / "raw")
    script = textwrap.dedent(f"""
        import sys
        from mnist_demo.data import load_split
        from mnist_demo.errors import DataFileError
        print(len(load_split("mnist", False, {str(root)!r})), len(load_split("mnist", True, {str(root)!r})))
        try:
            load_split("mnist", False, {str(bad)!r})
        except DataFileError as exc:
            print("refused:", str(exc).split(":")[0].endswith("truncated"))
        print("torchvision imported:", "torchvision" in sys.modules)
    """)
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.stdout.split("\n")[:3] == ["200 600", "refused: True", "torchvision imported: False"], run.stderr
    assert gzipped.exists() and not (raw / TEST[0]).exists()  # read in memory; the folder is as it was


# --------------------------------------------------------------------------------------------------------------------
# Data missing while offline: where to put the files, no server paths in a browser, no empty folders left behind


@pytest.fixture
def offline_after_making_folders(monkeypatch):
    """No network, as torchvision meets it: it makes the raw folder, then every mirror fails."""
    from torchvision import datasets

    def download(self):
        os.makedirs(self.raw_folder, exist_ok=True)
        raise RuntimeError(f"Error downloading {self.resources[0][0]}:\nTried https://mirror/, got:\n<urlopen error>")

    monkeypatch.setattr(datasets.MNIST, "download", download)  # KMNIST and FashionMNIST inherit it


@pytest.mark.usefixtures("offline_after_making_folders")
@pytest.mark.parametrize("name, folder", [("mnist", "MNIST"), ("kmnist", "KMNIST")])
def test_engine_missing_data_says_where_to_put_the_files_and_leaves_no_folder(tmp_path, name, folder):
    with pytest.raises(DataMissingError) as info:
        load_split(name, True, tmp_path / "empty")
    message, public = str(info.value), info.value.public
    raw = tmp_path.resolve() / "empty" / folder / "raw"
    assert "\n" not in message and "could not be downloaded (RuntimeError: Error downloading " in message
    assert all(str(raw / f) in message for f in (*TRAIN, *TEST))
    assert public.startswith(f"The {name} dataset is not in the data folder and could not be downloaded")
    assert f"`<data folder>/{folder}/raw`" in public and str(tmp_path) not in public
    assert not (tmp_path / "empty").exists()  # torchvision's empty folders are gone


@pytest.mark.usefixtures("offline_after_making_folders")
def test_cli_a_misspelt_data_dir_is_one_line_and_leaves_no_folder(capsys, tmp_path, previous):  # noqa: F811 - fixture
    path, before = previous
    code, out, err = run_cli(capsys, "train", "--data-dir", tmp_path / "dta", "--quiet", "--out", path)
    line = one_line(err)
    assert code == 2 and out == "" and line.startswith(f"error: The mnist dataset is not in {tmp_path / 'dta'} ")
    assert str(tmp_path.resolve() / "dta" / "MNIST" / "raw" / "train-images-idx3-ubyte") in line
    assert not (tmp_path / "dta").exists()
    assert_intact(path, before)


@pytest.mark.usefixtures("offline_after_making_folders")
def test_app_missing_data_while_offline_says_where_without_the_servers_paths(app_in, tmp_path):  # noqa: F811 - fixture
    at = app_in(tmp_path / "empty")
    button(at, "Start").click()
    at.run()
    message = at.main.error[0].value
    assert message.startswith("The mnist dataset is not in the data folder and could not be downloaded")
    assert f"into `${DATA_DIR_ENV}/MNIST/raw`: train-images-idx3-ubyte," in message and str(tmp_path) not in message
    assert not at.exception and not state.runs().all() and not (tmp_path / "empty").exists()


# --------------------------------------------------------------------------------------------------------------------
# Checkpoints: corrupt, of another architecture, carrying code, with metadata that lies, with weights that are not
# numbers, too large


class RunsCode:
    """Unpickled without weights_only, this calls os.system: what a booby-trapped checkpoint does."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {shlex.quote(str(self.marker))}",)


def corrupt(path: Path, marker: Path) -> None:
    path.write_bytes(b"this is not a checkpoint")


def truncated(path: Path, marker: Path) -> None:
    good = checkpoint.save(path, CNN(), {}).read_bytes()
    path.write_bytes(good[: len(good) // 2])


def another_architecture(path: Path, marker: Path) -> None:
    checkpoint.save(path, nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)), {})


def another_head(path: Path, marker: Path) -> None:
    checkpoint.save(path, CNN(num_classes=5), {"num_classes": 10})


def bare_state_dict(path: Path, marker: Path) -> None:
    torch.save(CNN().state_dict(), path)


def carrying_code(path: Path, marker: Path) -> None:
    torch.save({"format": checkpoint.FORMAT, "state_dict": CNN().state_dict(), "meta": {"note": RunsCode(marker)}},
               path)


def with_meta(**meta):
    def make(path: Path, marker: Path) -> None:
        checkpoint.save(path, CNN(), meta)

    return make


def consistent_five_classes(path: Path, marker: Path) -> None:
    checkpoint.save(path, CNN(num_classes=5), {"num_classes": 5})


def with_weight(name: str, value: float):
    def make(path: Path, marker: Path) -> None:
        model = CNN()
        with torch.no_grad():
            model.get_parameter(name).view(-1)[7] = value
        checkpoint.save(path, model, {"dataset": "mnist", "num_classes": 10})

    return make


def oversized(path: Path, marker: Path) -> None:
    checkpoint.save(path, CNN(), {"padding": torch.zeros(8_000_000)})


def compressed(path: Path, marker: Path) -> None:
    """The same 31 MB, deflated into a zip of under 1 MB: small on disk, large once read."""
    oversized(path, marker)
    with zipfile.ZipFile(path) as plain_zip:
        members = [(info, plain_zip.read(info)) for info in plain_zip.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as deflated:
        for info, data in members:
            deflated.writestr(info.filename, data)


NOT_FOR_MNIST = "but mnist has 10: it is not a model of mnist this app can use (edited, or from another program)."
NOT_NUMBERS = "holds weights that are not numbers (NaN or infinite) in {}: the run that saved it went wrong."
CHECKPOINTS = {  # case: (how the file is made, what the user is told after its path)
    "corrupt": (corrupt, "is not a readable checkpoint (corrupt or truncated?)"),
    "truncated": (truncated, "is not a readable checkpoint (corrupt or truncated?)"),
    "another architecture": (another_architecture, "holds weights that do not fit the tutorial's CNN (another "
                             "architecture?): missing conv1.weight, conv1.bias, conv2.weight and 5 more; unexpected "
                             "1.weight, 1.bias, 3.weight and 1 more"),
    "another number of classes": (another_head, "holds weights that do not fit the tutorial's CNN (another "
                                  "architecture?): fc2.weight is 5 x 64, expected 10 x 64; fc2.bias is 5, expected 10"),
    "a bare state_dict": (bare_state_dict, "is not an mnist-demo checkpoint"),
    "a pickle carrying code": (carrying_code, "was refused: besides weights it holds Python objects (posix.system)"
                               if os.name == "posix" else "was refused"),
    "10,000,000 classes claimed": (with_meta(num_classes=10_000_000), f"claims 10000000 classes, {NOT_FOR_MNIST}"),
    "0 classes claimed": (with_meta(num_classes=0), f"claims 0 classes, {NOT_FOR_MNIST}"),
    "a list as the dataset name": (with_meta(dataset=["mnist"]), "names its dataset ['mnist']; an mnist-demo "
                                   "checkpoint names one of mnist, fashion-mnist, kmnist."),
    "a consistent 5-class model": (consistent_five_classes, f"claims 5 classes, {NOT_FOR_MNIST}"),
    "a test accuracy that is not a number": (with_meta(test_accuracy="high"), "gives its test accuracy as 'high'; it "
                                             "must be a number from 0 to 1 (an edited or damaged file)."),
    "NaN weights": (with_weight("conv1.weight", float("nan")), NOT_NUMBERS.format("conv1.weight")),
    "infinite weights": (with_weight("fc2.bias", float("-inf")), NOT_NUMBERS.format("fc2.bias")),
    "a 31 MB file": (oversized, "is 31.0 MB; an mnist-demo checkpoint is about 0.5 MB for the tutorial's network and "
                     "at most 27.1 MB: it is not one."),
    "a 1 MB zip of 31 MB": (compressed, "unpacks to 31.0 MB; an mnist-demo checkpoint holds at most 27.1 MB: it is "
                            "not one."),
}


def test_the_booby_trapped_checkpoint_is_live(tmp_path):
    """Without weights_only it does run its code: the refusals below are not vacuous."""
    carrying_code(tmp_path / "evil.pt", tmp_path / "ran")
    torch.load(tmp_path / "evil.pt", weights_only=False)
    assert (tmp_path / "ran").exists()


@pytest.mark.parametrize("case", CHECKPOINTS)
def test_engine_bad_checkpoints_are_refused_by_name(tmp_path, case):
    make, message = CHECKPOINTS[case]
    path, marker = tmp_path / "model.pt", tmp_path / "code-ran"
    make(path, marker)
    with pytest.raises(checkpoint.CheckpointError) as info:
        checkpoint.load(path)
    assert str(info.value).startswith(f"{path} {message}")
    assert "\n" not in str(info.value)
    assert not marker.exists()


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="measures memory through Linux's /proc")
def test_engine_a_checkpoint_claiming_ten_million_classes_costs_nothing(tmp_path):
    """Checked before a network is built: the file is 0.5 MB, the network it claims 2.5 GB."""
    path = tmp_path / "model.pt"
    with_meta(num_classes=10_000_000)(path, tmp_path / "unused")
    assert path.stat().st_size < 2**20

    def load():
        with pytest.raises(checkpoint.CheckpointError, match="claims 10000000 classes"):
            checkpoint.load(path)

    assert peak_growth_mb(load) < 100


@pytest.mark.parametrize("case", CHECKPOINTS)
def test_cli_bad_checkpoints_are_one_line(capsys, tmp_path, tiny_data_dir, case):
    make, message = CHECKPOINTS[case]
    path, marker = tmp_path / "model.pt", tmp_path / "code-ran"
    make(path, marker)
    code, out, err = run_cli(capsys, "evaluate", "--checkpoint", path, "--data-dir", tiny_data_dir)
    assert code == 2 and out == "" and one_line(err).startswith(f"error: {path} {message}")
    assert not marker.exists()


def test_cli_predict_refuses_nan_weights_instead_of_printing_nan(capsys, tmp_path):
    path, image = tmp_path / "model.pt", tmp_path / "seven.png"
    with_weight("fc1.weight", float("nan"))(path, tmp_path / "unused")
    drawing(7).save(image)
    code, out, err = run_cli(capsys, "predict", "--checkpoint", path, image)
    assert code == 2 and out == ""
    assert one_line(err) == f"error: {path} {NOT_NUMBERS.format('fc1.weight')} Train the model again."


@pytest.mark.slow  # a Python process of its own (importing torch): make test, not make check
def test_cli_a_checkpoint_carrying_code_is_refused_in_a_real_process(tmp_path):
    path, marker, image = tmp_path / "model.pt", tmp_path / "code-ran", tmp_path / "one.png"
    carrying_code(path, marker)
    drawing(1).save(image)
    run = subprocess.run([sys.executable, "-m", "mnist_demo", "predict", "--checkpoint", str(path), str(image)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and run.stdout == ""
    assert one_line(run.stderr).startswith(f"error: {path} was refused")
    assert not marker.exists()


@pytest.mark.parametrize("case", ["corrupt", "NaN weights", "10,000,000 classes claimed"])
def test_app_a_bad_shipped_checkpoint_is_named_and_the_app_still_runs(app_in, tiny_data_dir, tmp_path, monkeypatch,  # noqa: F811 - fixture
                                                                      case):
    broken = tmp_path / "mnist_cnn.pt"
    make, message = CHECKPOINTS[case]
    make(broken, tmp_path / "unused")
    monkeypatch.setattr(state, "Runs", functools.partial(Runs, shipped=broken))  # the registry state.runs() makes
    at = app_in(tiny_data_dir)
    assert not at.exception
    assert f"{broken} {message}" in at.sidebar.warning[0].value
    at = open_page(at, "draw")
    assert "There is no model to read drawings yet" in at.main.warning[0].value and not at.exception


# --------------------------------------------------------------------------------------------------------------------
# Where `train --out` writes: a device node, a pipe, a symbolic link, a name ending in /, a file another run is
# training towards; SIGTERM while saving


def device_node(folder: Path) -> Path:
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    path = folder / "null"
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # the system's /dev/null, in a tmp folder
    return path


def pipe(folder: Path) -> Path:
    os.mkfifo(folder / "pipe")
    return folder / "pipe"


def link_to_the_checkpoint(folder: Path) -> Path:
    (folder / "link.pt").symlink_to(folder / "model.pt")
    return folder / "link.pt"


def link_to_nothing(folder: Path) -> Path:
    (folder / "dangling.pt").symlink_to(folder / "nowhere.pt")
    return folder / "dangling.pt"


def new_folder(folder: Path) -> str:
    return f"{folder / 'newdir'}/"


SPECIAL = "it is not a regular file (a device, pipe or socket): give the name of a new or regular file."
LINK = ("it is a symbolic link, which mnist-demo neither replaces nor writes through: give the path of the file "
        "itself, or a new name.")
OUT_TARGETS = {  # case: (how the target is made, what the user is told after "Cannot save the checkpoint X: ")
    "a device node": (device_node, f"{SPECIAL} Nothing was written."),
    "a pipe": (pipe, f"{SPECIAL} Nothing was written."),
    "a symbolic link to a checkpoint": (link_to_the_checkpoint, f"{LINK} Nothing was written."),
    "a symbolic link to nothing": (link_to_nothing, f"{LINK} Nothing was written."),
    "a name ending in /": (new_folder, "a name that ends in / is a folder; give a file name, such as {}. Nothing "
                           "was written."),
}


def out_target(case: str, folder: Path) -> tuple[str, str]:
    make, message = OUT_TARGETS[case]
    target = str(make(folder))
    return target, message.format(Path(target) / "model.pt")


@posix_only
@pytest.mark.parametrize("case", OUT_TARGETS)
def test_engine_save_writes_only_regular_files_or_new_paths(previous, case):  # noqa: F811 - fixture
    path, before = previous
    target, message = out_target(case, path.parent)
    files = listing(path.parent)
    with pytest.raises(checkpoint.SaveError) as info:
        checkpoint.save(target, CNN(), {})
    assert str(info.value) == f"Cannot save the checkpoint {target}: {message}"
    assert listing(path.parent) == files and path.read_bytes() == before  # the node, pipe or link is as it was


@posix_only
@pytest.mark.parametrize("case", OUT_TARGETS)
def test_cli_train_out_to_a_special_path_is_one_line_before_training(capsys, tiny_data_dir, previous, case):  # noqa: F811 - fixture
    path, before = previous
    target, message = out_target(case, path.parent)
    files = listing(path.parent)
    code, out, err = run_cli(capsys, "train", "--data-dir", tiny_data_dir, "--epochs", 1, "--device", "cpu",
                             "--quiet", "--out", target)
    assert code == 1 and out == ""  # not one epoch was spent
    assert one_line(err) == f"error: Cannot save the checkpoint {target}: {message}"
    assert listing(path.parent) == files and path.read_bytes() == before


@posix_only
@pytest.mark.slow  # a Python process of its own (importing torch): make test, not make check
def test_cli_a_second_train_to_the_same_file_is_refused_while_the_first_runs(capsys, tiny_data_dir, previous):  # noqa: F811 - fixture
    path, before = previous
    holder = subprocess.Popen(  # another process, training towards the same file
        [sys.executable, "-c", "import sys; from mnist_demo import checkpoint\n"
         f"with checkpoint.claimed({str(path)!r}):\n    print('held', flush=True); sys.stdin.read()"],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        code, out, err = run_cli(capsys, "train", "--data-dir", tiny_data_dir, "--epochs", 1, "--device", "cpu",
                                 "--quiet", "--out", path)
    finally:
        holder.communicate("", timeout=60)
    assert code == 1 and out == ""
    assert one_line(err) == (f"error: Cannot save the checkpoint {path}: another run (process {holder.pid}) is "
                             "training towards it now, and one of the two results would be lost. Wait for it to end, "
                             "or save to another file. Nothing was written.")
    assert_intact(path, before)  # and the first run's lock is gone with it


@posix_only
@pytest.mark.slow  # a Python process of its own (importing torch): make test, not make check
def test_cli_sigterm_while_saving_leaves_no_temporary_file(tiny_data_dir, previous):  # noqa: F811 - fixture
    path, before = previous
    script = textwrap.dedent(f"""
        import os, signal, sys, torch
        from mnist_demo import cli
        real = torch.save

        def save(obj, f, *args, **kwargs):  # SIGTERM arrives halfway through writing the checkpoint
            f.write(b"half a checkpoint")
            os.kill(os.getpid(), signal.SIGTERM)
            return real(obj, f, *args, **kwargs)

        torch.save = save
        sys.exit(cli.main(["train", "--data-dir", {str(tiny_data_dir)!r}, "--epochs", "1", "--device", "cpu",
                           "--quiet", "--out", {str(path)!r}]))
    """)
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 130, run.stderr  # not killed mid-write (-15)
    assert run.stderr.strip().splitlines()[-1] == f"Interrupted: nothing was saved; {path} is unchanged."
    assert_intact(path, before)


# --------------------------------------------------------------------------------------------------------------------
# The images `predict` is given: a pipe, a symbolic link loop, a name that begins with -, a float TIFF


@posix_only
@pytest.mark.slow  # a Python process of its own (importing torch): make test, not make check
def test_cli_predict_reports_each_odd_path_and_still_reads_the_others(tmp_path):
    seven, one = tmp_path / "seven.png", tmp_path / "one.png"
    drawing(7).save(seven)
    drawing(1).save(one)
    os.mkfifo(tmp_path / "pipe.png")
    (tmp_path / "loop.png").symlink_to(tmp_path / "loop.png")
    (tmp_path / "gone.png").symlink_to(tmp_path / "nowhere.png")
    paths = [seven, tmp_path / "pipe.png", tmp_path / "loop.png", tmp_path / "gone.png", one]
    run = subprocess.run([sys.executable, "-m", "mnist_demo", "predict", *map(str, paths)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)  # a pipe opened would hang until the timeout
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert [line.split()[:2] for line in run.stdout.splitlines()] == [[str(seven), "7"], [str(one), "1"]]
    assert run.stderr.splitlines() == [
        f"{tmp_path / 'pipe.png'}: cannot read this image: it is not a regular file (a pipe, device or socket); it "
        "was not opened",
        f"{tmp_path / 'loop.png'}: cannot read this image: too many levels of symbolic links",
        f"{tmp_path / 'gone.png'}: cannot read this image: there is no such file (a symbolic link to nothing)",
    ]


def test_cli_predict_reads_a_file_whose_name_begins_with_a_dash(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    drawing(7).save(tmp_path / "-7.png")
    code, out, err = run_cli(capsys, "predict", "-7.png", "--json")
    assert code == 0 and err == "" and out.startswith('{"path": "-7.png", "digit": 7,')
    with pytest.raises(SystemExit) as info:  # a misspelt option is still one
        run_cli(capsys, "predict", "--jsn", "-7.png")
    assert info.value.code == 2 and one_line(capsys.readouterr().err).startswith(
        "error: unrecognized arguments: --jsn")


def float_tiff(path: Path, digit: int = 7) -> Path:
    """A 32-bit float TIFF of a digit, 0.0 to 1.0: what scientific software saves."""
    Image.fromarray(np.asarray(drawing(digit), dtype=np.float32) / 255, mode="F").save(path)
    return path


def test_engine_a_float_tiff_is_read_like_the_same_picture_in_8_bits(tmp_path):
    tiff = float_tiff(tmp_path / "seven.tif")
    assert Image.open(tiff).mode == "F"
    image = to_mnist(tiff)
    assert image is not None and np.abs(image - to_mnist(drawing(7))).max() < 0.02


def test_cli_predict_reads_a_float_tiff(capsys, tmp_path):
    tiff = float_tiff(tmp_path / "seven.tif")
    code, out, err = run_cli(capsys, "predict", tiff)
    assert code == 0 and err == "" and out.split()[:2] == [str(tiff), "7"]
