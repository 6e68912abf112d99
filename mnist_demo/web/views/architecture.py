"""The Model page's picture: the network drawn to scale, with one digit's real values flowing through it."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import numpy as np
import streamlit as st
import torch

from mnist_demo.insight.architecture import stages
from mnist_demo.insight.forward import trace
from mnist_demo.network import Net
from mnist_demo.web.i18n import error, language
from mnist_demo.web.i18n import t as tr
from mnist_demo.web.views import figures
from mnist_demo.web.views.memory import last_drawing

NO_BAR = {"displayModeBar": False}
NARROW_CSS = """<style>
@media (max-width: 640px) { .st-key-architecture-wide { display: none; } }
@media (min-width: 641px) { .st-key-architecture-narrow { display: none; } }
</style>"""


def architecture_view(model: Net | None, classes: list[str], sample: np.ndarray | None) -> None:
    """`sample`: a 28 x 28 test digit in [0, 1] to show when the session has not drawn yet."""
    drawn = last_drawing()
    image = drawn.astype(np.float32) / 255 if drawn is not None else sample
    if model is None or image is None:
        st.info(tr("No model to show values with yet."), icon=":material/info:")
        return
    t, rows, wide, narrow = pictures(model, image, classes)
    where = tr("your last drawing") if drawn is not None else tr("a test digit (draw one on the Draw page to see "
                                                                    "yours)")
    st.html(NARROW_CSS)  # the network side by side on a screen, one stage under the other on a phone
    st.container(key="architecture-wide").plotly_chart(wide, key="architecture", config=NO_BAR)
    st.container(key="architecture-narrow").plotly_chart(narrow, key="architecture-column", config=NO_BAR)
    best = int(t.probabilities.argmax())
    st.caption(tr("The values of {where}, read as {digit} ({p:.0%}). Every square is one number, drawn to scale; a "
                  "stack holds one card per 8 channels, with the channel that varies most in front. Shapes as PyTorch "
                  "prints them: channels × height × width.", where=where, digit=classes[best], p=t.probabilities[best]))
    st.markdown(described(rows))


_pictures: OrderedDict[tuple, tuple] = OrderedDict()  # the latest pictures, shared by every session of the server
_lock = threading.Lock()
KEEP = 16


def pictures(model: Net, image: np.ndarray, classes: list[str]) -> tuple:
    """(trace, stages, wide figure, narrow figure) for this model's weights, this image and this language, made
    once for the whole class: thirty students following the teacher to this page ask for the same picture of the
    same test digit at the same moment, and the figures are most of the page's work. The key is the weights
    themselves (a digest), so a model trained or fine-tuned since is drawn anew. The figures are only read."""
    weights = hashlib.blake2b(digest_size=16)
    for tensor in model.state_dict().values():
        weights.update(tensor.detach().reshape(-1).cpu().view(torch.uint8).numpy().tobytes())  # any dtype's bytes
    key = (weights.hexdigest(), hashlib.blake2b(np.ascontiguousarray(image).tobytes()).hexdigest(), tuple(classes),
           language())
    with _lock:  # made under the lock: the other 29 wait the 50 ms for the first one's, rather than make their own
        if key in _pictures:
            _pictures.move_to_end(key)
            return _pictures[key]
        t = trace(model, image)
        rows = stages(t)
        made = (t, rows, figures.architecture(rows, classes), figures.architecture_column(rows, classes))
        _pictures[key] = made
        while len(_pictures) > KEEP:
            _pictures.popitem(last=False)
        return made


def described(rows) -> str:
    """One line per stage: its name, shape and what makes it, in this session's language."""
    return "\n".join(tr("- **{name}** ({shape}): {what}.", name=tr("input") if s.name == "input" else s.name,
                         shape=s.label, what="; ".join(error(m) for m in s.made_by)) for s in rows)
