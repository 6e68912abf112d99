"""The Model page's "handwriting from around the world" section: how the shipped model reads each style.

The figures come from assets/drawing_check.json, which `python scripts/drawing_check.py --json` writes; the page
only reads it, so it opens at once. One drawing of each style is shown beside its row, drawn as the check draws.
"""

from __future__ import annotations

import base64
import functools
import io
from typing import Any

import pandas as pd
import streamlit as st
from PIL import Image

from mnist_demo import handwriting
from mnist_demo.handwriting import style_check
from mnist_demo.web.i18n import language, t, term

WEAK_BELOW = 0.98  # a style read right less often than this is called out


@functools.cache  # the same picture for every session and every run: drawn once per server
def example(name: str) -> str:
    """One drawing of `name` from the check's own seed, as a PNG data URL for an image column."""
    style = handwriting.STYLES[name]
    img = handwriting.render(style, handwriting.style_rng(0, style), size=112, width=20)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


@functools.lru_cache(maxsize=2)
def _checked(modified_ns: int) -> dict | None:
    """The check's figures, read again only when the file changes: thirty students following the teacher to the
    Model page would read and parse it thirty times at once."""
    return style_check.read_json()


@functools.lru_cache(maxsize=4)
def _frames(modified_ns: int, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the digits' table, the shapes' table) in `lang` (this session's language, which term() reads). Only read."""
    blob = _checked(modified_ns)
    assert blob is not None  # show() asks only when there are figures
    rows = blob["styles"]
    junk = frame([r for r in rows if r.digit == handwriting.JUNK]).drop(columns=["right", "not sure"]).rename(
        columns={"wrong, and sure": "read as a digit", "misread as": "mostly as"})
    return frame([r for r in rows if r.digit != handwriting.JUNK]), junk


def frame(rows: list[style_check.Row]) -> pd.DataFrame:
    return pd.DataFrame({
        "drawing": [example(r.name) for r in rows],
        "style": [term(r.name) for r in rows],
        "what it is": [term(r.description) for r in rows],
        "right": [r.share("right") for r in rows],
        "not sure": [r.share("unsure") for r in rows],
        "wrong, and sure": [r.share("wrong") for r in rows],
        "misread as": ["" if r.most_as is None else str(r.most_as) for r in rows],
    })


def columns() -> dict:
    """The tables' headings in the session's language (the frames keep English column names)."""
    share: dict[str, Any] = dict(format="percent", min_value=0, max_value=1)
    return {
        "drawing": st.column_config.ImageColumn(t("drawing"), width="small"),
        "style": st.column_config.TextColumn(t("style")),
        "what it is": st.column_config.TextColumn(t("what it is")),
        "right": st.column_config.ProgressColumn(t("right"), **share),
        "not sure": st.column_config.ProgressColumn(t("not sure"), **share),
        "wrong, and sure": st.column_config.ProgressColumn(t("wrong, and sure"), **share),
        "misread as": st.column_config.TextColumn(t("misread as")),
        "read as a digit": st.column_config.ProgressColumn(t("read as a digit"), **share),
        "mostly as": st.column_config.TextColumn(t("mostly as")),
    }


def show() -> None:
    st.subheader(t("Handwriting from around the world"))
    st.markdown(t(
        "People write digits the way they were taught at school, and that depends on the country: a 1 with a long "
        "up-stroke in much of Europe, a 7 with a bar through it, a zero with a slash. MNIST was written in the "
        "United States, so it holds few of these. The drawing check draws each style the way people draw on the "
        "canvas (any size, place, pen width and slant, with a pen, a mouse or a finger) and reads it as the Draw "
        "page does. **Right**: the app shows the right digit. **Not sure**: the app says so, which is the honest "
        "answer for a drawing it cannot read. **Wrong, and sure**: the mistakes that matter."
    ))
    try:
        modified = style_check.JSON.stat().st_mtime_ns
    except OSError:
        modified = -1
    blob = _checked(modified)
    if blob is None:
        st.info(t("No drawing check figures yet: `python scripts/drawing_check.py --json` makes them."))
        return
    rows, digits, junk = blob["styles"], blob["all_digits"], blob["all_junk"]
    st.caption(t("The shipped model ({checkpoint}), {n} drawings of each style.", checkpoint=blob["checkpoint"],
                 n=blob["per_style"]))
    cols = st.columns(3)
    cols[0].metric(t("Digits in every style, right"), f"{digits.share('right'):.1%}")
    cols[1].metric(t("Wrong, and sure"), f"{digits.share('wrong'):.1%}")
    cols[2].metric(t("Shapes that are no digit, read as one"), f"{junk.share('wrong'):.0%}")
    weak = sorted((r for r in rows if r.digit != handwriting.JUNK and r.share("right") < WEAK_BELOW),
                  key=lambda r: r.share("right"))
    if weak:
        styles = [t("**{style}** ({right:.0%} right, read as {most} {wrong:.0%} of the time)", style=term(r.name),
                    right=r.share("right"), most=r.most_as, wrong=r.share("wrong")) if r.wrong else
                  t("**{style}** ({right:.0%} right)", style=term(r.name), right=r.share("right")) for r in weak]
        st.markdown(t("Where it is weak: {styles}.", styles="; ".join(styles)))
    else:
        st.markdown(t("Every style is read right at least {weak:.0%} of the time. The network learned them from "
                      "MNIST and from drawings in these styles made by the program (mnist_demo/handwriting/), not "
                      "from the check's own drawings.", weak=WEAK_BELOW))
    digit_table, junk_table = _frames(modified, language())
    st.dataframe(digit_table, column_config=columns(), hide_index=True, row_height=60)
    st.markdown(t(
        "**Shapes that are no digit.** The network has ten outputs and no \"none of these\": a smiley or a box "
        "gets the digit it looks most like, unless it learned otherwise. This one was shown such shapes in "
        "training with equal odds on every digit as the answer, so it now gives them no digit; the app says \"not "
        "sure\" when the top probability is low or the drawing's features (in the last hidden layer) lie far from "
        "every digit the network learned. These are the shapes it trained on (drawn anew): letters, which it never "
        "saw, still get a digit more often. How often each shape gets a digit:"))
    st.dataframe(junk_table, column_config=columns(), hide_index=True, row_height=60)
    mnist = blob.get("mnist_redrawn")
    if mnist:
        st.caption(t("The same check on {n:,} MNIST test digits redrawn the way people draw: {right:.1%} right, "
                     "{wrong:.1%} wrong and sure.", n=mnist["n"], right=mnist["right"], wrong=mnist["wrong_sure"] or 0))
