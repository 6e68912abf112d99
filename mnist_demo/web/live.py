"""What the Train page redraws while a run trains, drawn on the server as HTML: the progress line with the running
accuracy and loss, and the learning curves as SVG.

Why not Streamlit's progress bar, metrics and Plotly chart: on a teacher's laptop the browser shares the processor
with the training. With those elements an open Train page made the Fast recipe train about 1.5 times as long as the
CLI; Streamlit's Plotly element alone spent about 0.4 s of the browser's processor on each redraw of the curves. One
Markdown element of HTML costs the browser a few milliseconds to swap in (docs/speed.md). They go
through st.markdown(unsafe_allow_html=True) because st.html's sanitiser removes SVG; every text is escaped here.
Colours that are not a series' own are the page's text colour (currentColor), so a dark theme and projector mode
(black text, larger type) carry over.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from mnist_demo.train.loop import Progress
from mnist_demo.web.charts import TEST_COLOUR, TRAIN_COLOUR
from mnist_demo.web.i18n import t

LIVE_COLOUR = "rgba(31,119,180,0.35)"  # the running line: the training colour, lighter
WIDTH = 500  # each panel's own units; the page draws it at the width it has


def progress(p: Progress, left: str, thick: bool = False) -> str:
    """Where the run stands: epoch, batch, speed and time `left` over a bar, and the running training accuracy and
    loss in large type, in one row (a 1280 x 720 projector shows the curves below it) that wraps on a phone."""
    line = t("Epoch {epoch} of {epochs} · batch {batch:,} of {batches:,} · {speed:,.0f} images/s · about {left} left",
             epoch=p.epoch, epochs=p.epochs, batch=p.batch, batches=p.batches, speed=p.images_per_s, left=left)
    done = min(max(p.fraction, 0.0), 1.0) * 100
    figure = "font-size:2.4rem;line-height:1.2" if thick else "font-size:2.25rem;line-height:1.2"
    figures = "".join(
        f'<div style="flex:0 0 auto"><div style="font-size:0.875rem">{escape(label)}</div>'
        f'<div style="{figure}">{value}</div></div>'
        for label, value in ((t("Training accuracy"), f"{p.accuracy:.1%}"), (t("Training loss"), f"{p.loss:.3f}")))
    return (f'<div class="live-progress" style="display:flex;flex-wrap:wrap;align-items:center;gap:0.5rem 2rem">'
            f'<div style="flex:1 1 16rem;min-width:0"><div style="font-size:0.875rem">{escape(line)}</div>'
            f'<div role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="{done:.0f}" '
            f'aria-label="{escape(line)}" style="position:relative;height:0.5rem;margin-top:0.4rem;'
            f'border-radius:0.25rem;overflow:hidden"><div style="position:absolute;inset:0;background:currentColor;'
            f'opacity:0.12"></div><div style="position:absolute;inset:0 auto 0 0;width:{done:.1f}%;'
            f'background:{TRAIN_COLOUR}"></div></div></div>{figures}</div>')


def _nice_step(top: float, most: int = 6) -> float:
    """A step of 1, 2 or 5 times a power of ten giving at most `most` intervals from 0 to `top`."""
    raw = top / most
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _lines(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """`points` split where a None stands (a new epoch: its running means start afresh), without the points that
    are not finite (a loss that became NaN or infinite)."""
    lines: list[list[tuple[float, float]]] = []
    line: list[tuple[float, float]] = []
    for p in [*points, None]:
        if p is None:
            if line:
                lines.append(line)
            line = []
        elif math.isfinite(p[1]):
            line.append(p)
    return lines


def _panel(title: str, top: float, ticks: Sequence[tuple[float, str]], epochs: int, running: list,
           per_epoch: Sequence[tuple[str, str, list[tuple[float, float, str]]]], thick: bool) -> str:
    """One panel: fixed axes (0 to `epochs`, 0 to `top`), the running line, and per epoch a line of points, each
    point saying its value when hovered. `per_epoch`: (css class, colour, [(epoch, value, words)])."""
    height, font, width = (330, 24, 6) if thick else (320, 17, 2.5)  # thick: both whole on a 1280 x 720 projector
    # room for the tick labels on the left, the title on top, the epochs and their word below
    x0, x1, y0, y1 = round(font * 3.7), WIDTH - 14, height - round(font * 2.8), round(font * 2.4)

    def sx(x: float) -> float:
        return x0 + (x1 - x0) * x / epochs

    def sy(y: float) -> float:
        return y0 + (y1 - y0) * min(max(y / top, 0.0), 1.0)

    def at(x: float, y: float) -> str:
        return f"{sx(x):.1f},{sy(y):.1f}"

    out = [f'<svg viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="{escape(title)}" '
           f'font-size="{font}" fill="currentColor">',
           f'<text x="4" y="{font + 2}" font-size="{font + 4}" font-weight="600">{escape(title)}</text>']
    for value, label in ticks:
        y = sy(value)
        out.append(f'<line x1="{x0}" x2="{x1}" y1="{y:.1f}" y2="{y:.1f}" stroke="currentColor" stroke-opacity="0.15"/>'
                   f'<text x="{x0 - 6}" y="{y + font / 3:.1f}" text-anchor="end">{label}</text>')
    for epoch in range(0, epochs + 1, 1 if epochs <= 15 else 5):
        out.append(f'<text x="{sx(epoch):.1f}" y="{y0 + font + 4}" text-anchor="middle">{epoch}</text>')
    out.append(f'<line x1="{x0}" x2="{x1}" y1="{y0}" y2="{y0}" stroke="currentColor" stroke-opacity="0.6"/>'
               f'<text x="{(x0 + x1) / 2:.1f}" y="{height - 4}" text-anchor="middle">{escape(t("epoch"))}</text>')
    style = 'fill="none" stroke-linejoin="round" stroke-linecap="round"'
    for line in _lines(running):
        out.append(f'<polyline class="running" points="{" ".join(at(*p) for p in line)}" stroke="{LIVE_COLOUR}" '
                   f'stroke-width="{width + 1}" {style}/>')
    for css, colour, points in per_epoch:
        drawn = [(e, v, words) for e, v, words in points if math.isfinite(v)]
        out.append(f'<polyline class="{css}" points="{" ".join(at(e, v) for e, v, _ in drawn)}" stroke="{colour}" '
                   f'stroke-width="{width}" {style}/>')
        for e, v, words in drawn:
            out.append(f'<circle class="{css}" cx="{sx(e):.1f}" cy="{sy(v):.1f}" r="{width * 1.8:.1f}" fill="{colour}">'
                       f"<title>{escape(words)}</title></circle>")
    return "".join([*out, "</svg>"])


def learning_curves(events: Sequence[Progress], epochs: int, thick: bool = False) -> str:
    """The tutorial's two panels, accuracy and loss, train vs test per epoch, plus the running training accuracy and
    loss inside each epoch: something to see from the first batches. Fixed axes (0-100 %, 0 to 2.5 or the highest
    loss, 0 to the last epoch), so nothing jumps while it trains. Each panel is an SVG of its own, side by side, so
    that a phone stacks them and their text stays legible; the legend is HTML under them."""
    epochs = max(epochs, 1)
    ends = [e for e in events if e.stats is not None]
    running_acc: list[tuple[float, float] | None] = []  # None: a new epoch begins
    running_loss: list[tuple[float, float] | None] = []
    epoch = None
    for e in (e for e in events if e.kind == "batch"):
        if epoch is not None and e.epoch != epoch:
            running_acc.append(None)
            running_loss.append(None)
        running_acc.append((e.x, e.accuracy))
        running_loss.append((e.x, e.loss))
        epoch = e.epoch
    train, test = t("Training"), t("Test")

    def point(e: Progress, who: str, name: str, measure: str, fmt: str) -> tuple[float, float, str]:
        value = getattr(e.stats, f"{who}_{measure}")
        return e.epoch, value, t("{who}, epoch {epoch}: {value}", who=name, epoch=e.epoch, value=format(value, fmt))

    def per_epoch(measure: str, fmt: str) -> list:
        """The training and test lines of one measure ("acc" or "loss"), each point with its words."""
        return [(who, colour, [point(e, who, name, measure, fmt) for e in ends])
                for who, colour, name in (("train", TRAIN_COLOUR, train), ("test", TEST_COLOUR, test))]

    losses = [p[1] for p in running_loss if p is not None] + [e.stats.test_loss for e in ends if e.stats is not None]
    top_loss = max([2.5, *[v * 1.05 for v in losses if math.isfinite(v)]])
    step = _nice_step(top_loss)
    panels = [
        _panel(t("Accuracy"), 1.0, [(v / 100, f"{v} %") for v in range(0, 101, 20)], epochs, running_acc,
               per_epoch("acc", ".1%"), thick),
        _panel(t("Loss"), top_loss, [(i * step, f"{i * step:g}") for i in range(int(top_loss / step) + 1)], epochs,
               running_loss, per_epoch("loss", ".3f"), thick)]
    keys = "".join(
        f'<span style="display:inline-flex;align-items:center;gap:0.4em;margin-right:1.5em">'
        f'<span style="display:inline-block;width:1.6em;height:{0.5 if thick else 0.3}em;background:{colour}"></span>'
        f"{escape(label)}</span>"
        for label, colour in ((t("Training (running)"), LIVE_COLOUR), (train, TRAIN_COLOUR), (test, TEST_COLOUR)))
    return ('<div class="learning-curves"><div style="display:flex;flex-wrap:wrap;gap:1rem 2rem">'
            + "".join(f'<div style="flex:1 1 300px;min-width:0">{panel}</div>' for panel in panels)
            + f'</div><div style="margin-bottom:0.75rem">{keys}</div></div>')
