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
from plotly.subplots import make_subplots

from ..training import EpochStats, Progress

TRAIN_COLOUR, TEST_COLOUR, LIVE_COLOUR = "#1f77b4", "#ff7f0e", "rgba(31,119,180,0.35)"


def learning_curves(events: Sequence[Progress], epochs: int) -> go.Figure:
    """The tutorial's two panels, accuracy and loss, train vs test per epoch, plus the running training accuracy and
    loss inside each epoch: something to see from the first batches. Fixed axes (0-100 %, 0 to 2.5 or the highest
    loss, 0 to the last epoch), so nothing jumps while it trains."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Accuracy", "Loss"), horizontal_spacing=0.12)
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
    for col, values in ((1, running_acc), (2, running_loss)):
        fig.add_trace(go.Scatter(x=running_x, y=values, name="Training (running)", mode="lines", connectgaps=False,
                                 line=dict(color=LIVE_COLOUR, width=3), legendgroup="live", showlegend=col == 1,
                                 hovertemplate="%{y:.1%}" if col == 1 else "%{y:.3f}"), 1, col)
    x = [e.epoch for e in ends]
    for col, (train, test, fmt) in enumerate(
        [([e.stats.train_acc for e in ends], [e.stats.test_acc for e in ends], ".1%"),
         ([e.stats.train_loss for e in ends], [e.stats.test_loss for e in ends], ".3f")], start=1
    ):
        fig.add_trace(go.Scatter(x=x, y=train, name="Training", mode="lines+markers", line_color=TRAIN_COLOUR,
                                 legendgroup="train", showlegend=col == 1, hovertemplate=f"%{{y:{fmt}}}"), 1, col)
        fig.add_trace(go.Scatter(x=x, y=test, name="Test", mode="lines+markers", line_color=TEST_COLOUR,
                                 legendgroup="test", showlegend=col == 1, hovertemplate=f"%{{y:{fmt}}}"), 1, col)
    losses = [v for v in running_loss if v is not None] + [e.stats.test_loss for e in ends]
    top_loss = max([2.5, *[v * 1.05 for v in losses if math.isfinite(v)]])
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", row=1, col=1)
    fig.update_yaxes(range=[0, top_loss], row=1, col=2)
    fig.update_xaxes(title_text="epoch", range=[0, max(epochs, 1)], dtick=1 if epochs <= 15 else 5)
    fig.update_layout(height=340, margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h", yanchor="top", y=-0.22, x=0))
    return fig


def probability_bars(probabilities: Sequence[float], classes: Sequence[str] | None = None) -> go.Figure:
    classes = list(classes or [str(i) for i in range(len(probabilities))])
    p = np.asarray(probabilities, dtype=float)
    colours = [TEST_COLOUR if i == int(p.argmax()) else TRAIN_COLOUR for i in range(len(p))]
    return go.Figure(
        go.Bar(x=classes, y=p, marker_color=colours, text=[f"{v:.0%}" for v in p], textposition="outside",
               hovertemplate="%{x}: %{y:.1%}<extra></extra>"),
        layout=dict(height=280, margin=dict(l=10, r=10, t=30, b=10), title="Probability of each digit",
                    yaxis=dict(range=[0, 1.15], tickformat=".0%"), xaxis=dict(type="category")),
    )


def confusion_heatmap(counts: np.ndarray, classes: Sequence[str], chosen: tuple[int, int] | None = None) -> go.Figure:
    """Counts with row percentages; the diagonal is right, everything else is a mistake; `chosen` is outlined."""
    counts = np.asarray(counts)
    rows = counts.sum(1, keepdims=True).clip(min=1)
    share = counts / rows
    text = [[f"{c}<br>{s:.1%}" if c else "" for c, s in zip(rc, rs)] for rc, rs in zip(counts, share)]
    off = np.where(np.eye(len(classes), dtype=bool), np.nan, share)
    fig = go.Figure(go.Heatmap(
        z=off, x=list(classes), y=list(classes), text=text, texttemplate="%{text}", colorscale="Reds",
        customdata=counts, hovertemplate="true %{y}, predicted %{x}: %{customdata} images<extra></extra>",
        showscale=False, xgap=1, ygap=1,
    ))
    diag = np.where(np.eye(len(classes), dtype=bool), share, np.nan)
    fig.add_trace(go.Heatmap(z=diag, x=list(classes), y=list(classes), colorscale="Greens", zmin=0, zmax=1.6,
                             text=text, texttemplate="%{text}", showscale=False, hoverinfo="skip", xgap=1, ygap=1))
    if chosen is not None:
        true, pred = chosen
        fig.add_shape(type="rect", x0=pred - 0.5, x1=pred + 0.5, y0=true - 0.5, y1=true + 0.5,
                      line=dict(color="#1f77b4", width=3))
    fig.update_layout(height=520, margin=dict(l=10, r=10, t=30, b=10),
                      xaxis=dict(title="predicted", type="category", side="top"),
                      yaxis=dict(title="true", type="category", autorange="reversed"))
    return fig


def per_class_bars(accuracy: Sequence[float], classes: Sequence[str]) -> go.Figure:
    fig = go.Figure(go.Bar(x=list(classes), y=list(accuracy), marker_color=TRAIN_COLOUR,
                           text=[f"{a:.1%}" for a in accuracy], textposition="outside"))
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=30, b=10), title="Accuracy per class",
                      yaxis=dict(range=[0, 1.1], tickformat=".0%"), xaxis=dict(type="category"))
    return fig


def feature_maps(maps: np.ndarray, columns: int, title: str) -> go.Figure:
    """A grid of (C, H, W) activation maps, each scaled to its own range."""
    c, h, w = maps.shape
    rows = -(-c // columns)
    grid = np.full((rows * (h + 1) - 1, columns * (w + 1) - 1), np.nan)
    for i, m in enumerate(maps):
        r, k = divmod(i, columns)
        span = float(m.max() - m.min())
        grid[r * (h + 1) : r * (h + 1) + h, k * (w + 1) : k * (w + 1) + w] = (m - m.min()) / span if span else 0
    return go.Figure(
        go.Heatmap(z=grid, colorscale="Viridis", showscale=False, hoverinfo="skip"),
        layout=dict(title=title, height=max(160, 40 + rows * 60), margin=dict(l=0, r=0, t=30, b=0),
                    xaxis=dict(visible=False), yaxis=dict(visible=False, autorange="reversed", scaleanchor="x")),
    )


def saliency_map(saliency: np.ndarray) -> go.Figure:
    return go.Figure(
        go.Heatmap(z=saliency, colorscale="Hot", showscale=False, hoverinfo="skip"),
        layout=dict(title="Where it looked", height=300, margin=dict(l=10, r=10, t=30, b=0),
                    xaxis=dict(visible=False), yaxis=dict(visible=False, autorange="reversed", scaleanchor="x")),
    )


def run_overlay(runs: Sequence[tuple[str, Sequence[EpochStats]]], metric: str) -> go.Figure:
    """One line per run for `metric` (an EpochStats field, e.g. test_acc)."""
    fig = go.Figure()
    for name, history in runs:
        fig.add_trace(go.Scatter(x=[h.epoch for h in history], y=[getattr(h, metric) for h in history],
                                 mode="lines+markers", name=name))
    title = metric.replace("_", " ").replace("acc", "accuracy").capitalize()
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=40, b=10), title=title,
                      xaxis=dict(title="epoch", dtick=1), legend=dict(orientation="h", y=-0.25))
    if metric.endswith("acc"):
        fig.update_yaxes(tickformat=".1%")
    return fig
