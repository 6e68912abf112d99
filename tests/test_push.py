"""The server's watch over open pages (mnist_demo.web.push): only a page out of date is asked to redraw, once a
version, again if it still has not after a while; a session out of reach is asked again, and forgotten after a
while. The browser side (a student's page following a run, a lesson, a phone back online) is watched in Chromium by
test_classroom.py, test_lesson_browser.py and test_room_browser.py; what idle pages cost is measured by
scripts/load_test.py --lesson."""

import threading

from mnist_demo.web.push import LOST_S, RETRY_S, Followers, Page


def page(session: str, version: int) -> Page:
    return Page(session, version, fragment="f-" + session, page="draw", query="")


def test_only_pages_out_of_date_are_asked_once_a_version_and_a_closed_session_is_forgotten():
    class_version = [3]
    asked: list[tuple[str, int]] = []
    open_sessions = {"a", "b", "c"}

    def rerun(p: Page) -> bool:
        asked.append((p.session, p.version))
        return p.session in open_sessions

    watch = Followers(lambda: class_version[0], rerun)
    for name in "abc":
        watch.drawn(page(name, 3))
    assert watch.check(now=0.0) == 0 and asked == []  # nothing changed: nobody asked, nothing sent

    class_version[0] = 4  # a run ended an epoch
    assert watch.check(now=1.0) == 3 and sorted(s for s, _ in asked) == ["a", "b", "c"]
    asked.clear()
    assert watch.check(now=1.25) == 0 and asked == []  # asked once for this version, not four times a second

    watch.drawn(page("a", 4))  # a's fragment ran and redrew the page
    watch.drawn(page("b", 4))
    open_sessions.discard("c")  # c's phone went to sleep before redrawing
    assert watch.check(now=1.0 + RETRY_S) == 0 and asked == [("c", 3)]  # asked again, not reached, kept a while
    assert len(watch) == 3 and watch.asked == 3
    assert watch.check(now=1.0 + 2 * RETRY_S + LOST_S) == 0 and len(watch) == 2  # never back: forgotten
    asked.clear()
    class_version[0] = 5
    assert watch.check(now=10.0) == 2 and sorted(s for s, _ in asked) == ["a", "b"]

    watch.forget("a")  # the Train page during a run redraws itself: no longer followed from here
    assert len(watch) == 1


def test_the_watching_thread_asks_within_its_period():
    version = [0]
    asked = threading.Event()
    watch = Followers(lambda: version[0], lambda p: asked.set() or True, period=0.01).start()
    assert watch.start() is watch  # one thread, however often it is started
    watch.drawn(page("a", 0))
    assert not asked.wait(0.1)
    version[0] = 1
    assert asked.wait(2)


def test_a_class_is_asked_a_few_pages_at_a_time_so_that_no_instant_holds_thirty_redraws():
    asked: list[str] = []
    watch = Followers(lambda: 1, lambda p: asked.append(p.session) or True, batch=8)
    for i in range(30):
        watch.drawn(page(f"s{i}", 0))
    counts = [watch.check(now=0.25 * k) for k in range(4)]
    assert counts == [8, 8, 8, 6] and sorted(asked) == sorted(f"s{i}" for i in range(30))  # each once, within 1 s


def test_a_page_whose_follower_is_gone_is_dropped_but_not_a_newer_registration():
    watch = Followers(lambda: 2, lambda p: True)
    old = page("a", 1)
    watch.drawn(old)
    watch.drop(old)  # its run failed before the follower was drawn again: nothing left to rerun
    assert len(watch) == 0 and watch.check(now=0.0) == 0
    newer = page("a", 1)
    watch.drawn(newer)
    watch.drop(old)  # a late word about the old registration leaves the new one alone
    assert len(watch) == 1 and watch.check(now=0.0) == 1


def test_a_page_busy_when_asked_is_asked_again_at_the_next_check():
    asked: list[str] = []
    watch = Followers(lambda: 2, lambda p: asked.append(p.session) or True)
    busy = page("a", 1)
    watch.drawn(busy)
    assert watch.check(now=0.0) == 1
    watch.busy(busy)  # the student was drawing: the fragment was not run
    assert watch.check(now=0.25) == 1 and asked == ["a", "a"]  # again a check later, not RETRY_S later
    watch.drawn(page("a", 2))  # it ran and redrew the page
    watch.busy(busy)  # a late word about the old registration changes nothing
    assert watch.check(now=0.5) == 0 and asked == ["a", "a"]
