"""The handwriting styles as pen strokes: the table that pen.py draws from (sources in docs/styles.md).

Each style is a few strokes on a unit square (x right, y down). A stroke is a chain of pieces: `curve(...)` (a
Catmull-Rom spline through its points) or `line(...)` (straight segments, corners kept); a piece after the first
continues from where the previous one ended, with a corner there. Add a style by adding a row to _TABLE; `junk`
rows (digit JUNK) are shapes that are no digit at all, which the app should answer with "not sure".
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from mnist_demo.messages import N_

Point = tuple[float, float]
Piece = tuple[bool, tuple[Point, ...]]  # (smooth, points)
Stroke = tuple[Piece, ...]

JUNK = -1  # the label of a shape that is no digit
SAMPLES = 8  # points per spline segment: chords of a few px at 280 px


def curve(*points: Point) -> Stroke:
    """A smooth piece through `points` (Catmull-Rom)."""
    return ((True, tuple(points)),)


def line(*points: Point) -> Stroke:
    """Straight segments through `points`, corners kept."""
    return ((False, tuple(points)),)


def arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int = 9) -> tuple[Point, ...]:
    """`n` points on an ellipse from angle `start` to `end`, degrees; 0 is right, 90 down (y points down)."""
    angles = np.radians(np.linspace(start, end, n))
    return tuple((float(cx + rx * math.cos(a)), float(cy + ry * math.sin(a))) for a in angles)


def dot(x: float, y: float) -> Stroke:
    """A tap of the pen: a very short stroke that the round cap makes a dot."""
    return line((x - 0.01, y), (x + 0.01, y))


def spline(p: np.ndarray) -> np.ndarray:
    """Uniform Catmull-Rom through the rows of `p`, ends extended by reflection; SAMPLES points a segment."""
    if len(p) < 3:
        return p
    q = np.vstack([2 * p[0] - p[1], p, 2 * p[-1] - p[-2]])
    t = np.linspace(0, 1, SAMPLES, endpoint=False)[:, None, None]
    p0, p1, p2, p3 = q[:-3], q[1:-2], q[2:-1], q[3:]
    pts = 0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2 + (3 * p1 - p0 - 3 * p2 + p3) * t**3)
    return np.vstack([pts.transpose(1, 0, 2).reshape(-1, 2), p[-1:]])


def path(stroke: Stroke, points: Iterator[np.ndarray] | None = None) -> np.ndarray:
    """A stroke's centre line; `points` supplies the (jittered) control points in order, else the style's own."""
    out: list[np.ndarray] = []
    for smooth, pts in stroke:
        p = np.asarray(pts, dtype=np.float64) if points is None else next(points)
        if out:  # a later piece starts where the previous ended
            p = np.vstack([out[-1][-1:], p])
        out.append(spline(p) if smooth else p)
    return np.vstack([out[0]] + [o[1:] for o in out[1:]])


@dataclass(frozen=True)
class Style:
    name: str
    digit: int  # JUNK for a shape that is no digit
    strokes: tuple[Stroke, ...]
    description: str

    @property
    def polylines(self) -> list[np.ndarray]:
        """The strokes as the pen follows them: one (n, 2) array per stroke, unit coordinates, no wobble."""
        return [path(s) for s in self.strokes]


def _word() -> Stroke:
    """A cursive scribble like "elle": a looping prolate cycloid, wider than high."""
    t = np.linspace(0, 4 * 2 * math.pi, 33)
    x = 0.05 + 0.9 * (t / t[-1]) - 0.07 * np.sin(t)
    y = 0.55 + 0.16 * np.cos(t)
    return curve(*zip(x.tolist(), y.tolist()))


def _star() -> Stroke:
    """A five-pointed star in one stroke (a pentagram)."""
    angles = [-90 + 144 * k for k in range(6)]
    return line(*((0.5 + 0.45 * math.cos(math.radians(a)), 0.52 + 0.45 * math.sin(math.radians(a))) for a in angles))


_OVAL = arc(0.5, 0.5, 0.28, 0.41, -95, 280, 12)  # a zero: from the top round and a little past it
_ONE_FLAG = line((0.30, 0.42), (0.60, 0.08), (0.60, 0.92))  # the long up-stroke, then down
_NINE_LOOP = curve((0.72, 0.22), (0.52, 0.08), (0.30, 0.16), (0.28, 0.36), (0.48, 0.46), (0.70, 0.34))

_TABLE: list[tuple[str, int, list[Stroke], str]] = [
    # name, digit, strokes, description
    (N_("0-plain"), 0, [curve(*_OVAL)], N_("an oval in one stroke, closed with a small overlap")),
    (N_("0-slashed"), 0, [curve(*_OVAL), line((0.84, 0.06), (0.16, 0.94))],
     N_("slashed zero: a diagonal through the oval and a little past it (programmers, radio logs; Ø-like)")),
    (N_("0-dotted"), 0, [curve(*_OVAL), dot(0.5, 0.5)], N_("dotted zero: a dot in the middle (avoids the Danish Ø)")),
    (N_("1-plain"), 1, [line((0.52, 0.08), (0.48, 0.92))], N_("a single down-stroke (North America)")),
    (N_("1-serif"), 1, [line((0.40, 0.24), (0.56, 0.08), (0.56, 0.92))], N_("a short flag at the top, then down")),
    (N_("1-flag"), 1, [_ONE_FLAG],
     N_("a long up-stroke from half-way down, then down (much of Europe, Latin America)")),
    (N_("1-base"), 1, [_ONE_FLAG, line((0.36, 0.92), (0.84, 0.92))], N_("the long up-stroke and a foot (France)")),
    (N_("1-serif-base"), 1, [line((0.40, 0.24), (0.56, 0.08), (0.56, 0.92)), line((0.36, 0.92), (0.78, 0.92))],
     N_("a short flag and a foot, as printed (Britain)")),
    (N_("2-plain"), 2, [curve((0.22, 0.28), (0.36, 0.12), (0.56, 0.08), (0.74, 0.20), (0.72, 0.40), (0.50, 0.64))
                    + line((0.20, 0.90), (0.84, 0.90))], N_("an arch, a diagonal, a sharp corner and a flat base")),
    (N_("2-loop"), 2, [curve((0.22, 0.28), (0.36, 0.12), (0.56, 0.08), (0.74, 0.20), (0.72, 0.40), (0.50, 0.62),
                         (0.30, 0.80), (0.20, 0.84), (0.22, 0.74), (0.32, 0.76), (0.34, 0.88), (0.52, 0.92),
                         (0.84, 0.88))], N_("a cursive 2: a small loop where the diagonal meets the base")),
    (N_("3-plain"), 3, [curve((0.22, 0.20), (0.44, 0.07), (0.68, 0.14), (0.70, 0.32), (0.44, 0.48))
                        + curve((0.68, 0.56), (0.76, 0.76), (0.52, 0.92), (0.22, 0.84))],
     N_("two round bowls, one stroke")),
    (N_("3-flat-top"), 3, [line((0.22, 0.10), (0.76, 0.10), (0.46, 0.42))
                       + curve((0.70, 0.54), (0.76, 0.76), (0.52, 0.92), (0.20, 0.82))],
     N_("a flat top and a diagonal, then the bowl (the 'Z' 3, hard to forge into an 8)")),
    (N_("4-open"), 4, [line((0.26, 0.08), (0.22, 0.60), (0.84, 0.60)), line((0.66, 0.10), (0.66, 0.92))],
     N_("open top: an L and a long stem, two strokes (seven-segment shape; common in MNIST)")),
    (N_("4-slanted"), 4, [line((0.40, 0.08), (0.18, 0.60), (0.84, 0.60)), line((0.66, 0.20), (0.66, 0.92))],
     N_("open top with a slanted first stroke")),
    (N_("4-closed"), 4, [line((0.62, 0.08), (0.18, 0.64), (0.86, 0.64)), line((0.62, 0.08), (0.62, 0.92))],
     N_("closed top: a triangle, as printed, two strokes")),
    (N_("5-plain"), 5, [line((0.30, 0.10), (0.26, 0.46))
                    + curve((0.46, 0.38), (0.70, 0.46), (0.74, 0.68), (0.58, 0.90), (0.38, 0.92), (0.20, 0.82)),
                    line((0.30, 0.10), (0.76, 0.10))], N_("stem and belly, then the flag in a second stroke")),
    (N_("5-one-stroke"), 5, [line((0.76, 0.10), (0.30, 0.10), (0.26, 0.46))
                         + curve((0.46, 0.38), (0.70, 0.46), (0.74, 0.68), (0.58, 0.90), (0.38, 0.92), (0.20, 0.82))],
     N_("flag first, then down and round, no pen lift")),
    (N_("6-plain"), 6, [curve((0.70, 0.10), (0.46, 0.24), (0.28, 0.52), (0.30, 0.80), (0.50, 0.92), (0.70, 0.80),
                          (0.70, 0.60), (0.50, 0.52), (0.30, 0.64))], N_("a curved back falling into a loop")),
    (N_("6-straight"), 6, [line((0.66, 0.06), (0.30, 0.66))
                       + curve((0.34, 0.86), (0.52, 0.93), (0.70, 0.80), (0.66, 0.60), (0.46, 0.55), (0.30, 0.66))],
     N_("a straight back, then the loop")),
    (N_("7-plain"), 7, [line((0.20, 0.12), (0.80, 0.12), (0.40, 0.92))], N_("a bar and a diagonal")),
    (N_("7-crossed"), 7, [line((0.20, 0.12), (0.80, 0.12), (0.40, 0.92)), line((0.40, 0.52), (0.80, 0.52))],
     N_("crossed 7: a bar through the middle (continental Europe, Latin America)")),
    (N_("7-hooked"), 7, [line((0.22, 0.28), (0.20, 0.12), (0.80, 0.12), (0.44, 0.92))],
     N_("a hook down at the left of the bar (Japan, Korea, Taiwan, China)")),
    (N_("8-plain"), 8, [curve((0.72, 0.20), (0.50, 0.08), (0.28, 0.20), (0.36, 0.38), (0.50, 0.50), (0.70, 0.64),
                          (0.72, 0.84), (0.50, 0.94), (0.28, 0.84), (0.30, 0.64), (0.50, 0.50), (0.66, 0.38),
                          (0.72, 0.20), (0.62, 0.10))], N_("one stroke: an S and back up")),
    (N_("8-two-loops"), 8, [curve(*arc(0.5, 0.29, 0.19, 0.20, -90, 275, 10)),
                        curve(*arc(0.5, 0.71, 0.24, 0.22, -90, 275, 10))], N_("two stacked circles, two strokes")),
    (N_("9-plain"), 9, [_NINE_LOOP + line((0.58, 0.92))], N_("a loop, then a stem slanting down-left")),
    (N_("9-straight"), 9, [_NINE_LOOP + line((0.70, 0.92))], N_("a loop, then a straight vertical stem")),
    (N_("9-curved"), 9, [_NINE_LOOP + curve((0.72, 0.58), (0.64, 0.84), (0.44, 0.93), (0.28, 0.86))],
     N_("a loop, then a stem curving left at the foot (like g)")),
    (N_("junk-smiley"), JUNK, [curve(*arc(0.5, 0.5, 0.42, 0.42, -90, 275, 12)), dot(0.36, 0.38), dot(0.64, 0.38),
                           curve(*arc(0.5, 0.52, 0.24, 0.2, 20, 160, 5))], N_("a smiley: a face, two eyes, a smile")),
    (N_("junk-word"), JUNK, [_word()], N_("a cursive scribble like a short word")),
    (N_("junk-line"), JUNK, [line((0.06, 0.50), (0.94, 0.52))], N_("one horizontal line")),
    (N_("junk-box"), JUNK, [line((0.15, 0.15), (0.85, 0.15), (0.85, 0.85), (0.15, 0.85), (0.15, 0.15))],
     N_("a square in one stroke")),
    (N_("junk-star"), JUNK, [_star()], N_("a five-pointed star in one stroke")),
    (N_("junk-cross"), JUNK, [line((0.15, 0.15), (0.85, 0.85)), line((0.85, 0.15), (0.15, 0.85))],
     N_("an X, two strokes")),
    (N_("junk-equals"), JUNK, [line((0.15, 0.38), (0.85, 0.38)), line((0.15, 0.64), (0.85, 0.64))],
     N_("an equals sign, two strokes")),
    (N_("junk-hash"), JUNK, [line((0.40, 0.10), (0.32, 0.90)), line((0.70, 0.10), (0.62, 0.90)),
                         line((0.12, 0.36), (0.90, 0.36)), line((0.10, 0.64), (0.88, 0.64))],
     N_("a hash sign, four strokes")),
]

STYLES: dict[str, Style] = {name: Style(name, digit, tuple(strokes), text) for name, digit, strokes, text in _TABLE}
PLAIN: dict[int, str] = {d: f"{d}-plain" if f"{d}-plain" in STYLES else f"{d}-open" for d in range(10)}
