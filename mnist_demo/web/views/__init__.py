"""Views that look inside the network, drawn from mnist_demo.insight: the Draw page's section (`inside`), the Train
page's "watch it learn" (`watch_it_learn`) and the Model page's picture (`architecture_view`)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from mnist_demo.insight.forward import trace
from mnist_demo.insight.neurons import dense
from mnist_demo.network import Net
from mnist_demo.reading.inference import Reading, saliency
from mnist_demo.runs import Model
from mnist_demo.web import charts, touch
from mnist_demo.web.i18n import class_names
from mnist_demo.web.i18n import t as tr
from mnist_demo.web.views import figures, neuron
from mnist_demo.web.views.architecture import architecture_view
from mnist_demo.web.views.fool import fool_view
from mnist_demo.web.views.memory import last_drawing, remember
from mnist_demo.web.views.watch import watch_it_learn

NO_BAR = {"displayModeBar": False}
MAX_DIAGRAM = 128  # numbers the last layer reads that the diagram draws one by one


def inside(active: Model, image: np.ndarray, reading: Reading) -> None:
    """The Draw page's "Inside the network", a section that opens: where it looked, every feature map (click one),
    one neuron's sum, fc1 -> fc2, and fooling it. Remembers the drawing for the Train and Model pages.

    Closed, nothing in it is computed or sent: it is about 390 kB of figures and the saliency's 32 passes per
    drawing, which thirty students drawing at once would pay for whether they look or not (docs/load.md). Open, it
    stays open for that student's next drawings. One neuron's computation and fooling are fragments: a click on a
    position or a digit reruns only them, not the whole page. Choosing another layer or map reruns the page, so
    that the grids show the choice."""
    remember(image)
    section = st.expander(tr("Inside the network"), key="inside", on_change="rerun", icon=":material/psychology:")
    if not section.open:
        return
    with section:
        _inside(active, image, reading)


def _inside(active: Model, image: np.ndarray, reading: Reading) -> None:
    t = trace(active.model, image)
    neuron.defaults(t)
    where = reading.saliency if reading.saliency is not None else saliency(active.model, image, reading.top2[0][0])
    touch.one_tap_charts()  # the maps and positions to click
    image_layers = t.image_layers()
    left, right = st.columns([1, 2])
    left.plotly_chart(charts.saliency_map(where), key="saliency", config=NO_BAR)
    left.caption(tr("Bright pixels pushed the network most towards its answer (Integrated Gradients)."))
    with right:
        if image_layers:
            neuron.map_grid(t, image_layers[0], 300)
        else:
            st.info(tr("This network has no convolution: it reads the 784 pixels in a row, so there are no feature "
                       "maps to show."), icon=":material/info:")
    for layer in image_layers[1:]:
        neuron.map_grid(t, layer, 330)
    if image_layers:
        st.caption(tr("Each small square is one filter's answer to your drawing, after its activation: the first "
                      "layer finds edges and strokes, the next ones combine them into parts of digits. Click one to "
                      "see how it is computed."))
    chosen = neuron.choose_map(t)
    if chosen is not None:
        _neuron(active.model, image, chosen)
    d = dense(active.model, t)
    st.subheader(tr("From {n} numbers to an answer", n=len(d.hidden)))
    if len(d.hidden) > MAX_DIAGRAM:
        st.info(tr("The last layer reads {n} numbers: too many to draw one by one. Networks with a fully connected "
                   "layer before the last show them here.", n=len(d.hidden)), icon=":material/info:")
    else:
        st.plotly_chart(figures.dense_diagram(d, class_names(active.classes)), key="dense", config=NO_BAR)
        st.caption(tr("{layer} adds up the {n} numbers of {reads} (left: brighter is larger), each times its "
                      "weights, plus a bias: one score per class; lines show the numbers that add the most (blue) "
                      "or take away the most (red). Softmax turns the scores into probabilities.", layer=d.layer,
                      n=len(d.hidden), reads=d.reads))
    _fool(active, image, reading.probabilities)


@st.fragment
def _fool(active: Model, image: np.ndarray, probabilities: np.ndarray) -> None:
    fool_view(active, image, probabilities)


@st.fragment
def _neuron(model: Net, image: np.ndarray, layer: str) -> None:
    neuron.one_neuron(model, trace(model, image), layer)


__all__ = ["architecture_view", "inside", "last_drawing", "watch_it_learn"]
