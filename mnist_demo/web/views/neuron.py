"""One neuron, computed (Draw page): click a feature map, then a position on it, and see the sum that makes it."""

from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

from mnist_demo.insight.forward import Trace
from mnist_demo.insight.neurons import Neuron, neuron, shape_of, strongest
from mnist_demo.network import Net
from mnist_demo.web.i18n import t as tr
from mnist_demo.web.views import figures
from mnist_demo.web.views.numbers import grid, num, row_of

NO_BAR = {"displayModeBar": False}
LAYERS = {"conv1": 8, "conv2": 16}  # columns of each layer's grid of maps


def _key(layer: str, what: str) -> str:
    return f"neuron_{layer}_{what}"


def _picked_map(layer: str) -> None:
    """A click on a map in a layer's grid: that layer and map. Called once per click, before the rerun."""
    points = st.session_state[f"neuron-maps-{layer}"].selection.points
    if points:
        st.session_state["neuron_layer"] = layer
        st.session_state[_key(layer, "map")] = int(points[0]["point_index"])
        for what in ("row", "col"):  # the new map opens at its strongest position
            st.session_state.pop(_key(layer, what), None)


def _picked_position(layer: str) -> None:
    points = st.session_state[f"neuron-position-{layer}"].selection.points
    if points:
        st.session_state[_key(layer, "row")] = int(round(points[0]["y"]))
        st.session_state[_key(layer, "col")] = int(round(points[0]["x"]))


def defaults(t: Trace) -> None:
    """Each layer's strongest activation, the first time: a place where something happens. (Streamlit forgets the
    state of widgets not drawn in a run, such as the other layer's, so each is filled in again when missing.)"""
    st.session_state.setdefault("neuron_layer", "conv1")
    for layer in LAYERS:
        channel = st.session_state.setdefault(_key(layer, "map"), strongest(t, layer)[0])
        if _key(layer, "row") not in st.session_state or _key(layer, "col") not in st.session_state:
            maps = t.conv1 if layer == "conv1" else t.conv2
            row, col = np.unravel_index(int(np.argmax(maps[channel])), maps[channel].shape)
            st.session_state.update({_key(layer, "row"): int(row), _key(layer, "col"): int(col)})


def map_grid(t: Trace, layer: str, height: int = 320) -> None:
    """A layer's feature maps after ReLU; a click on one opens its computation below."""
    channels, size = shape_of(layer)
    chosen = st.session_state[_key(layer, "map")] if st.session_state["neuron_layer"] == layer else -1
    fig = figures.map_picker(t.relu1 if layer == "conv1" else t.relu2, chosen, LAYERS[layer],
                             tr("{layer}: {c} feature maps, {c} × {s} × {s}", layer=layer, c=channels, s=size), height)
    st.plotly_chart(fig, key=f"neuron-maps-{layer}", on_select=partial(_picked_map, layer), selection_mode="points",
                    config=NO_BAR)


def choose_map() -> str:
    """The layer and the map (a change reruns the page: the grids above show which map is chosen)."""
    st.subheader(tr("One neuron, computed"))
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    with left:
        layer = st.segmented_control(tr("Layer"), list(LAYERS), key="neuron_layer", required=True) or "conv1"
    right.selectbox(tr("Feature map"), range(shape_of(layer)[0]), key=_key(layer, "map"))
    return layer


def one_neuron(model: Net, t: Trace, layer: str) -> Neuron:
    """The chosen position on the chosen map, and the numbers that make it (a fragment's body: a click on a position
    reruns only this)."""
    size = shape_of(layer)[1]
    c2, c3 = st.columns(2)
    c2.slider(tr("Row"), 0, size - 1, key=_key(layer, "row"))
    c3.slider(tr("Column"), 0, size - 1, key=_key(layer, "col"))
    n = neuron(model, t, layer, st.session_state[_key(layer, "map")], st.session_state[_key(layer, "row")],
               st.session_state[_key(layer, "col")])
    left, middle, right = st.columns(3)
    k = int(np.abs(n.terms).argmax()) if layer == "conv2" else 0  # conv2: the input channel that adds the most
    source = t.image if layer == "conv1" else t.pooled1[k]
    what = tr("the input, 1 × 28 × 28") if layer == "conv1" else tr("pool1 map {k} (of 32), 13 × 13", k=k)
    left.plotly_chart(figures.window_on(source, n.row, n.col, what), key=f"neuron-window-{layer}", config=NO_BAR)
    pool = (n.pool.top, n.pool.left) if n.pool else None
    relu_map = (t.relu1 if layer == "conv1" else t.relu2)[n.channel]
    where = tr("{layer} map {c}: click a position", layer=layer, c=n.channel)
    middle.plotly_chart(figures.position_picker(relu_map, n.row, n.col, where, pool=pool),
                        key=f"neuron-position-{layer}", on_select=partial(_picked_position, layer),
                        selection_mode="points", config=NO_BAR)
    with right:
        _summary(n)
    if layer == "conv1":
        st.markdown(row_of(grid(n.window, "neuron-window", caption=tr("window (pixels, 0 to 1)")), "×",
                           grid(n.kernel, "neuron-kernel", caption=tr("kernel (learned weights)")), "=",
                           grid(n.products, "neuron-products", caption=tr("nine products"))), unsafe_allow_html=True)
    else:
        st.markdown(row_of(grid(n.window[k], "neuron-window", caption=tr("channel {k}'s window", k=k)), "×",
                           grid(n.kernel[k], "neuron-kernel", caption=tr("its kernel")), "=",
                           grid(n.products[k], "neuron-products", caption=tr("sum {v}", v=num(float(n.terms[k])))), "…",
                           grid(n.terms.reshape(4, 8), "neuron-terms", caption=tr("the 32 terms, channel 0 to 31"))),
                    unsafe_allow_html=True)
        st.plotly_chart(figures.term_bars(n.terms), key="neuron-terms", config=NO_BAR)
    _pool(n)
    return n


def _summary(n: Neuron) -> None:
    if n.layer == "conv1":
        st.markdown(tr("**conv1, map {c}, row {r}, column {k}**: the 3 × 3 window of the input (rows {r}-{r2}, "
                       "columns {k}-{k2}) times the map's 3 × 3 kernel, pixel by pixel (below), then added up.",
                       c=n.channel, r=n.row, k=n.col, r2=n.row + 2, k2=n.col + 2))
        added = tr("sum of the nine products")
    else:
        st.markdown(tr("**conv2, map {c}, row {r}, column {k}**: a 3 × 3 window in each of the 32 maps of pool1, "
                       "each times its own 3 × 3 kernel: 32 × 9 = 288 products. Below, one channel's nine products, "
                       "and the 32 terms: each channel's nine products added up.", c=n.channel, r=n.row, k=n.col))
        added = tr("sum of the 32 terms")
    st.markdown(tr('<p class="neuron-sum">{added} = <b>{s}</b>; plus the bias {b} = <b class="neuron-total">{total}'
                   '</b></p>', added=added, s=num(float(n.terms.sum())), b=num(n.bias), total=num(n.total)),
                unsafe_allow_html=True)
    st.markdown(f'ReLU: max({num(n.total)}, 0) = <b class="neuron-relu">{num(n.relu)}</b>.', unsafe_allow_html=True)
    st.markdown(tr('The network\'s own value here, before ReLU: <b class="neuron-value">{v}</b>.', v=num(n.value)),
                unsafe_allow_html=True)


def _pool(n: Neuron) -> None:
    if n.pool is None:
        st.markdown(tr("Max-pool drops this one: {layer}'s maps are 11 × 11, and 2 × 2 squares cover only the "
                       "first 10 rows and columns (5 × 5 out).", layer=n.layer))
        return
    following = tr("pool1, which conv2 reads") if n.layer == "conv1" else tr("pool2, which is flattened for fc1")
    mark = (n.row - n.pool.top, n.col - n.pool.left)
    st.markdown(row_of(grid(n.pool.values, "neuron-pool", mark=mark, caption=tr("its 2 × 2 square, after ReLU")),
                       tr("→ max →"), f'<b class="neuron-pooled">{num(n.pool.result)}</b>'), unsafe_allow_html=True)
    st.caption(tr("Max-pool keeps the largest of the four: it becomes row {r}, column {k} of {following}. The "
                  "tutorial applies ReLU, then max-pool; the code max-pools first and applies ReLU after, a quarter of "
                  "the work: the same number, because ReLU never changes which of four values is the largest.",
                  r=n.pool.out_row, k=n.pool.out_col, following=following))
