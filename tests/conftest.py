"""Shared fixtures: small, learnable MNIST-format datasets written as real IDX files, one small model trained
once per test run, Chromium and the app's server for the browser tests; and the tiers (docs/testing.md).

Tiers are markers, set here from the fixtures a test uses so that none can be forgotten: a test that uses
`chromium_here` (so every test using `browser`) is `browser`, one that uses `real_data` is `real_data`. `slow` and
`gpu` are set in the test modules. `make check` runs what is none of them.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from streamlit.testing.v1 import AppTest

from mnist_demo.data import expected_files, idx
from mnist_demo.paths import DATA_DIR_ENV, RUNS_DIR_ENV
from mnist_demo.tools import browser as chromium

ROOT = Path(__file__).resolve().parent.parent
EXPECT_MS = 15_000  # Playwright expect()'s default wait in the browser tests (chromium_here)
MARKED_BY_FIXTURE = {"chromium_here": "browser", "real_data": "real_data"}  # fixture: the marker it brings


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist (`make test` runs one worker per core), each worker and every process it starts (the app's
    server, a script) computes on one thread: two OpenMP teams of two threads on two cores wait on each other at
    every operation, and a real epoch took five times as long as alone (docs/testing.md)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import torch

        os.environ["OMP_NUM_THREADS"] = "1"
        torch.set_num_threads(1)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker more than the cores this process may use. A browser test spends much of its time
    waiting on a page's timers and redraws; with one worker per core the 2-core machine stood 15 % idle through the
    browser tests, with one more 5 %, and pytest took 5 min 41 s instead of 6 min 11 s (docs/testing.md)."""
    return len(os.sched_getaffinity(0)) + 1 if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1) + 1


# How `make test` spreads the tests over pytest-xdist's workers (`-n auto --dist loadgroup`, docs/testing.md). Every
# test is a unit of work of its own, but the tests of a ONE_WORKER group (a module, or the tests of a module whose
# names start with a prefix: tests sharing a server the module starts) are one unit, so that the server starts once.
# pytest-xdist's own `xdist_group` mark does not group under pytest 9 (it renames `item._nodeid`, which pytest 9 no
# longer reads), hence this list. Units go out in the order collected (see pytest_collection_modifyitems): the
# browser tests after every other on each worker, because Playwright's sync API keeps an event loop running in the
# worker's thread from the first browser test on, and a later test calling asyncio.run() there would fail; within
# them the longest first (these groups, then LONGEST, measured), so that no worker is left with a long one at the end
# while the other idles.
ONE_WORKER = {"test_class_browser.py", "test_i18n_pages.py", "test_lesson_browser.py", "test_room_browser.py",
              "test_bad_web.py::test_server_"}  # the last: forged canvas values sent to one server, no browser


def one_worker_group(nodeid: str) -> str | None:
    """The ONE_WORKER group a test belongs to, or None."""
    module, _, name = nodeid.split("/")[-1].partition("::")
    for group in ONE_WORKER:
        group_module, _, prefix = group.partition("::")
        if module == group_module and name.startswith(prefix):
            return group
    return None


LONGEST = {"test_classroom.py", "test_network_browser.py", "test_kept_browser.py",
           "test_scripts.py::test_insight_screenshots", "test_scripts.py::test_readme_screenshots"}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False  # the collected order, not the largest unit first

    class ServersOnce(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return one_worker_group(nodeid) or nodeid

    return ServersOnce(config, log)


def run_order(item: pytest.Item) -> tuple[bool, int]:
    """Browser tests last; within each part, ONE_WORKER's groups, then the LONGEST tests, then the rest."""
    where = item.nodeid.split("/")[-1]
    module = where.split("::", 1)[0]
    longest = module in LONGEST or where.split("[", 1)[0] in LONGEST
    first = 0 if one_worker_group(item.nodeid) else 1 if longest else 2
    return item.get_closest_marker("browser") is not None, first


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by the fixtures it uses; run the browser tests last (run_order), so that the tests of the engine
    and the pages report first, and Chromium and the shared server start once, after every other test."""
    for item in items:
        for fixture, marker in MARKED_BY_FIXTURE.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(marker)
    items.sort(key=run_order)


def real_data_dir() -> Path | None:
    """The real MNIST, when $MNIST_DEMO_DATA_DIR (or ../shared/data) holds it."""
    for candidate in (os.environ.get(DATA_DIR_ENV), ROOT.parent / "shared" / "data"):
        if candidate and all(p.exists() for p in expected_files("mnist", Path(candidate))):
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The folder holding the real MNIST; the test is skipped without it (a failure under
    MNIST_DEMO_REQUIRE_DATA=1)."""
    found = real_data_dir()
    if found is None:
        reason = f"the real MNIST is not here: set ${DATA_DIR_ENV} to a folder holding MNIST/raw/"
        if os.environ.get("MNIST_DEMO_REQUIRE_DATA") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def digit_image(digit: int, rng: np.random.Generator) -> np.ndarray:
    """A 28 x 28 uint8 rendering of `digit` in a TrueType font, a little shifted and scaled."""
    size = int(rng.integers(18, 25))
    font = ImageFont.load_default(size=size)
    img = Image.new("L", (28, 28), 0)
    draw = ImageDraw.Draw(img)
    left, top, right, bottom = draw.textbbox((0, 0), str(digit), font=font)
    x = (28 - (right - left)) / 2 - left + rng.integers(-2, 3)
    y = (28 - (bottom - top)) / 2 - top + rng.integers(-2, 3)
    draw.text((x, y), str(digit), fill=255, font=font, stroke_width=int(rng.integers(0, 2)), stroke_fill=255)
    return np.asarray(img)


write_idx = idx.write  # the engine's own IDX writer (mnist_demo.data.idx)


def write_dataset(root: Path, name: str = "mnist", n_train: int = 600, n_test: int = 200, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    files = expected_files(name, root)
    files[0].parent.mkdir(parents=True, exist_ok=True)
    for images_file, labels_file, n in ((files[0], files[1], n_train), (files[2], files[3], n_test)):
        labels = np.arange(n) % 10
        rng.shuffle(labels)
        write_idx(images_file, np.stack([digit_image(int(d), rng) for d in labels]))
        write_idx(labels_file, labels)
    return root


@pytest.fixture(scope="session")
def tiny_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """600 train and 200 test font-rendered digits in torchvision's MNIST layout."""
    return write_dataset(tmp_path_factory.mktemp("data"))


STROKES = {  # digits as pen strokes on a unit square, the way a student draws them
    0: [[(0.5, 0.1), (0.25, 0.25), (0.2, 0.5), (0.25, 0.75), (0.5, 0.9), (0.75, 0.75), (0.8, 0.5), (0.75, 0.25),
         (0.5, 0.1)]],
    1: [[(0.45, 0.2), (0.55, 0.1), (0.55, 0.9)]],
    4: [[(0.6, 0.1), (0.2, 0.6), (0.8, 0.6)], [(0.6, 0.3), (0.6, 0.9)]],
    7: [[(0.2, 0.12), (0.8, 0.12), (0.4, 0.9)]],
}


def drawing(digit: int, size: int = 280, width: int = 20, box: tuple[float, float, float, float] = (0, 0, 1, 1),
            ink: int = 255, paper: int = 0, mode: str = "L") -> Image.Image:
    """A pen drawing of `digit` inside `box` (left, top, right, bottom as shares of the canvas)."""
    img = Image.new(mode, (size, size), paper if mode == "L" else (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    left, top, right, bottom = box
    for stroke in STROKES[digit]:
        points = [(size * (left + x * (right - left)), size * (top + y * (bottom - top))) for x, y in stroke]
        colour = ink if mode == "L" else (ink, ink, ink, 255)
        draw.line(points, fill=colour, width=width, joint="curve")
        for x, y in points:
            draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=colour)
    return img


@pytest.fixture
def fresh_app_state(tmp_path, monkeypatch):
    """Runs are shared across sessions (st.cache_resource): each test starts with none, saves them in its own tmp
    folder, and stops its own."""
    import streamlit as st

    from mnist_demo.web import state

    monkeypatch.setenv(RUNS_DIR_ENV, str(tmp_path / "runs"))
    monkeypatch.setenv("MNIST_DEMO_CLASS_DB", str(tmp_path / "class.db"))  # the class set, in the same tmp folder
    st.cache_resource.clear()
    yield
    for run in state.runs().all():
        run.stop()
        run.join(timeout=30)
    st.cache_resource.clear()


# AppTest helpers shared by the page tests.
def open_page(at: AppTest, name: str) -> AppTest:
    return at.switch_page(f"mnist_demo/web/pages/{name}.py").run()


def texts(at: AppTest) -> str:
    """Every message on the page, as one string."""
    return "\n".join(str(e.value) for kind in ("markdown", "info", "success", "warning", "error", "caption")
                     for e in getattr(at, kind))


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def wait_for(at: AppTest, done, timeout: float = 240) -> AppTest:
    """Rerun the page until `done(at)` holds, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not done(at):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)
        at.run()
    return at


# Engine helpers shared by the test files.
EPOCH_LINE = re.compile(r"^Epoch:[ \d]\d, Train_acc:\d+\.\d%, Train_loss:\d+\.\d{3}, Test_acc:\d+\.\d%,"
                        r"Test_loss:\d+\.\d{3}$")  # the tutorial's line per epoch


@pytest.fixture(scope="module")
def splits(tiny_data_dir: Path):
    """(train, test) of the tiny dataset, on the CPU."""
    from mnist_demo.data import load_split

    return load_split("mnist", True, tiny_data_dir), load_split("mnist", False, tiny_data_dir)


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No network: torchvision's MNIST download fails with OSError("no network")."""
    from torchvision import datasets

    def no_network(self):
        raise OSError("no network")

    monkeypatch.setattr(datasets.MNIST, "download", no_network)


def wait_until(condition, timeout: float = 10) -> None:
    """Poll `condition()` until it holds, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# One small model, trained once per test run by the command line (in this process) on the tiny dataset, for every
# test that needs a trained model (the CLI's evaluate, start-from, distil and soup tests, the scripts' tests).
TINY_TRAIN = ["--epochs", "2", "--batch-size", "16", "--optimizer", "adam", "--lr", "0.003", "--device", "cpu"]


def cli(*args, cwd: Path = ROOT, timeout: float = 600) -> subprocess.CompletedProcess:
    """`python -m mnist_demo ARGS` in a fresh interpreter, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "mnist_demo", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def run_cli(capsys, *args) -> tuple[int, str, str]:
    """The CLI in this process: (exit status, stdout, stderr)."""
    from mnist_demo import cli as command_line

    code = command_line.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    """The CLI's whole answer to bad input: exactly one line on stderr, no traceback."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture(scope="session")
def tiny_training(tiny_data_dir, tmp_path_factory) -> tuple[tuple[int, str, str], Path]:
    """((exit status, stdout, stderr) of `train`, the checkpoint it saved): two epochs of Adam on the tiny dataset."""
    from mnist_demo import cli as command_line

    out = tmp_path_factory.mktemp("ckpt") / "tiny.pt"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = command_line.main(["train", "--data-dir", str(tiny_data_dir), *TINY_TRAIN, "--out", str(out)])
    return (code, stdout.getvalue(), stderr.getvalue()), out


@pytest.fixture(scope="session")
def tiny_checkpoint(tiny_training) -> Path:
    (code, _, err), out = tiny_training
    assert code == 0, err
    return out


# Chromium and the app, shared by the browser tests (tests/test_browser.py and the modules that import from it)


@pytest.fixture(scope="session")
def chromium_here() -> None:
    """Debian's Chromium and Playwright are here: the test is skipped without them, unless
    MNIST_DEMO_REQUIRE_BROWSER=1, which turns the skip into a failure."""
    reason = chromium.missing()
    if reason:
        if os.environ.get("MNIST_DEMO_REQUIRE_BROWSER") == "1":
            pytest.fail(f"MNIST_DEMO_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import expect

    # What a page must come to show, it may show late when the suite's workers share two cores with Chromium (a
    # page's first Plotly chart loads 4.7 MB of JavaScript first): 15 s, not Playwright's 5 s. How fast a page
    # follows or answers is measured where it matters, with timeouts of its own.
    expect.set_options(timeout=EXPECT_MS)


@pytest.fixture(scope="session")
def browser(chromium_here):
    """Debian's Chromium through Playwright, one for the whole test run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = chromium.launch(pw)
        yield launched
        launched.close()


@contextlib.contextmanager
def served_app(name: str, tmp_path_factory, request):
    """The app served by `streamlit run` in its own process group, on the real MNIST where it is here (the tiny
    dataset otherwise), its runs and class set in a tmp folder named `name` and its log beside them; its URL."""
    from mnist_demo.classset import DB_ENV
    from mnist_demo.tools.serve import AppServer

    folder = tmp_path_factory.mktemp(name)
    data = real_data_dir() or request.getfixturevalue("tiny_data_dir")
    env = dict(os.environ, **{DATA_DIR_ENV: str(data), RUNS_DIR_ENV: str(folder / "runs"),
                              DB_ENV: str(folder / "class.db")})
    try:
        # no file watcher: nothing changes under test, and watching .venv floods inotify on a small machine
        server = AppServer(env, ["--server.fileWatcherType", "none"], folder / "streamlit.log", timeout=60)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    with server:
        yield server.url


@pytest.fixture(scope="session")
def app_url(browser, tmp_path_factory, request) -> str:
    """The app shared by the browser tests of a worker (served_app)."""
    with served_app("app", tmp_path_factory, request) as url:
        yield url


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where screenshots go: $MNIST_DEMO_SCREENSHOTS, or the test's tmp_path."""
    folder = Path(os.environ.get("MNIST_DEMO_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(autouse=True)
def tabs_closed(request):
    """Every tab a browser test opened is closed when it ends, passed or failed. A tab left open keeps its page's
    one-second check going, on the server and in Chromium, for the rest of the run: one worker once carried eight
    tabs of the lesson's tests through every later browser test."""
    if "browser" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")
    before = set(browser.contexts)
    yield
    for context in browser.contexts:
        if context not in before:
            context.close()


@pytest.fixture
def page(browser):
    """A fresh tab of its own (a session of its own) at the desktop size; no uncaught JavaScript error in it (console
    noise such as offline font fetches is fine)."""
    context = browser.new_context(viewport=chromium.VIEWPORT)
    tab = context.new_page()
    tab.set_default_timeout(chromium.RUN_TIMEOUT_MS)
    crashes: list[str] = []
    tab.on("pageerror", lambda error: crashes.append(str(error)))
    yield tab
    context.close()
    assert not crashes, f"uncaught JavaScript errors in the page: {crashes}"
