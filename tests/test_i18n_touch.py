"""Phones, touch and Chinese, in Chromium: a phone-sized tab (390 x 844) with touch emulation, driven by real touch
events (CDP Input.dispatchTouchEvent), not the mouse. Uses test_browser's server and helpers."""

from __future__ import annotations

import re

import pytest

from mnist_demo.tools.browser import (
    CANVAS,
    PREDICTION_TIMEOUT_MS,
    PROMPT,
    assert_no_exception,
    pen_lifted,
    wait_for_run,
)

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips or fails
    expect = None


ANSWER = ".compact-answer"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2)
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    crashes: list[str] = []
    tab.on("pageerror", lambda error: crashes.append(str(error)))
    yield tab
    context.close()
    assert not crashes, f"uncaught JavaScript errors in the page: {crashes}"


def touch_stroke(page, points: list[tuple[float, float]], steps: int = 12) -> None:
    """One finger stroke through `points`, in canvas pixels (0..280) from the canvas's top-left corner."""
    canvas = page.locator(CANVAS)
    box = canvas.bounding_box()
    cdp = page.context.new_cdp_session(page)

    def send(kind: str, x: float | None = None, y: float | None = None) -> None:
        touches = [] if x is None else [{"x": box["x"] + x, "y": box["y"] + y, "id": 1}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touches})

    send("touchStart", *points[0])
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        for i in range(1, steps + 1):
            send("touchMove", x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps)
    send("touchEnd")
    cdp.detach()
    pen_lifted(page)


def open_draw(page, url: str, query: str = "") -> None:
    page.goto(f"{url}/draw{query}")
    page.locator(CANVAS).wait_for(state="visible")
    wait_for_run(page)
    assert_no_exception(page)


def answer_shown(page) -> None:
    """The compact answer under the canvas, inside the viewport without scrolling."""
    answer = page.locator(ANSWER)
    expect(answer).to_be_visible(timeout=PREDICTION_TIMEOUT_MS)
    wait_for_run(page)
    box = answer.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844, f"the answer is off screen: {box}"


def tap(page, name: str) -> None:
    button = page.get_by_role("button", name=re.compile(f"{name}$"))
    box = button.bounding_box()
    assert box["height"] >= 36, f"{name} is too small for a finger: {box}"
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


@pytest.mark.parametrize("start", [(200, 15), (250, 25)])
def test_a_stroke_from_the_top_right_corner_is_read_by_touch(phone, app_url, start):
    open_draw(phone, app_url)
    expect(phone.get_by_text(PROMPT)).to_be_visible()
    x, y = start
    touch_stroke(phone, [(x, y), (x - 60, y + 120), (x - 90, y + 240)])
    answer_shown(phone)


def test_undo_and_clear_by_touch(phone, app_url):
    open_draw(phone, app_url)
    touch_stroke(phone, [(140, 40), (140, 240)])
    answer_shown(phone)
    touch_stroke(phone, [(80, 60), (200, 60)])
    wait_for_run(phone)
    tap(phone, "Undo")
    answer_shown(phone)  # one stroke left: still read
    tap(phone, "Undo")
    expect(phone.get_by_text(PROMPT)).to_be_visible(timeout=PREDICTION_TIMEOUT_MS)
    touch_stroke(phone, [(140, 40), (140, 240)])
    answer_shown(phone)
    tap(phone, "Clear")
    expect(phone.get_by_text(PROMPT)).to_be_visible(timeout=PREDICTION_TIMEOUT_MS)
    expect(phone.locator(ANSWER)).to_have_count(0)


# --- Chinese ---------------------------------------------------------------------------------------------------------

# Names that stay as they are in Chinese text: the dataset, libraries, layers, functions, optimizers, units.
ALLOWED = {"MNIST", "PyTorch", "ReLU", "Softmax", "softmax", "Adam", "SGD", "Momentum", "conv1", "conv2", "pool1",
           "pool2", "fc1", "fc2", "L2", "CPU", "GPU", "CUDA", "English", "threads", "px", "MB", "PNG", "JPG", "JPEG",
           "x", "max", "mnist"}
# Visible text of the page, not that of icons (Material ligatures), of screen-reader-only links, or of code blocks
# (a run's PyTorch code: its comments' Chinese is checked in tests/test_network.py)
VISIBLE_TEXT = """() => {
  const out = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { out.push(node.textContent); return; }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    const el = node;
    if (el.matches('[data-testid="stIconMaterial"], [data-testid="stCode"], script, style, noscript')) return;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || style.fontFamily.includes('Material')) return;
    if (el.shadowRoot) walk(el.shadowRoot);
    for (const child of el.childNodes) walk(child);
  };
  walk(document.body);
  // a chart's text, one line per line (Plotly writes each line of a text as a tspan.line)
  document.querySelectorAll('svg text').forEach((t) => {
    const lines = t.querySelectorAll('tspan.line');
    out.push(lines.length ? [...lines].map((l) => l.textContent).join('\\n') : t.textContent);
  });
  return out.join('\\n');
}"""


def english_left(text: str) -> list[str]:
    """Lines that still hold an English word (three letters or more) other than an allowed name."""
    found = []
    for line in text.splitlines():
        line = re.sub(r"https?://\S+", "", line)  # the address students open
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9]*", line) if len(re.sub(r"\d", "", w)) >= 3]
        if [w for w in words if w not in ALLOWED] and "Skip to main content" not in line:
            found.append(line.strip())
    return found


def test_the_draw_page_in_chinese_has_no_english_left(phone, app_url, shots):
    open_draw(phone, app_url, "?lang=zh")
    expect(phone.get_by_text("用鼠标或手指在黑色方框里写一个数字")).to_be_visible()
    touch_stroke(phone, [(140, 40), (140, 240)])
    answer_shown(phone)
    phone.wait_for_timeout(1000)
    phone.screenshot(path=str(shots / "screenshot-draw-zh-phone.png"))
    left = english_left(phone.evaluate(VISIBLE_TEXT))
    assert not left, "English on the Chinese Draw page:\n" + "\n".join(left)


def test_what_was_done_last_is_read_and_the_page_says_which(phone, app_url, tmp_path):
    from conftest import drawing

    seven = tmp_path / "seven.png"
    drawing(7, ink=20, paper=235).save(seven)
    open_draw(phone, app_url)
    phone.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(seven))
    expect(phone.get_by_text(re.compile(r"^Read from the upload `?seven\.png`? by "))).to_be_visible(
        timeout=PREDICTION_TIMEOUT_MS)
    wait_for_run(phone)
    touch_stroke(phone, [(140, 40), (140, 240)])  # a drawing after the upload: the drawing is read, and said so
    expect(phone.get_by_text(re.compile(r"^Read from your drawing by "))).to_be_visible(timeout=PREDICTION_TIMEOUT_MS)
    expect(phone.get_by_text(re.compile(r"^Reading your drawing, not the upload"))).to_be_visible()
    assert phone.locator(ANSWER).inner_text().strip().startswith("1")
