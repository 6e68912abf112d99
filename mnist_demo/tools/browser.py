"""Driving the app in Chromium (Debian's /usr/bin/chromium, through Playwright's sync API): what the browser tests,
the screenshot scripts and the benchmarks share. Launch it, wait for a page's run to be drawn, open pages, draw with
the mouse, read the answer, click a chart's cells.

Playwright is a development dependency: `missing()` says why the browser cannot run here, and nothing in this module
imports Playwright until it drives a page.
"""

from __future__ import annotations

import re
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 1000}
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
HEATMAP = '[data-testid="stPlotlyChart"]'
# streamlit-drawable-canvas 0.13 is a v2 component: it renders into the page's DOM inside an open shadow root
# (host [data-testid="stBidiComponentIsolated"]), no iframe. Playwright's CSS locators pierce open shadow roots.
# Fabric.js stacks a lower canvas (the drawing) under an upper canvas that takes the mouse events.
CANVAS = "canvas.upper-canvas"
BIG_DIGIT = '[data-testid="stMarkdownContainer"] div[style*="font-size"]'

ONE = [[(0.5, 0.15), (0.5, 0.85)]]  # pen strokes, in shares (0..1) of the canvas
SEVEN = [[(0.25, 0.18), (0.75, 0.18), (0.42, 0.85)]]
THREE = [[(0.3, 0.2), (0.5, 0.12), (0.7, 0.2), (0.72, 0.35), (0.5, 0.48)],
         [(0.5, 0.48), (0.74, 0.6), (0.74, 0.78), (0.5, 0.9), (0.28, 0.82)]]


def missing() -> str | None:
    """Why Chromium cannot be driven here, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401 - only whether it is there
    except ImportError:
        return "the playwright package is missing (pip install playwright)"
    return None


def launch(pw):
    """Debian's Chromium, headless, from a started `sync_playwright()`."""
    return pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


# Settled: the app is connected and not running, no status widget shows, and the DOM has kept its size for QUIET
# polls in a row, 200 ms (the browser still renders the last deltas after the run reports its end). Polled in the
# page every POLL_MS: every browser test waits so several times, and at 3 polls of 100 ms the waits were 40 % of the
# browser tests' time (a quarter less at 4 of 50 ms, tests/test_room_browser.py and test_browser.py).
QUIET = 4
POLL_MS = 50
SETTLED = """([app, quiet]) => {
    const root = document.querySelector(app);
    const now = [document.querySelectorAll('*').length, root && root.getAttribute('data-test-script-state'),
                 root && root.getAttribute('data-test-connection-state'),
                 [...document.querySelectorAll('[data-testid="stStatusWidget"]')].filter(
                     (e) => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden').length].join();
    const seen = window.__mnistDemoSettled || (window.__mnistDemoSettled = {last: null, same: 0});
    seen.same = now === seen.last && now.endsWith(',notRunning,CONNECTED,0') ? seen.same + 1 : 0;
    seen.last = now;
    return seen.same >= quiet;
}"""


def wait_for_run(page, timeout_ms: float = RUN_TIMEOUT_MS) -> None:
    """Until the script run is over and drawn (see SETTLED), polled every POLL_MS inside the page."""
    page.evaluate("() => { window.__mnistDemoSettled = null; }")
    page.wait_for_function(SETTLED, arg=[APP, QUIET], polling=POLL_MS, timeout=timeout_ms)


def assert_no_exception(page) -> None:
    errors = page.locator(EXCEPTION)
    assert errors.count() == 0, "Streamlit shows an exception:\n" + "\n---\n".join(errors.all_inner_texts())
    caught = page.get_by_text("Something went wrong on this page")
    assert caught.count() == 0, "app.py caught an unexpected error: see the server's log"


def tab(browser, url: str, viewport: dict | None = None):
    """A fresh browser context (its own session) on `url`, its first run done without an exception."""
    page = browser.new_context(viewport=viewport or VIEWPORT).new_page()
    page.set_default_timeout(RUN_TIMEOUT_MS)
    page.goto(url)
    page.locator("h1").first.wait_for(state="visible")
    wait_for_run(page)
    assert_no_exception(page)
    return page


def click_steady(locator, tries: int = 12, each_ms: float = 5_000) -> None:
    """Click `locator`, again if a redraw replaced it under the pointer: a fragment that reruns on its own (the
    lesson's chart each second, the follower when the class changes) on a busy machine can detach a button faster
    than Playwright finds it stable, and one click attempt then waits its whole timeout."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(tries):
        try:
            locator.click(timeout=each_ms)
            return
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise


def pick_option(page, box, option: str, tries: int = 10) -> None:
    """Open the select box `box` and choose `option`, opening it again if a rerun of the page closed it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    choice = page.get_by_role("option", name=option)
    for attempt in range(tries):
        click_steady(box)
        try:
            choice.click(timeout=3_000)
            return
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise


def open_page(page, url: str, name: str) -> None:
    """One of PAGES, its first run drawn: no dialog, the page's own title, no exception."""
    path, title = PAGES[name]
    page.goto(f"{url}/{path}")
    page.locator("h1").first.wait_for(state="visible", timeout=RUN_TIMEOUT_MS)
    wait_for_run(page)
    dialogs = page.get_by_role("dialog")
    assert dialogs.count() == 0, f"/{path} opens a dialog: {dialogs.all_inner_texts()}"
    assert page.locator("h1").first.inner_text().strip() == title
    assert_no_exception(page)


def screenshot(page, path: Path) -> None:
    """The whole page. Streamlit scrolls inside its main container, not the document, so Playwright's
    full_page alone would stop at the viewport: grow the viewport to the content's height for the shot."""
    height = page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]') || document.body;
        return Math.max(main.scrollHeight, document.documentElement.scrollHeight);
    }""")
    size = page.viewport_size or VIEWPORT
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height), 8000))})
    try:
        page.wait_for_timeout(300)  # let charts relayout to the new size
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)


# --- the Draw page -------------------------------------------------------------------------------------------------


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
    pen_lifted(page)


# streamlit-drawable-canvas 0.13 sends the drawing 200 ms after the pen lifts (debounced: `Bc = 200` in its bundle),
# so a digit of two strokes drawn slowly (a busy machine) is sent twice, its first stroke alone first.
SEND_DELAY_MS = 200


def pen_lifted(page) -> None:
    """Wait until the canvas has sent the last stroke: past its delay, on the page's own clock, whose timers fire in
    order, so that a wait for the page to settle that comes next sees the rerun the stroke asked for, not the one
    before it (a drawn 3 was once read as its first stroke, a 7)."""
    page.evaluate(f"() => new Promise((done) => setTimeout(done, {SEND_DELAY_MS + 50}))")


def expect_reading(page) -> str:
    """Wait for the prediction after a drawing; return the big text (a digit, or "Not sure")."""
    from playwright.sync_api import expect

    chart = page.locator(HEATMAP).filter(has_text=CHART_TITLE)
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
    from playwright.sync_api import expect

    page.get_by_text("Inside the network", exact=True).click()
    wait_for_run(page)
    expect(page.locator(HEATMAP).filter(has_text="conv1: 32 feature maps")).to_be_visible()
    assert_no_exception(page)


def clear(page) -> None:
    """Press Clear and wait for the empty canvas again."""
    from playwright.sync_api import expect

    page.get_by_role("button", name=re.compile(r"Clear$")).click()
    expect(page.get_by_text(PROMPT)).to_be_visible(timeout=PREDICTION_TIMEOUT_MS)
    wait_for_run(page)
    expect(page.locator(HEATMAP)).to_have_count(0)
    page.locator(CANVAS).wait_for(state="visible")


# --- Plotly charts -------------------------------------------------------------------------------------------------


def plot_area(page, chart) -> dict:
    """The box of a Plotly chart's plotting area (its drag layer), in page pixels."""
    layer = chart.locator(".nsewdrag").first
    layer.scroll_into_view_if_needed()
    box = layer.bounding_box()
    assert box and box["width"] > 50 and box["height"] > 50, f"no plot area: {box}"
    return box


def click_at(page, chart, fx: float, fy: float) -> None:
    """Click at a share (fx, fy) of a chart's plotting area, from its top left, and wait for the run it starts."""
    box = plot_area(page, chart)
    page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
    wait_for_run(page)


def click_cell(page, chart, row: int, col: int, rows: int, cols: int) -> None:
    """Click the centre of cell (row, col) of a grid drawn with row 0 at the top."""
    click_at(page, chart, (col + 0.5) / cols, (row + 0.5) / rows)
