"""Watch it learn (Train page): the run's probe, redrawn every second by the live panel at the cost of two images
and one forward pass of one drawing (the probe itself is taken in the training thread)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ...insight.forward import probabilities_from
from ...insight.pictures import digit_grid, filter_grid
from ...runs import Run
from .memory import last_drawing


def _when(x: float, epochs: int) -> str:
    if x < 0.01:
        return "At the start (the first batches)"
    if x < 1:
        return f"After {x:.0%} of the first epoch"
    return f"After {x:.2f} of {epochs} epochs".replace(".00 of", " of")


def watch_it_learn(run: Run) -> None:
    probe = getattr(run, "probe", None)
    frame = probe.latest if probe is not None else None
    if frame is None or not len(probe.labels):
        return
    st.markdown("**Watch it learn**")
    grid, side = st.columns([5, 2], gap="large")
    right = probe.right(frame)
    grid.image(digit_grid(probe.images, probe.labels, frame.probabilities, probe.classes), width="stretch")
    grid.caption(f"{_when(frame.x, run.config.epochs)}: {right} of these {len(probe.labels)} test digits read "
                 "right. Each frame goes from red (the network gives the true class no chance) to green (sure and "
                 "right); under it, what the network reads.")
    side.image(filter_grid(frame.filters), width="stretch")
    side.caption("conv1's 32 filters, 3 × 3 weights each (red positive, blue negative), as they form.")
    drawn = last_drawing()
    if drawn is None:
        side.caption("Draw a digit on the Draw page: the network in training will read it here.")
        return
    probs = probabilities_from(frame.weights, drawn.astype(np.float32) / 255)[0]
    best = int(probs.argmax())
    pic, words = side.columns([1, 2], vertical_alignment="center")
    pic.image(drawn, width=56)
    words.markdown(f"Your last drawing: the network in training reads **{probe.classes[best]}** ({probs[best]:.0%}).")
