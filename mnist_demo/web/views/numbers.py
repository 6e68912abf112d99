"""Small grids of numbers as HTML, coloured by value, with the text colour worked out from each cell's colour."""

from __future__ import annotations

import html

import numpy as np

from mnist_demo.insight.pictures import diverging
from mnist_demo.web.charts import text_colour

MINUS = "\u2212"


def num(v: float, digits: int = 4) -> str:
    """A number as the page prints it: fixed decimals and a real minus sign."""
    text = f"{v:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text.replace("-", MINUS)  # no "-0.0000"


def grid(values: np.ndarray, css: str, scale: float | None = None, digits: int = 4, mark: tuple | None = None,
         caption: str = "") -> str:
    """A 2-D array as a table of coloured cells (blue negative, red positive); `mark` outlines one cell."""
    colours = diverging(np.asarray(values, dtype=float), scale)
    rows = []
    for r, row in enumerate(values):
        cells = []
        for c, v in enumerate(row):
            bg = "rgb({}, {}, {})".format(*colours[r, c])
            border = "2px solid #ff4b4b" if mark == (r, c) else "1px solid #ccc"
            cells.append(f'<td style="background:{bg};color:{text_colour(bg)};border:{border};padding:4px 7px;'
                         f'text-align:right;font-family:monospace">{num(float(v), digits)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f'<caption style="caption-side:top;font-size:0.8rem">{html.escape(caption)}</caption>' if caption else ""
    return (f'<table class="{css}" style="border-collapse:collapse;margin:0;display:inline-table">{cap}'
            + "".join(rows) + "</table>")


def row_of(*parts: str) -> str:
    """Tables and operators side by side, wrapping on a narrow screen."""
    inner = "".join(p if p.startswith("<table") else f'<span style="font-size:1.6rem;padding:0 4px">{p}</span>'
                    for p in parts)
    return f'<div style="display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin:4px 0 8px">{inner}</div>'
