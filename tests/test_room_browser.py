"""The room, round two, in Chromium: the Draw page whole at the five screen sizes of a lesson (touch on the phone and
the tablets), the students' address when the machine's name maps to loopback, a teacher who reloads mid-run, and
two Starts pressed at once. Skipped like tests/test_browser.py when Chromium is missing (a failure under
MNIST_DEMO_REQUIRE_BROWSER=1); the runs need the real MNIST (long enough to reload in). All traffic goes to
loopback: the students' address is read as text, never opened.

With $MNIST_DEMO_SCREENSHOTS set, the tablet's Draw page and the projector during a run are saved there
(assets/screenshot-draw-tablet.png and assets/screenshot-train-projector-running.png in docs/classroom.md).
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from test_i18n_touch import touch_stroke

from mnist_demo.classset import DB_ENV
from mnist_demo.paths import DATA_DIR_ENV, RUNS_DIR_ENV
from mnist_demo.tools.browser import BIG_DIGIT, RUN_TIMEOUT_MS, assert_no_exception, wait_for_run
from mnist_demo.tools.serve import AppServer
from mnist_demo.web import address

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips or fails
    expect = None

CODE = "room-test-code"
SCREENS = {  # name: (viewport, touch)
    "phone": ({"width": 390, "height": 844}, True),
    "tablet": ({"width": 820, "height": 1180}, True),
    "tablet-landscape": ({"width": 1024, "height": 768}, True),
    "projector": ({"width": 1280, "height": 720}, False),
    "laptop": ({"width": 1366, "height": 768}, False),
}
PROJECTOR = SCREENS["projector"][0]
PROGRESS = re.compile(r"Epoch 1 of \d+ · batch")
LIVE_MS = 60_000  # a page's answer while a run keeps both cores busy


def own_name_address() -> str | None:
    """The loopback address this machine's own name resolves to (127.0.0.1, or Debian's 127.0.1.1), else None."""
    try:
        found = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    except OSError:
        return None
    return next((a for a in sorted(found) if a.startswith("127.")), None)


@pytest.fixture(scope="module")
def room(browser, tmp_path_factory, request):  # noqa: F811 - the browser fixture
    """The app as `make run` serves it (server.py, the teacher's door) with a teacher code, every browser a student
    unless it has the teacher's cookie; on the loopback address the machine's name resolves to, where there is one."""
    from conftest import real_data_dir

    folder = tmp_path_factory.mktemp("room")
    data = real_data_dir() or request.getfixturevalue("tiny_data_dir")
    env = dict(os.environ, **{DATA_DIR_ENV: str(data), RUNS_DIR_ENV: str(folder / "runs"),
                              DB_ENV: str(folder / "class.db"), "MNIST_DEMO_TEACHER_CODE": CODE,
                              "MNIST_DEMO_LOCAL_TEACHER": "0"})
    env.pop(address.PUBLIC_URL_ENV, None)
    with AppServer(env, [], folder / "streamlit.log", timeout=120, address=own_name_address() or "127.0.0.1") as srv:
        yield srv


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("MNIST_DEMO_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def opened(browser, url: str, viewport: dict, touch: bool = False, context=None):  # noqa: F811
    """A tab on `url` (in `context`, else a new browser context of its own), its first run drawn."""
    if context is None:
        context = browser.new_context(viewport=viewport, has_touch=touch, is_mobile=viewport["width"] < 500,
                                      device_scale_factor=2 if touch else 1)
    page = context.new_page()
    page.set_default_timeout(RUN_TIMEOUT_MS)
    crashes: list[str] = []
    page.on("pageerror", lambda error: crashes.append(str(error)))
    page.crashes = crashes
    page.goto(url)
    page.locator("h1").first.wait_for(state="visible")
    wait_for_run(page)
    assert_no_exception(page)
    return page


def button(page, label: str):
    """A button by the end of its accessible name (the start is its Material icon's ligature)."""
    return page.get_by_role("button", name=re.compile(f"{re.escape(label)}$"))


def sidebar(page):
    return page.locator('[data-testid="stSidebar"]')


# --- the Draw page at every size ---------------------------------------------------------------------------------

WHOLE = """(el) => {
  // Whole: inside the window from left to right, not cut by an ancestor that clips (overflow other than visible) nor
  // in a sideways scroll, its own text not cut short (an ellipsis), and the first thing under its centre.
  const box = el.getBoundingClientRect();
  const problems = [];
  const named = (a) => a.dataset.testid || a.className || a.tagName;
  const up = (a) => a.parentElement || (a.getRootNode().host ?? null);
  if (box.width < 1 || box.left < -0.5 || box.right > window.innerWidth + 0.5) {
    problems.push(`outside the window: ${box.left}-${box.right}`);
  }
  for (let a = up(el); a && a !== document.body; a = up(a)) {
    const style = getComputedStyle(a);
    if (style.overflowX === 'visible') continue;
    const clip = a.getBoundingClientRect();
    if (box.left < clip.left - 0.5 || box.right > clip.right + 0.5) {
      problems.push(`cut by ${named(a)}: ${clip.left}-${clip.right}`);
    }
    if (style.overflowX !== 'hidden' && a.scrollWidth > a.clientWidth + 1) {
      problems.push(`in a sideways scroll: ${named(a)}`);
    }
  }
  for (const t of [el, ...el.querySelectorAll('*')]) {
    const cut = t.scrollWidth > t.clientWidth + 1 && getComputedStyle(t).textOverflow === 'ellipsis';
    if (cut) problems.push(`text cut short: ${t.textContent}`);
  }
  el.scrollIntoView({block: 'center', inline: 'nearest'});
  const b = el.getBoundingClientRect();
  const root = el.getRootNode();
  const hit = root.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
  if (!hit || !(el === hit || el.contains(hit) || hit.contains(el))) {
    problems.push(`covered by ${hit && named(hit)}`);
  }
  return problems;
}"""


def assert_whole(page, locator, what: str, tries: int = 5) -> None:
    from playwright.sync_api import Error

    for attempt in range(tries):  # a page's rerun may replace the element while it is looked at: look again
        expect(locator).to_be_visible(timeout=LIVE_MS)
        try:
            problems = locator.evaluate(WHOLE)
            break
        except Error as exc:
            if "elementFromPoint" not in str(exc) or attempt == tries - 1:
                raise
            page.wait_for_timeout(300)
    assert not problems, f"{what} is not whole and reachable: {problems}"


def draw_a_one(page, touch: bool) -> None:
    canvas = page.locator("canvas.upper-canvas")
    canvas.scroll_into_view_if_needed()
    if touch:
        touch_stroke(page, [(140, 40), (140, 240)])
        return
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 140, box["y"] + 40)
    page.mouse.down()
    page.mouse.move(box["x"] + 140, box["y"] + 240, steps=20)
    page.mouse.up()


def tap_or_click(page, locator, touch: bool) -> None:
    locator.scroll_into_view_if_needed()
    if touch:
        box = locator.bounding_box()
        page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    else:
        locator.click()


@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_control_of_the_draw_page_is_whole_at_every_size(browser, room, shots, screen):  # noqa: F811
    viewport, touch = SCREENS[screen]
    page = opened(browser, f"{room.url}/draw", viewport, touch)
    canvas = page.locator("canvas.upper-canvas")
    assert canvas.bounding_box()["width"] == 280
    assert_whole(page, canvas, "the canvas")
    draw_a_one(page, touch)
    right = button(page, "Right, it is a 1")
    expect(right).to_be_visible(timeout=LIVE_MS)
    wait_for_run(page)
    answer = page.locator(".compact-answer") if page.locator(".compact-answer").is_visible() else None
    big = page.locator(BIG_DIGIT)
    assert (answer is not None and answer.inner_text().startswith("1")) or big.inner_text().strip() == "1"
    if answer is not None:  # the reading is under the canvas: the compact answer says it right there
        canvas_box, answer_box = canvas.bounding_box(), answer.bounding_box()
        assert 0 <= answer_box["y"] - (canvas_box["y"] + canvas_box["height"]) < 80, (canvas_box, answer_box)
    assert_whole(page, canvas, "the canvas")
    for label in ("Undo", "Clear"):
        assert_whole(page, button(page, label), label)
    pen = page.get_by_test_id("stSlider").filter(has=page.get_by_role("slider", name="Pen width"))
    assert_whole(page, pen, "the pen's slider")
    assert_whole(page, page.locator('[data-testid="stFileUploaderDropzone"] button'), "the upload button")
    assert_whole(page, right, "Right, it is a 1")
    assert right.inner_text().strip().endswith("Right, it is a 1")
    wrong = page.get_by_role("radiogroup", name="Wrong, it is a")
    digits = wrong.get_by_role("radio")
    assert digits.all_inner_texts() == [str(d) for d in range(10) if d != 1]
    for digit in digits.all():
        assert_whole(page, digit, f"the pill {digit.inner_text()}")
    assert_whole(page, page.get_by_text("Inside the network", exact=True), "Inside the network")
    if screen == "tablet":
        page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollTo(0, 0)")
        page.screenshot(path=str(shots / "screenshot-draw-tablet.png"))
    tap_or_click(page, digits.filter(has_text="7"), touch)  # one tap on a digit at the far end adds the drawing
    expect(page.get_by_text(re.compile(r"^Added to the class set as a 7"))).to_be_visible(timeout=LIVE_MS)
    assert_no_exception(page)
    assert not page.crashes, page.crashes
    page.context.close()


# --- the students' address ---------------------------------------------------------------------------------------

def default_route_address() -> str:
    """The IPv4 address of the interface with the default route, read with iproute2 (not the app's own code)."""
    try:
        route = subprocess.run(["ip", "-4", "-o", "route", "show", "default"], capture_output=True, text=True,
                               check=True).stdout
        device = re.search(r"\bdev (\S+)", route).group(1)
        shown = subprocess.run(["ip", "-4", "-o", "addr", "show", "dev", device], capture_output=True, text=True,
                               check=True).stdout
        return re.search(r"\binet (\d+\.\d+\.\d+\.\d+)/", shown).group(1)
    except (OSError, subprocess.CalledProcessError, AttributeError):
        pytest.skip("no default route here, or no iproute2 to read it with")


def test_the_address_students_get_is_the_lan_one_when_the_name_maps_to_loopback(browser, room):  # noqa: F811
    name = socket.gethostname()
    if own_name_address() is None:
        pytest.skip(f"this machine's name {name!r} does not resolve to a loopback address")
    lan = default_route_address()
    # The teacher opens the app by the machine's name (it resolves to loopback: this traffic stays on the machine)
    teacher = opened(browser, f"http://{name}:{room.port}/?teacher={CODE}", PROJECTOR)
    expect(teacher.get_by_text("You are the teacher.")).to_be_visible()
    shown = sidebar(teacher).get_by_text(re.compile(r"^Students open")).inner_text()
    url = shown.removeprefix("Students open").strip()
    assert url == f"http://{lan}:{room.port}/", f"students are told {url!r}; the default route's address is {lan}"
    assert name not in url and "127." not in url
    button(teacher, "Show the QR code").click()
    qr = teacher.get_by_role("dialog").locator("img")
    expect(qr).to_be_visible()
    teacher.wait_for_timeout(500)  # the dialog's opening animation
    import zxingcpp

    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))] == [url]
    teacher.context.close()


# --- the teacher keeps the room ----------------------------------------------------------------------------------

def reload(page) -> None:
    """F5. A page that is navigating itself that moment (a rerun's switch, the role's cookie being set) aborts the
    reload or swaps the page under it: press it again."""
    from playwright.sync_api import Error as PlaywrightError

    for attempt in range(3):
        try:
            page.reload()
            return
        except PlaywrightError as exc:
            if not any(m in str(exc) for m in ("ERR_ABORTED", "Not attached to an active page")) or attempt == 2:
                raise
            page.wait_for_timeout(500)


def start_a_run(page) -> None:
    """Start the settings shown (the tutorial's recipe, 5 epochs: minutes on the real MNIST) and see it train."""
    button(page, "Start").click()
    expect(page.get_by_text(PROGRESS)).to_be_visible(timeout=LIVE_MS)


def stop_the_run(page) -> None:
    button(page, "Stop").click()
    expect(page.get_by_text(re.compile(r"^Stopped by the user"))).to_be_visible(timeout=LIVE_MS)
    wait_for_run(page)


def test_a_teacher_who_reloads_mid_run_is_still_the_teacher(browser, room, shots, real_data):
    teacher = opened(browser, f"{room.url}/?teacher={CODE}&projector=1", PROJECTOR)
    assert "teacher=" not in teacher.url, "the server took the code off the address"
    expect(teacher.get_by_text("You are the teacher.")).to_be_visible()
    cookies = {c["name"]: c for c in teacher.context.cookies()}
    assert cookies["mnist_demo_role"]["httpOnly"] and CODE not in cookies["mnist_demo_role"]["value"]
    assert "mnist_demo_role" not in teacher.evaluate("document.cookie"), "no script on the page can read it"
    start_a_run(teacher)
    # On the projector the run shows whole without scrolling: the progress bar and both panels of the curves
    curves = teacher.locator(".learning-curves")
    expect(curves).to_be_visible(timeout=LIVE_MS)
    wait_for_run(teacher)
    bar, box = (teacher.locator('.live-progress [role="progressbar"]').bounding_box(), curves.bounding_box())
    assert bar["y"] >= 0 and box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR["height"], (bar, box)
    teacher.screenshot(path=str(shots / "screenshot-train-projector-running.png"))

    reload(teacher)  # F5, mid-run
    teacher.locator("h1").first.wait_for(state="visible")
    wait_for_run(teacher)
    expect(teacher.get_by_text("You are the teacher.")).to_be_visible()
    expect(button(teacher, "Stop")).to_be_visible()
    expect(teacher.get_by_text(PROGRESS)).to_be_visible(timeout=LIVE_MS)
    second = opened(browser, f"{room.url}/", PROJECTOR, context=teacher.context)  # a new tab of the same browser
    expect(button(second, "Stop")).to_be_visible()
    student = opened(browser, f"{room.url}/", PROJECTOR)
    expect(student.get_by_text(PROGRESS)).to_be_visible(timeout=LIVE_MS)
    expect(button(student, "Stop")).to_have_count(0)
    second.close()

    stop_the_run(teacher)
    button(teacher, "Leave the teacher role").click()  # on purpose: this browser is a student's from now on
    expect(teacher.get_by_text("The teacher starts and stops the runs; this page follows them live.")).to_be_visible(
        timeout=LIVE_MS)
    reload(teacher)
    wait_for_run(teacher)
    expect(button(teacher, "Start")).to_have_count(0)
    expect(sidebar(teacher).get_by_text("You are the teacher.")).to_have_count(0)
    for page in (teacher, student):
        assert_no_exception(page)
        assert not page.crashes, page.crashes
        page.context.close()


def test_two_starts_at_once_make_one_run_that_every_page_shows(browser, room, real_data):
    first = opened(browser, f"{room.url}/?teacher={CODE}", PROJECTOR)
    second = opened(browser, f"{room.url}/", PROJECTOR, context=first.context)  # the teacher's other tab
    student = opened(browser, f"{room.url}/", SCREENS["phone"][0], touch=True)
    starts = [button(page, "Start") for page in (first, second)]
    for start in starts:
        expect(start).to_be_enabled()
    handles = [start.element_handle() for start in starts]
    for page, handle in zip((first, second), handles):  # both pressed within a few milliseconds
        page.evaluate("(b) => b.click()", handle)
    expect(first.get_by_text(PROGRESS)).to_be_visible(timeout=LIVE_MS)
    title = first.locator("h3").filter(has_text=re.compile(r"^Run \d+ · Tutorial")).first.inner_text()
    n = int(re.match(r"Run (\d+)", title).group(1))
    for page in (first, second, student):  # every page shows the run that trains, and no other run exists
        expect(page.get_by_text(PROGRESS)).to_be_visible(timeout=LIVE_MS)
        wait_for_run(page)
        expect(page.locator("h3").filter(has_text=re.compile(rf"^Run {n} · Tutorial"))).to_be_visible()
        expect(page.get_by_text("Waiting for another run to finish.")).to_have_count(0)
        expect(page.get_by_text(re.compile(rf"\bRun {n + 1}\b"))).to_have_count(0)
        expect(sidebar(page).get_by_text(re.compile(r"^Training Run \d+"))).to_have_count(1)
    for page in (first, second):  # the Start that came second, if its page sent it before the first run showed
        refused = page.get_by_text(re.compile(r"is still training"))
        if refused.count():
            expect(refused).to_have_text(re.compile(rf"^Run {n} · Tutorial · SGD 0\.01 is still training: wait for it "
                                                    r"to end, or stop it, before starting another\.$"))
    stop_the_run(first)
    for page in (first, second, student):
        assert_no_exception(page)
        assert not page.crashes, page.crashes
    first.context.close()
    student.context.close()


# --- one tap acts ------------------------------------------------------------------------------------------------

AT_CATEGORY = """(chart, [x, y]) => {  // where a chart draws category (x, y), in the page's pixels
  const gd = chart.querySelector('.js-plotly-plot'), box = gd.getBoundingClientRect();
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  return [box.left + xa._offset + xa.d2p(x), box.top + ya._offset + ya.d2p(y)];
}"""


def test_one_tap_on_a_confusion_matrix_cell_or_a_feature_map_acts(browser, room):  # noqa: F811
    viewport, _ = SCREENS["tablet"]
    page = opened(browser, f"{room.url}/evaluate", viewport, touch=True)
    cell = page.get_by_role("combobox", name="Cell")
    expect(cell).to_be_visible(timeout=300_000)  # the whole test set is read first
    wait_for_run(page)
    chart = page.get_by_test_id("stPlotlyChart").first
    chart.scroll_into_view_if_needed()
    page.touchscreen.tap(*chart.evaluate(AT_CATEGORY, ["7", "2"]))  # true 2, read as 7
    expect(cell).to_have_value(re.compile(r"^2 mistaken for 7: \d+ images$"), timeout=LIVE_MS)

    page.goto(f"{room.url}/draw")
    page.locator("canvas.upper-canvas").wait_for(state="visible")
    wait_for_run(page)
    draw_a_one(page, touch=True)
    expect(page.locator(".compact-answer")).to_be_visible(timeout=LIVE_MS)
    wait_for_run(page)
    tap_or_click(page, page.get_by_text("Inside the network", exact=True), touch=True)
    maps = page.get_by_test_id("stPlotlyChart").filter(has_text="conv1: 32 feature maps")
    expect(maps).to_be_visible(timeout=LIVE_MS)
    wait_for_run(page)
    chosen = page.get_by_role("combobox", name="Feature map")
    before = chosen.input_value()
    maps.scroll_into_view_if_needed()
    box = maps.locator(".nsewdrag").bounding_box()
    target = "31" if before != "31" else "0"  # the last map (bottom right) unless it is already the one shown
    x, y = (0.94, 0.9) if target == "31" else (0.06, 0.1)
    page.touchscreen.tap(box["x"] + x * box["width"], box["y"] + y * box["height"])
    expect(chosen).to_have_value(target, timeout=LIVE_MS)
    assert_no_exception(page)
    assert not page.crashes, page.crashes
    page.context.close()


# --- colour ------------------------------------------------------------------------------------------------------

def lab_b(rgb) -> float:
    """CIELAB's b* (yellow above 0, blue below) of an sRGB colour: the axis the red-green colour blind still see."""
    linear = [(c / 255 / 12.92) if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
    y = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    z = (0.0193 * linear[0] + 0.1192 * linear[1] + 0.9505 * linear[2]) / 1.089

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 200 * (f(y) - f(z))


def test_right_and_wrong_stay_apart_for_a_deuteranope(browser, room, shots):  # noqa: F811
    """The confusion matrix seen through Chromium's emulated deuteranopia: a right cell (the diagonal) and the most
    frequent mistake still differ in colour, on the blue-yellow axis (reds and greens both turn olive there)."""
    page = opened(browser, f"{room.url}/evaluate", SCREENS["laptop"][0])
    cell = page.get_by_role("combobox", name="Cell")
    expect(cell).to_be_visible(timeout=300_000)
    wait_for_run(page)
    true, read = re.match(r"^(\d) mistaken for (\d)", cell.input_value()).groups()  # the most frequent mistake
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setEmulatedVisionDeficiency", {"type": "deuteranopia"})
    chart = page.get_by_test_id("stPlotlyChart").first
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    box = chart.bounding_box()
    seen = Image.open(io.BytesIO(chart.screenshot())).convert("RGB")
    seen.save(shots / "confusion-deuteranopia.png")
    scale = seen.width / box["width"]

    def colour(x: str, y: str) -> tuple[int, int, int]:  # near a cell's corner, away from its text
        cx, cy = chart.evaluate(AT_CATEGORY, [x, y])
        return seen.getpixel((int((cx - box["x"] - 14) * scale), int((cy - box["y"] - 14) * scale)))

    right, wrong = colour(read, read), colour(read, true)
    assert lab_b(right) < -10 < 10 < lab_b(wrong), (right, wrong)
    page.context.close()
