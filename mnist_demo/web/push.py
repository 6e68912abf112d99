"""Pages follow the class without a timer: the server asks a page to redraw only when what it shows has changed.

Until now every open page had a fragment timed to run each second (`st.fragment(run_every=1.0)`): each second the
browser asked, the server ran the fragment, which compared two numbers, and answered, 1-3 ms of the server's time and
about a kilobyte for every idle page, thirty times a second in a class. Now one thread of the server compares, every
PERIOD_S, the class's version (`state.version`: the runs' and the lesson's) with the version each open page was drawn
from, and runs the follower fragment of only the pages that are out of date, from the server, as Streamlit itself
reruns a page whose source file changed (`AppSession.request_rerun`). A page with nothing new costs nothing and is
sent nothing; a change reaches it within PERIOD_S, and the fragment redraws the page as the timed one did.

Streamlit has no public way to run a session's fragment from the server. This uses its Runtime, AppSession and the
running fragment's id, as the Streamlit the app pins has them (rerun_race.PATCHED_VERSION). Where any of that is
missing (AppTest has no server) `available()` is False and the pages keep the timer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import partial

PERIOD_S = 0.25  # how often the server looks for pages out of date: a change reaches a page within this
RETRY_S = 1.0  # a page asked to redraw that still shows an old version after this long is asked again
# Pages asked per check: a class of thirty follows within a second, not all in one instant. Each asked page redraws
# itself in full; thirty at once held a drawing that came in the same moment up to 1.1 s in the load test (the old
# per-page timers spread them over their second).
BATCH = 8
# A page whose session the server cannot reach (a phone asleep, out of the Wi-Fi) is asked again every RETRY_S for
# this long, longer than Streamlit keeps a disconnected session (server.disconnectedSessionTTL, 120 s by default):
# back within it, the page follows at once. Then it is forgotten, so that closed tabs do not pile up.
LOST_S = 300.0
_log = logging.getLogger("mnist_demo")


@dataclass(frozen=True)
class Page:
    """An open page that follows the class: what it was drawn from, and how to run its follower fragment."""

    session: str  # Streamlit's session id
    version: Hashable  # the class's version the page shows
    fragment: str  # the id of its follower fragment
    page: str  # its page's script hash and query string: where the fragment runs
    query: str
    context: object = None  # the browser's context (st.context: time zone, locale, URL), a ContextInfo, or None


class Followers:
    """The open pages that follow the class, and the thread that asks the out-of-date ones to redraw.

    `version()` is the class's version now; `rerun(page)` runs a page's follower fragment and says False when its
    session cannot be reached (after LOST_S of that it is forgotten). Pages register each time they are drawn
    (`drawn`), and leave with `forget` when another way of following takes over (the Train page during a run redraws
    itself each second)."""

    def __init__(self, version: Callable[[], Hashable], rerun: Callable[[Page], bool],
                 period: float = PERIOD_S, batch: int = BATCH) -> None:
        self.version, self.rerun, self.period, self.batch = version, rerun, period, batch
        self._pages: dict[str, Page] = {}
        self._asked: dict[str, tuple[Hashable, float]] = {}  # session -> (version it was asked to show, when)
        self._lost: dict[str, float] = {}  # session -> when the server first could not reach it
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.asked = 0  # pages asked to redraw since the server started

    def drawn(self, page: Page) -> None:
        """A page is being drawn (its follower fragment runs before the page's own code): followed from now, asked
        again at the next check if it is already out of date (a page drawn while the class changed)."""
        with self._lock:
            self._pages[page.session] = page
            self._asked.pop(page.session, None)
            self._lost.pop(page.session, None)

    def drop(self, page: Page) -> None:
        """Forget `page` if it is still the session's registration: its follower fragment is gone (the page failed
        or stopped before it was drawn again) or the session is on another page, which registers itself."""
        with self._lock:
            if self._pages.get(page.session) is page:
                self._pages.pop(page.session)
                self._asked.pop(page.session, None)
                self._lost.pop(page.session, None)

    def busy(self, page: Page) -> None:
        """`page`'s session was running when asked (the student drawing, or a run that started before the class
        changed): asked again at the next check, not after RETRY_S. The page registers before its own code runs
        (state.follow), so the end of that run says nothing here."""
        with self._lock:
            if self._pages.get(page.session) is page:
                self._asked.pop(page.session, None)

    def forget(self, session: str) -> None:
        with self._lock:
            self._pages.pop(session, None)
            self._asked.pop(session, None)
            self._lost.pop(session, None)

    def __len__(self) -> int:
        return len(self._pages)

    def check(self, now: float | None = None) -> int:
        """Ask the pages that show an older version than the class's to redraw (once a version, again after
        RETRY_S if it still has not; at most `batch` of them, the rest at the next checks); the number asked."""
        now = time.monotonic() if now is None else now
        current = self.version()
        with self._lock:
            stale = [p for p in self._pages.values() if p.version != current]
            due = [p for p in stale if (a := self._asked.get(p.session)) is None or a[0] != current
                   or now - a[1] >= RETRY_S][:self.batch]
            for page in due:
                self._asked[page.session] = (current, now)
        unreachable = [page.session for page in due if not self.rerun(page)]
        for session in unreachable:
            with self._lock:
                lost = self._lost.setdefault(session, now)
            if now - lost >= LOST_S:
                self.forget(session)
        self.asked += len(due) - len(unreachable)
        return len(due) - len(unreachable)

    def start(self) -> Followers:
        """The watching thread, once (a daemon: it ends with the server)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="mnist-demo followers", daemon=True)
                self._thread.start()
        return self

    def _watch(self) -> None:
        while True:
            time.sleep(self.period)
            try:
                self.check()
            except Exception:  # a page's trouble must not end the following of all the others
                _log.exception("following the class: a check failed")


# --- Streamlit's side ---------------------------------------------------------------------------------------------

def available() -> bool:
    """True inside a running Streamlit server whose sessions this module can reach (not under AppTest)."""
    from mnist_demo.web.rerun_race import version_problem

    return version_problem() is None and _server() is not None


def _server():
    """Streamlit's Runtime of the server this runs in; None when there is none, or only AppTest's stand-in."""
    from streamlit import runtime

    return runtime.get_instance() if runtime.exists() and type(runtime.get_instance()) is runtime.Runtime else None


def session_id() -> str | None:
    """This session's id, None outside a script run."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    return None if ctx is None else ctx.session_id


def fragment_run() -> bool:
    """Whether this script run is a fragment's own (the server's ask, a timer), not a whole page's."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx is not None and bool(ctx.fragment_ids_this_run)


def this_page(version: Hashable) -> Page | None:
    """The page being drawn, called from inside its follower fragment; None outside one (or under AppTest)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState, get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    try:
        fragment = ThreadState.get().fragment_id
    except RuntimeError:
        return None
    if not fragment:
        return None
    return Page(ctx.session_id, version, fragment, ctx.page_script_hash, ctx.query_string, ctx.context_info)


def rerun(page: Page, drop: Callable[[Page], None] = lambda page: None,
          busy: Callable[[Page], None] = lambda page: None) -> bool:
    """Run `page`'s follower fragment in its session, as the browser's timer did (an auto-rerun of that fragment);
    False when the session cannot be reached (closed, or its browser disconnected).

    Only while the session is idle, and only on the page it was registered from: a run in progress may be the
    student opening another page, and a fragment rerun queued behind it with the old page's id would take the
    student back there. A page passed over is passed to `busy` (Followers.busy: asked again at the next check). A
    page whose fragment is gone, or that the session has left, is passed to `drop`: it is not asked again."""
    from streamlit.proto.ClientState_pb2 import ClientState

    server = _server()
    session = None if server is None else server.get_app_session(page.session)
    if session is None:
        return False
    state = ClientState(fragment_id=page.fragment, page_script_hash=page.page, query_string=page.query,
                        is_auto_rerun=True)
    if page.context is not None:
        state.context_info.CopyFrom(page.context)
    # On the session's event loop, where the browser's own requests are handled: a page change the browser asked
    # for has set `_scriptrunner` there before this runs, so the check and the request cannot be split by one.
    session._call_soon_on_event_loop(partial(_rerun_if_idle, session, state, partial(drop, page), partial(busy, page)))
    return True


def _rerun_if_idle(session, state, drop: Callable[[], None], busy: Callable[[], None]) -> None:
    if session._scriptrunner is not None:
        busy()
        return
    if session._client_state.page_script_hash != state.page_script_hash or not session.has_fragment(state.fragment_id):
        drop()
        return
    session.request_rerun(state)
