"""Every page in Chinese, in Chromium: opened with ?lang=zh, with what it shows once used (two finished runs on the
Train page, a drawing read on the Draw page, a class set of four writers on the Class page, every expander open),
its DOM text, chart text included (Plotly draws SVG text), holds no English word but the names that stay
(test_i18n_touch.ALLOWED and a few more). A string added to a page without its Chinese fails here.

The app runs on the tiny font-rendered dataset (conftest.tiny_data_dir), so that two runs train in seconds, with its
runs and class set in a tmp folder. Skipped like tests/test_browser.py when Chromium is missing.
"""

from __future__ import annotations

import os
import re

import pytest
from test_class_browser import writers_class
from test_i18n_touch import ALLOWED, VISIBLE_TEXT, english_left

from mnist_demo.classset import DB_ENV, ClassSet
from mnist_demo.paths import DATA_DIR_ENV, RUNS_DIR_ENV
from mnist_demo.tools.browser import ONE, RUN_TIMEOUT_MS, VIEWPORT, assert_no_exception, draw, wait_for_run
from mnist_demo.tools.serve import AppServer

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips or fails first
    expect = None

PAGES = {  # page: (url path, its title in Chinese)
    "train": ("", "训练一个识别手写数字的网络"),
    "gallery": ("gallery", "图库"),
    "draw": ("draw", "写一个数字"),
    "classset": ("class", "我们班的手写数字"),
    "evaluate": ("evaluate", "评估"),
    "model": ("model", "网络是怎样搭建的"),
}
# Names that stay in Chinese text besides ALLOWED: the tutorial's printout of a batch's shape (torch.Size), file
# formats, and PyTorch's names of the layers (the Model page's table)
NAMES = ALLOWED | {"torch", "Size", "IDX", "ZIP", "CSV", "Conv2d", "MaxPool2d", "Linear",
                   # the blocks a network is written in (conv32:3 relu maxpool2 ... fc10), and their layers' names
                   "conv", "local", "relu", "sigmoid", "tanh", "maxpool", "avgpool", "dropout", "bn", "fc",
                   "torchvision", "LeNet", "Sigmoid", "Dropout", "BatchNorm"}
# addresses, file and folder names (checkpoints/mnist_cnn.pt, mnist_demo/handwriting/pen.py), pictures as data URLs,
# commands (python run.py --data-dir DIR); a block's name with its numbers (conv32, relu1) counts as the block's
PATHS = re.compile(r"https?://\S+|data:\S+|[\w.<>$-]*/[\w.<>$/-]*|python [\w.]+(?: --?[\w-]+(?: [A-Z]+)?)*|\b\w+\.py\b")
TRAINED_MS = 120_000  # a run of 5 epochs on 600 images, on a busy 2-core machine


def english_on(text: str) -> list[str]:
    """Lines that hold an English word (three letters or more) that is not a name, once paths are left out."""
    left = english_left(PATHS.sub("", text))
    return [line for line in left if [w for w in re.findall(r"[A-Za-z][A-Za-z0-9]*", line)
                                      if len(re.sub(r"\d", "", w)) >= 3 and w not in NAMES
                                      and re.sub(r"\d", "", w) not in NAMES]]


@pytest.fixture(scope="module")
def served(browser, tmp_path_factory, tiny_data_dir):  # noqa: F811 - the browser fixture
    """The app on the tiny dataset, with a class set of four writers (one of whom mislabelled three digits); this
    machine's browser is the teacher."""
    folder = tmp_path_factory.mktemp("zh")
    cs = ClassSet(folder / "class.db")
    images, labels, writers = writers_class(writers=3, per_style=1)
    for img, label, writer in zip(images, labels, writers):
        cs.add(img, int(label), writer, predicted=None)
    for img, label in zip(images[:3], labels[:3]):  # three digits a student labelled wrong: the class model "misreads"
        cs.add(img, (int(label) + 1) % 10, "s-writer9", predicted=None)
    env = dict(os.environ, **{DATA_DIR_ENV: str(tiny_data_dir), RUNS_DIR_ENV: str(folder / "runs"),
                              DB_ENV: str(folder / "class.db"), "MNIST_DEMO_LOCAL_TEACHER": "1"})
    with AppServer(env, ["--server.fileWatcherType", "none"], folder / "streamlit.log", timeout=60) as server:
        yield server.url


@pytest.fixture
def tab(browser):  # noqa: F811
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(RUN_TIMEOUT_MS)
    crashes: list[str] = []
    page.on("pageerror", lambda error: crashes.append(str(error)))
    yield page
    context.close()
    assert not crashes, f"uncaught JavaScript errors in the page: {crashes}"


def open_zh(page, url: str, name: str) -> None:
    path, title = PAGES[name]
    page.goto(f"{url}/{path}?lang=zh")
    expect(page.locator("h1").first).to_have_text(title, timeout=RUN_TIMEOUT_MS)
    wait_for_run(page)
    assert_no_exception(page)


def start_run(page, k: int) -> None:
    """Start run `k` with the page's settings and wait until it has finished (the page says how long it took)."""
    open_every_expander(page)  # the settings, when the page kept them closed
    page.get_by_role("button", name=re.compile(r"开始$")).click()
    expect(page.locator("h3").filter(has_text=f"第 {k} 次训练")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(page.get_by_text(re.compile(r"完成：测试准确率"))).to_be_visible(timeout=TRAINED_MS)
    wait_for_run(page)
    assert_no_exception(page)


def open_every_expander(page) -> None:
    """Click each closed expander open, one at a time (nested ones show as their parent opens)."""
    closed = page.locator('[data-testid="stExpander"] details:not([open]) > summary').filter(visible=True)
    for _ in range(20):
        if not closed.count():
            return
        closed.first.click()
        wait_for_run(page)
    raise AssertionError("expanders keep closing")


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_in_chinese_has_no_english_left(tab, served, name):
    open_zh(tab, served, name)
    if name == "train":  # two runs: their curves, the watch-it-learn panel, the per-epoch table, the comparison
        start_run(tab, 1)
        start_run(tab, 2)
        expect(tab.get_by_text("比较各次训练")).to_be_visible()
        expect(tab.locator('[data-testid="stPlotlyChart"]')).to_have_count(2)  # the last run's curves, the overlay
    elif name == "draw":  # a reading, the Right / Wrong control and the views inside the network
        draw(tab, ONE)
        expect(tab.get_by_text("每个数字的概率")).to_be_visible(timeout=RUN_TIMEOUT_MS)
        expect(tab.get_by_text("网络内部")).to_be_visible(timeout=RUN_TIMEOUT_MS)
        wait_for_run(tab)
    elif name == "classset":  # the class's digits read by the class model, its mistakes, the teacher's tools
        expect(tab.get_by_text("全班模型在我们的数字上", exact=True)).to_be_visible()
        expect(tab.get_by_text(re.compile(r"个中认错了"))).to_be_visible()
    elif name == "evaluate":
        expect(tab.get_by_text("每一类的准确率")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    open_every_expander(tab)
    assert_no_exception(tab)
    text = tab.evaluate(VISIBLE_TEXT)
    assert re.search(r"[\u4e00-\u9fff]", text), "the page is not in Chinese at all"
    left = english_on(text)
    assert not left, f"English on the Chinese {name} page:\n" + "\n".join(left)
