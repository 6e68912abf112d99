"""Does the app slow training? The same recipe trained through fit() in this process and in the app with its Train
page open in a real browser (Chromium, through Playwright, where both are present), side by side."""

from __future__ import annotations

import contextlib
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from mnist_demo import checkpoint
from mnist_demo.data import Split
from mnist_demo.paths import DATA_DIR_ENV, RUNS_DIR_ENV
from mnist_demo.tools.browser import VIEWPORT, launch, missing
from mnist_demo.tools.serve import AppServer
from mnist_demo.train.loop import fit
from mnist_demo.train.recipes import preset

if TYPE_CHECKING:  # Playwright is a development dependency: without it there is no browser to time
    from playwright.sync_api import Page

RECIPES = {"fast": "Fast", "quick": "Quick", "seed": "Tutorial"}


def cli_seconds(recipe: str, train: Split, test: Split) -> float:
    """Seconds of training (the epochs, not the test passes) through fit(), as `train --preset` runs it."""
    return sum(h.train_seconds for h in fit(preset(recipe, device="cpu"), train, test).history)


@contextlib.contextmanager
def train_page(recipe: str, data_dir: str) -> Iterator[tuple[AppServer, Page, Path] | None]:
    """A server with a runs folder of its own and Chromium on its Train page, `recipe` chosen: (server, page, runs
    folder); None where Playwright or the browser is missing."""
    if missing():
        yield None
        return
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as runs:
        env = dict(os.environ, **{DATA_DIR_ENV: data_dir, RUNS_DIR_ENV: runs})
        with AppServer(env) as server, sync_playwright() as pw:
            browser = launch(pw)
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(120_000)
            page.goto(server.url)
            page.get_by_role("radiogroup", name="Recipe").get_by_text(RECIPES[recipe], exact=True).click()
            page.wait_for_timeout(2000)
            try:
                yield server, page, Path(runs)
            finally:
                browser.close()


def wait_for_saved(runs: Path, timeout_s: float) -> Path | None:
    """The run's checkpoint once it is saved (as the run finishes), waiting here rather than with Playwright's
    expect: its polling of the page costs the browser as much as a chart, which a teacher's browser does not spend."""
    deadline = time.monotonic() + timeout_s
    while not (saved := sorted(runs.glob("run-*.pt"))) and time.monotonic() < deadline:
        time.sleep(0.2)
    return saved[-1] if saved else None


def train_seconds(saved: Path) -> float:
    """A saved run's training seconds: the sum of its epochs', as its checkpoint records them."""
    return sum(h["train_seconds"] for h in checkpoint.load(saved).meta["history"])


def app_seconds(recipe: str, data_dir: str, timeout_s: float = 900) -> float | None:
    """The same, for a run started with the mouse in the app while its Train page stays open; None without a
    browser."""
    with train_page(recipe, data_dir) as opened:
        if opened is None:
            return None
        _, page, runs = opened
        page.get_by_role("button", name="Start").click()
        saved = wait_for_saved(runs, timeout_s)
        if saved is None:
            return None
        from playwright.sync_api import expect

        expect(page.get_by_text("Finished in", exact=False)).to_be_visible()
        return train_seconds(saved)


def compare(recipe: str, train: Split, test: Split, data_dir: str) -> tuple[float, float] | None:
    """(app seconds, CLI seconds): the CLI timed before and after the app, its mean compared."""
    before = cli_seconds(recipe, train, test)
    app = app_seconds(recipe, data_dir)
    if app is None:
        return None
    return app, statistics.fmean([before, cli_seconds(recipe, train, test)])
