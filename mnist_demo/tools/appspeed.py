"""Does the app slow training? The same recipe trained through fit() in this process and in the app with its Train
page open in a real browser (Chromium, through Playwright, where both are present), side by side."""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path

from .. import checkpoint
from ..config import preset
from ..data import Split
from ..paths import DATA_DIR_ENV, RUNS_DIR_ENV
from ..training import fit
from .serve import AppServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
RECIPES = {"fast": "Fast", "quick": "Quick", "seed": "Tutorial"}


def cli_seconds(recipe: str, train: Split, test: Split) -> float:
    """Seconds of training (the epochs, not the test passes) through fit(), as `train --preset` runs it."""
    return sum(h.train_seconds for h in fit(preset(recipe, device="cpu"), train, test).history)


def app_seconds(recipe: str, data_dir: str, timeout_s: float = 900) -> float | None:
    """The same, for a run started with the mouse in the app while its Train page stays open; None without a
    browser. Read from the run's saved checkpoint, which records each epoch's training seconds."""
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        return None
    if not CHROMIUM.exists():
        return None
    with tempfile.TemporaryDirectory() as runs:
        env = dict(os.environ, **{DATA_DIR_ENV: data_dir, RUNS_DIR_ENV: runs})
        with AppServer(env) as server, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            page.goto(server.url)
            page.get_by_role("radiogroup", name="Recipe").get_by_text(RECIPES[recipe], exact=True).click()
            page.wait_for_timeout(2000)
            page.get_by_role("button", name="Start").click()
            expect(page.get_by_text("Finished in", exact=False)).to_be_visible(timeout=timeout_s * 1000)
            browser.close()
        saved = sorted(Path(runs).glob("run-*.pt"))
        if not saved:
            return None
        return sum(h["train_seconds"] for h in checkpoint.load(saved[-1]).meta["history"])


def compare(recipe: str, train: Split, test: Split, data_dir: str) -> tuple[float, float] | None:
    """(app seconds, CLI seconds): the CLI timed before and after the app, its mean compared."""
    before = cli_seconds(recipe, train, test)
    app = app_seconds(recipe, data_dir)
    if app is None:
        return None
    return app, statistics.fmean([before, cli_seconds(recipe, train, test)])
