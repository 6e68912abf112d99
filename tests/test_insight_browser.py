"""Issue 16 in a real browser: click the confusion matrix, click a feature map and check the sum shown against the
model's own output, fool the network, and no chart toolbar over a title (Chromium, as tests/test_browser.py)."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from conftest import drawing

from mnist_demo import checkpoint
from mnist_demo.data import load_split
from mnist_demo.reading.preprocess import to_mnist
from mnist_demo.tools.browser import (
    HEATMAP,
    THREE,
    assert_no_exception,
    click_at,
    click_cell,
    draw,
    expect_reading,
    open_inside,
    open_page,
    screenshot,
    wait_for_run,
)
from mnist_demo.train.loop import evaluate
from mnist_demo.train.metrics import confusion_matrix

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips or fails first
    expect = None


def test_clicking_a_heatmap_cell_shows_its_images(page, app_url, shots, real_data):
    data = real_data  # the cells' counts are the shipped model's on the full test set
    result = evaluate(checkpoint.load(checkpoint.SHIPPED).model, load_split("mnist", False, data))
    counts = confusion_matrix(result.predictions, result.labels, 10).numpy()
    mistakes = sorted(((int(counts[t, p]), t, p) for t in range(10) for p in range(10) if t != p), reverse=True)
    assert counts[9, 4] > 0, "the shipped model reads no 9 as a 4: pick another cell for this test"
    other = next((t, p) for n, t, p in mistakes[1:] if n and (t, p) != (9, 4))  # not the select box's first cell
    open_page(page, app_url, "evaluate")
    chart = page.locator(HEATMAP).filter(has_text="predicted").first
    expect(chart).to_be_visible()
    heading = page.get_by_text(re.compile(r"^\d+ images: true \d, read as \d"))
    click_cell(page, chart, *other, 10, 10)  # the select box starts on the biggest mistake
    expect(heading).to_have_text(re.compile(rf"^{counts[other]} images?: true {other[0]}, read as {other[1]}"))
    click_cell(page, chart, 9, 4, 10, 10)
    expect(heading).to_have_text(re.compile(rf"^{counts[9, 4]} images?: true 9, read as 4"))
    images = page.locator('[data-testid="stImage"]')
    expect(images).to_have_count(int(counts[9, 4]))
    assert_no_exception(page)
    screenshot(page, shots / "screenshot-evaluate-click.png")


def upload(page, tmp_path, image) -> bytes:
    path = tmp_path / "digit.png"
    image.save(path)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    return path.read_bytes()


def number(text: str) -> float:
    return float(text.strip().replace("\u2212", "-"))


def test_clicking_a_feature_map_position_shows_the_sum_that_makes_it(page, app_url, shots, tmp_path):
    from mnist_demo.insight import trace

    open_page(page, app_url, "draw")
    png = upload(page, tmp_path, drawing(7))
    assert expect_reading(page) == "7"
    expect(page.locator(HEATMAP).filter(has_text="conv1: 32 feature maps")).to_have_count(0)  # closed: not computed
    open_inside(page)
    grid = page.locator(HEATMAP).filter(has_text="conv1: 32 feature maps").first
    channel, row, col = 5, 12, 14
    r, k = divmod(channel, 8)  # the grid: 4 rows of 8 maps, 26 x 26 each, one pixel apart (215 x 107)
    click_at(page, grid, (k * 27 + 13) / 215, (r * 27 + 13) / 107)
    single = page.locator(HEATMAP).filter(has_text=f"conv1 map {channel}: click a position").first
    expect(single).to_be_visible()
    click_at(page, single, (col + 0.5) / 26, (row + 0.5) / 26)
    expect(page.get_by_text(f"conv1, map {channel}, row {row}, column {col}")).to_be_visible()
    assert_no_exception(page)

    products = [number(t) for t in page.locator("table.neuron-products td").all_inner_texts()]
    window = [number(t) for t in page.locator("table.neuron-window td").all_inner_texts()]
    kernel = [number(t) for t in page.locator("table.neuron-kernel td").all_inner_texts()]
    line = page.locator("p.neuron-sum").inner_text()
    bias, total = (number(v) for v in re.search(r"plus the bias (\S+) = (\S+)$", line.strip()).groups())
    own = number(page.locator("b.neuron-value").inner_text())
    assert len(products) == len(window) == len(kernel) == 9
    np.testing.assert_allclose(products, np.array(window) * np.array(kernel), atol=2e-4)  # shown to 4 decimals
    assert abs(sum(products) + bias - total) < 1e-3, "the sum shown is not the sum of the numbers shown"

    model = checkpoint.load(checkpoint.SHIPPED, "cpu").model
    image = to_mnist(io.BytesIO(png).getvalue())
    with_model = float(trace(model, image).output("conv1")[channel, row, col])  # the model's own conv1 output there
    assert abs(total - with_model) < 1e-3 and abs(own - with_model) < 1e-3, (total, own, with_model)
    np.testing.assert_allclose(window, image[row : row + 3, col : col + 3].ravel(), atol=1e-4)
    neuron_view = page.get_by_text("One neuron, computed")
    neuron_view.scroll_into_view_if_needed()
    screenshot(page, shots / "screenshot-neuron-page.png")


def test_fooling_the_network_changes_a_drawn_3_into_the_chosen_digit(page, app_url, shots):
    open_page(page, app_url, "draw")
    draw(page, THREE[:1])  # the 3's top, read on its own first (as a slow second stroke is, on a busy server)
    first = expect_reading(page)
    draw(page, THREE[1:])
    assert expect_reading(page) == "3", f"read as {first} after the first stroke"  # one chart: the second's
    open_inside(page)
    target = page.get_by_role("radiogroup", name="Make it read").get_by_role("radio", name="8", exact=True)
    expect(target).to_have_count(1)
    target.click()
    wait_for_run(page)
    result = page.locator("p.fool-result")
    expect(result).to_have_text(re.compile(r"^Now it reads 8 at \d+%"))
    assert int(re.search(r"at (\d+)%", result.inner_text()).group(1)) > 50
    size = page.get_by_text(re.compile(r"The largest change of one pixel is 0\.\d\d of full ink \(\d+ of 255 grey "
                                       r"levels\); \d+ of 784 pixels changed"))
    expect(size).to_be_visible()
    assert_no_exception(page)
    screenshot(page, shots / "screenshot-fool-page.png")


OVERLAPS = """() => {
    const hits = [];
    for (const plot of document.querySelectorAll('.js-plotly-plot')) {
        const bar = plot.querySelector('.modebar');
        if (!bar) continue;
        const b = bar.getBoundingClientRect();
        for (const title of plot.querySelectorAll('.gtitle, .xtitle, .ytitle, .annotation-text')) {
            const t = title.getBoundingClientRect();
            if (t.width && b.width && t.left < b.right && b.left < t.right && t.top < b.bottom && b.top < t.bottom)
                hits.push(title.textContent);
        }
    }
    return hits;
}"""


@pytest.mark.parametrize("width, height", [(1400, 1000), (390, 844)])
def test_no_chart_toolbar_covers_a_title(browser, app_url, tmp_path, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        tab = context.new_page()
        tab.set_default_timeout(60_000)
        for name in ("draw", "evaluate", "model"):
            open_page(tab, app_url, name)
            if name == "draw":
                upload(tab, tmp_path, drawing(4))
                expect_reading(tab)
                open_inside(tab)
            # every chart the page sent, drawn by Plotly: its 4.7 MB bundle loads first, seconds under the suite's load
            sent = tab.get_by_test_id("stPlotlyChart")
            expect(sent.first).to_be_attached(timeout=30_000)
            expect(tab.locator(".js-plotly-plot")).to_have_count(sent.count(), timeout=30_000)
            assert tab.evaluate(OVERLAPS) == [], f"a toolbar covers a chart title on {name} at {width} x {height}"
    finally:
        context.close()
