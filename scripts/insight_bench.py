"""How long the views that look inside the network take on this machine's CPU, per interaction:

    python scripts/insight_bench.py [--n 200] [--fool 90] [--threads N]

- neuron view: one image through the network (every stage kept), one conv1 and one conv2 neuron's sums, fc1 -> fc2,
  and the Plotly figures the Draw page builds for them (both grids of maps, the window, the clickable map, fc1 ->
  fc2): what a click on a map or a position costs the server, before Streamlit sends it.
- fool search: `insight.fool` for each of the 500 test digits in assets/ in turn, towards (label + 1..9) % 10.
- probe: one `Probe.take` in the training thread, and one redraw of the Train page's live pictures (the two
  pictures and the last drawing re-read from the copied weights).
Prints p50 and p95 in ms, the success rate of the fool search and the load average while it ran.

With --browser N, also the whole interaction in Chromium against `streamlit run app.py`: from a click on a position
of a feature map, or on a digit to fool the network into reading, until the browser shows the result (the part of
the Draw page that reruns: its fragment), N times each.
"""

from __future__ import annotations

import argparse
import os
import re
import time

import numpy as np
import torch

from mnist_demo import checkpoint
from mnist_demo.data import load_sample
from mnist_demo.insight import Probe, dense, fool, neuron, probabilities_from, trace
from mnist_demo.insight.lane import lane_threads
from mnist_demo.insight.pictures import digit_grid, filter_grid
from mnist_demo.web.views import figures


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - start) * 1000


def line(name: str, ms: list[float]) -> str:
    return f"{name:<58} p50 {np.percentile(ms, 50):7.1f} ms   p95 {np.percentile(ms, 95):7.1f} ms   (n={len(ms)})"


def neuron_view(model, image: np.ndarray, rng: np.random.Generator) -> None:
    t = trace(model, image)
    c1, r1, k1 = int(rng.integers(32)), int(rng.integers(26)), int(rng.integers(26))
    c2, r2, k2 = int(rng.integers(64)), int(rng.integers(11)), int(rng.integers(11))
    a, b = neuron(model, t, "conv1", c1, r1, k1), neuron(model, t, "conv2", c2, r2, k2)
    figures.map_picker(t.output("relu1"), c1, 8, "conv1")
    figures.map_picker(t.output("relu2"), c2, 16, "conv2")
    figures.window_on(t.image, a.row, a.col, "input")
    figures.position_picker(t.output("relu1")[c1], r1, k1, "map", pool=(a.pool.top, a.pool.left))
    figures.term_bars(b.terms)
    figures.dense_diagram(dense(model, t), [str(d) for d in range(10)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="neuron-view interactions")
    parser.add_argument("--fool", type=int, default=90, help="fool searches")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (default: PyTorch's own choice)")
    parser.add_argument("--browser", type=int, default=0, help="clicks to time in Chromium (0: none)")
    parser.add_argument("--data-dir", default=os.environ.get("MNIST_DEMO_DATA_DIR"),
                        help="the app's MNIST folder for --browser (default: $MNIST_DEMO_DATA_DIR)")
    args = parser.parse_args()
    if args.browser:
        in_browser(args.browser, args.data_dir)
    if args.threads:
        torch.set_num_threads(args.threads)
    model = checkpoint.load(checkpoint.SHIPPED, "cpu").model
    sample = load_sample()
    images = sample.images.numpy().astype(np.float32) / 255
    labels = sample.labels.numpy()
    rng = np.random.default_rng(0)
    load = [os.getloadavg()[0]]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads ({lane_threads()} on a fool search's lane), "
          f"{os.cpu_count()} CPUs")

    for i in range(5):  # warm up: the first calls build oneDNN's kernels
        neuron_view(model, images[i], rng)
        fool(model, images[i], (int(labels[i]) + 1) % 10)
    ms = [timed(neuron_view, model, images[i % len(images)], rng) for i in range(args.n)]
    print(line("neuron view (trace, two neurons, fc1 -> fc2, figures)", ms))
    load.append(os.getloadavg()[0])

    ms, wins, budgets = [], 0, []
    for i in range(args.fool):
        target = (int(labels[i % len(labels)]) + 1 + i % 9) % 10
        start = time.perf_counter()
        f = fool(model, images[i % len(images)], target)
        ms.append((time.perf_counter() - start) * 1000)
        wins += f.success
        budgets += [f.budget] if f.success else []
    print(line("fool search (one drawing, one target)", ms))
    print(f"  reached the target {wins} of {args.fool} times; budget used: median {np.median(budgets):.2f}, "
          f"largest {max(budgets):.2f} of full ink per pixel")
    load.append(os.getloadavg()[0])

    probe = Probe(sample)
    ms = [timed(probe.take, model, 0.25, 1, 100) for _ in range(50)]
    print(line("probe, in the training thread (40 digits, weights copied)", ms))
    frame = probe.latest

    def redraw() -> None:
        digit_grid(probe.images, probe.labels, frame.probabilities, probe.classes)
        filter_grid(frame.filters)
        probabilities_from(frame.weights, images[:1], frame.arch)
    ms = [timed(redraw) for _ in range(100)]
    print(line("Train page's redraw of it (two pictures, one drawing re-read)", ms))
    load.append(os.getloadavg()[0])
    print("load average (1 min) during the run: " + ", ".join(f"{v:.1f}" for v in load))


def in_browser(n: int, data_dir: str | None) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from mnist_demo.tools.browser import (
        HEATMAP,
        SEVEN,
        VIEWPORT,
        draw,
        expect_reading,
        launch,
        open_inside,
        plot_area,
        wait_for_run,
    )
    from mnist_demo.tools.serve import AppServer

    env = dict(os.environ)
    if data_dir:
        env["MNIST_DEMO_DATA_DIR"] = str(data_dir)
    with AppServer(env, ["--server.fileWatcherType", "none"]) as server, sync_playwright() as pw:
        page = launch(pw).new_page(viewport=VIEWPORT)
        page.set_default_timeout(120_000)
        page.goto(f"{server.url}/draw")
        wait_for_run(page)
        draw(page, SEVEN)
        expect_reading(page)
        open_inside(page)
        page.get_by_text("One neuron, computed").wait_for()
        wait_for_run(page)
        rng, clicks, lost = np.random.default_rng(1), [], 0
        for _ in range(n):
            row, col = (int(v) for v in rng.integers(0, 26, 2))
            chart = page.locator(HEATMAP).filter(has_text="click a position").first
            box = plot_area(page, chart)
            shown = page.get_by_text(re.compile(rf"map \d+, row {row}, column {col}$")).first  # not the hover
            start = time.perf_counter()
            for attempt in range(4):  # a click that lands while the chart is being redrawn is lost: click again,
                page.mouse.click(box["x"] + (col + 0.5) / 26 * box["width"],  # timed from the first click
                                 box["y"] + (row + 0.5) / 26 * box["height"])
                try:
                    shown.wait_for(timeout=15_000)
                    break
                except PlaywrightTimeout:
                    wait_for_run(page)  # a run still going is slow, not lost: clicking again would start it over
                    if shown.is_visible():
                        break
                    if attempt == 3:
                        raise
                    lost += 1
                    box = plot_area(page, chart)
            clicks.append((time.perf_counter() - start) * 1000)
            wait_for_run(page)
        print(line("browser: click a position -> its computation shown", clicks))
        if lost:
            print(f"  {lost} click(s) on a position lost and clicked again after 15 s (counted in the times above)")
        group, fools = page.get_by_role("radiogroup", name="Make it read"), []
        for i in range(n):
            target = [d for d in range(10) if d != 7][i % 9]
            start = time.perf_counter()
            group.get_by_role("radio", name=str(target), exact=True).click()
            page.locator("p.fool-result").filter(has_text=f" {target} ").first.wait_for()
            fools.append((time.perf_counter() - start) * 1000)
            wait_for_run(page)
        print(line("browser: click a digit -> the network fooled, shown", fools))


if __name__ == "__main__":
    main()
