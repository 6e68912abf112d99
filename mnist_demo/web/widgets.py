"""Pieces that more than one page draws."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import streamlit as st
from PIL import Image

from mnist_demo.web.i18n import t

MISTAKE_RGB = (213, 94, 0)  # vermillion: apart from the page's blues for the red-green colour blind too


def enlarge(image: np.ndarray, size: int = 112, frame: tuple[int, int, int] | None = None) -> Image.Image:
    """A 28 x 28 float or uint8 image as a crisp PIL image, `size` px wide; `frame`: a thick border of that colour
    (a mistake, seen from the back of a room)."""
    arr = image if image.dtype == np.uint8 else (np.clip(image, 0, 1) * 255).astype(np.uint8)
    big = Image.fromarray(arr).resize((size, size), Image.Resampling.NEAREST)
    if frame is None:
        return big
    framed = big.convert("RGB")
    border = max(size // 12, 4)
    framed.paste(frame, (0, 0, size, border))
    framed.paste(frame, (0, size - border, size, size))
    framed.paste(frame, (0, 0, border, size))
    framed.paste(frame, (size - border, 0, size, size))
    return framed


# A 1280 x 720 projector shows a run whole (its progress and both panels of curves) without scrolling: less room
# above the page's title, which is smaller, so the larger type goes to what the back of the room reads.
PROJECTOR_CSS = """<style>
html { font-size: 21px; }
[data-testid="stMainBlockContainer"] { padding-top: 3rem; }
[data-testid="stMain"] h1 { font-size: 1.9rem; padding-top: 0; }
[data-testid="stMain"], [data-testid="stSidebar"] { color: #000; }
[data-testid="stMarkdownContainer"] p, [data-testid="stCaptionContainer"] { font-weight: 500; }
[data-testid="stCaptionContainer"] { color: #222 !important; }
</style>"""


def projector_style() -> None:
    """Larger type and darker text for the back of a room (projector mode); charts thicken their own lines."""
    st.html(PROJECTOR_CSS)


def duration(seconds: float) -> str:
    if math.isnan(seconds):
        return "…"
    m, s = divmod(int(round(seconds)), 60)
    return t("{m} min {s:02d} s", m=m, s=s) if m else t("{s} s", s=s)


def section(label: str, icon: str, key: str, lazy: bool, expanded: bool = False) -> tuple[Any, bool]:
    """An expander, and whether to fill it. A lazy one is drawn closed and filled only once someone opens it (its
    opening reruns the page): while a run trains, the Train page's closed sections cost its full reruns nothing, on
    a teacher's laptop whose browser shares the processor with the training (docs/speed.md, "The app and
    training"). A section that is not lazy forgets that it was opened, so the next run's starts closed again."""
    if not lazy:
        st.session_state.pop(key, None)
        return st.expander(label, expanded=expanded, icon=icon), True
    box = st.expander(label, expanded=False, icon=icon, key=key, on_change="rerun")
    return box, bool(box.open)
