"""The README's pictures of the views that look inside the network, in Debian's Chromium with the real MNIST:

    python scripts/insight_screenshots.py assets [--data-dir ../shared/data]

Draws a 3 on the Draw page with the mouse, clicks a conv1 map (screenshot-neuron.png: its strongest position), shows
fc1 -> fc2 (screenshot-layers.png), fools the network into reading 8 (screenshot-fool.png); opens the Model page
(screenshot-architecture.png) and Evaluate, clicking the cell "true 9, read as 4" (screenshot-evaluate-click.png);
then starts the tutorial's recipe on the Train page and shoots "watch it learn" a quarter (or, when the page skips
that frame, a half or three quarters) into the first epoch (screenshot-watch.png), and stops the run. The pages are
reached through the sidebar, so the session (and its last drawing) is kept.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from mnist_demo.tools.browser import (
    HEATMAP,
    THREE,
    VIEWPORT,
    click_at,
    click_cell,
    draw,
    launch,
    open_inside,
    wait_for_run,
)
from mnist_demo.tools.serve import AppServer

GROW = """() => Math.max((document.querySelector('[data-testid="stMain"]') || document.body).scrollHeight,
                        document.documentElement.scrollHeight)"""


def region(page, out: Path, first: str, *last: str, pad: int = 12) -> None:
    """A shot of the page from the element with text `first` down to the lowest bottom of those matching `last`
    (or to the next heading), the whole width of the main column."""
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(int(page.evaluate(GROW)), 9000)})
    page.wait_for_timeout(500)
    top = page.get_by_text(first, exact=True).first.bounding_box()
    if last:
        ends = [page.get_by_text(re.compile(pattern)).first.bounding_box() for pattern in last]
        bottom = max(end["y"] + end["height"] for end in ends)
    else:
        headings = [h for h in page.locator("h2, h3").all() if (b := h.bounding_box()) and b["y"] > top["y"] + 5]
        bottom = headings[0].bounding_box()["y"] - 8 if headings else page.evaluate(GROW)
    main = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()
    clip = {"x": main["x"], "y": max(top["y"] - pad, 0), "width": main["width"],
            "height": bottom - top["y"] + 2 * pad}
    page.screenshot(path=str(out), clip=clip, full_page=True)
    page.set_viewport_size(VIEWPORT)
    print("wrote", out)


def sidebar(page, name: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_text(name, exact=True).click()
    wait_for_run(page)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--data-dir", default=os.environ.get("MNIST_DEMO_DATA_DIR", "../shared/data"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, MNIST_DEMO_DATA_DIR=str(Path(args.data_dir).resolve()))
    log = Path(tempfile.gettempdir()) / "insight-screenshots-streamlit.log"
    with AppServer(env, ["--server.fileWatcherType", "none"], log=log) as server, sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_context(viewport=VIEWPORT).new_page()
        page.set_default_timeout(120_000)
        page.goto(f"{server.url}/draw")
        wait_for_run(page)
        draw(page, THREE)
        page.get_by_text("Inside the network", exact=True).wait_for()
        wait_for_run(page)
        open_inside(page)
        page.get_by_text("One neuron, computed").wait_for()
        wait_for_run(page)
        grid = page.locator(HEATMAP).filter(has_text="conv1: 32 feature maps").first
        click_at(page, grid, (2 * 27 + 13) / 215, (1 * 27 + 13) / 107)  # map 10, at its strongest position
        page.locator(HEATMAP).filter(has_text="conv1 map 10: click a position").first.wait_for()
        region(page, args.out / "screenshot-neuron.png", "One neuron, computed")
        region(page, args.out / "screenshot-layers.png", "From 64 numbers to an answer")
        page.get_by_role("radiogroup", name="Make it read").get_by_role("radio", name="8", exact=True).click()
        wait_for_run(page)
        page.locator("p.fool-result").wait_for()
        region(page, args.out / "screenshot-fool.png", "Fool the network",
               r"adversarial example|The network is sure of this one")

        sidebar(page, "Model")
        region(page, args.out / "screenshot-architecture.png", "How the network is built", r"^softmax \(10\)")
        sidebar(page, "Evaluate")
        chart = page.locator(HEATMAP).filter(has_text="predicted").first
        click_cell(page, chart, 9, 4, 10, 10)
        page.get_by_text(re.compile(r"images: true 9, read as 4")).wait_for()
        region(page, args.out / "screenshot-evaluate-click.png", "Evaluate", r"^Rows: the true digit")

        sidebar(page, "Train")
        page.get_by_role("button", name=re.compile(r"Start$")).click()
        # the probe's frames at 25, 50 and 75 % (mnist_demo/insight/probe.py) each show until the next; the page,
        # redrawn every 3 s, may skip one, and on a quiet machine the first epoch is over in seconds (its later frames
        # then say "After 1 of 5 epochs" and so on): any frame after the start will do
        frame = re.compile(r"After (25|50|75)% of the first epoch|After [\d.]+ of \d+ epochs?:")
        page.get_by_text(frame).first.wait_for(timeout=900_000)
        region(page, args.out / "screenshot-watch.png", "Watch it learn", r"Your last drawing: the network",
               r"test digits read right")
        stop = page.get_by_role("button", name=re.compile(r"Stop$"))
        if stop.count():  # the run may have ended by now
            stop.click()
            wait_for_run(page)
        browser.close()


if __name__ == "__main__":
    main()
