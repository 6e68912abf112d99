"""User text (an upload's file name, anything a person typed) shown as itself inside Streamlit's Markdown."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def plain(text: object, limit: int = 200) -> str:
    """`text` as a Markdown code span, so that st.markdown, st.error and the like show its characters and nothing
    else: no link (not even the bare addresses GitHub-style Markdown links after backslash escapes are undone), no
    picture fetched from elsewhere, no emphasis, colour, formula, icon or HTML. On one line, at most `limit`
    characters (a longer text ends with …)."""
    text = _CONTROL.sub(" ", str(text))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    if not text.strip():
        return "(no name)"
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)  # longer than any inside
    pad = " " if text[0] == "`" or text[-1] == "`" else ""  # CommonMark strips one space on each side
    return f"{fence}{pad}{text}{pad}{fence}"
