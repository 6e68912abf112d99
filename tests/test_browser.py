"""End-to-end: the real app in a real browser (Debian's Chromium, driven by Playwright).

Starts `streamlit run app.py` on a free port, opens every page, draws digits on the Draw page's canvas with the
mouse and checks what the network reads. Skipped when Chromium or Playwright is missing, unless
MNIST_DEMO_REQUIRE_BROWSER=1, which turns the skip into a failure. Screenshots go to $MNIST_DEMO_SCREENSHOTS
(default: the test's tmp_path).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from conftest import real_data_dir, require_real_data

from mnist_demo.paths import DATA_DIR_ENV
from mnist_demo.tools.serve import AppServer

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # reported by the browser fixture: a skip, or a failure under MNIST_DEMO_REQUIRE_BROWSER=1
    expect = sync_playwright = None

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 1000}
START_TIMEOUT_S = 60
RUN_TIMEOUT_MS = 60_000  # a page's first run imports torch and may load or evaluate a dataset
PREDICTION_TIMEOUT_MS = 20_000

PAGES = {  # page: (url path, the page's h1). Train is the default page: Streamlit serves it at the root only,
    # /train answers with a "Page not found" dialog and then runs the default page.
    "train": ("", "Train a network to read handwriting"),
    "gallery": ("gallery", "Gallery"),
    "draw": ("draw", "Draw a digit"),
    "evaluate": ("evaluate", "Evaluate"),
    "model": ("model", "How the network is built"),
}

APP = '[data-testid="stApp"]'
EXCEPTION = '[data-testid="stException"]'
PROMPT = "Draw a digit on the black square"
CHART_TITLE = "Probability of each digit"


def _missing_browser() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    if sync_playwright is None:
        return "the playwright package is missing (pip install playwright)"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = _missing_browser()
    if reason:
        if os.environ.get("MNIST_DEMO_REQUIRE_BROWSER") == "1":
            pytest.fail(f"MNIST_DEMO_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def app_url(browser, request, tmp_path_factory) -> str:
    """The app served by `streamlit run` in its own process group; its log is in a tmp folder."""
    env = dict(os.environ)
    env[DATA_DIR_ENV] = str(real_data_dir() or request.getfixturevalue("tiny_data_dir"))
    log_path = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    try:
        # no file watcher: nothing changes under test, and watching .venv floods inotify on a small machine
        server = AppServer(env, ["--server.fileWatcherType", "none"], log_path, timeout=START_TIMEOUT_S)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    with server:
        yield server.url


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("MNIST_DEMO_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    tab.set_default_timeout(RUN_TIMEOUT_MS)
    crashes: list[str] = []  # uncaught JavaScript errors (console noise such as offline font fetches is fine)
    tab.on("pageerror", lambda error: crashes.append(str(error)))
    yield tab
    context.close()
    assert not crashes, f"uncaught JavaScript errors in the page: {crashes}"


def wait_for_run(page) -> None:
    """Until the script run is over and drawn: the app is connected and not running, no status widget shows, and
    the DOM has stopped growing (the browser still renders the last deltas after the run reports its end)."""
    page.wait_for_selector(f'{APP}[data-test-connection-state="CONNECTED"][data-test-script-state="notRunning"]',
                           timeout=RUN_TIMEOUT_MS)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=RUN_TIMEOUT_MS)
    deadline, last, stable = time.monotonic() + RUN_TIMEOUT_MS / 1000, None, 0
    while stable < 3 and time.monotonic() < deadline:
        now = page.evaluate("""() => [document.querySelectorAll('*').length,
            document.querySelector('[data-testid="stApp"]').getAttribute('data-test-script-state')]""")
        stable = stable + 1 if now == last and now[1] == "notRunning" else 0
        last = now
        page.wait_for_timeout(200)


def tab(browser, url: str, viewport: dict | None = None):
    """A fresh browser context (its own session) on `url`, its first run done without an exception."""
    page = browser.new_context(viewport=viewport or VIEWPORT).new_page()
    page.set_default_timeout(RUN_TIMEOUT_MS)
    page.goto(url)
    page.locator("h1").first.wait_for(state="visible")
    wait_for_run(page)
    assert_no_exception(page)
    return page


def open_page(page, url: str, name: str) -> None:
    path, title = PAGES[name]
    page.goto(f"{url}/{path}")
    page.locator("h1").first.wait_for(state="visible", timeout=RUN_TIMEOUT_MS)
    wait_for_run(page)
    dialogs = page.get_by_role("dialog")
    assert dialogs.count() == 0, f"/{path} opens a dialog: {dialogs.all_inner_texts()}"
    assert page.locator("h1").first.inner_text().strip() == title
    assert_no_exception(page)


def assert_no_exception(page) -> None:
    errors = page.locator(EXCEPTION)
    assert errors.count() == 0, "Streamlit shows an exception:\n" + "\n---\n".join(errors.all_inner_texts())
    caught = page.get_by_text("Something went wrong on this page")
    assert caught.count() == 0, "app.py caught an unexpected error: see the server's log"


def screenshot(page, path: Path) -> None:
    """The whole page. Streamlit scrolls inside its main container, not the document, so Playwright's
    full_page alone would stop at the viewport: grow the viewport to the content's height for the shot."""
    height = page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]') || document.body;
        return Math.max(main.scrollHeight, document.documentElement.scrollHeight);
    }""")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], min(int(height), 8000))})
    try:
        page.wait_for_timeout(300)  # let charts relayout to the new size
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(VIEWPORT)


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_opens_without_errors(page, app_url, shots, name):
    open_page(page, app_url, name)
    if name == "train":  # training itself is tested through AppTest; here only that it can be started
        # a button's accessible name starts with its Material icon's ligature ("play_arrowStart"): match the end
        start = page.get_by_role("button", name=re.compile(r"Start$"))
        expect(start).to_have_count(1)
        expect(start).to_be_visible()
        expect(start).to_be_enabled()
    screenshot(page, shots / f"screenshot-{name}.png")


# --- Draw page -----------------------------------------------------------------------------------------------------

# streamlit-drawable-canvas 0.13 is a v2 component: it renders into the page's DOM inside an open shadow root
# (host [data-testid="stBidiComponentIsolated"]), no iframe. Playwright's CSS locators pierce open shadow roots.
# Fabric.js stacks a lower canvas (the drawing) under an upper canvas that takes the mouse events.
CANVAS = "canvas.upper-canvas"
BIG_DIGIT = '[data-testid="stMarkdownContainer"] div[style*="font-size"]'


def draw(page, strokes: list[list[tuple[float, float]]], steps: int = 25) -> None:
    """Pen strokes, in shares (0..1) of the canvas, as real mouse drags over the canvas."""
    canvas = page.locator(CANVAS)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box and box["width"] >= 250 and box["height"] >= 250, f"the canvas is not 280 x 280: {box}"

    def at(point):
        return box["x"] + point[0] * box["width"], box["y"] + point[1] * box["height"]
    for stroke in strokes:
        page.mouse.move(*at(stroke[0]))
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(*at(point), steps=steps)
        page.mouse.up()


def expect_reading(page) -> str:
    """Wait for the prediction after a drawing; return the big text (a digit, or "Not sure")."""
    chart = page.locator('[data-testid="stPlotlyChart"]').filter(has_text=CHART_TITLE)
    expect(chart).to_be_visible(timeout=PREDICTION_TIMEOUT_MS)
    expect(page.get_by_text("What the network sees (28 x 28)")).to_be_visible(timeout=PREDICTION_TIMEOUT_MS)
    wait_for_run(page)
    expect(page.get_by_text(PROMPT)).to_have_count(0)
    assert_no_exception(page)
    big = page.locator(BIG_DIGIT)
    expect(big).to_have_count(1)
    text = big.inner_text().strip()
    sure = page.get_by_text(re.compile(r"\bsure\b", re.IGNORECASE)).filter(visible=True)  # the phone's is hidden
    assert sure.count() >= 1, "neither 'sure' nor 'Not sure' is shown"
    return text


def open_inside(page) -> None:
    """Open the Draw page's "Inside the network" section (closed by default: nothing in it is computed until then)
    and wait for its figures."""
    page.get_by_text("Inside the network", exact=True).click()
    wait_for_run(page)
    expect(page.locator('[data-testid="stPlotlyChart"]').filter(has_text="conv1: 32 feature maps")).to_be_visible()
    assert_no_exception(page)


def clear(page) -> None:
    page.get_by_role("button", name=re.compile(r"Clear$")).click()
    expect(page.get_by_text(PROMPT)).to_be_visible(timeout=PREDICTION_TIMEOUT_MS)
    wait_for_run(page)
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(0)
    page.locator(CANVAS).wait_for(state="visible")


ONE = [[(0.5, 0.15), (0.5, 0.85)]]
SEVEN = [[(0.25, 0.18), (0.75, 0.18), (0.42, 0.85)]]


def test_draw_a_one_then_a_seven(page, app_url, shots):
    open_page(page, app_url, "draw")
    expect(page.get_by_text(PROMPT)).to_be_visible()

    draw(page, ONE)
    seen = expect_reading(page)
    screenshot(page, shots / "screenshot-draw-1.png")
    assert seen == "1", f"the app read a drawn 1 as {seen!r}"
    charts = page.locator('[data-testid="stPlotlyChart"]')
    expect(charts).to_have_count(1)  # the probabilities; "Inside the network" is closed and computes nothing
    open_inside(page)
    assert charts.count() >= 5  # where it looked, both layers' maps, one map, fc1 -> fc2

    clear(page)
    draw(page, SEVEN)
    seen = expect_reading(page)
    screenshot(page, shots / "screenshot-draw-7.png")
    assert seen == "7", f"the app read a drawn 7 as {seen!r}"
    grid = charts.filter(has_text="conv1: 32 feature maps")
    expect(grid).to_be_visible()  # still open for the next drawing


def test_start_a_run_and_stop_it_with_the_mouse(page, app_url, shots):
    require_real_data()  # the tiny test set trains to the end before a click can stop it
    open_page(page, app_url, "train")
    page.get_by_role("button", name=re.compile(r"Start$")).click()
    expect(page.get_by_text(re.compile(r"Epoch 1 of \d+ · batch"))).to_be_visible(timeout=PREDICTION_TIMEOUT_MS)
    # the sidebar says a run is training, and how far it has got, without waiting for another click
    expect(page.get_by_text(re.compile(r"^Training Run \d+ · Tutorial · SGD 0\.01: epoch 1 of \d+"))).to_be_visible(
        timeout=10_000)
    screenshot(page, shots / "screenshot-train-running.png")
    page.get_by_role("button", name=re.compile(r"Stop$")).click()
    expect(page.get_by_text(re.compile(r"Stopped by the user during epoch 1"))).to_be_visible(
        timeout=PREDICTION_TIMEOUT_MS)
    wait_for_run(page)
    assert_no_exception(page)
    expect(page.get_by_role("button", name=re.compile(r"Start$"))).to_be_enabled()
