"""The lesson survives a restart: runs read back from the runs folder, the class model and the open class read back
from the class set's file, checkpoints brought in (dropped in the folder or uploaded), rename and delete, and a run
interrupted by a stop of the server that goes on to the numbers of the run that never stopped."""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from mnist_demo import checkpoint
from mnist_demo.checkpoint.checks import MAX_BYTES
from mnist_demo.classset import ClassSet
from mnist_demo.errors import CheckpointError, NotAllowed
from mnist_demo.network import CNN
from mnist_demo.runs import SHIPPED_KEY, Runs
from mnist_demo.runs import record as records
from mnist_demo.train.loop import fit
from mnist_demo.train.recipes import TrainConfig, preset

CONFIG = TrainConfig(epochs=2, batch_size=64, device="cpu")


def restart(folder: Path, db: Path | None = None) -> Runs:
    """What a new server sees of the folder (and of the class set's file, with `db`)."""
    return Runs("cpu", checkpoint_dir=folder, settings=ClassSet(db) if db is not None else None)


def numbers(history) -> list[tuple]:
    return [(h.epoch, h.train_acc, h.train_loss, h.test_acc, h.test_loss) for h in history]


@pytest.fixture
def finished(splits, tmp_path):
    """A runs folder with one finished run, its class set file, and the registry that trained it."""
    folder, db = tmp_path / "runs", tmp_path / "class.db"
    registry = restart(folder, db)
    run = registry.start(CONFIG, *splits, teacher=True)
    run.join(timeout=120)
    assert run.snapshot().state == "finished"
    return folder, db, registry, run


def test_a_finished_run_comes_back_with_its_table_curves_and_model(finished):
    folder, db, _, run = finished
    before = run.snapshot()
    again = restart(folder, db)
    [back] = again.all()
    snap = back.snapshot()
    assert back.id == run.id and back.name == run.name and snap.state == "finished"
    assert numbers(snap.history) == numbers(before.history)
    assert any(e.kind == "batch" for e in snap.events), "the running curve, thinned, comes back too"
    assert abs(snap.elapsed - before.elapsed) < 1
    assert back.model is None, "its weights stay on disk until someone reads with it"
    assert f"run-{back.id}" in again.models()
    model = again.models()[f"run-{back.id}"].model
    for name, value in run.model.state_dict().items():
        assert torch.equal(model.state_dict()[name].cpu(), value.cpu()), name
    assert again.class_model().key == SHIPPED_KEY, "a finished run does not become the class model by itself"


def test_ids_go_on_after_a_restart_and_records_are_json(finished, splits):
    folder, db, _, run = finished
    again = restart(folder, db)
    later = again.start(CONFIG, *splits, teacher=True)
    later.join(timeout=120)
    assert later.id == run.id + 1
    data = json.loads((folder / f"{later.stem}.json").read_text())
    assert data["format"] == records.FORMAT and data["state"] == "finished" and len(data["history"]) == 2
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith("class.db")) == sorted(
        [f"{run.stem}.json", f"{run.stem}.pt", f"{later.stem}.json", f"{later.stem}.pt"]), "no .resume once finished"


def test_the_class_model_and_the_open_class_come_back(finished):
    folder, db, registry, run = finished
    registry.set_class_model(f"run-{run.id}", teacher=True)
    registry.set_open_class(True, teacher=True)
    again = restart(folder, db)
    assert again.class_key == f"run-{run.id}" and again.open_class and again.notes == []
    assert again.class_model().name == run.name
    assert again.all()[0].model is not None, "the class model is read at start, once"
    again.set_class_model(SHIPPED_KEY, teacher=True)
    again.set_open_class(False, teacher=True)
    third = restart(folder, db)
    assert third.class_key == SHIPPED_KEY and not third.open_class


@pytest.mark.parametrize("damage", ["deleted", "garbage", "code"])
def test_a_class_model_that_is_gone_or_fails_its_checks_gives_way_to_the_shipped_one_and_says_why(finished, damage):
    folder, db, registry, run = finished
    registry.set_class_model(f"run-{run.id}", teacher=True)
    path = run.checkpoint_path
    if damage == "deleted":
        path.unlink()
    elif damage == "garbage":
        path.write_bytes(path.read_bytes()[:3000])
    else:
        path.write_bytes(pickle.dumps(os.system))  # a pickle that would run code
    again = restart(folder, db)
    assert again.class_key == SHIPPED_KEY and again.class_model().key == SHIPPED_KEY
    [note] = again.notes
    assert note.endswith("The class reads with the shipped model until you choose another.")
    why = {"deleted": f"The class model chosen before, {path.name}, is no longer in {folder}.",
           "garbage": "is not a readable checkpoint (corrupt or truncated?)",
           "code": "is not a readable checkpoint"}[damage]
    assert why in note
    assert restart(folder, db).class_key == SHIPPED_KEY, "the fallback is kept"
    assert f"run-{run.id}" not in again.models() or damage != "deleted"


def test_a_class_model_whose_file_breaks_while_the_server_runs_gives_way_too(finished):
    folder, db, registry, run = finished
    registry.set_class_model(f"run-{run.id}", teacher=True)
    registry.trim(keep_models=0)  # not released: the class model keeps its weights
    assert run.model is not None
    again = restart(folder, db)
    again.trim(keep_models=0)
    [back] = again.all()
    back.release()  # as if memory had been given back; the file then breaks
    back.checkpoint_path.write_bytes(b"broken")
    assert again.class_model().key == SHIPPED_KEY
    assert "The class model could not be read" in again.notes[-1]
    assert f"run-{back.id}" not in again.models(), "not offered again until its file changes"
    pin = again.choose(f"run-{back.id}")
    assert again.model_for(pin).key == SHIPPED_KEY and len(again.notes) == 1, "said once"


def test_memory_stays_bounded_records_on_disk_models_on_demand(splits, tmp_path):
    folder = tmp_path / "runs"
    registry = restart(folder)
    for seed in range(4):
        registry.start(TrainConfig(epochs=1, batch_size=64, device="cpu", seed=seed), *splits, teacher=True).join(120)
    again = restart(folder)
    assert len(again.all()) == 4 and all(r.model is None and r.released for r in again.all())
    assert all(r.train_split is None and r.probe is None for r in again.all())
    pin = again.choose(f"run-{again.all()[1].id}")
    assert again.model_for(pin).name == again.all()[1].name and again.all()[1].model is not None
    again.trim(keep_models=0)
    assert [r.model is not None for r in again.all()] == [False, True, False, False], "only the chosen one"


# --- an interrupted run goes on -----------------------------------------------------------------------------------

KILLED_SERVER = """
import sys, time
from pathlib import Path
import mnist_demo.train.loop as loop
from mnist_demo.data import load_split
from mnist_demo.runs import Runs
from mnist_demo.train.recipes import preset

real = loop.train_epoch
def slow(*args, **kwargs):  # time to be killed in the second epoch; the numbers are the same
    time.sleep(1.5)
    return real(*args, **kwargs)
loop.train_epoch = slow
data, folder = sys.argv[1], Path(sys.argv[2])
registry = Runs("cpu", checkpoint_dir=folder)
run = registry.start(preset("seed", epochs=3, device="cpu"), load_split("mnist", True, data),
                     load_split("mnist", False, data), teacher=True)
run.join()
"""


def epochs_recorded(folder: Path) -> int:
    for path in folder.glob("*.json"):
        try:
            return len(json.loads(path.read_text())["history"])
        except (OSError, ValueError):
            pass
    return 0


@pytest.mark.slow  # a Python process of its own (importing torch): make test, not make check
def test_a_run_killed_by_sigkill_comes_back_interrupted_and_resumes_to_the_uninterrupted_numbers(
        tiny_data_dir, splits, tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "runs"
    server = subprocess.Popen([sys.executable, "-c", KILLED_SERVER, str(tiny_data_dir), str(folder)],
                              cwd=Path(__file__).resolve().parent.parent, env={**os.environ, "PYTHONPATH": str(
                                  Path(__file__).resolve().parent.parent)})
    deadline = time.monotonic() + 180
    while epochs_recorded(folder) < 1:
        assert server.poll() is None and time.monotonic() < deadline, "the run did not reach its first epoch's end"
        time.sleep(0.05)
    server.kill()  # SIGKILL: no handler, no finally, no flush
    server.wait(timeout=30)

    registry = restart(folder)
    [run] = registry.all()
    snap = run.snapshot()
    assert snap.state == "interrupted" and len(snap.history) == 1
    assert snap.message == "Interrupted after epoch 1 of 3: the server stopped while it trained."
    assert run.resume_file.exists() and f"run-{run.id}" not in registry.models()

    whole = fit(preset("seed", epochs=3, device="cpu"), *splits)
    again = registry.resume(run, *splits, teacher=True)
    again.join(timeout=300)
    done = again.snapshot()
    assert done.state == "finished" and again.id == run.id and again.stem == run.stem
    assert numbers(done.history) == numbers(whole.history)  # the same floats as the run that never stopped
    assert not again.resume_file.exists() and again.checkpoint_path.exists()
    assert restart(folder).all()[0].snapshot().state == "finished"


def test_only_the_teacher_resumes_and_only_an_interrupted_run(finished, splits):
    folder, db, registry, run = finished
    with pytest.raises(NotAllowed, match="was not interrupted"):
        registry.resume(run, *splits, teacher=True)
    path = folder / f"{run.stem}.json"
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "state": "running", "history": data["history"][:1]}))
    again = restart(folder, db)
    [back] = again.all()
    assert back.interrupted
    with pytest.raises(NotAllowed, match="Only the teacher can resume"):
        again.resume(back, *splits, teacher=False)
    # no saved state (it was deleted when the run finished): it starts again from epoch 1
    started = again.resume(back, *splits, teacher=True)
    started.join(timeout=120)
    assert numbers(started.snapshot().history) == numbers(run.snapshot().history)


def test_resuming_is_a_start_refused_while_another_run_trains_and_speaks_the_page_s_language(finished, splits,
                                                                                             monkeypatch):
    """One Start at a time (main's room work) holds for Resume too; a restored run's message and name are message
    ids and parts, so a Chinese page words them in Chinese after the restart."""
    from mnist_demo.web import i18n

    folder, db, registry, run = finished
    path = folder / f"{run.stem}.json"
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "state": "running", "history": data["history"][:1], "recipe": "quick"}))
    again = restart(folder, db)
    [back] = again.all()
    monkeypatch.setattr(i18n, "language", lambda: "zh")
    assert i18n.error(back.snapshot().message) == "在第 1 轮（共 2 轮）后中断：训练时服务器停止了。"
    assert str(back.name).startswith(f"Run {back.id} · Quick · SGD 0.01") and "快速" in i18n.name(back.name)
    other = again.start(TrainConfig(epochs=50, batch_size=16, device="cpu"), *splits, teacher=True)
    try:
        with pytest.raises(NotAllowed, match="is still training") as refused:
            again.resume(back, *splits, teacher=True)
        assert "还在训练" in i18n.error(refused.value) and back.interrupted
    finally:
        again.stop(other, teacher=True)
        other.join(timeout=60)
    started = again.resume(back, *splits, teacher=True)
    started.join(timeout=120)
    assert started.snapshot().state == "finished" and started.recipe == "quick"


# --- bring a model ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cli_checkpoint(splits, tmp_path_factory) -> Path:
    """A checkpoint as `python -m mnist_demo train` writes it."""
    result = fit(preset("fast", device="cpu"), *splits)
    return checkpoint.save_run(tmp_path_factory.mktemp("cli") / "tonight.pt", result)


def test_a_checkpoint_dropped_in_the_runs_folder_shows_its_recipe_table_and_accuracy(cli_checkpoint, tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    (folder / "tonight.pt").write_bytes(cli_checkpoint.read_bytes())
    registry = restart(folder)
    [run] = registry.all()
    meta = checkpoint.load(cli_checkpoint).meta
    accuracy = f"{meta['test_accuracy']:.1%}".replace("%", " %")
    assert run.name == f"Run 1 · tonight.pt · Fast · Adam 0.016 · {accuracy}"
    assert run.kind == "Brought in" and run.snapshot().state == "finished" and len(run.snapshot().history) == 1
    assert f"run-{run.id}" in registry.models()
    registry.set_class_model(f"run-{run.id}", teacher=True)
    assert restart(folder).all()[0].name == run.name, "its record keeps it as it was read"


def test_a_checkpoint_dropped_while_the_server_runs_joins_within_seconds(cli_checkpoint, tmp_path):
    folder = tmp_path / "runs"
    registry = restart(folder)
    folder.mkdir(exist_ok=True)
    (folder / "later.pt").write_bytes(cli_checkpoint.read_bytes())
    registry._scanned -= 10  # as if SCAN_EVERY seconds had passed
    assert [r.source for r in registry.refresh()] == ["later.pt"]
    assert registry.refresh(force=True) == [], "once"


def test_a_hostile_file_in_the_folder_is_one_note_and_changes_nothing(cli_checkpoint, tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    (folder / "evil.pt").write_bytes(pickle.dumps(os.system))
    nan = CNN()
    with torch.no_grad():
        nan.fc2.bias.fill_(float("nan"))
    checkpoint.save(folder / "nan.pt", nan, {"dataset": "mnist"})
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    registry = restart(folder)
    assert registry.all() == [] and len(registry.notes) == 2
    assert any(n.startswith("evil.pt in the runs folder was not added: ") and "not a readable checkpoint" in n
               for n in registry.notes)
    assert any("nan.pt in the runs folder was not added: " in n and "not numbers (NaN or infinite)" in n
               for n in registry.notes)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert registry.refresh(force=True) == [] and len(registry.notes) == 2, "said once"


def test_an_uploaded_checkpoint_is_kept_only_once_it_passes_every_check(cli_checkpoint, tmp_path):
    folder = tmp_path / "runs"
    registry = restart(folder)
    with pytest.raises(NotAllowed):
        registry.bring(cli_checkpoint.read_bytes(), "tonight.pt", teacher=False)
    run = registry.bring(cli_checkpoint.read_bytes(), "../../etc/tonight.pt", teacher=True)
    assert run.checkpoint_path == folder / "tonight.pt" and run.name.startswith("Run 1 · tonight.pt · Fast")
    second = registry.bring(cli_checkpoint.read_bytes(), "tonight.pt", teacher=True)
    assert second.checkpoint_path == folder / "tonight-2.pt", "an upload never replaces a file"
    before = sorted(p.name for p in folder.iterdir())
    for data, why in ((pickle.dumps(os.system), "is not a readable checkpoint"),
                      (b"\0" * (MAX_BYTES + 1), "it is not one. Nothing was added."),
                      (cli_checkpoint.read_bytes()[:4000], "corrupt or truncated")):
        with pytest.raises(CheckpointError, match=why) as info:
            registry.bring(data, "hostile.pt", teacher=True)
        assert str(folder) not in str(info.value) and "hostile.pt" in str(info.value)
        assert sorted(p.name for p in folder.iterdir()) == before, "nothing written, no temporary file left"
    assert [r.id for r in restart(folder).all()] == [1, 2]


# --- housekeeping -------------------------------------------------------------------------------------------------

def test_rename_and_delete_last_across_restarts(finished, splits):
    folder, db, registry, run = finished
    other = registry.start(CONFIG, *splits, teacher=True)
    other.join(timeout=120)
    with pytest.raises(NotAllowed):
        registry.rename(run, "lr 0.01", teacher=False)
    registry.rename(run, "  lr   0.01 · first  ", teacher=True)
    assert run.name.startswith(f"Run {run.id} · lr 0.01 - first · ")
    with pytest.raises(NotAllowed, match="at most 60 characters"):
        registry.rename(run, "x" * 61, teacher=True)
    registry.set_class_model(f"run-{other.id}", teacher=True)
    count, size = registry.folder_size()
    assert count == 2 and size > 2 * 400_000
    registry.delete(other, teacher=True)
    assert registry.class_key == SHIPPED_KEY
    assert not any(other.stem in p.name for p in folder.iterdir()), "its record, model and state are gone"
    again = restart(folder, db)
    assert [r.name for r in again.all()] == [run.name] and again.class_key == SHIPPED_KEY
    assert again.folder_size()[0] == 1


def test_a_damaged_record_is_left_as_it_is_and_the_others_come_back(finished):
    folder, db, _, run = finished
    (folder / "run-20000101-000000-7.json").write_text('{"format": "mnist-demo-run/1", "id": "seven"')
    (folder / "notes.json").write_text(json.dumps({"format": "something else"}))
    again = restart(folder, db)
    assert [r.id for r in again.all()] == [run.id]
    [note] = again.notes
    assert note.startswith(f"2 file(s) in {folder} could not be read back as runs and were left as they are")
    assert (folder / "notes.json").exists()


def test_leftovers_of_a_killed_writer_are_swept_at_start_but_not_a_writers_that_is_going(finished):
    folder, db, _, run = finished
    old, young = folder / f".{run.stem}.pt.x1.tmp", folder / ".last.pt.x2.tmp"
    for path in (old, young):
        path.write_bytes(b"half")
    stale = time.time() - 3600
    os.utime(old, (stale, stale))
    again = restart(folder, db)
    assert not old.exists() and young.exists() and len(again.all()) == 1


# --- the class's settings in the class set's file ------------------------------------------------------------------

def test_a_version_1_class_set_gains_its_settings_table_and_keeps_its_digits(tmp_path):
    path = tmp_path / "class.db"
    with sqlite3.connect(path) as conn:  # the schema as version 1 made it
        conn.executescript("""
            CREATE TABLE digits (id INTEGER PRIMARY KEY, label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
                image BLOB NOT NULL CHECK (length(image) = 784), drawing BLOB, created REAL NOT NULL,
                predicted INTEGER CHECK (predicted IS NULL OR predicted BETWEEN 0 AND 9), writer TEXT NOT NULL,
                sha TEXT NOT NULL UNIQUE);
            PRAGMA user_version = 1;""")
        conn.execute("INSERT INTO digits (label, image, created, writer, sha) VALUES (3, ?, 0, 's-1', 'x')",
                     (bytes(784),))
    readonly = ClassSet(path, readonly=True)
    assert readonly.count() == 1 and readonly.setting("class_model") is None
    cs = ClassSet(path)
    assert cs.count() == 1 and cs.setting("class_model") is None
    cs.keep_setting("class_model", "run-1.pt")
    cs.keep_setting("class_model", "run-2.pt")
    assert ClassSet(path).setting("class_model") == "run-2.pt"
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    assert np.array_equal(cs.images().images[0], np.zeros((28, 28), np.uint8))


def test_a_version_1_class_set_with_the_lesson_s_answers_migrates_and_a_new_file_takes_both(tmp_path):
    """main's class file (schema 1, and the lesson's answers table beside the digits) gains the settings table; a new
    file gets the class set's schema first, then the answers table (Answers opens the class set before it adds it),
    and is a class set at version 2 that keeps settings and answers."""
    from mnist_demo.lesson.questions import Answers

    old = tmp_path / "old.db"
    ClassSet(old)
    with sqlite3.connect(old) as conn:  # as version 1 left it: digits and answers, no settings
        conn.executescript("DROP TABLE settings; PRAGMA user_version = 1;")
        conn.execute(Answers.SCHEMA)
        conn.execute("INSERT INTO answers VALUES ('q1', 'b1', 2, NULL, 0)")
    Answers(old)
    cs = ClassSet(old)
    cs.keep_setting("open_class", "1")
    with sqlite3.connect(old) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        assert conn.execute("SELECT choice FROM answers").fetchall() == [(2,)]
    assert ClassSet(old).setting("open_class") == "1"

    new = tmp_path / "new.db"
    Answers(new)
    ClassSet(new).keep_setting("class_model", "run-1.pt")
    assert ClassSet(new, readonly=True).setting("class_model") == "run-1.pt"
    with sqlite3.connect(new) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"digits", "settings", "answers"} <= tables


def test_settings_that_cannot_be_kept_last_while_the_server_runs_and_say_so(finished, monkeypatch):
    folder, db, _, run = finished
    cs = ClassSet(db)
    registry = Runs("cpu", checkpoint_dir=folder, settings=cs)
    monkeypatch.setattr(cs, "readonly", True)  # opened for reading only: every write is refused, also for root
    registry.set_open_class(True, teacher=True)
    assert registry.open_class
    assert any(n.startswith("The class's settings could not be kept") for n in registry.notes)
