"""Watch it learn (Train page): the run's probe, redrawn every 3 s with the curves at the cost of two images
and one forward pass of one drawing (the probe itself is taken in the training thread)."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from mnist_demo.insight.forward import probabilities_from
from mnist_demo.insight.pictures import digit_grid, filter_grid
from mnist_demo.runs import Run
from mnist_demo.train.device import one_thread
from mnist_demo.web.i18n import class_names, language, t, tn
from mnist_demo.web.views.memory import last_drawing


def _when(x: float, epochs: int) -> str:
    if x < 0.01:
        return t("At the start (the first batches)")
    if x < 1:
        return t("After {x:.0%} of the first epoch", x=x)
    done = f"{x:.2f}".removesuffix(".00")
    return tn("After {x} of {n} epoch", "After {x} of {n} epochs", epochs, x=done)


@st.cache_resource(max_entries=8, show_spinner=False)
def _pictures(run_id: int, x: float, lang: str, _probe, _frame) -> tuple[np.ndarray, np.ndarray | None]:
    """The two pictures of one probe frame, drawn once for every open Train page, not once a second each."""
    reads: dict[str, Any] = {"reads": ""} if lang == "zh" else {}  # the digit alone: the picture's font has no Chinese
    return (digit_grid(_probe.images, _probe.labels, _frame.probabilities, _probe.classes, **reads),
            filter_grid(_frame.filters) if _frame.filters is not None else None)


def watch_it_learn(run: Run) -> None:
    probe = getattr(run, "probe", None)
    frame = probe.latest if probe is not None else None
    if probe is None or frame is None or not len(probe.labels):
        return
    st.markdown(t("**Watch it learn**"))
    grid, side = st.columns([5, 2], gap="large")
    right = probe.right(frame)
    digits, filters = _pictures(run.id, frame.x, language(), probe, frame)
    grid.image(digits, width="stretch")
    grid.caption(t("{when}: {right} of these {n} test digits read right. Each frame goes from orange (the network "
                   "gives the true class no chance) to blue (sure and right); under it, what the network reads, with a "
                   "tick when that is right and a cross when it is wrong.",
                   when=_when(frame.x, run.config.epochs), right=right, n=len(probe.labels)))
    if filters is not None and frame.filters is not None:
        count, size = frame.filters.shape[0], frame.filters.shape[1]
        side.image(filters, width="stretch")
        side.caption(t("conv1's {n} filters, {k} × {k} weights each (red positive, blue negative), as they form.",
                       n=count, k=size))
    else:
        side.caption(t("This network does not begin with a convolution: there are no filters to watch form."))
    drawn = last_drawing()
    if drawn is None:
        side.caption(t("Draw a digit on the Draw page: the network in training will read it here."))
        return
    with one_thread():  # a page's thread, while the run trains: the run keeps its threads (train/device.py)
        probs = probabilities_from(frame.weights, drawn.astype(np.float32) / 255, frame.arch, len(probe.classes))[0]
    best = int(probs.argmax())
    pic, words = side.columns([1, 2], vertical_alignment="center")
    pic.image(drawn, width=56)
    words.markdown(t("Your last drawing: the network in training reads **{digit}** ({p:.0%}).",
                     digit=class_names(probe.classes)[best], p=probs[best]))
