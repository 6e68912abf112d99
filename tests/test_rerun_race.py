"""The fix for Streamlit's fragment-rerun race (mnist_demo/web/rerun_race.py): a timed fragment's rerun that meets a
run just ended no longer throws that run's last messages (a student's answer) away. The last test watches it in
Chromium, on a page made to meet the race often (tests/apps/rerun_race_app.py)."""

from __future__ import annotations

import asyncio
import inspect
import os
import re
from pathlib import Path

import pytest
from streamlit.runtime.app_session import AppSession, AppSessionState
from streamlit.runtime.scriptrunner import RerunData

from mnist_demo.tools.serve import AppServer
from mnist_demo.web import rerun_race

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips or fails
    expect = None


class Runner:
    def __init__(self, accepts: bool) -> None:
        self.accepts, self.requests = accepts, []

    def request_rerun(self, data: RerunData) -> bool:
        self.requests.append(data)
        return self.accepts


class Session:
    """What the fix reads of an AppSession: its current runner, state, event loop and fragments."""

    def __init__(self, loop: asyncio.AbstractEventLoop, runner: Runner | None) -> None:
        self._scriptrunner, self._event_loop = runner, loop
        self._state = AppSessionState.APP_IS_RUNNING
        self.fragments = {"follow"}

    def has_fragment(self, fragment_id: str) -> bool:
        return fragment_id in self.fragments


@pytest.fixture
def started(monkeypatch):
    """The runners Streamlit's own _create_scriptrunner would have started, by rerun data."""
    made: list[RerunData] = []
    monkeypatch.setattr(rerun_race, "_streamlit_create", lambda session, data: made.append(data))
    return made


@pytest.fixture
def loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def run_loop(loop: asyncio.AbstractEventLoop, seconds: float) -> None:
    loop.run_until_complete(asyncio.sleep(seconds))


def test_the_race_is_where_the_fix_sits_in_the_installed_streamlit():
    # request_rerun asks the current runner, and starts a new one (losing the old one's queued messages) when it
    # refuses: the only call of _create_scriptrunner, the method the fix wraps.
    source = inspect.getsource(AppSession.request_rerun)
    assert "success = self._scriptrunner.request_rerun(rerun_data)" in source
    assert source.rstrip().endswith("self._create_scriptrunner(rerun_data)")
    assert "non-current ScriptRunner" in inspect.getsource(AppSession._handle_scriptrunner_event_on_event_loop)
    rerun_race.install()
    rerun_race.install()
    assert AppSession._create_scriptrunner is rerun_race._create_scriptrunner


def test_a_fragment_rerun_waits_until_the_ended_run_has_delivered_its_messages(started, loop):
    session = Session(loop, Runner(accepts=False))  # a run has just ended: its runner refuses, its events queue
    tick = RerunData(fragment_id="follow", is_auto_rerun=True)
    rerun_race._create_scriptrunner(session, tick)
    run_loop(loop, 0.05)
    assert started == []  # no new runner yet: the old one's messages would be ignored
    session._scriptrunner = None  # its last event (SHUTDOWN) delivered: it lets go
    run_loop(loop, 0.05)
    assert started == [tick]


def test_a_waiting_fragment_rerun_goes_to_a_runner_that_takes_it(started, loop):
    session = Session(loop, Runner(accepts=False))
    tick = RerunData(fragment_id="follow", is_auto_rerun=True)
    rerun_race._create_scriptrunner(session, tick)
    session._scriptrunner = newer = Runner(accepts=True)  # a student's drawing started a full run meanwhile
    run_loop(loop, 0.05)
    assert newer.requests == [tick] and started == []


def test_a_fragment_the_ended_run_removed_is_not_rerun(started, loop):
    session = Session(loop, Runner(accepts=False))
    rerun_race._create_scriptrunner(session, RerunData(fragment_id="follow"))
    session.fragments.clear()
    session._scriptrunner = None
    run_loop(loop, 0.05)
    assert started == []


def test_full_reruns_and_a_free_session_start_at_once(started, loop):
    drawing = RerunData(page_name="draw")  # a full rerun replaces the page: nothing of the old run is wanted
    rerun_race._create_scriptrunner(Session(loop, Runner(accepts=False)), drawing)
    tick = RerunData(fragment_id="follow")
    rerun_race._create_scriptrunner(Session(loop, None), tick)
    assert started == [drawing, tick]


def test_a_runner_that_never_lets_go_does_not_hold_the_fragment_forever(started, loop, monkeypatch):
    monkeypatch.setattr(rerun_race, "MAX_WAIT_S", 0.02)
    tick = RerunData(fragment_id="follow")
    rerun_race._create_scriptrunner(Session(loop, Runner(accepts=False)), tick)
    run_loop(loop, 0.2)
    assert started == [tick]


PRESSES = 40  # without the fix, 3 of 60 presses lost their page's end on this project's 2-core machine (twice)


@pytest.fixture(scope="module")
def race_url(browser, tmp_path_factory):
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    with AppServer(dict(os.environ, RERUN_RACE_FIX="1"), ["--server.fileWatcherType", "none"], log, timeout=60,
                   script=Path(__file__).parent / "apps" / "rerun_race_app.py") as server:
        yield server.url


def test_in_chromium_every_press_shows_its_page_while_a_fragment_reruns_every_20_ms(browser, race_url):
    page = browser.new_page()
    try:
        page.goto(race_url)
        expect(page.get_by_text("pressed 0", exact=True)).to_be_visible(timeout=30_000)
        expect(page.get_by_text(re.compile(r"^tick \d{2,}$"))).to_be_visible(timeout=10_000)  # the fragment runs
        lost = []
        for n in range(1, PRESSES + 1):
            page.get_by_role("button", name="press").click()
            try:
                expect(page.get_by_text(f"pressed {n}", exact=True)).to_be_visible(timeout=3_000)
            except AssertionError:
                lost.append(n)  # its run's last messages never came: the next press shows the count again
        assert lost == [], f"presses whose page never finished: {lost}"
    finally:
        page.close()


def test_another_streamlit_is_refused_at_start_with_one_line(monkeypatch, capsys):
    """The fix replaces a method of Streamlit 1.67's AppSession: with another Streamlit, `make run` (python -m
    mnist_demo.web) stops before serving and says which version to install; the patch is left out."""
    import streamlit

    from mnist_demo.web import __main__ as launcher

    monkeypatch.setattr(streamlit, "__version__", "1.68.0")
    before = AppSession._create_scriptrunner
    rerun_race.install()
    assert AppSession._create_scriptrunner is before
    with pytest.raises(SystemExit) as stopped:
        launcher.main([])
    message = str(stopped.value.code)
    assert message.startswith("error: mnist-demo needs Streamlit 1.67.0") and "1.68.0 is installed" in message
    assert "make setup" in message and "\n" not in message
