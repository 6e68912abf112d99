"""The Plotly figures of the views that look inside the network. Clickable ones carry an invisible square marker on
every place to click: Plotly reports no points for a click on a heatmap, only on markers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from mnist_demo.insight.architecture import Stage, shape_text, strongest_channel
from mnist_demo.insight.neurons import Dense
from mnist_demo.web.charts import NO_TRACE_NAME
from mnist_demo.web.i18n import error
from mnist_demo.web.i18n import t as tr

CHOSEN = "#ff4b4b"
HIDDEN = dict(visible=False)


def _square(fig: go.Figure, height: int, rows: int, columns: int) -> go.Figure:
    """Pixels square, row 0 at the top, the plotting area exactly the picture (markers would pad the axes)."""
    fig.update_layout(height=height, margin=dict(l=0, r=0, t=30, b=0), dragmode=False, clickmode="event+select",
                      xaxis=dict(HIDDEN, range=[-0.5, columns - 0.5], constrain="domain"),
                      yaxis=dict(HIDDEN, range=[rows - 0.5, -0.5], scaleanchor="x", constrain="domain"))
    return fig


def _markers(x, y, size: int, hover: str, customdata=None) -> go.Scatter:
    return go.Scatter(x=x, y=y, mode="markers", showlegend=False, customdata=customdata, hovertemplate=hover,
                      marker=dict(symbol="square", size=size, color="rgba(0,0,0,0)"),
                      selected=dict(marker=dict(opacity=0)), unselected=dict(marker=dict(opacity=0)))


def _outline(fig: go.Figure, x0: float, y0: float, x1: float, y1: float, dash: str = "solid") -> None:
    fig.add_shape(type="rect", x0=x0, y0=y0, x1=x1, y1=y1, line=dict(color=CHOSEN, width=2, dash=dash))


def map_picker(maps: np.ndarray, chosen: int, columns: int, title: str, height: int = 300) -> go.Figure:
    """Every feature map in a grid, each on its own scale; a click on one picks it (point_index = channel)."""
    c, h, w = maps.shape
    rows = -(-c // columns)
    grid = np.full((rows * (h + 1) - 1, columns * (w + 1) - 1), np.nan)
    for i, m in enumerate(maps):
        r, k = divmod(i, columns)
        span = float(m.max() - m.min())
        grid[r * (h + 1) : r * (h + 1) + h, k * (w + 1) : k * (w + 1) + w] = (m - m.min()) / span if span else 0
    centres = [divmod(i, columns) for i in range(c)]
    fig = go.Figure(go.Heatmap(z=grid, colorscale="Viridis", showscale=False, hoverinfo="skip"))
    fig.add_trace(_markers([k * (w + 1) + (w - 1) / 2 for _, k in centres],
                           [r * (h + 1) + (h - 1) / 2 for r, _ in centres],
                           max(8, int(0.8 * (height - 30) / rows)), tr("map %{customdata}") + NO_TRACE_NAME,
                           list(range(c))))
    r, k = divmod(chosen, columns)
    _outline(fig, k * (w + 1) - 0.5, r * (h + 1) - 0.5, k * (w + 1) + w - 0.5, r * (h + 1) + h - 0.5)
    fig.update_layout(title=title)
    return _square(fig, height, *grid.shape)


def position_picker(values: np.ndarray, row: int, col: int, title: str, height: int = 340,
                    pool: tuple[int, int] | None = None, pool_size: int = 2) -> go.Figure:
    """One feature map (after its activation) with a marker on every position; the chosen one outlined, and the
    pooling window it belongs to (2 x 2 in the tutorial's network) dashed."""
    n = values.shape[0]
    rr, cc = np.mgrid[0:n, 0:n]
    fig = go.Figure(go.Heatmap(z=values, colorscale="Viridis", showscale=False, hoverinfo="skip"))
    fig.add_trace(_markers(cc.ravel(), rr.ravel(), max(6, int(0.85 * (height - 30) / n)),
                           tr("row %{y}, column %{x}: %{customdata:.4f}") + NO_TRACE_NAME, values.ravel()))
    if pool is not None:
        _outline(fig, pool[1] - 0.5, pool[0] - 0.5, pool[1] + pool_size - 0.5, pool[0] + pool_size - 0.5, dash="dot")
    _outline(fig, col - 0.5, row - 0.5, col + 0.5, row + 0.5)
    fig.update_layout(title=title)
    return _square(fig, height, n, n)


def window_on(image: np.ndarray, row: int, col: int, title: str, height: int = 300, size: int = 3) -> go.Figure:
    """What the neuron reads from: the input (or one of the maps before it) with its size x size window outlined."""
    fig = go.Figure(go.Heatmap(z=image, colorscale="Greys_r" if image.max() <= 1 else "Viridis", showscale=False,
                               hovertemplate=tr("row %{y}, column %{x}: %{z:.4f}") + NO_TRACE_NAME))
    _outline(fig, col - 0.5, row - 0.5, col + size - 0.5, row + size - 0.5)
    fig.update_layout(title=title)
    return _square(fig, height, *image.shape)


def term_bars(terms: np.ndarray) -> go.Figure:
    """A convolution's terms, one per input channel (conv2's 32): what each adds to the sum."""
    colours = np.where(terms >= 0, "#1f77b4", "#d62728")
    return go.Figure(go.Bar(x=list(range(len(terms))), y=terms, marker_color=colours,
                            hovertemplate=tr("input channel %{x}: %{y:.4f}") + NO_TRACE_NAME),
                     layout=dict(title=tr("What each of the {n} input channels adds", n=len(terms)), height=260,
                                 margin=dict(l=10, r=10, t=40, b=10), xaxis=dict(title=tr("input channel"), dtick=4)))


def dense_diagram(d: Dense, classes: Sequence[str], per_output: int = 5) -> go.Figure:
    """The numbers the last layer reads (fc1's 64 units after ReLU) on the left, the 10 outputs on the right; for each
    output, the units that add (blue) or take away (red) the most, line width by how much."""
    n = len(d.hidden)
    order = list(range(n))
    ys = np.linspace(0, 1, n)
    yo = np.linspace(0.05, 0.95, len(classes))
    fig = go.Figure()
    top = float(np.abs(d.contributions).max()) or 1.0
    for sign, colour in ((1, "#1f77b4"), (-1, "#d62728")):
        for width, lo, hi in ((1, 0, 0.33), (2.5, 0.33, 0.66), (5, 0.66, 1.01)):
            xs, yy = [], []
            for j in range(len(classes)):
                c = d.contributions[j]
                for i in np.argsort(-np.abs(c))[:per_output]:
                    if np.sign(c[i]) == sign and lo <= abs(c[i]) / top < hi:
                        xs += [0, 1, None]
                        yy += [ys[i], yo[j], None]
            if xs:
                fig.add_trace(go.Scatter(x=xs, y=yy, mode="lines", line=dict(color=colour, width=width),
                                         opacity=0.6, hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatter(x=np.zeros(n), y=ys, mode="markers", showlegend=False, customdata=order,
                             marker=dict(size=max(3, min(9, 600 // n)), color=d.hidden, colorscale="Viridis",
                                         line=dict(width=0.5)),
                             hovertemplate=tr("{layer} unit %{{customdata}}: %{{marker.color:.3f}}", layer=d.reads)
                             + NO_TRACE_NAME))
    best = int(d.probabilities.argmax())
    fig.add_trace(go.Scatter(
        x=np.ones(len(classes)), y=yo, mode="markers+text", showlegend=False, textposition="middle right",
        text=[tr(" {c}: score {s:.1f} → {p:.0%}", c=c, s=s, p=p)
              for c, s, p in zip(classes, d.logits, d.probabilities)], cliponaxis=False,
        textfont=dict(size=[14 if j == best else 12 for j in range(len(classes))]),
        marker=dict(size=10 + 30 * d.probabilities, color=d.probabilities, colorscale="Blues", cmin=0, cmax=1,
                    line=dict(width=1, color="#555")), hoverinfo="skip"))
    fig.update_layout(height=420, margin=dict(l=10, r=10, t=40, b=10), dragmode=False,
                      title=tr("{reads}'s {n} numbers → {layer}'s {c} scores → softmax", reads=d.reads, n=n,
                               layer=d.layer, c=len(classes)),
                      xaxis=dict(HIDDEN, range=[-0.1, 2.15]),  # room for the labels on a phone: the top one was cut
                      yaxis=dict(HIDDEN, autorange="reversed"))
    return fig


GAP = 8  # units of space between two stages


def architecture(stages: list[Stage], classes: Sequence[str]) -> go.Figure:
    """The network to scale: every number is one square, a stack shows the channels behind the front one (one
    card per 8 channels), vectors are columns of squares (64 as two of 32). The front map of each stack is its
    channel that varies most, with this image's real values."""
    fig, x, depth = go.Figure(), 0.0, 0.7
    shapes: list[dict] = []  # set once at the end: plotly's add_shape and add_annotation copy and check every
    notes: list[dict] = []  # earlier one again at each call, and that cost most of the Model page's run
    for s in stages:
        shown = tr("input") if s.name == "input" else s.name
        if len(s.shape) == 3:
            c, h, w = s.shape
            cards = max(1, c // 8)
            for k in range(cards - 1, 0, -1):  # below the traces: the front map covers the cards behind it
                shapes.append(dict(type="rect", x0=x + k * depth, x1=x + w + k * depth, y0=-k * depth,
                                   y1=h - k * depth, line=dict(color="#888", width=1), fillcolor="rgb(235,235,235)",
                                   layer="below"))
            front = strongest_channel(s.values)
            fig.add_trace(go.Heatmap(z=s.values[front], x0=x + 0.5, dx=1, y0=0.5, dy=1, showscale=False,
                                     colorscale="Greys_r" if s.name == "input" else "Viridis",
                                     hovertemplate=tr("{name}, channel {c}: %{{z:.3f}}", name=shown, c=front)
                                     + NO_TRACE_NAME))
            width, top_y = w + (cards - 1) * depth, -(cards - 1) * depth
        else:
            cols = 2 if s.shape[0] > 32 else 1
            fig.add_trace(go.Heatmap(z=s.values.reshape(cols, -1).T, x0=x + 0.5, dx=1, y0=0.5, dy=1, showscale=False,
                                     colorscale="Blues" if s.name == "softmax" else "Viridis", xgap=0.5, ygap=0.5,
                                     hovertemplate=f"{shown} %{{y}}: %{{z:.3f}}<extra></extra>"))
            width, top_y = cols, 0
        notes.append(dict(x=x + width / 2, y=top_y - 1, text=f"<b>{shown}</b><br>{s.label}", showarrow=False,
                          yanchor="bottom", font=dict(size=11)))
        if s.op:
            op = "<br>+ ".join(error(o) for o in s.op).replace(", ", ",<br>").replace("，", "，<br>")
            notes.append(dict(x=x - GAP / 2, y=6.5, text=op,
                              showarrow=False, font=dict(size=10), yanchor="bottom"))
            notes.append(dict(x=x - 0.5, y=8, ax=x - GAP + 1, ay=8, xref="x", yref="y", axref="x", ayref="y",
                              showarrow=True, arrowhead=2, arrowwidth=1.5, arrowcolor="#888", text=""))
        x += width + GAP
    best = int(np.argmax(stages[-1].values))
    notes.append(dict(x=x - GAP + 0.3, y=best + 0.5, text=f"← {classes[best]} ({stages[-1].values[best]:.0%})",
                      showarrow=False, xanchor="left", font=dict(size=12)))
    fig.update_layout(shapes=shapes, annotations=notes, height=290, margin=dict(l=0, r=0, t=0, b=0), dragmode=False,
                      showlegend=False, xaxis=dict(HIDDEN, range=[-1, x - GAP + 10]),
                      yaxis=dict(HIDDEN, range=[34, -9], scaleanchor="x"))
    return fig


VGAP = 7  # the same, one stage under the other


def architecture_column(stages: list[Stage], classes: Sequence[str]) -> go.Figure:
    """`architecture` for a phone: the stages one under the other, each named on its right, each step's operation
    in the gap above it. Side by side, a phone's width drew the network so small that its labels overlapped."""
    fig, y, depth = go.Figure(), 0.0, 0.7
    shapes: list[dict] = []  # set once at the end, as in `architecture`
    notes: list[dict] = []
    widest, softmax_top = 0.0, 0.0
    for s in stages:
        shown = tr("input") if s.name == "input" else s.name
        top = y
        if len(s.shape) == 3:
            c, h, w = s.shape
            cards = max(1, c // 8)
            y += (cards - 1) * depth  # the cards behind stand up and to the right of the front map
            for k in range(cards - 1, 0, -1):
                shapes.append(dict(type="rect", x0=k * depth, x1=w + k * depth, y0=y - k * depth, y1=y + h - k * depth,
                                   line=dict(color="#888", width=1), fillcolor="rgb(235,235,235)", layer="below"))
            front = strongest_channel(s.values)
            fig.add_trace(go.Heatmap(z=s.values[front], x0=0.5, dx=1, y0=y + 0.5, dy=1, showscale=False,
                                     colorscale="Greys_r" if s.name == "input" else "Viridis",
                                     hovertemplate=tr("{name}, channel {c}: %{{z:.3f}}", name=shown, c=front)
                                     + NO_TRACE_NAME))
            width, height = w + (cards - 1) * depth, h
        else:
            cols = 2 if s.shape[0] > 32 else 1
            fig.add_trace(go.Heatmap(z=s.values.reshape(cols, -1).T, x0=0.5, dx=1, y0=y + 0.5, dy=1, showscale=False,
                                     colorscale="Blues" if s.name == "softmax" else "Viridis", xgap=0.5, ygap=0.5,
                                     hovertemplate=f"{shown} %{{y}}: %{{z:.3f}}<extra></extra>"))
            width, height = cols, s.shape[0] // cols
            softmax_top = y
        notes.append(dict(x=max(width, 3) + 1.5, y=y + height / 2, text=f"<b>{shown}</b> {s.label}",
                          showarrow=False, xanchor="left", font=dict(size=12)))
        if s.op:
            notes.append(dict(x=1, y=top - 0.5, ax=1, ay=top - VGAP + 1, xref="x", yref="y", axref="x", ayref="y",
                              showarrow=True, arrowhead=2, arrowwidth=1.5, arrowcolor="#888", text=""))
            notes.append(dict(x=3, y=top - VGAP / 2, text=" + ".join(error(o) for o in s.op), showarrow=False,
                              xanchor="left", font=dict(size=10)))
        widest = max(widest, width)
        y += height + VGAP
    best = int(np.argmax(stages[-1].values))
    notes.append(dict(x=1.3, y=softmax_top + best + 0.5, text=f"← {classes[best]} ({stages[-1].values[best]:.0%})",
                      showarrow=False, xanchor="left", font=dict(size=12)))
    bottom = y - VGAP + 1
    fig.update_layout(shapes=shapes, annotations=notes, height=round(bottom * 4.2), margin=dict(l=0, r=0, t=0, b=0),
                      dragmode=False, showlegend=False,
                      xaxis=dict(HIDDEN, range=[-1, widest + 48], constrain="domain"),
                      yaxis=dict(HIDDEN, range=[bottom, -1], scaleanchor="x", constrain="domain"))
    return fig


__all__ = ["architecture", "architecture_column", "dense_diagram", "map_picker", "position_picker", "shape_text",
           "term_bars", "window_on"]
