"""The README's screenshots: the real app, the real MNIST, the shipped model, in Debian's Chromium.

    python scripts/readme_screenshots.py assets [--data-dir ../shared/data]

Opens Gallery, Evaluate, Model and Draw (drawing a 7 with the mouse), then starts a 3-epoch run on the
Train page (SGD + momentum, batch 128), shoots it during epoch 2 and, in another tab in projector mode
(?projector=1), during epoch 3. Drives Chromium with mnist_demo/tools/browser.py, as the browser tests do. Every page
must open as a user sees it (its own title, no dialog, no exception: tools/browser.open_page), or no screenshot is
kept and it says why; tests/test_scripts.py runs it so, as the English pages' browser test.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from mnist_demo.tools.browser import SEVEN, VIEWPORT, draw, launch, open_inside, open_page, screenshot, wait_for_run
from mnist_demo.tools.serve import AppServer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--data-dir", default=os.environ.get("MNIST_DEMO_DATA_DIR", "../shared/data"))
    parser.add_argument("--no-pause", action="store_true",
                        help="shoot the Train page as soon as the run has reached the epoch, not letting its curves "
                             "grow first (tests/test_scripts.py, on a tiny dataset that trains in seconds)")
    args = parser.parse_args()
    pause = (lambda seconds: None) if args.no_pause else time.sleep
    args.out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, MNIST_DEMO_DATA_DIR=str(Path(args.data_dir).resolve()))
    log = Path(tempfile.gettempdir()) / "readme-screenshots-streamlit.log"
    with AppServer(env, log=log) as server:
        url = server.url
        with sync_playwright() as pw:
            browser = launch(pw)
            page = browser.new_context(viewport=VIEWPORT).new_page()
            page.set_default_timeout(300_000)
            for name in ("gallery", "evaluate", "model"):
                if why := opened(page, url, name):
                    return why
                screenshot(page, args.out / f"screenshot-{name}.png")
            if why := opened(page, url, "draw"):
                return why
            draw(page, SEVEN)
            page.get_by_text("Probability of each digit").wait_for()
            wait_for_run(page)
            open_inside(page)  # as a teacher shows it on the projector
            screenshot(page, args.out / "screenshot-draw.png")

            if why := opened(page, url, "train"):
                return why
            sliders = page.get_by_role("slider")
            sliders.nth(0).focus()
            for _ in range(2):  # epochs 5 -> 3
                page.keyboard.press("ArrowLeft")
            wait_for_run(page)
            sliders.nth(1).focus()
            for _ in range(2):  # batch 32 -> 128
                page.keyboard.press("ArrowRight")
            wait_for_run(page)
            page.get_by_text("SGD + momentum").click()
            wait_for_run(page)
            page.get_by_role("button", name=re.compile(r"Start$")).click()
            page.get_by_text(re.compile(r"^Epoch [23] of 3|^Finished in")).first.wait_for()  # or later: a tiny dataset
            pause(12)
            screenshot(page, args.out / "screenshot-train.png")
            projector = browser.new_context(viewport=VIEWPORT).new_page()
            projector.goto(f"{url}/?projector=1")
            projector.get_by_text(re.compile(r"^Epoch 3 of 3|^Finished in")).first.wait_for()
            pause(8)
            screenshot(projector, args.out / "screenshot-train-projector.png")
            browser.close()
    return 0


def opened(page, url: str, name: str) -> int:
    """Open page `name`; 0, or 1 after saying what was wrong with it (a page showing an error is not shot)."""
    try:
        open_page(page, url, name)
    except AssertionError as exc:
        print(f"error: the {name} page did not open as a user sees it: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
