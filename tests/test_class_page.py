"""The class set in the app (streamlit.testing): the Draw page's Right / Wrong taps, the Class page's grid, accuracy
side by side, confusion and misread digits, the teacher's delete, export and import, and a fine-tuning run started
from the page. A student may look but not delete or import: the engine refuses, not only the hidden buttons.
"""

from __future__ import annotations

import io
import sqlite3
import zipfile

import numpy as np
import pytest
from conftest import ROOT, button, digit_image, drawing, open_page, texts, wait_for
from streamlit.testing.v1 import AppTest

from mnist_demo.classset import ClassSet, default_path
from mnist_demo.errors import NotAllowed
from mnist_demo.train.recipes import TrainConfig
from mnist_demo.web import state

pytestmark = pytest.mark.usefixtures("fresh_app_state")  # conftest.py: runs and the class set in a tmp folder


@pytest.fixture
def app(tiny_data_dir, monkeypatch):
    monkeypatch.setenv("MNIST_DEMO_DATA_DIR", str(tiny_data_dir))
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()


@pytest.fixture
def student(tiny_data_dir, monkeypatch):
    monkeypatch.setenv("MNIST_DEMO_DATA_DIR", str(tiny_data_dir))
    monkeypatch.setenv("MNIST_DEMO_LOCAL_TEACHER", "0")  # AppTest is the teacher otherwise (no peer address)
    monkeypatch.setenv("MNIST_DEMO_TEACHER_CODE", "not-given")
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()


def upload(at: AppTest, digit: int, name: str = "digit.png", **style) -> AppTest:
    buf = io.BytesIO()
    drawing(digit, **style).save(buf, "PNG")
    at.file_uploader[0].set_value((name, buf.getvalue(), "image/png"))
    return at.run()


def fill(n_writers: int = 4, per_writer: int = 30) -> ClassSet:
    """Font-rendered digits from a few writers, straight into the app's class set."""
    cs = ClassSet(default_path())
    rng = np.random.default_rng(0)
    for w in range(n_writers):
        for i in range(per_writer):
            image = digit_image(i % 10, rng).copy()
            image[27, :2] = (w, i)  # a mark of its own: no two are the same digit (which would be stored once)
            cs.add(image, i % 10, f"writer-{w}")
    return cs


def wrong_pills(at: AppTest):
    return next(g for g in at.get("button_group") if g.label == "Wrong, it is a")


def test_right_and_wrong_taps_add_the_drawing_with_its_label(app):
    at = upload(open_page(app, "draw"), 7, "seven.png")
    assert "Read from the upload `seven.png`" in texts(at)
    button(at, "Right, it is a 7").click()
    at.run()
    assert not at.exception
    assert "Added to the class set as a **7**. You have added **1** digit." in texts(at)
    assert not [b for b in at.button if b.label.startswith("Right, it is")], "one tap per drawing"

    at = upload(at, 1, "one.png")
    assert "1" not in wrong_pills(at).options, "the digit it read is the Right button, not one of these"
    wrong_pills(at).set_value("4")
    at.run()
    assert "Added to the class set as a **4**. You have added **2** digits." in texts(at)

    cs = ClassSet(default_path())
    rows = cs.rows()
    assert [(r.label, r.predicted) for r in rows] == [(4, 1), (7, 7)]
    assert rows[0].writer == rows[1].writer and rows[0].writer.startswith("s-"), "one anonymous id per session"
    got = cs.images()
    assert got.images.shape == (2, 28, 28) and got.images.max() > 200, "the 28 x 28 image the network saw"
    assert cs.drawing(rows[0].id)[:4] == b"\x89PNG", "and the drawing itself, reduced"


def test_a_broken_class_set_says_so_and_drawing_still_works(app, tmp_path, monkeypatch):
    bad = tmp_path / "not-sqlite.db"
    bad.write_bytes(b"these are not the droids" * 100)
    monkeypatch.setenv("MNIST_DEMO_CLASS_DB", str(bad))
    at = upload(open_page(app, "draw"), 7)
    assert not at.exception
    assert "Read from the upload `digit.png`" in texts(at)
    assert "Adding drawings to the class set is off: The class set is not a class-set database" in texts(at)
    assert str(bad) not in texts(at), "a browser is not shown the server's paths"
    at = open_page(at, "classset")
    assert "is not a class-set database" in texts(at) and "Drawing and reading still work" in texts(at)
    assert bad.read_bytes() == b"these are not the droids" * 100, "left unchanged"


def test_a_locked_class_set_refuses_the_tap_with_a_message(app, monkeypatch):
    at = upload(open_page(app, "draw"), 7)
    cs = state_class_set()
    cs.timeout = 0.2  # the server's one ClassSet: wait briefly for the lock in this test
    holder = sqlite3.connect(cs.path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        button(at, "Right, it is a 7").click()
        at.run()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "Not added: The class set is busy" in texts(at)
    assert "Read from the upload `digit.png`" in texts(at), "the reading stays"
    button(at, "Right, it is a 7").click()  # and once the lock is gone, the same tap works
    assert "Added to the class set as a **7**" in texts(at.run())


def state_class_set() -> ClassSet:
    from mnist_demo.web.feedback import class_set

    cs, why = class_set()
    assert cs is not None, why
    return cs


def test_class_page_empty_then_filled(app):
    at = open_page(app, "classset")
    assert not at.exception and "No digits yet" in texts(at)
    fill(4, 30)
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Digits"] == "120" and metrics["Writers"] == "4"
    assert metrics["Class model on our digits"].endswith("%") and metrics["…on MNIST's test set"] == "99.4%"
    assert len(at.get("image")) >= 10, "one picture per digit"
    assert "12 digits" in texts(at)
    assert at.get("plotly_chart"), "the confusion matrix"
    assert "misread" in texts(at) or "reads every one of them right" in texts(at)


def test_overview_draws_capped_pictures_for_hundreds_of_digits(app):
    fill(6, 100)
    at = open_page(app, "classset")
    assert not at.exception
    assert "The newest 24 of 60." in texts(at)


def test_the_teacher_deletes_one_then_all(app):
    cs = fill(2, 10)
    at = open_page(app, "classset")
    newest = cs.rows(label=0)[0]
    next(b for b in at.button if b.key == f"delete-{newest.id}").click()
    at.run()
    assert cs.count() == 19 and newest.id not in [r.id for r in cs.rows()]
    assert button(at, "Delete all").disabled
    next(c for c in at.checkbox if c.key == "delete-all-sure").check()
    at.run()
    button(at, "Delete all").click()
    at.run()
    assert cs.count() == 0 and "No digits yet" in texts(at)


def test_a_student_sees_the_class_but_cannot_delete_import_or_fine_tune(student):
    cs = fill(2, 10)
    at = open_page(student, "classset")
    assert not at.exception and {m.label: m.value for m in at.metric}["Digits"] == "20"
    labels = [b.label for b in at.button]
    assert "Delete" not in labels and "Fine-tune the class model on our digits" not in labels
    assert not at.get("download_button") and not at.file_uploader
    assert "The teacher starts fine-tuning" in texts(at)
    with pytest.raises(NotAllowed):  # a forged request meets the engine's check
        cs.delete(cs.rows()[0].id, teacher=False)
    assert cs.count() == 20


def zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_the_teacher_exports_and_imports(app):
    cs = fill(2, 10)
    at = open_page(app, "classset")
    assert [b.label for b in at.get("download_button")] == ["PNGs in a zip", "IDX images", "IDX labels"]
    exported = cs.zip_bytes()
    cs.delete_all(teacher=True)
    at.file_uploader[0].set_value(("class.zip", exported, "application/zip"))
    at.run()
    button(at, "Import").click()
    at.run()
    assert "Imported `class.zip`: 20 digits added, 0 were already in the class set." in texts(at)
    assert cs.count() == 20

    png = io.BytesIO()
    drawing(7).save(png, "PNG")
    at.file_uploader[0].set_value(("evil.zip", zip_of({"7/a.png": png.getvalue(), "../../x.png": png.getvalue()}),
                                   "application/zip"))
    at.run()
    button(at, "Import").click()
    at.run()
    assert "points outside the archive" in texts(at) and "nothing was imported" in texts(at)
    assert cs.count() == 20


def test_the_teacher_fine_tunes_from_the_page_and_chooses_the_result(app):
    fill(4, 30)
    at = open_page(app, "classset")
    button(at, "Fine-tune the class model on our digits").click()
    at.run()
    run = state.runs().all()[-1]
    assert run.kind == "Fine-tuning" and run.start_from is not None
    at = wait_for(at, lambda a: any(m.label.startswith("Class digits it did not train on") for m in a.metric))
    assert not at.exception
    assert {"class_before", "class_after", "mnist_before", "mnist_after", "n_train", "n_heldout"} <= set(run.measures)
    assert run.measures["n_train"] + run.measures["n_heldout"] == 120
    assert state.runs().class_key == "shipped", "the teacher decides"
    button(at, "Use this run for the class").click()
    at.run()
    assert state.runs().class_key == f"run-{run.id}" and "The class reads with this model." in texts(at)
    at = open_page(at, "train")
    assert "Fine-tuning" in at.subheader[0].value, "a run like any other: on the Train page with its history"


def test_fine_tuning_is_off_until_it_can_start_and_says_why(app):
    fill(1, 30)
    at = open_page(app, "classset")
    tune = button(at, "Fine-tune the class model on our digits")
    assert tune.disabled and "All the digits are from one student" in texts(at)

    split = state.dataset("mnist", True)[0]
    training = state.runs().start(TrainConfig(epochs=30), split, split, teacher=True)
    fill(3, 30)
    at = open_page(at, "classset")
    assert button(at, "Fine-tune the class model on our digits").disabled
    assert f"{training.name} is training: fine-tuning can start when it ends." in texts(at)
    training.stop()
    training.join(timeout=60)
    at = open_page(at, "classset")
    assert not button(at, "Fine-tune the class model on our digits").disabled
    assert "fine-tuning can start when it ends" not in texts(at)
