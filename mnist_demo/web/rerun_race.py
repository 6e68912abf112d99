"""A fix for a race in Streamlit 1.67's server that loses the end of a page's run: a drawing's answer, in a classroom.

Pages have fragments that rerun on their own (the follower the server runs when the class changes, web/push.py; the
Train page's progress each second) and a student's drawing reruns the whole page. When a fragment rerun reaches the
server just as a run's script has finished, but before that run's last messages have left the server's event loop,
`AppSession.request_rerun` finds the runner stopped and starts a new one; the old runner's queued messages (the rest
of the page, the "finished" message) are then ignored as coming from "a non-current ScriptRunner". Streamlit's own
comment in `request_rerun` describes it (streamlit/streamlit#9921); it only guards the case of a fragment that no
longer exists. The load test (docs/load.md) saw it lose 1-2 drawings of 150 while the class drew (each page then had a
follower timed to run every second): the student's page showed nothing new, until the next drawing.

The fix: a fragment rerun that would start a new runner while the stopped one is still the session's current
runner waits (a few milliseconds at a time) until that runner's last events have been delivered and it has let go
(`_scriptrunner` is None), or until the current runner takes the request, then goes ahead as Streamlit would. A
full rerun is left alone: it replaces the whole page, so the old run's last messages are meant to be dropped.
"""

from __future__ import annotations

import logging

import streamlit
from streamlit.runtime.app_session import AppSession, AppSessionState

PATCHED_VERSION = "1.67.0"  # the Streamlit whose AppSession._create_scriptrunner this replaces
RETRY_S = 0.005  # how long a deferred fragment rerun waits before it looks again
MAX_WAIT_S = 5.0  # after this long it goes ahead anyway, as Streamlit would have at once
_log = logging.getLogger("mnist_demo")
_streamlit_create = AppSession._create_scriptrunner


def _create_scriptrunner(self: AppSession, initial_rerun_data, _waited: float = 0.0) -> None:
    """AppSession._create_scriptrunner, except that a fragment rerun waits for the stopped runner to let go."""
    stopping = self._scriptrunner is not None  # request_rerun only gets here with one when it refused the rerun
    if not (initial_rerun_data.fragment_id and stopping and _waited < MAX_WAIT_S):
        if stopping and initial_rerun_data.fragment_id:
            _log.warning("a fragment rerun waited %.1f s for the previous run to end; starting it anyway", _waited)
        _streamlit_create(self, initial_rerun_data)
        return
    # call_soon_threadsafe: request_rerun is called on the event loop, but a file watcher may call it from its own
    # thread; the timer itself must be set on the loop.
    self._event_loop.call_soon_threadsafe(self._event_loop.call_later, RETRY_S, _retry, self, initial_rerun_data,
                                          _waited + RETRY_S)


def _retry(self: AppSession, rerun_data, waited: float) -> None:
    """request_rerun's last steps again, now that the stopped runner's queued events have had their turn."""
    if self._state == AppSessionState.SHUTDOWN_REQUESTED:
        return
    if not self.has_fragment(rerun_data.fragment_id):  # the run that just ended removed it: nothing to rerun
        return
    if self._scriptrunner is not None and self._scriptrunner.request_rerun(rerun_data):
        return
    _create_scriptrunner(self, rerun_data, waited)


def version_problem() -> str | None:
    """Why the fix cannot be put in place (another Streamlit than the one it was written against), or None."""
    if streamlit.__version__ == PATCHED_VERSION:
        return None
    return (f"mnist-demo needs Streamlit {PATCHED_VERSION} (web/rerun_race.py mends a race inside it), but "
            f"Streamlit {streamlit.__version__} is installed: run `make setup` (pip install -r requirements.txt "
            "-c constraints.txt) to get the version it was tested with")


def install() -> None:
    """Put the fix in place, once per server process (app.py calls it on every run: it is idempotent). With another
    Streamlit the server refuses to start (web/__main__.py); here the fix is left out and the log says why."""
    problem = version_problem()
    if problem:
        _log.error(problem)
        return
    if AppSession._create_scriptrunner is not _create_scriptrunner:
        AppSession._create_scriptrunner = _create_scriptrunner  # type: ignore[method-assign]  # the patch itself
