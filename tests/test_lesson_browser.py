"""A lesson the teacher leads, in Chromium: a teacher (through the teacher link) and two students on one server. The
teacher turns "Students follow me" on and moves through three steps: both students' pages show each step within 2 s
of the teacher's own tab (each page notes the moment itself; slack for a busy machine). A
student answers the teacher's question and the teacher's chart counts it. A student who goes elsewhere on their own
moves nobody: their own page comes back to the teacher's, the other student stays. A second tab of the same browser
is the same student: it sees the answer given and changing it counts once. Then the lesson at every width a class
has, tapped on the touch screens: the step bar, the question and each answer whole and reachable."""

from __future__ import annotations

import os
import re
import time

import pytest
from test_room_browser import SCREENS, assert_whole, opened, tap_or_click

from mnist_demo.paths import DATA_DIR_ENV, RUNS_DIR_ENV
from mnist_demo.tools.browser import assert_no_exception, click_steady, tab, wait_for_run
from mnist_demo.tools.serve import AppServer

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips or fails
    expect = None

CODE = "lesson-test-code"
FOLLOW_MS = 2_000  # the promise: every follower within 2 s of the teacher
SLACK_MS = 1_500  # a page's rerun and Chromium's drawing of it, on a 2-core machine shared with the server
DRAW_MS = 10_000  # the longest the teacher's own tab may take to show a page, on CI's busy cores
WAIT_MS = DRAW_MS  # a wait for what a page must come to show; how fast pages follow, follows() measures to the frame
PHONE = {"width": 390, "height": 844}
CROWDED_MS = 15_000  # five Chromium tabs drawing on the server's own two cores: the 2 s is load_test.py's to measure


@pytest.fixture(scope="module")
def lesson_url(browser, tiny_data_dir, tmp_path_factory):  # noqa: F811 - the browser fixture
    env = dict(os.environ, **{DATA_DIR_ENV: str(tiny_data_dir), RUNS_DIR_ENV: str(tmp_path_factory.mktemp("runs")),
                              "MNIST_DEMO_CLASS_DB": str(tmp_path_factory.mktemp("db") / "class.db"),
                              "MNIST_DEMO_TEACHER_CODE": CODE, "MNIST_DEMO_LOCAL_TEACHER": "0"})
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    with AppServer(env, ["--server.fileWatcherType", "none"], log, timeout=60) as server:
        yield server.url


def title(page) -> str:
    return page.locator("h1").first.inner_text().strip()


WATCH = """() => {  // each title the page shows from now on, and when it first showed it, by the page's own clock
    window.seenTitles = {};
    if (window.watchingTitles) return;
    window.watchingTitles = true;
    const look = () => {
        const h1 = document.querySelector("h1");
        const title = h1 === null ? null : h1.innerText.replace(/\\s+/g, " ").trim();
        if (title !== null && !(title in window.seenTitles)) window.seenTitles[title] = Date.now();
        requestAnimationFrame(look);
    };
    look();
}"""


def watch(*pages) -> None:
    """From now on, each page notes when its title changes, at every frame it draws (Playwright's expect() looks
    less and less often, up to once a second, which would add its own wait to a measured lag)."""
    for page in pages:
        page.evaluate(WATCH)


def shown_at(page, heading: str, timeout: int) -> float:
    """The moment (a time.time()) `page`'s title first read `heading` since `watch(page)`."""
    seen = page.wait_for_function("heading => window.seenTitles[heading]", arg=heading, timeout=timeout)
    return seen.json_value() / 1000


def follows(students, heading: str, since: float, timeout: int = FOLLOW_MS + SLACK_MS) -> float:
    """Seconds from `since` (a time.time()) until the last of the students' pages showed `heading`, since `watch`."""
    return max(shown_at(page, heading, timeout) for page in students) - since


def test_students_follow_the_teacher_answer_and_a_forged_move_moves_nobody(browser, lesson_url):  # noqa: F811
    teacher = tab(browser, f"{lesson_url}/?teacher={CODE}", {"width": 1280, "height": 720})
    anna = tab(browser, lesson_url, PHONE)
    ben = tab(browser, lesson_url)
    students = [anna, ben]
    sidebar = teacher.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_text("You are the teacher.")).to_be_visible()
    assert all(title(s) == "Train a network to read handwriting" for s in students)

    sidebar.get_by_text("Students follow me", exact=True).click()
    wait_for_run(teacher)
    # Measured from the moment the teacher's own tab shows the step, as a room sees it: the following is tested, not
    # how long the teacher's click takes, here on two cores that the server, three tabs and the other tests share
    # (load_test.py measures a class on a quiet server). Each page notes the moment itself: expect() looks up to a
    # second apart, which read the same lags up to a second late (CI once failed, 4.6 s from the click).
    lags, teachers = [], []
    for heading in ("Gallery", "How the network is built", "Train a network to read handwriting"):
        watch(teacher, *students)
        start = time.time()
        click_steady(teacher.get_by_role("button", name=re.compile(r"Next$")))
        shown = shown_at(teacher, heading, DRAW_MS)
        teachers.append(shown - start)
        lags.append(follows(students, heading, shown, timeout=DRAW_MS))
        for page in students:  # the step, read-only, with its explanation
            expect(page.get_by_text(re.compile(r"^\d\. "), exact=False).first).to_be_visible()
    # pytest -s shows them
    print(f"the teacher's tab showed each step in (s): {[round(s, 2) for s in teachers]}; both students followed "
          f"it (s later): {[round(s, 2) for s in lags]}")
    assert max(lags) <= (FOLLOW_MS + SLACK_MS) / 1000, lags
    expect(anna.get_by_text("3. Training").first).to_be_visible()

    teacher.get_by_text("Guess first: ask the class").click()
    teacher.get_by_role("button", name=re.compile(r"Ask: Will a learning rate of 0\.01 with sgd learn\?$")).click()
    wait_for_run(teacher)
    question = anna.get_by_text("Will a learning rate of 0.01 with sgd learn?")
    expect(question).to_be_visible(timeout=WAIT_MS)
    anna.locator('[data-testid="stButtonGroup"]').get_by_text("Yes", exact=True).click()
    expect(anna.get_by_text(re.compile(r"^Your answer is in: Yes\."))).to_be_visible()
    # .first: for a moment, a redraw can show the old chart beside the new
    chart = teacher.locator('[data-testid="stPlotlyChart"]').filter(has_text="1 answer").first
    expect(chart).to_be_visible(timeout=WAIT_MS)  # the projector's bar chart counts it

    again = anna.context.new_page()  # Anna's second tab: the same browser, so the same student
    again.goto(lesson_url)
    expect(again.get_by_text(re.compile(r"^Your answer is in: Yes\."))).to_be_visible(timeout=WAIT_MS)
    again.locator('[data-testid="stButtonGroup"]').get_by_text("No", exact=True).click()
    expect(again.get_by_text(re.compile(r"^Your answer is in: No\."))).to_be_visible()
    time.sleep(2 * FOLLOW_MS / 1000)  # the chart has redrawn since: still one answer, now "No"
    expect(chart).to_be_visible()
    again.close()

    ben.locator('[data-testid="stSidebarNav"]').get_by_text("Draw", exact=True).click()  # Ben goes his own way
    expect(ben.locator("h1").first).to_have_text("Train a network to read handwriting",
                                                 timeout=WAIT_MS)  # and is brought back
    assert title(anna) == "Train a network to read handwriting" and title(teacher) == title(anna)
    ben.locator('[data-testid="stSidebar"]').get_by_text("Explore on my own", exact=True).click()
    wait_for_run(ben)
    ben.locator('[data-testid="stSidebarNav"]').get_by_text("Draw", exact=True).click()
    expect(ben.locator("h1").first).to_have_text("Draw a digit")
    time.sleep((FOLLOW_MS + SLACK_MS) / 1000)  # a follower would have been moved back by now
    assert title(ben) == "Draw a digit" and title(anna) == "Train a network to read handwriting"
    for page in (teacher, anna, ben):
        assert_no_exception(page)


def leading(browser, url: str):
    """The teacher's page (projector size) with "Students follow me" on."""
    teacher = tab(browser, f"{url}/?teacher={CODE}", {"width": 1280, "height": 720})
    follow = teacher.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"]',
                             has_text="Students follow me").locator("input")
    if not follow.is_checked():  # run alone, not after the tests above
        follow.click(force=True)
        wait_for_run(teacher)
    return teacher


def move_on(teacher) -> str:
    """The teacher opens another page (the class follows); the title of the page it left."""
    before = title(teacher)
    elsewhere = "Gallery" if before == "Draw a digit" else "Draw"
    teacher.locator('[data-testid="stSidebarNav"]').get_by_text(elsewhere, exact=True).click()
    expect(teacher.locator("h1").first).not_to_have_text(before)
    return before


IDLE_S = 4  # seconds a student's page sits idle, watched frame by frame


def test_an_idle_students_page_sends_and_receives_nothing_yet_follows_the_teacher_at_once(browser, lesson_url):  # noqa: F811
    """Thirty idle students cost the server nothing (mnist_demo.web.push): while nothing changes, a student's page and
    the server exchange no websocket message at all (the page once asked every second). When the teacher moves, the
    server pushes the change and the student's page follows within the 2 s."""
    teacher = leading(browser, lesson_url)
    student = browser.new_context(viewport=PHONE).new_page()
    frames: list[tuple[float, str]] = []
    student.on("websocket", lambda ws: (ws.on("framesent", lambda _: frames.append((time.monotonic(), "sent"))),
                                        ws.on("framereceived", lambda _: frames.append((time.monotonic(), "got")))))
    student.goto(lesson_url)
    expect(student.locator("h1").first).to_have_text(title(teacher))
    wait_for_run(student)
    student.wait_for_timeout(1_000)  # the first run's last messages (Playwright hands over events while it waits)
    quiet_from = time.monotonic()
    student.wait_for_timeout(IDLE_S * 1_000)
    idle = [f for f in frames if f[0] >= quiet_from]
    assert idle == [], f"{len(idle)} websocket frames in {IDLE_S} s of an idle page: {[k for _, k in idle][:10]}"

    watch(student)
    start, from_server = time.time(), len(frames)
    move_on(teacher)
    follows([student], title(teacher), start)
    assert any(kind == "got" for _, kind in frames[from_server:]), "the change came from the server"
    assert_no_exception(student)
    student.context.close()


def test_a_student_on_a_page_that_stops_early_follows_on(browser, lesson_url):  # noqa: F811
    """The Draw page with nothing drawn yet ends its run early (st.stop: nothing to read). A student who followed the
    teacher there still follows when the teacher moves on, and back again."""
    teacher = leading(browser, lesson_url)
    if title(teacher) != "Draw a digit":
        teacher.locator('[data-testid="stSidebarNav"]').get_by_text("Draw", exact=True).click()
        expect(teacher.locator("h1").first).to_have_text("Draw a digit")
    student = tab(browser, lesson_url, PHONE)
    expect(student.locator("h1").first).to_have_text("Draw a digit")
    expect(student.get_by_text(re.compile(r"^Draw a digit on the black square|^There is no model"))).to_be_visible()
    for _ in range(2):
        watch(teacher, student)
        move_on(teacher)
        heading = title(teacher)
        lag = follows([student], heading, shown_at(teacher, heading, DRAW_MS), timeout=DRAW_MS)
        assert lag <= (FOLLOW_MS + SLACK_MS) / 1000, (heading, lag)
    assert_no_exception(student)
    student.context.close()


KEEP_SOCKETS = """(() => {  // every WebSocket the page opens, kept where the test can close it
    const Native = window.WebSocket;
    window.__sockets = [];
    window.WebSocket = function (...args) { const s = new Native(...args); window.__sockets.push(s); return s; };
    window.WebSocket.prototype = Native.prototype;
    Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})();"""


def test_a_phone_that_lost_the_connection_follows_when_it_is_back(browser, lesson_url):  # noqa: F811
    """A phone sleeps or walks out of the Wi-Fi while the teacher moves on: when it is back, its page goes where the
    class is, without a reload (the server keeps asking a page it cannot reach for a while, web/push.py)."""
    teacher = leading(browser, lesson_url)
    context = browser.new_context(viewport=PHONE)
    context.add_init_script(KEEP_SOCKETS)
    phone = context.new_page()
    sockets = []
    phone.on("websocket", lambda ws: sockets.append(ws))
    phone.goto(lesson_url)
    expect(phone.locator("h1").first).to_have_text(title(teacher))
    wait_for_run(phone)
    context.set_offline(True)
    phone.evaluate("window.__sockets.forEach(s => s.close())")  # the connection is gone, and cannot come back yet
    before = move_on(teacher)
    phone.wait_for_timeout(3_000)  # the class moved while the phone was away
    assert title(phone) == before
    context.set_offline(False)
    expect(phone.locator("h1").first).to_have_text(title(teacher), timeout=15_000)
    assert len(sockets) >= 2, "the page followed over a new connection"
    assert_no_exception(phone)
    context.close()


def test_the_lesson_at_every_width_a_class_has(browser, lesson_url):  # noqa: F811
    """The teacher on a 1366 px laptop asks "what shape comes out of conv1?"; students on a phone and two tablets
    (touch) and at the projector's 1280 x 720 follow to the step, see the step bar and the question whole, and
    answer with one tap each; the teacher's chart counts four browsers."""
    teacher = opened(browser, f"{lesson_url}/?teacher={CODE}", SCREENS["laptop"][0])
    follow = teacher.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"]',
                             has_text="Students follow me").locator("input")
    if not follow.is_checked():  # run alone, not after the test above
        follow.click(force=True)
        wait_for_run(teacher)
    students = {name: opened(browser, lesson_url, *SCREENS[name])
                for name in ("phone", "tablet", "tablet-landscape", "projector")}
    click_steady(teacher.locator('[data-testid="stButtonGroup"]').get_by_text("2. Building the network", exact=True))
    for page in students.values():
        expect(page.locator("h1").first).to_have_text("How the network is built", timeout=CROWDED_MS)
    for what in ("Back", "Next"):
        assert_whole(teacher, teacher.get_by_role("button", name=re.compile(f"{what}$")), f"the teacher's {what}")
    assert_whole(teacher, teacher.locator('[data-testid="stButtonGroup"]').first, "the teacher's step bar")

    teacher.get_by_text("Guess first: ask the class").click()
    ask = teacher.get_by_role("button", name=re.compile(r"Ask: What shape comes out of conv1\?$"))
    for attempt in range(3):  # a click that lands as a timed fragment redraws the bar can be lost (seen under load)
        click_steady(ask)
        try:
            expect(teacher.locator(".st-key-lesson-question h3")).to_have_text("What shape comes out of conv1?",
                                                                               timeout=10_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
    for name, (viewport, touch) in ((n, SCREENS[n]) for n in students):
        page = students[name]
        expect(page.get_by_text("What shape comes out of conv1?")).to_be_visible(timeout=CROWDED_MS)
        assert_whole(page, page.get_by_text("2. Building the network", exact=True).first, f"the step at {name}")
        choices = page.locator('.st-key-lesson-question [data-testid="stButtonGroup"] button')
        expect(choices).to_have_count(4)
        for i in range(4):
            assert_whole(page, choices.nth(i), f"answer {i + 1} at {viewport['width']} px")
        tap_or_click(page, choices.first, touch)
        expect(page.get_by_text(re.compile(r"^Your answer is in: "))).to_be_visible(timeout=WAIT_MS)
    chart = teacher.locator('[data-testid="stPlotlyChart"]').filter(has_text="4 answers").first
    expect(chart).to_be_visible(timeout=WAIT_MS)
    box = chart.bounding_box()  # redrawn each second: its box, not assert_whole's walk up a node being replaced
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= SCREENS["laptop"][0]["width"]
    click_steady(teacher.get_by_role("button", name=re.compile(r"Show the answer$")))
    for page in students.values():
        expect(page.get_by_text(re.compile(r"^The answer: "))).to_be_visible(timeout=WAIT_MS)
    for page in (teacher, *students.values()):
        assert_no_exception(page)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "a sideways scroll"
