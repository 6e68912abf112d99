"""One neuron, computed (Draw page): click a feature map, then a position on it, and see the sum that makes it.

Any convolution of the network has its grid of maps and its sums; a locally connected layer shows its maps only (its
weights differ at every position: one sum would say little). Session keys carry the layer's name, so choosing a
position in conv2 leaves conv1's alone.
"""

from __future__ import annotations

import html
from functools import partial

import numpy as np
import streamlit as st

from mnist_demo.insight.forward import Trace
from mnist_demo.insight.neurons import Neuron, neuron, shape_of, strongest
from mnist_demo.network import Net
from mnist_demo.web.i18n import t as tr
from mnist_demo.web.i18n import tn
from mnist_demo.web.views import figures
from mnist_demo.web.views.numbers import grid, num, row_of

NO_BAR = {"displayModeBar": False}
ACTIVATED = {"relu": "ReLU: max({total}, 0) = {value}.", "sigmoid": "sigmoid({total}) = {value}.",
             "tanh": "tanh({total}) = {value}."}  # formulas: the same in every language
NAMES = {"relu": "ReLU", "sigmoid": "sigmoid", "tanh": "tanh"}


def _key(layer: str, what: str) -> str:
    return f"neuron_{layer}_{what}"


def columns(channels: int) -> int:
    """How many maps a row of a layer's grid holds: 8 for conv1's 32 in the tutorial's network, 16 for conv2's 64."""
    return 8 if channels <= 32 else 16


def convolutions(t: Trace) -> list[str]:
    return [layer.name for layer in t.layers if layer.kind == "conv"]


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
    """Each convolution's strongest value, the first time: a place where something happens. (Streamlit forgets the
    state of widgets not drawn in a run, such as another layer's, so each is filled in again when missing.)"""
    layers = convolutions(t)
    if not layers:
        return
    if st.session_state.get("neuron_layer") not in layers:  # another network than the last drawing's
        st.session_state["neuron_layer"] = layers[0]
    for layer in layers:
        channels, size = shape_of(t, layer)
        if st.session_state.get(_key(layer, "map"), channels) >= channels:
            st.session_state[_key(layer, "map")] = strongest(t, layer)[0]
        channel = st.session_state[_key(layer, "map")]
        if not all(0 <= st.session_state.get(_key(layer, w), size) < size for w in ("row", "col")):
            maps = t.output(layer)
            row, col = np.unravel_index(int(np.argmax(maps[channel])), maps[channel].shape)
            st.session_state.update({_key(layer, "row"): int(row), _key(layer, "col"): int(col)})


def map_grid(t: Trace, layer: str, height: int = 320) -> None:
    """A layer's feature maps after its activation; for a convolution a click on one opens its computation below."""
    _, maps = t.shown(layer)
    channels, size = maps.shape[0], maps.shape[1]
    clickable = layer in convolutions(t)
    chosen = st.session_state[_key(layer, "map")] if clickable and st.session_state["neuron_layer"] == layer else -1
    fig = figures.map_picker(maps, chosen, columns(channels),
                             tr("{layer}: {c} feature maps, {c} × {s} × {s}", layer=layer, c=channels, s=size),
                             height)
    if clickable:
        st.plotly_chart(fig, key=f"neuron-maps-{layer}", on_select=partial(_picked_map, layer),
                        selection_mode="points", config=NO_BAR)
    else:
        st.plotly_chart(fig, key=f"neuron-maps-{layer}", config=NO_BAR)


def choose_map(t: Trace) -> str | None:
    """The layer and the map (a change reruns the page: the grids above show which map is chosen); None when the
    network has no convolution to compute one neuron of."""
    st.subheader(tr("One neuron, computed"))
    layers = convolutions(t)
    if not layers:
        st.info(tr("This network has no convolution: one neuron's sum is shown for convolutions, whose kernel is the "
                   "same at every position."), icon=":material/info:")
        return None
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    with left:
        layer = st.segmented_control(tr("Layer"), layers, key="neuron_layer", required=True) or layers[0]
    right.selectbox(tr("Feature map"), list(range(shape_of(t, layer)[0])), key=_key(layer, "map"))
    return layer


def one_neuron(model: Net, t: Trace, layer: str) -> Neuron:
    """The chosen position on the chosen map, and the numbers that make it (a fragment's body: a click on a position
    reruns only this)."""
    size = shape_of(t, layer)[1]
    c2, c3 = st.columns(2)
    c2.slider(tr("Row"), 0, size - 1, key=_key(layer, "row"))
    c3.slider(tr("Column"), 0, size - 1, key=_key(layer, "col"))
    n = neuron(model, t, layer, st.session_state[_key(layer, "map")], st.session_state[_key(layer, "row")],
               st.session_state[_key(layer, "col")])
    k = n.kernel.shape[-1]
    many = n.window.ndim == 3
    left, middle, right = st.columns(3)
    channel = int(np.abs(n.terms).argmax()) if many else 0  # several inputs: the channel that adds the most
    source = t.input_of(layer)
    if n.reads == "input":
        what = tr("the input, 1 × 28 × 28")
    else:
        what = tr("{layer} map {k} (of {c}), {s} × {s}", layer=n.reads, k=channel, c=source.shape[0],
                  s=source.shape[1])
    left.plotly_chart(figures.window_on(source[channel], n.row, n.col, what, size=k), key=f"neuron-window-{layer}",
                      config=NO_BAR)
    pool = (n.pool.top, n.pool.left) if n.pool else None
    _, activated = t.shown(layer)
    where = tr("{layer} map {c}: click a position", layer=layer, c=n.channel)
    middle.plotly_chart(figures.position_picker(activated[n.channel], n.row, n.col, where, pool=pool,
                                                pool_size=len(n.pool.values) if n.pool else 2),
                        key=f"neuron-position-{layer}", on_select=partial(_picked_position, layer),
                        selection_mode="points", config=NO_BAR)
    with right:
        _summary(n, source.shape[0])
    count = k * k
    if not many:
        st.markdown(row_of(grid(n.window, "neuron-window", caption=tr("window (pixels, 0 to 1)")), "×",
                           grid(n.kernel, "neuron-kernel", caption=tr("kernel (learned weights)")), "=",
                           grid(n.products, "neuron-products", caption=tn("{n} product", "{n} products", count))),
                    unsafe_allow_html=True)
    else:
        cols = 8 if len(n.terms) % 8 == 0 else len(n.terms)
        st.markdown(row_of(grid(n.window[channel], "neuron-window", caption=tr("channel {k}'s window", k=channel)),
                           "×", grid(n.kernel[channel], "neuron-kernel", caption=tr("its kernel")), "=",
                           grid(n.products[channel], "neuron-products",
                                caption=tr("sum {v}", v=num(float(n.terms[channel])))), "…",
                           grid(n.terms.reshape(-1, cols), "neuron-terms",
                                caption=tr("the {n} terms, channel 0 to {last}", n=len(n.terms),
                                           last=len(n.terms) - 1))),
                    unsafe_allow_html=True)
        st.plotly_chart(figures.term_bars(n.terms), key="neuron-terms", config=NO_BAR)
    _pool(n, t)
    return n


def _summary(n: Neuron, inputs: int) -> None:
    k = n.kernel.shape[-1]
    if n.window.ndim == 2:
        source = tr("the input") if n.reads == "input" else n.reads
        st.markdown(tr("**{layer}, map {c}, row {r}, column {k}**: the {n} × {n} window of {source} (rows {r}-{r2}, "
                       "columns {k}-{k2}) times the map's {n} × {n} kernel, pixel by pixel (below), then added up.",
                       layer=n.layer, c=n.channel, r=n.row, k=n.col, n=k, source=source, r2=n.row + k - 1,
                       k2=n.col + k - 1))
        added = tn("sum of the {n} product", "sum of the {n} products", k * k)
    else:
        st.markdown(tr("**{layer}, map {c}, row {r}, column {k}**: a {n} × {n} window in each of the {maps} maps of "
                       "{source}, each times its own {n} × {n} kernel: {maps} × {nn} = {all} products. Below, one "
                       "channel's {nn} products, and the {maps} terms: each channel's products added up.",
                       layer=n.layer, c=n.channel, r=n.row, k=n.col, n=k, maps=inputs, source=n.reads, nn=k * k,
                       all=inputs * k * k))
        added = tn("sum of the {n} term", "sum of the {n} terms", inputs)
    summed, total = f"<b>{num(float(n.terms.sum()))}</b>", f'<b class="neuron-total">{num(n.total)}</b>'
    line = tr("{added} = {s}; plus the bias {b} = {total}", added=html.escape(added), s=summed, b=num(n.bias),
              total=total)
    st.markdown(f'<p class="neuron-sum">{line}</p>', unsafe_allow_html=True)
    if n.activation is not None:
        value = ACTIVATED[n.activation].format(total=num(n.total),
                                               value=f'<b class="neuron-relu">{num(n.activated)}</b>')
        st.markdown(value, unsafe_allow_html=True)
        own = f'<b class="neuron-value">{num(n.value)}</b>'
        st.markdown(tr("The network's own value here, before {activation}: {v}.",
                       activation=NAMES[n.activation], v=own),
                    unsafe_allow_html=True)
    else:
        own = f'<b class="neuron-value">{num(n.value)}</b>'
        st.markdown(tr("The network's own value here: {v}. Batch normalisation comes next, before any activation.",
                       v=own), unsafe_allow_html=True)


def _pool(n: Neuron, t: Trace) -> None:
    i = t.index(n.layer) + (1 if n.activation else 0)
    after = t.layers[i + 1] if i + 1 < len(t.layers) else None
    if n.pool is None:
        if after is not None and after.kind in ("maxpool", "avgpool"):
            p, size = after.block.size, t.layers[t.index(n.layer)].output_shape[1]
            st.markdown(tr("{pool} drops this one: {layer}'s maps are {s} × {s}, and {p} × {p} squares cover only the "
                           "first {c} rows and columns ({o} × {o} out).", pool=after.name, layer=n.layer, s=size, p=p,
                           c=(size // p) * p, o=size // p))
        return
    following_layer = next((layer.name for layer in t.layers[i + 2:] if layer.kind in ("conv", "local", "fc")), None)
    following = (tr("{pool}, which {next} reads", pool=n.pool.name, next=following_layer) if following_layer
                 else n.pool.name)
    mark = (n.row - n.pool.top, n.col - n.pool.left)
    p = len(n.pool.values)
    after_what = tr("its {p} × {p} square, after {activation}", p=p,
                    activation=NAMES[n.activation]) if n.activation else tr(
        "its {p} × {p} square", p=p)
    arrow = tr("→ max →") if n.pool.kind == "maxpool" else tr("→ mean →")
    st.markdown(row_of(grid(n.pool.values, "neuron-pool", mark=mark, caption=after_what), arrow,
                       f'<b class="neuron-pooled">{num(n.pool.result)}</b>'), unsafe_allow_html=True)
    if n.pool.kind == "maxpool":
        st.caption(tr("Max-pool keeps the largest of the {n}: it becomes row {r}, column {k} of {following}.", n=p * p,
                      r=n.pool.out_row, k=n.pool.out_col, following=following))
        if n.activation:
            st.caption(tr("The tutorial applies the activation, then max-pool; the code max-pools first and applies "
                          "it after, less work for the same number: the activation only ever rises, so it never "
                          "changes which value is the largest."))
    else:
        st.caption(tr("Average-pool keeps the mean of the {n}: it becomes row {r}, column {k} of {following}.",
                      n=p * p, r=n.pool.out_row, k=n.pool.out_col, following=following))
