"""The app's pages through streamlit.testing: rendering, a live training run, the gallery, drawing."""

import io
import json
import re
import time

import pytest
from conftest import ROOT, button, drawing, open_page, texts, wait_for
from streamlit.testing.v1 import AppTest

from mnist_demo.train.device import describe
from mnist_demo.web import state

pytestmark = pytest.mark.usefixtures("fresh_app_state")  # conftest.py

PAGES = ["train", "gallery", "draw", "evaluate", "model"]


@pytest.fixture
def app(tiny_data_dir, monkeypatch):
    monkeypatch.setenv("MNIST_DEMO_DATA_DIR", str(tiny_data_dir))
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()


def count(at: AppTest, kind: str) -> int:
    return len(at.get(kind))


def curves(at: AppTest) -> list[str]:
    """The learning curves' HTML (web/live.py), one per run shown."""
    return [m.value for m in at.markdown if 'class="learning-curves"' in m.value]


@pytest.mark.parametrize("page", PAGES)
def test_each_page_renders_without_an_exception(app, page):
    at = open_page(app, page)
    assert not at.exception
    assert at.title[0].value
    assert describe(state.device()) in at.sidebar.markdown[0].value and "Test accuracy" in texts(at)


def start(at: AppTest, epochs: int, batch_size: int = 16) -> AppTest:
    at.slider[0].set_value(epochs)
    at.select_slider[0].set_value(batch_size)
    button(at, "Start").click()
    return at.run()


def test_a_training_run_draws_live_and_the_teacher_makes_it_the_class_model(app):
    at = start(app, epochs=2)
    assert re.fullmatch(r"Run \d+ · Tutorial · SGD 0\.01", at.subheader[0].value)
    at = wait_for(at, lambda a: "Finished" in texts(a))
    assert not at.exception
    assert not curves(at), "an ended run's curves are the chart again"
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [(d["name"], len(d["x"])) for d in chart["data"]] == [("Training", 2)] * 2 + [("Test", 2)] * 2  # acc, loss
    table = at.dataframe[0].value
    assert list(table["Epoch"]) == [1, 2] and table["Test_acc"].between(0, 1).all()
    assert re.fullmatch(r"Run \d+ · Tutorial · SGD 0\.01 · \d+\.\d %", at.subheader[0].value)
    assert state.runs().class_key == "shipped", "a finished run does not replace the class model by itself"
    assert button(at, "Start").disabled is False
    assert [b.label for b in at.get("download_button")] == ["Download this model", "Download run.py"]
    button(at, "Use this run for the class").click()
    at.run()
    run = state.runs().all()[-1]
    assert state.runs().class_key == f"run-{run.id}" and "The class reads with this model." in texts(at)
    assert at.sidebar.selectbox[0].options[0] == "The class model"
    assert at.sidebar.markdown[1].value.startswith(f"**{run.name}**")  # the model read with, whole, under the box
    at = open_page(at, "draw")
    buf = io.BytesIO()
    drawing(1).save(buf, "PNG")
    at.file_uploader[0].set_value(("one.png", buf.getvalue(), "image/png"))
    assert f"Read from the upload `one.png` by {run.name}" in texts(at.run())  # a file name is shown as code
    at = open_page(at, "train")
    button(at, "Back to the shipped model").click()
    at.run()
    assert state.runs().class_key == "shipped"

    at = open_page(at, "train")
    at.select_slider[1].set_value(3e-3)  # a second run with another learning rate, to compare
    at = start(at, epochs=1)
    at = wait_for(at, lambda a: "Finished" in texts(a))
    compare = at.multiselect[0]
    assert len(compare.value) == 2 and all(" · SGD " in name for name in compare.value)
    assert count(at, "plotly_chart") == 2  # the run's curves and the overlay
    table = next(d.value for d in at.dataframe if "epochs" in d.value.columns)  # the compare-runs table
    assert sorted(table["epochs"]) == [1, 2]


def test_the_fast_recipe_loads_its_settings_and_trains_with_them(app):
    assert app.segmented_control[0].value == "seed" and app.select_slider[0].value == 32
    at = app.segmented_control[0].set_value("fast").run()
    assert (at.slider[0].value, at.select_slider[0].value, at.select_slider[1].value, at.radio[0].value) == (
        1, 128, 0.016, "adam")
    assert "label smoothing 0.05" in texts(at)
    button(at, "Start").click()
    at = wait_for(at.run(), lambda a: "Finished" in texts(a))
    assert re.fullmatch(r"Run \d+ · Fast · Adam 0\.016 · \d+\.\d %", at.subheader[0].value)
    assert at.segmented_control[0].value == "fast"  # the finished run's recipe stays chosen for the next one
    assert list(at.dataframe[0].value["Epoch"]) == [1]


def progress_text(at: AppTest) -> str:
    """The text over the progress bar, starting or under way (web/live.py)."""
    return "".join([*(str(p.proto) for p in at.get("progress")),
                    *(m.value for m in at.markdown if 'class="live-progress"' in m.value)])


def test_a_run_survives_page_changes_and_stop_ends_it(app, monkeypatch):
    import mnist_demo.train.loop

    original = mnist_demo.train.loop.train_epoch

    def slow_epoch(*args, **kwargs):  # at least 60 s for the whole run: time to change pages, then stop it
        time.sleep(2)
        return original(*args, **kwargs)

    monkeypatch.setattr(mnist_demo.train.loop, "train_epoch", slow_epoch)
    at = start(app, epochs=30)
    at = wait_for(at, lambda a: "of 30 · batch" in progress_text(a), timeout=60)
    at = open_page(at, "gallery")
    assert "Training Run" in "".join(i.value for i in at.sidebar.info)
    at = open_page(at, "train")
    assert "Epoch " in progress_text(at) and not any(b.label == "Start" for b in at.button)  # its section is closed
    at.session_state["settings-open"] = True  # opened: filled, and Start waits for the run
    at.run()
    assert button(at, "Start").disabled
    button(at, "Stop").click()
    began = time.monotonic()
    at.run()
    assert time.monotonic() - began < 30
    assert "Stopped by the user" in texts(at) and "class model is unchanged" in texts(at)
    assert at.sidebar.selectbox[0].value == "class" and state.runs().class_key == "shipped"


def test_a_diverging_run_ends_with_the_explanation(app):
    app.radio[0].set_value("adam")
    app.select_slider[1].set_value(1.0)
    at = wait_for(start(app, epochs=2), lambda a: len(a.error) > 0, timeout=60)
    assert "too large for adam" in at.error[0].value and "such as 0.001" in at.error[0].value
    assert not at.exception and state.runs().class_key == "shipped" and len(state.runs().models()) == 1


def test_the_gallery_shows_twenty_labelled_images_and_a_new_batch(app):
    at = open_page(app, "gallery")
    assert count(at, "image") == 20
    assert "torch.Size([32, 1, 28, 28])" in texts(at)
    first = [m.value for m in at.markdown if " · " in m.value]
    assert len(first) == 20
    next(b for b in at.button if b.label == "New batch").click()
    at.run()
    assert [m.value for m in at.markdown if " · " in m.value] != first
    at.radio[0].set_value("test")
    assert count(at.run(), "image") == 20


def test_a_click_as_the_class_changes_is_not_lost(app, monkeypatch):
    """The class's version changes between the start of the run a click makes and the page's follower (an epoch
    ends, the teacher moves on): the page's own code still sees the click."""
    at = open_page(app, "gallery")
    first = [m.value for m in at.markdown if " · " in m.value]
    versions = iter([(0, 0), (0, 1)])  # the sidebar's mark_drawn, then the follower: changed in between
    monkeypatch.setattr(state, "version", lambda: next(versions, (0, 1)))
    next(b for b in at.button if b.label == "New batch").click()
    at.run()
    assert [m.value for m in at.markdown if " · " in m.value] != first  # a new batch: the click counted


def test_evaluate_shows_the_images_behind_a_cell_of_the_confusion_matrix(app):
    at = open_page(app, "evaluate")
    assert "of 200 test images right" in texts(at)
    assert count(at, "plotly_chart") == 2  # the confusion matrix and the per-class bars
    cell = at.main.selectbox[0]
    assert "mistaken for" in cell.options[0]  # the biggest mistake comes first

    def shown(option: str) -> int:
        return min(int(option.split(": ")[1].split()[0]), 30)

    assert count(at, "image") == shown(cell.options[0])
    diagonal = next(i for i, o in enumerate(cell.options) if o.startswith("1 read right"))
    cell.set_value((1, 1))
    at.run()
    assert at.main.selectbox[0].value == (1, 1)
    assert count(at, "image") == shown(cell.options[diagonal])


def test_draw_asks_for_a_drawing_then_reads_one(app):
    at = open_page(app, "draw")
    assert "Draw a digit" in at.info[0].value and count(at, "plotly_chart") == 0
    for digit in (1, 7):
        buf = io.BytesIO()
        drawing(digit, ink=20, paper=235).save(buf, "PNG")
        at.file_uploader[0].set_value((f"{digit}.png", buf.getvalue(), "image/png"))
        at.run()
        assert not at.exception
        assert f">{digit}</div>" in texts(at)
        assert count(at, "plotly_chart") == 1  # the probabilities: "Inside the network" is closed
        assert "What the network sees" in str([i.proto for i in at.get("image")])
    at.session_state["inside"] = True  # the student opens "Inside the network": it stays open for the next drawings
    at.run()
    assert not at.exception and ">7</div>" in texts(at)
    assert count(at, "plotly_chart") == 7  # probabilities, saliency, conv1, conv2, a window, a map, fc1 -> fc2


def test_without_data_or_network_the_gallery_shows_the_shipped_sample_and_draw_works(tmp_path, monkeypatch, offline):
    monkeypatch.setenv("MNIST_DEMO_DATA_DIR", str(tmp_path / "empty"))
    at = open_page(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run(), "gallery")
    assert not at.exception and count(at, "image") == 20
    assert "500 MNIST test images shipped in `assets/`" in at.info[0].value
    assert "train-images-idx3-ubyte" in at.info[0].value
    at = open_page(at, "evaluate")
    assert "of 500 test images right" in texts(at)
    at = open_page(at, "draw")
    buf = io.BytesIO()
    drawing(4).save(buf, "PNG")
    at.file_uploader[0].set_value(("four.png", buf.getvalue(), "image/png"))
    assert ">4</div>" in texts(at.run())


def test_a_preset_chosen_again_after_its_spec_was_edited_is_written_again():
    """The teacher picks LeNet-5, edits its SPEC, and picks LeNet-5 again: the box holds LeNet-5 again. (The box used
    to keep its old choice, so the second pick changed nothing and no callback ran.)"""
    from mnist_demo.network import PRESETS, canonical

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["teacher"] = True
    at.run()
    lenet = canonical(PRESETS["lenet5"])
    at.selectbox(key="network_preset").select("lenet5").run()
    assert at.text_input(key="network_spec").value == lenet
    at.text_input(key="network_spec").input("conv8:3 relu maxpool2 fc32 relu fc10").run()
    assert at.selectbox(key="network_preset").value is None  # "your own network"
    at.selectbox(key="network_preset").select("lenet5").run()
    assert not at.exception and at.text_input(key="network_spec").value == lenet
