"""Fool the network (Draw page): the smallest change, among a few budgets, that makes it read another digit."""

from __future__ import annotations

import hashlib
import html

import numpy as np
import streamlit as st

from mnist_demo.insight.adversarial import Fooled, fool
from mnist_demo.insight.pictures import amplified, grey
from mnist_demo.runs import Model
from mnist_demo.web.i18n import class_names
from mnist_demo.web.i18n import t as tr

ZOOM = 5


def _ask() -> None:
    st.session_state["fool_asked"] = True


def fool_view(active: Model, image: np.ndarray, reading: np.ndarray) -> Fooled | None:
    """`reading`: the ten probabilities the page already has for `image`."""
    st.subheader(tr("Fool the network"))
    names = class_names(active.classes)
    now = int(np.argmax(reading))
    st.caption(tr("It reads your drawing as {now}. Pick another digit: the app searches for a small change to the "
                  "picture (gradient steps, at most a set amount per pixel) that makes the network read that digit "
                  "instead.", now=names[now]))
    pick, go = st.columns([4, 1], vertical_alignment="bottom")
    target = pick.segmented_control(tr("Make it read"), list(range(len(names))), format_func=names.__getitem__,
                                    key="fool_target", on_change=_ask, wrap=True)  # on a phone: two rows, none hidden
    go.button(tr("Search again"), icon=":material/search:", on_click=_ask, disabled=target is None)
    digest = hashlib.sha1(np.ascontiguousarray(image, dtype=np.float32).tobytes()).hexdigest()
    asked = st.session_state.pop("fool_asked", False)  # searched only when asked, not at every stroke
    if target is not None and target == now:
        st.info(tr("It already reads {now}: pick another digit.", now=names[now]), icon=":material/info:")
        return None
    if target is not None and asked:
        st.session_state["fool_result"] = (digest, fool(active.model, image, int(target)))
    kept = st.session_state.get("fool_result")
    if kept is None or target is None:
        return None
    if kept[0] != digest or kept[1].target != target:
        st.caption(tr("The drawing changed since the last search: press Search again."))
        return None
    show(kept[1], names)
    return kept[1]


def _bold(text: str) -> str:
    return f"<b>{html.escape(text)}</b>"


def _result(sentence: str) -> str:
    """The search's outcome in large type (the fool-result style); `sentence` is HTML, its values escaped."""
    return f'<p class="fool-result">{sentence}</p>'


def show(f: Fooled, names: list[str]) -> None:
    original, after = int(f.before.argmax()), f.reading
    a, b, c, d = st.columns([1, 1, 1, 2])
    a.image(grey(f.original, ZOOM), caption=tr("Your drawing: {d} ({p:.0%})", d=names[original], p=f.before[original]))
    gain = 1 / max(f.max_change, 1e-6)
    b.image(amplified(f.change, ZOOM), caption=tr("The change, {gain:.0f}× stronger to be seen (red: ink added, "
                                                  "blue: ink taken away)", gain=gain))
    c.image(grey(f.changed, ZOOM), caption=tr("Drawing + change: {d} ({p:.0%})", d=names[after], p=f.after[after]))
    grey_levels = round(f.max_change * 255)
    size = tr("The largest change of one pixel is {most:.2f} of full ink ({levels} of 255 grey levels); {pixels} of "
              "784 pixels changed; the change is {rel:.0%} the size of the drawing (L2), after {steps} gradient steps.",
              most=f.max_change, levels=grey_levels, pixels=f.pixels_changed, rel=f.relative_size, steps=f.steps)
    if f.success:
        d.markdown(_result(tr("Now it reads {d} at {p}.", d=_bold(names[after]), p=_bold(f"{f.after[after]:.0%}"))),
                   unsafe_allow_html=True)
        d.markdown(size)
        d.markdown(tr("To you it is still a {was}; to the network it is a {now}. It adds up hundreds of pixels times "
                      "weights, so many small nudges, each chosen with its own gradient, add up to a different answer. "
                      "Such a picture is called an *adversarial example*.", was=names[original], now=names[after]))
    elif f.undecided:
        d.markdown(_result(tr("No digit: within {budget:.1f} of full ink per pixel the changed drawing gets {target} "
                              "only {p:.0%}, and no digit more than {top:.0%}.", budget=f.budget,
                              target=html.escape(names[f.target]), p=f.after[f.target], top=float(f.after.max()))),
                   unsafe_allow_html=True)
        d.markdown(size)
        d.markdown(tr("The search pushed the drawing towards {target}, and the network stopped seeing a digit in it "
                      "at all: this network was trained on shapes that are no digit, with equal odds on every digit "
                      "as the answer, so a drawing that is neither one digit nor another gets \"not sure\". That "
                      "makes it harder to fool. Try another digit.", target=names[f.target]))
    else:
        d.markdown(_result(tr("Still {now}: within {budget:.1f} of full ink per pixel it gives {target} only {p:.0%}.",
                              now=_bold(names[after]), budget=f.budget, target=html.escape(names[f.target]),
                              p=f.after[f.target])), unsafe_allow_html=True)
        d.markdown(size)
        d.markdown(tr("The network is sure of this one: a change bigger than that is a new drawing more than a "
                      "nudge. Try another digit."))
