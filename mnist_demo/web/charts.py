"""Plotly figures for every view: curves, probabilities, confusion matrix, feature maps, run overlays.

The Draw page's four figures, built for every drawing of every student, take their layout in the constructor:
Figure.update_layout walks plotly's property paths, and the four cost 42 ms that way instead of 16 ms, all of it
holding the GIL that training and the other sessions need (docs/load.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from ..training import EpochStats, Progress
from .i18n import t

TRAIN_COLOUR, TEST_COLOUR, LIVE_COLOUR = "#1f77b4", "#ff7f0e", "rgba(31,119,180,0.35)"


def learning_curves(events: Sequence[Progress], epochs: int, thick: bool = False) -> go.Figure:
    """The tutorial's two panels, accuracy and loss, train vs test per epoch, plus the running training accuracy and
    loss inside each epoch: something to see from the first batches. Fixed axes (0-100 %, 0 to 2.5 or the highest
    loss, 0 to the last epoch), so nothing jumps while it trains.

    Built as one dict in the constructor, not with make_subplots and update_*: every open Train page redraws it each
    second, in the process that trains, and plotly's property paths cost about six times as much."""
    ends = [e for e in events if e.stats is not None]
    running_x, running_acc, running_loss, epoch = [], [], [], None
    for e in (e for e in events if e.kind == "batch"):
        if epoch is not None and e.epoch != epoch:  # a new epoch: its running means start afresh
            running_x.append(None)
            running_acc.append(None)
            running_loss.append(None)
        running_x.append(e.x)
        running_acc.append(e.accuracy)
        running_loss.append(e.loss)
        epoch = e.epoch
    x = [e.epoch for e in ends]
    panels = {1: ("x", "y", ".1%", running_acc, [e.stats.train_acc for e in ends], [e.stats.test_acc for e in ends]),
              2: ("x2", "y2", ".3f", running_loss, [e.stats.train_loss for e in ends],
                  [e.stats.test_loss for e in ends])}
    data = []
    for col, (xaxis, yaxis, fmt, running, train, test) in panels.items():
        common = dict(type="scatter", xaxis=xaxis, yaxis=yaxis, showlegend=col == 1, hovertemplate=f"%{{y:{fmt}}}")
        width, marker = (6, dict(size=14)) if thick else (2, dict(size=7))
        data += [
            dict(common, x=running_x, y=running, name=t("Training (running)"), mode="lines", connectgaps=False,
                 line=dict(color=LIVE_COLOUR, width=width + 1), legendgroup="live"),
            dict(common, x=x, y=train, name=t("Training"), mode="lines+markers", marker=marker, legendgroup="train",
                 line=dict(color=TRAIN_COLOUR, width=width)),
            dict(common, x=x, y=test, name=t("Test"), mode="lines+markers", marker=marker, legendgroup="test",
                 line=dict(color=TEST_COLOUR, width=width)),
        ]
    losses = [v for v in running_loss if v is not None] + [e.stats.test_loss for e in ends]
    top_loss = max([2.5, *[v * 1.05 for v in losses if math.isfinite(v)]])
    # Streamlit's chart theme sets the axes' and legend's own fonts, which win over layout.font: set them here
    big = dict(size=18, color="#000") if thick else {}
    epoch_axis = dict(title=dict(text=t("epoch"), font=big), range=[0, max(epochs, 1)], dtick=1 if epochs <= 15 else 5,
                      tickfont=big)
    title = dict(xref="paper", yref="paper", y=1.0, yanchor="bottom", showarrow=False,
                 font=dict(size=24 if thick else 16))
    return go.Figure(data=data, layout=dict(
        # the legend sits at the figure's own bottom edge, under the epoch titles, in a margin kept for both: placed
        # relative to the plot area it overlapped the titles, or was clipped off a phone-sized chart
        height=400 if thick else 360, font=dict(size=18 if thick else 12, color="#000" if thick else None),
        margin=dict(l=10, r=10, t=50 if thick else 40, b=120 if thick else 90),
        legend=dict(orientation="h", yref="container", yanchor="bottom", y=0, x=0, font=big),
        xaxis=dict(epoch_axis, domain=[0, 0.44], anchor="y"), xaxis2=dict(epoch_axis, domain=[0.56, 1], anchor="y2"),
        yaxis=dict(range=[0, 1.02], tickformat=".0%", anchor="x", automargin=True, tickfont=big),
        yaxis2=dict(range=[0, top_loss], anchor="x2", automargin=True, tickfont=big),
        annotations=[dict(title, text=t("Accuracy"), x=0, xanchor="left"),  # each over its own panel: centred, they
                     dict(title, text=t("Loss"), x=0.56, xanchor="left")],  # met on a phone
    ))


def probability_bars(probabilities: Sequence[float], classes: Sequence[str] | None = None) -> go.Figure:
    classes = list(classes or [str(i) for i in range(len(probabilities))])
    p = np.asarray(probabilities, dtype=float)
    colours = [TEST_COLOUR if i == int(p.argmax()) else TRAIN_COLOUR for i in range(len(p))]
    return go.Figure(
        go.Bar(x=classes, y=p, marker_color=colours, text=[f"{v:.0%}" for v in p], textposition="outside",
               hovertemplate="%{x}: %{y:.1%}<extra></extra>"),
        layout=dict(height=280, margin=dict(l=10, r=10, t=30, b=10), title=t("Probability of each digit"),
                    yaxis=dict(range=[0, 1.15], tickformat=".0%"), xaxis=dict(type="category")),
    )


def text_colour(background: str) -> str:
    """Near-black or white, whichever reads better on `background` ("rgb(r, g, b)"): WCAG relative luminance."""
    r, g, b = (int(v) / 255 for v in background[background.index("(") + 1 : -1].split(","))
    lum = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    luminance = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2]
    return "#111111" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


def confusion_heatmap(counts: np.ndarray, classes: Sequence[str], chosen: tuple[int, int] | None = None) -> go.Figure:
    """Counts with row percentages; the diagonal is right, everything else is a mistake; `chosen` is outlined.

    Each cell's text colour is worked out from the cell's own colour. Plotly reports no points when a heatmap is
    clicked, so an invisible square marker sits on every non-empty cell: clicking one selects (x, y) = (predicted,
    true)."""
    counts = np.asarray(counts)
    n, names = len(classes), list(classes)
    share = counts / counts.sum(1, keepdims=True).clip(min=1)
    diagonal = np.eye(n, dtype=bool)
    text = np.array([[f"{c}<br>{s:.1%}" if c else "" for c, s in zip(rc, rs)] for rc, rs in zip(counts, share)])
    fig = go.Figure()
    for scale, cells, top in (("Reds", ~diagonal, max(float(share[~diagonal].max(initial=0)), 1e-9)),
                              ("Greens", diagonal, 1.6)):
        colours = np.array(sample_colorscale(scale, np.clip(share / top, 0, 1).ravel())).reshape(n, n)
        ink = np.vectorize(text_colour)(colours)
        for font in ("#111111", "#ffffff"):  # one trace per text colour: a heatmap takes one font colour
            part = cells & (ink == font)
            fig.add_trace(go.Heatmap(z=np.where(part, share, np.nan), x=names, y=names, colorscale=scale, zmin=0,
                                     zmax=top, text=np.where(part, text, ""), texttemplate="%{text}",
                                     textfont=dict(color=font), showscale=False, hoverinfo="skip", xgap=1, ygap=1))
    true, pred = np.nonzero((counts > 0) | diagonal)
    fig.add_trace(go.Scatter(
        x=[names[p] for p in pred], y=[names[t] for t in true], mode="markers", showlegend=False,
        marker=dict(symbol="square", size=40, color="rgba(0,0,0,0)"), customdata=counts[true, pred],
        hovertemplate=t("true %{y}, predicted %{x}: %{customdata} images<extra></extra>"),
        unselected=dict(marker=dict(opacity=0)), selected=dict(marker=dict(opacity=0)),
    ))
    if chosen is not None:
        true, pred = chosen
        fig.add_shape(type="rect", x0=pred - 0.5, x1=pred + 0.5, y0=true - 0.5, y1=true + 0.5,
                      line=dict(color="#1f77b4", width=3))
    fig.update_layout(height=520, margin=dict(l=10, r=10, t=30, b=10), clickmode="event+select", dragmode=False,
                      xaxis=dict(title=t("predicted"), type="category", side="top", range=[-0.5, n - 0.5]),
                      yaxis=dict(title=t("true"), type="category", range=[n - 0.5, -0.5]))  # no padding for markers
    return fig


def per_class_bars(accuracy: Sequence[float], classes: Sequence[str]) -> go.Figure:
    fig = go.Figure(go.Bar(x=list(classes), y=list(accuracy), marker_color=TRAIN_COLOUR,
                           text=[f"{a:.1%}" for a in accuracy], textposition="outside"))
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=30, b=10), title=t("Accuracy per class"),
                      yaxis=dict(range=[0, 1.1], tickformat=".0%"), xaxis=dict(type="category"))
    return fig


def saliency_map(saliency: np.ndarray) -> go.Figure:
    return go.Figure(
        go.Heatmap(z=saliency, colorscale="Hot", showscale=False, hoverinfo="skip"),
        layout=dict(title=t("Where it looked"), height=300, margin=dict(l=10, r=10, t=30, b=0),
                    xaxis=dict(visible=False), yaxis=dict(visible=False, autorange="reversed", scaleanchor="x")),
    )


OVERLAY_TITLES = {"test_acc": "Test accuracy", "test_loss": "Test loss", "train_acc": "Train accuracy",
                  "train_loss": "Train loss"}


def run_overlay(runs: Sequence[tuple[str, Sequence[EpochStats]]], metric: str) -> go.Figure:
    """One line per run for `metric` (an EpochStats field, e.g. test_acc)."""
    fig = go.Figure()
    for name, history in runs:
        fig.add_trace(go.Scatter(x=[h.epoch for h in history], y=[getattr(h, metric) for h in history],
                                 mode="lines+markers", name=name))
    title = t(OVERLAY_TITLES[metric]) if metric in OVERLAY_TITLES else metric
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=40, b=10), title=title,
                      xaxis=dict(title=t("epoch"), dtick=1), legend=dict(orientation="h", y=-0.25))
    if metric.endswith("acc"):
        fig.update_yaxes(tickformat=".1%")
    return fig
