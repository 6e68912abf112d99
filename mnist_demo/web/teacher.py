"""Who the teacher is, across reloads and tabs: a signed, http-only cookie that the server sets and checks.

The teacher link (?teacher=CODE) is answered by the server before any page runs: `TeacherDoor`, a Starlette
middleware that server.py hands to st.App. When the code is right it sets the cookie `mnist_demo_role` to a token
signed with a key made from the code (HMAC-SHA256 over its expiry) and redirects to the same address without the
code, so the code never shows in the address bar, the history or the page. The cookie is HttpOnly (no script on the
page can read it) and SameSite=Lax; each new session checks its signature and expiry (st.context.cookies: the
cookies the browser sent with the page's websocket). A server started with another code makes old cookies worthless.

A code typed in the sidebar makes that session the teacher at once, and a pass (random, single-use, valid for a
minute, kept in this process) takes the browser through the same door (?teacher_pass=...) for the cookie. Leaving
the role on purpose (?role=student) sets the cookie to "student", which also turns off the local teacher (a browser
on the server's machine). A wrong code goes on to the page, which says so.

Served by a plain `streamlit run app.py` (no door), the teacher link still works, for that session only.
No Streamlit here: the door runs in the server's event loop, outside any session.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from urllib.parse import parse_qsl, quote, urlencode

TEACHER_CODE_ENV = "MNIST_DEMO_TEACHER_CODE"
COOKIE = "mnist_demo_role"
CODE_PARAM, PASS_PARAM, ROLE_PARAM = "teacher", "teacher_pass", "role"
LASTS_S = 12 * 3600  # a school day and then some: the teacher link is needed again the next morning
PASS_S = 60.0
STUDENT = "student"
RESERVED = ("/_stcore/", "/static/", "/media/", "/component/")  # Streamlit's own routes: never redirected
_log = logging.getLogger("mnist_demo")
_lock = threading.Lock()
_code: str | None = None
_passes: dict[str, float] = {}  # pass -> when it stops working


def code() -> str:
    """$MNIST_DEMO_TEACHER_CODE, else one made once per process and written to the server's log (as Jupyter prints
    its token); `python -m mnist_demo.web` (make run) sets the variable before the server starts and prints the
    link."""
    global _code
    given = os.environ.get(TEACHER_CODE_ENV, "").strip()
    if given:
        return given
    with _lock:
        if _code is None:
            _code = secrets.token_urlsafe(6)
            _log.warning("Teacher code: %s (open the app with ?teacher=%s, or type it in the sidebar)", _code, _code)
        return _code


def code_matches(given: str) -> bool:
    return hmac.compare_digest(given.strip().encode(), code().encode())


def _signature(expires: int) -> str:
    key = hashlib.sha256(b"mnist-demo teacher cookie\0" + code().encode()).digest()
    return hmac.new(key, f"teacher.{expires}".encode(), hashlib.sha256).hexdigest()


def token(now: float | None = None) -> str:
    """The teacher cookie's value: its expiry and its signature."""
    expires = int((time.time() if now is None else now) + LASTS_S)
    return f"teacher.{expires}.{_signature(expires)}"


def role(cookie: str | None, now: float | None = None) -> str | None:
    """"teacher" for a cookie this server signed that has not expired, "student" for one who left the role,
    else None (no cookie, a forged or outdated one)."""
    if not cookie:
        return None
    if cookie == STUDENT:
        return STUDENT
    kind, _, rest = cookie.partition(".")
    expires, _, signature = rest.partition(".")
    if kind != "teacher" or not expires.isdigit():
        return None
    if int(expires) < (time.time() if now is None else now):
        return None
    return "teacher" if hmac.compare_digest(signature, _signature(int(expires))) else None


def issue_pass() -> str:
    """A single-use pass to the door for a session that typed the code: the cookie without the code in a URL."""
    now = time.monotonic()
    with _lock:
        for old in [p for p, until in _passes.items() if until < now]:
            del _passes[old]
        issued = secrets.token_urlsafe(24)
        _passes[issued] = now + PASS_S
        return issued


def redeem(given: str) -> bool:
    """Whether `given` is a pass issued here that is still valid; it is used up either way."""
    with _lock:
        until = _passes.pop(given, None)
    return until is not None and until >= time.monotonic()


def _cookie_header(value: str, max_age: int, secure: bool) -> tuple[bytes, bytes]:
    flags = f"; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
    return b"set-cookie", f"{COOKIE}={value}{flags}".encode()


class TeacherDoor:
    """ASGI middleware: answers a page's address that carries the teacher's code, a pass or ?role=student with a
    redirect to the same address without it, setting the role cookie when the code or pass is good."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or scope["path"].startswith(RESERVED):
            await self.app(scope, receive, send)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        asked = dict(query)
        secure = scope.get("scheme") == "https"
        if CODE_PARAM in asked and code_matches(asked[CODE_PARAM]):
            cookie = _cookie_header(token(), LASTS_S, secure)
        elif PASS_PARAM in asked and redeem(asked[PASS_PARAM]):
            cookie = _cookie_header(token(), LASTS_S, secure)
        elif asked.get(ROLE_PARAM) == STUDENT:
            cookie = _cookie_header(STUDENT, LASTS_S, secure)
        else:  # nothing for the door (a wrong code goes on: the page says it is wrong)
            await self.app(scope, receive, send)
            return
        rest = urlencode([(k, v) for k, v in query if k not in (CODE_PARAM, PASS_PARAM, ROLE_PARAM)])
        path = quote(scope.get("root_path", "") + scope["path"])
        location = "/" + path.lstrip("/") + (f"?{rest}" if rest else "")  # "//host" would leave this server
        await send({"type": "http.response.start", "status": 303,
                    "headers": [(b"location", location.encode()), cookie, (b"cache-control", b"no-store"),
                                (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})
