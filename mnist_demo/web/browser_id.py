"""Which browser a session belongs to: a random id in a cookie that the server sets on a browser's first page.

"Guess first" keeps one answer per browser per question (mnist_demo.lesson.questions.Answers). A session is one
tab: a student who opens a second tab, or reloads, is still the same browser and must not answer twice. Streamlit
sees cookies only as they arrived with the page's websocket (st.context.cookies) and cannot set one, so the server
does: `BrowserTag`, an ASGI middleware beside the teacher's door (server.py), adds `mnist_demo_browser=<16 hex
digits>` to the first page a browser loads. The id is random and says nothing about the student; it is HttpOnly
(no script on the page reads it). Served without the middleware (a plain `streamlit run app.py`, AppTest), or with
cookies blocked, a session falls back to its own id, so answers are then one per tab.
No Streamlit here: the middleware runs in the server's event loop, outside any session.
"""

from __future__ import annotations

import re
import secrets
from http.cookies import CookieError, SimpleCookie

from mnist_demo.web.teacher import RESERVED  # Streamlit's own routes: no page, no cookie

COOKIE = "mnist_demo_browser"
LASTS_S = 180 * 24 * 3600  # a school term: the same browser next week is the same browser
_ID = re.compile(r"[0-9a-f]{16}")


def valid(value: object) -> str | None:
    """The browser id in a cookie's value, or None for anything that is not one this server could have set."""
    return value if isinstance(value, str) and _ID.fullmatch(value) else None


def _sent(scope) -> str | None:
    """The id the request's Cookie header carries, if any."""
    for name, raw in scope.get("headers", ()):
        if name.lower() == b"cookie":
            try:
                jar = SimpleCookie(raw.decode("latin-1"))
            except CookieError:
                continue
            if COOKIE in jar and valid(jar[COOKIE].value):
                return jar[COOKIE].value
    return None


class BrowserTag:
    """ASGI middleware: a page loaded by a browser without a (valid) id gets one in its response's headers."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if (scope["type"] != "http" or scope.get("method") != "GET" or scope["path"].startswith(RESERVED)
                or _sent(scope)):
            await self.app(scope, receive, send)
            return
        flags = f"; Max-Age={LASTS_S}; Path=/; HttpOnly; SameSite=Lax"
        flags += "; Secure" if scope.get("scheme") == "https" else ""
        cookie = (b"set-cookie", f"{COOKIE}={secrets.token_hex(8)}{flags}".encode())

        async def tagged(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), cookie]}
            await send(message)

        await self.app(scope, receive, tagged)
