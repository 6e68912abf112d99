"""A lesson the teacher leads (engine): the five steps with their code, where followers go, and "guess first"."""

import numpy as np
import pytest

from mnist_demo.errors import ClassSetError, NotAllowed
from mnist_demo.lesson import STEPS, Answers, Lesson, step_code
from mnist_demo.train.recipes import TrainConfig


def test_the_five_steps_open_their_pages_and_show_the_code_of_the_current_settings():
    assert [s.key for s in STEPS] == ["data", "network", "training", "curves", "layers"]
    assert [s.page for s in STEPS] == ["gallery", "model", "train", "train", "train"]
    config = TrainConfig(arch="lenet5", lr=0.03, optimizer="momentum", epochs=4)
    code = {s.key: step_code(s, config) for s in STEPS}
    assert "torchvision.datasets.MNIST" in code["data"] and "batch_size = 32" in code["data"]
    assert "self.conv1 = nn.Conv2d(1, 6, kernel_size=5)" in code["network"] and "nn.AvgPool2d(2)" in code["network"]
    assert "momentum=0.9" in code["training"] and "learn_rate = 0.03" in code["training"] and "epochs = 4" in code[
        "training"]
    assert "plt.plot(epochs_range, test_acc" in code["curves"]
    assert code["layers"].startswith("class Model(nn.Module):") and "torch.tanh(x)" in code["layers"]
    zh = step_code(STEPS[0], config, translate=lambda text: "中文" if text.startswith("1. The data") else text)
    assert zh.startswith("# 中文")  # the comments go through the page's catalogue


def test_only_the_teacher_moves_the_class_and_followers_learn_it_from_one_number():
    lesson = Lesson()
    before = lesson.version
    with pytest.raises(NotAllowed):
        lesson.set_follow(True, teacher=False)
    with pytest.raises(NotAllowed):
        lesson.go_to_step(1, teacher=False)
    lesson.teacher_on("draw", teacher=False)  # a forged page change from a student moves nobody
    assert lesson.where() == ("train", None) and lesson.version == before and not lesson.follow
    lesson.set_follow(True, teacher=True)
    lesson.go_to_step(1, teacher=True)
    assert lesson.where() == ("model", 1) and lesson.version > before
    lesson.teacher_on("draw", teacher=True)  # the teacher leaves the step's page: the step is left too
    assert lesson.where() == ("draw", None)


def test_guess_first_counts_one_answer_per_browser_then_reveals(tmp_path):
    lesson = Lesson(Answers(tmp_path / "class.db"))
    questions = lesson.questions(TrainConfig())
    read, shape, learns = questions
    assert read.kind == "digit" and len(read.choices) == 10
    assert shape.choices[shape.answer] == "32 × 26 × 26" and len(set(shape.choices)) == 4
    assert learns.choices == ("Yes", "No") and "0.01" in learns.text
    with pytest.raises(ClassSetError, match="Draw a digit"):
        lesson.ask(read, teacher=True)
    with pytest.raises(NotAllowed):
        lesson.ask(shape, teacher=False)
    lesson.ask(shape, teacher=True)
    version = lesson.version
    for browser, choice in [("a", 0), ("b", 1), ("a", 2), ("c", 2)]:  # "a" changes its mind: one answer counts
        lesson.answer(browser, choice)
    assert lesson.counts() == [0, 1, 2, 0] and lesson.version == version  # answers redraw no follower's page
    with pytest.raises(ClassSetError, match="no choice 9"):
        lesson.answer("d", 9)
    lesson.reveal(shape.answer, teacher=True)
    with pytest.raises(ClassSetError, match="shown already"):
        lesson.answer("e", 0)
    first = lesson.asked.key
    lesson.ask(shape, teacher=True)  # asked again: counted anew, the first asking's answers kept in the file
    assert lesson.counts() == [0, 0, 0, 0] and Answers(tmp_path / "class.db").counts(first, 4) == [0, 1, 2, 0]
    lesson.ask(read, teacher=True, image=np.zeros((28, 28), np.uint8))
    assert lesson.asked.image.shape == (28, 28)


def test_a_teachers_own_question_is_checked_and_kept_as_typed():
    lesson = Lesson()
    q = lesson.write_question("training", "  Which  optimizer **wins**? <b>", ["SGD", "Adam", "  "], teacher=True)
    assert q.text == "Which optimizer **wins**? <b>" and q.choices == ("SGD", "Adam") and q.custom
    assert lesson.questions(TrainConfig())[-1] == q
    for text, choices, said in [("", ["a", "b"], "Write the question"), ("Q", ["a"], "2 to 6 choices, not 1"),
                                ("Q", list("abcdefg"), "not 7"), ("Q", ["a", "a"], "the same"),
                                ("x" * 301, ["a", "b"], "301 characters")]:
        with pytest.raises(ClassSetError, match=said):
            lesson.write_question("data", text, choices, teacher=True)
    with pytest.raises(NotAllowed):
        lesson.write_question("data", "Q", ["a", "b"], teacher=False)


def test_a_teachers_other_tab_redrawn_does_not_pull_the_class_back(fresh_app_state):
    """The teacher has the Train page open in one tab and leads from another: when the class moves, the first tab is
    redrawn (as every page is) and must leave the class where the teacher led it."""
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest

    from mnist_demo.web import state

    old, leading = (AppTest.from_file(str(ROOT / "app.py"), default_timeout=120) for _ in range(2))
    for tab in (old, leading):
        tab.session_state["teacher"] = True
        tab.run()
    state.lesson().go_to_step(1, True)  # what the leading tab's "2. Building the network" does, then it goes there
    leading.switch_page("mnist_demo/web/pages/model.py").run()
    old.run()  # the old tab, redrawn on the Train page because the class moved
    assert not old.exception and state.lesson().where() == ("model", 1)
    old.switch_page("mnist_demo/web/pages/gallery.py").run()  # the teacher goes somewhere in it: the class follows
    assert state.lesson().where() == ("gallery", None)
    leading.toggle(key="follow_me").set_value(True).run()  # "Students follow me" here: to this tab's page
    assert state.lesson().follow and state.lesson().where() == ("model", None)
