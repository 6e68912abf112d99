"""Plotly figures for every view: probabilities, confusion matrix, feature maps, run overlays, and a run's curves
once it has ended (while it trains, the Train page redraws them as SVG: web/live.py).

The Draw page's four figures, built for every drawing of every student, take their layout in the constructor:
Figure.update_layout walks plotly's property paths, and the four cost 42 ms that way instead of 16 ms, all of it
holding the GIL that training and the other sessions need (docs/load.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from mnist_demo.messages import N_
from mnist_demo.train.loop import EpochStats
from mnist_demo.web.i18n import t, term

TRAIN_COLOUR, TEST_COLOUR = "#1f77b4", "#ff7f0e"
NO_TRACE_NAME = "<extra></extra>"  # ends a Plotly hover template: no second box with the trace's name


def probability_bars(probabilities: Sequence[float] | np.ndarray, classes: Sequence[str] | None = None) -> go.Figure:
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
    """Counts with row percentages; the diagonal is right (blues), everything else is a mistake (oranges: apart from
    blue for the red-green colour blind, where the greens and reds of before were not); `chosen` is outlined.

    Each cell's text colour is worked out from the cell's own colour. Plotly reports no points when a heatmap is
    clicked, so an invisible square marker sits on every non-empty cell: clicking one selects (x, y) = (predicted,
    true)."""
    counts = np.asarray(counts)
    n, names = len(classes), list(classes)
    share = counts / counts.sum(1, keepdims=True).clip(min=1)
    diagonal = np.eye(n, dtype=bool)
    text = np.array([[f"{c}<br>{s:.1%}" if c else "" for c, s in zip(rc, rs)] for rc, rs in zip(counts, share)])
    fig = go.Figure()
    for scale, cells, top in (("Oranges", ~diagonal, max(float(share[~diagonal].max(initial=0)), 1e-9)),
                              ("Blues", diagonal, 1.6)):
        colours = np.array(sample_colorscale(scale, np.clip(share / top, 0, 1).ravel())).reshape(n, n)
        ink = np.vectorize(text_colour)(colours)
        for font in ("#111111", "#ffffff"):  # one trace per text colour: a heatmap takes one font colour
            part = cells & (ink == font)
            fig.add_trace(go.Heatmap(z=np.where(part, share, np.nan), x=names, y=names, colorscale=scale, zmin=0,
                                     zmax=top, text=np.where(part, text, ""), texttemplate="%{text}",
                                     textfont=dict(color=font, size=13), showscale=False, hoverinfo="skip", xgap=1,
                                     ygap=1))  # a set size: Plotly shrank the text of narrow cells to 4 px
    true, pred = np.nonzero((counts > 0) | diagonal)
    fig.add_trace(go.Scatter(
        x=[names[p] for p in pred], y=[names[t] for t in true], mode="markers", showlegend=False,
        marker=dict(symbol="square", size=40, color="rgba(0,0,0,0)"), customdata=counts[true, pred],
        hovertemplate=t("true %{y}, predicted %{x}: %{customdata} images") + NO_TRACE_NAME,
        unselected=dict(marker=dict(opacity=0)), selected=dict(marker=dict(opacity=0)),
    ))
    if chosen is not None:
        row, col = chosen
        for colour, width in (("#ffffff", 6), ("#111111", 3)):  # black in white: seen on every cell colour
            fig.add_shape(type="rect", x0=col - 0.5, x1=col + 0.5, y0=row - 0.5, y1=row + 0.5,
                          line=dict(color=colour, width=width))
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


OVERLAY_TITLES = {"test_acc": N_("Test accuracy"), "test_loss": N_("Test loss"), "train_acc": N_("Train accuracy"),
                  "train_loss": N_("Train loss")}


def run_overlay(runs: Sequence[tuple[str, Sequence[EpochStats]]], metric: str) -> go.Figure:
    """One line per run for `metric` (an EpochStats field, e.g. test_acc)."""
    fig = go.Figure()
    for name, history in runs:
        fig.add_trace(go.Scatter(x=[h.epoch for h in history], y=[getattr(h, metric) for h in history],
                                 mode="lines+markers", name=name))
    title = term(OVERLAY_TITLES[metric]) if metric in OVERLAY_TITLES else metric
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=40, b=10), title=title,
                      xaxis=dict(title=t("epoch"), dtick=1), legend=dict(orientation="h", y=-0.25))
    if metric.endswith("acc"):
        fig.update_yaxes(tickformat=".1%")
    return fig


def learning_curves(history: Sequence[EpochStats], epochs: int, thick: bool = False) -> go.Figure:
    """A run's accuracy and loss per epoch, training and test, side by side on the live curves' axes (0-100 %, 0 to
    the last epoch): the curves of a run that has ended, to zoom into, read on hover and download for a slide."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(t("Accuracy"), t("Loss")), horizontal_spacing=0.12)
    epoch_axis = [h.epoch for h in history]
    line = 4 if thick else 2
    for who, colour, name in (("train", TRAIN_COLOUR, t("Training")), ("test", TEST_COLOUR, t("Test"))):
        for col, measure, fmt in ((1, "acc", ".1%"), (2, "loss", ".3f")):
            fig.add_trace(go.Scatter(
                x=epoch_axis, y=[getattr(h, f"{who}_{measure}") for h in history], mode="lines+markers", name=name,
                legendgroup=who, showlegend=col == 1, line=dict(color=colour, width=line),
                marker=dict(size=3 * line, color=colour),
                hovertemplate=t("{who}, epoch {epoch}: {value}", who=name, epoch="%{x}", value=f"%{{y:{fmt}}}")
                + NO_TRACE_NAME), row=1, col=col)
    last = max(epochs, 1)  # room after the last epoch: points on the edge were half drawn, and not hovered
    fig.update_xaxes(title_text=t("epoch"), range=[0, last + max(0.1, last / 40)], dtick=1 if epochs <= 15 else 5)
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", row=1, col=1)
    fig.update_yaxes(rangemode="tozero", row=1, col=2)
    fig.update_layout(height=380 if thick else 340, margin=dict(l=10, r=10, t=40, b=10), hovermode="closest",
                      legend=dict(orientation="h", y=-0.22), font=dict(size=18) if thick else None)
    return fig
