"""End-to-end: the real app in a real browser (Debian's Chromium, driven by Playwright).

Starts `streamlit run app.py` on a free port, draws digits on the Draw page's canvas with the
mouse and checks what the network reads. Skipped when Chromium or Playwright is missing, unless
MNIST_DEMO_REQUIRE_BROWSER=1, which turns the skip into a failure. Screenshots go to $MNIST_DEMO_SCREENSHOTS
(default: the test's tmp_path).
"""

from __future__ import annotations

import re

import pytest

from mnist_demo.tools.browser import (
    CANVAS,
    ONE,
    PREDICTION_TIMEOUT_MS,
    PROMPT,
    RUN_TIMEOUT_MS,
    SEVEN,
    VIEWPORT,
    assert_no_exception,
    clear,
    draw,
    expect_reading,
    open_inside,
    open_page,
    screenshot,
    wait_for_run,
)

try:
    from playwright.sync_api import expect
except ImportError:  # reported by the browser fixture: a skip, or a failure under MNIST_DEMO_REQUIRE_BROWSER=1
    expect = None

__all__ = ["CANVAS", "ONE", "PREDICTION_TIMEOUT_MS", "PROMPT", "RUN_TIMEOUT_MS", "VIEWPORT", "app_url",
           "assert_no_exception", "browser", "draw", "expect", "shots", "wait_for_run"]  # what test_i18n_* import


# tests/test_i18n_touch.py and tests/test_i18n_pages.py take these three fixtures from this module by name; each
# hands on conftest.py's, so that one Chromium and one server serve every browser test.
@pytest.fixture(scope="session")
def browser(browser):
    return browser


@pytest.fixture(scope="session")
def app_url(app_url):
    return app_url


@pytest.fixture
def shots(shots):
    return shots


# Every English page opening without an error: tests/test_scripts.py::test_readme_screenshots (the README's pictures
# are taken only of pages that open cleanly); every page in Chinese: tests/test_i18n_pages.py.


# --- Draw page -----------------------------------------------------------------------------------------------------


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


def test_start_a_run_and_stop_it_with_the_mouse(page, app_url, shots, real_data):
    # real_data: the tiny test set trains to the end before a click can stop it
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
