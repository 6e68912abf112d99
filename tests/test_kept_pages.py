"""The pages after a restart, through streamlit.testing: yesterday's runs on the Train page with their curves and
table, an interrupted run resumed there, the class model's fallback told to the teacher only, a model uploaded,
rename and delete, and Evaluate naming what is wrong with a broken test file."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, button, open_page, texts, wait_for, write_dataset
from streamlit.testing.v1 import AppTest

import mnist_demo.runs.run
from mnist_demo import checkpoint
from mnist_demo.classset import ClassSet
from mnist_demo.data import expected_files, idx
from mnist_demo.paths import RUNS_DIR_ENV
from mnist_demo.runs import Runs
from mnist_demo.train.loop import fit
from mnist_demo.train.recipes import TrainConfig, preset
from mnist_demo.web import state

pytestmark = pytest.mark.usefixtures("fresh_app_state")  # conftest.py

CONFIG = TrainConfig(epochs=3, batch_size=64, device="cpu")


def numbers(history) -> list[tuple]:
    return [(h.epoch, h.train_acc, h.train_loss, h.test_acc, h.test_loss) for h in history]


@pytest.fixture(scope="module")
def yesterday(splits, tmp_path_factory) -> Path:
    """A runs folder as a server killed during a lesson leaves it: a finished run, then a run interrupted in its
    second epoch (its record says 1 epoch of 3, its resumable state is beside it)."""
    folder = tmp_path_factory.mktemp("yesterday") / "runs"
    registry = Runs("cpu", checkpoint_dir=folder)
    registry.start(TrainConfig(epochs=2, batch_size=64, device="cpu"), *splits, teacher=True).join(120)
    held, release = threading.Event(), threading.Event()

    def hold(p):
        if p.kind == "batch" and p.epoch == 2:
            held.set()
            release.wait(60)

    real = mnist_demo.runs.run.fit
    mnist_demo.runs.run.fit = lambda *a, **k: real(a[0], a[1], a[2], [*a[3], hold], *a[4:], **k)
    try:
        run = registry.start(CONFIG, *splits, teacher=True)
        assert held.wait(120)
        killed = folder.parent / "killed"
        shutil.copytree(folder, killed)  # the disk as the kill left it
    finally:
        mnist_demo.runs.run.fit = real
        run.stop()
        release.set()
        run.join(60)
    return killed


def app_on(monkeypatch, tiny_data_dir, folder: Path, teacher: bool = True) -> AppTest:
    monkeypatch.setenv("MNIST_DEMO_DATA_DIR", str(tiny_data_dir))
    monkeypatch.setenv(RUNS_DIR_ENV, str(folder))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if not teacher:
        at.session_state["teacher"] = False
    return at.run()


def curves(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if 'class="learning-curves"' in m.value]


def ended_chart(at: AppTest) -> bool:
    """An ended run's curves: the Plotly chart (zoom, hover, download), not the live run's HTML."""
    return not curves(at) and len(at.get("plotly_chart")) >= 1


def test_after_a_restart_the_train_page_shows_yesterdays_runs_and_resumes_the_interrupted_one(
        yesterday, tiny_data_dir, splits, monkeypatch, tmp_path):
    folder = tmp_path / "runs"
    shutil.copytree(yesterday, folder)
    at = app_on(monkeypatch, tiny_data_dir, folder)
    assert not at.exception
    assert at.subheader[0].value.startswith("Run 2 · Tutorial · SGD 0.01 · ")
    assert "Interrupted after epoch 1 of 3: the server stopped while it trained." in [w.value for w in at.warning]
    assert ended_chart(at) and list(at.dataframe[0].value["Epoch"]) == [1]
    options = at.sidebar.selectbox[0].options
    assert any(o.startswith("Run 1 · Tutorial · SGD 0.01 · ") for o in options), "yesterday's model to read with"
    assert [o for o in options if o.startswith("Run 2")] == [], "an interrupted run has no model yet"
    assert {e.label for e in at.expander} >= {"Compare runs", "Saved runs"}

    button(at, "Resume").click()
    at = wait_for(at.run(), lambda a: "Finished" in texts(a))
    assert not at.exception
    assert list(at.dataframe[0].value["Epoch"]) == [1, 2, 3]
    [run] = [r for r in state.runs().all() if r.id == 2]
    assert numbers(run.snapshot().history) == numbers(fit(CONFIG, *splits).history)
    assert button(at, "Use this run for the class")


def test_a_student_sees_yesterdays_runs_but_no_resume(yesterday, tiny_data_dir, monkeypatch, tmp_path):
    folder = tmp_path / "runs"
    shutil.copytree(yesterday, folder)
    at = app_on(monkeypatch, tiny_data_dir, folder, teacher=False)
    assert "Interrupted after epoch 1 of 3" in texts(at) and not [b for b in at.button if b.label == "Resume"]
    assert not [b for b in at.button if b.label in ("Rename", "Delete")]
    assert not at.exception


def test_another_saved_run_can_be_shown_renamed_and_deleted(yesterday, tiny_data_dir, monkeypatch, tmp_path):
    folder = tmp_path / "runs"
    shutil.copytree(yesterday, folder)
    at = app_on(monkeypatch, tiny_data_dir, folder)
    picker = next(s for s in at.selectbox if s.label == "Run shown above")
    picker.set_value(1)
    at = at.run()
    assert at.subheader[0].value.startswith("Run 1 · Tutorial · SGD 0.01 · ") and ended_chart(at)
    next(t for t in at.text_input if t.label == "New name").set_value("our first run")
    button(at, "Rename").click()
    at = at.run()
    assert at.subheader[0].value.startswith("Run 1 · our first run · ")
    assert Runs("cpu", checkpoint_dir=folder).all()[0].name.startswith("Run 1 · our first run · "), "kept"
    button(at, "Delete").click()
    at = at.run()
    assert not at.exception and [r.id for r in state.runs().all()] == [2]
    assert sorted(p.name.split(".")[0] for p in folder.iterdir()) == sorted(
        [state.runs().all()[0].stem] * 2), "run 1's files are gone; run 2's record and state stay"


@pytest.fixture(scope="module")
def cli_checkpoint(splits, tmp_path_factory) -> Path:
    return checkpoint.save_run(tmp_path_factory.mktemp("cli") / "tonight.pt", fit(preset("fast", device="cpu"),
                                                                                   *splits))


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    next(u for u in at.get("file_uploader") if "Add a model" in u.label).set_value((name, data,
                                                                                    "application/octet-stream"))
    return at.run()


def test_the_teacher_uploads_a_model_and_a_hostile_file_is_one_message(cli_checkpoint, tiny_data_dir, monkeypatch,
                                                                       tmp_path):
    folder = tmp_path / "runs"
    at = app_on(monkeypatch, tiny_data_dir, folder)
    at = upload(at, "evil.pt", b"\x80\x04cposix\nsystem\n.")
    assert len(at.error) == 1
    assert "evil.pt" in at.error[0].value and "Nothing was added." in at.error[0].value
    assert not folder.exists() or not [p for p in folder.iterdir() if not p.name.startswith(".")]
    at = upload(at, "tonight.pt", cli_checkpoint.read_bytes())
    assert any(s.value.startswith("Added Run 1 · tonight.pt · Fast · Adam 0.016 · ") for s in at.success)
    at = at.run()
    assert any(o.startswith("Run 1 · tonight.pt · Fast") for o in at.sidebar.selectbox[0].options)
    assert list(at.dataframe[0].value["Epoch"]) == [1], "its table, from the checkpoint"
    assert (folder / "tonight.pt").read_bytes() == cli_checkpoint.read_bytes()


def test_a_class_model_that_fails_its_checks_is_told_to_the_teacher_only(yesterday, tiny_data_dir, monkeypatch,
                                                                         tmp_path):
    folder = tmp_path / "runs"
    shutil.copytree(yesterday, folder)
    [first] = sorted(folder.glob("*.pt"))
    ClassSet(tmp_path / "class.db").keep_setting("class_model", first.name)  # fresh_app_state's class set
    first.write_bytes(first.read_bytes()[:2000])  # damaged overnight
    at = app_on(monkeypatch, tiny_data_dir, folder)
    notes = [w.value for w in at.sidebar.warning]
    assert len(notes) == 1 and notes[0].startswith("The class model chosen before could not be used: ")
    assert "corrupt or truncated" in notes[0] and notes[0].endswith("until you choose another.")
    assert at.sidebar.selectbox[0].options[0] == "The class model"
    assert at.sidebar.markdown[1].value.startswith("**Shipped model**")
    student = app_on(monkeypatch, tiny_data_dir, folder, teacher=False)
    assert not student.sidebar.warning and not student.exception
    button(at, "Got it").click()
    at = at.run()
    assert not at.sidebar.warning


def test_the_open_class_switch_is_kept_across_a_restart(tiny_data_dir, monkeypatch, tmp_path):
    import streamlit as st

    at = app_on(monkeypatch, tiny_data_dir, tmp_path / "runs")
    next(t for t in at.sidebar.toggle if t.label == "Everyone may train").set_value(True)
    at = at.run()
    st.cache_resource.clear()  # a new server on the same files
    student = app_on(monkeypatch, tiny_data_dir, tmp_path / "runs", teacher=False)
    assert state.runs().open_class and button(student, "Start")


def test_evaluate_says_what_is_wrong_with_a_broken_test_file(tmp_path, monkeypatch):
    data = write_dataset(tmp_path / "data", n_train=60, n_test=20)
    labels = expected_files("mnist", data)[3]
    idx.write(labels, np.full(20, 12, dtype=np.uint8))  # labels out of range
    at = app_on(monkeypatch, data, tmp_path / "runs")
    at = open_page(at, "evaluate")
    note = texts(at)
    assert "Only the 500 test images shipped in `assets/` are here: the full test set cannot be used." in note
    assert "t10k-labels-idx1-ubyte" in note and "holds the label 12" in note and not at.exception


def test_a_checkpoint_dropped_in_during_the_lesson_is_listed_without_taking_the_view(yesterday, tiny_data_dir,
                                                                                      monkeypatch, tmp_path):
    from mnist_demo.network import CNN

    folder = tmp_path / "runs"
    shutil.copytree(yesterday, folder)
    at = app_on(monkeypatch, tiny_data_dir, folder)
    checkpoint.save(folder / "bare.pt", CNN(), {"dataset": "mnist"})  # no recipe, no table, no accuracy
    state.runs().refresh(force=True)
    at = at.run()
    assert at.subheader[0].value.startswith("Run 2 · Tutorial"), "the projector keeps the run it showed"
    assert any(o == "Run 3 · bare.pt" for o in at.sidebar.selectbox[0].options)
    next(s for s in at.selectbox if s.label == "Run shown above").set_value(3)
    at = at.run()
    assert at.subheader[0].value == "Run 3 · bare.pt" and not at.exception
    assert "Added from bare.pt: test accuracy unknown." in [s.value for s in at.success]
    assert button(at, "Use this run for the class")
