"""The style check: digits in the world's handwriting styles, drawn as on the canvas, read as the Draw page reads them.

Each drawing (mnist_demo/handwriting/, the canvas hand, seed 0 unless told) goes through to_mnist and the model. A
digit is "right" when the app shows its digit, "not sure" when the app says so (inference.is_sure, the Draw page's
rule), "wrong" when the app shows another digit as sure. Junk should be "not sure": its "wrong" is the share read
as a sure digit. "unfamiliar" is the share that fails the distance test, whatever the probability.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from mnist_demo import handwriting
from mnist_demo.checkpoint import Checkpoint
from mnist_demo.paths import ROOT
from mnist_demo.reading.inference import is_sure, read_many

JSON = ROOT / "assets" / "drawing_check.json"  # what the Model page shows: scripts/drawing_check.py --json writes it


@dataclass
class Row:
    name: str  # a style, a digit ("all 7s") or a total
    digit: int  # handwriting.JUNK for junk
    n: int
    right: int
    unsure: int
    wrong: int  # shown as a sure digit, and not the right one
    unfamiliar: int
    most_as: int | None = None  # the digit the wrong ones are most often read as
    most_as_n: int = 0
    description: str = ""

    def share(self, what: str) -> float:
        return getattr(self, what) / max(self.n, 1)


def _row(name: str, digit: int, top: np.ndarray, sure: np.ndarray, familiar: np.ndarray, description: str = "") -> Row:
    right = sure & (top == digit)
    wrong = sure & (top != digit)
    confusions = np.bincount(top[wrong], minlength=10)
    most = int(confusions.argmax()) if confusions.any() else None
    return Row(name, digit, len(top), int(right.sum()), int((~sure).sum()), int(wrong.sum()), int((~familiar).sum()),
               most, int(confusions.max()) if most is not None else 0, description)


def readings(ckpt: Checkpoint, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top digit, Reading.sure and digit-likeness for a batch of 28 x 28 images, by the Draw page's rule."""
    stats = ckpt.feature_stats
    probs, dist = read_many(ckpt.model, xs, stats)
    threshold = stats.threshold if stats is not None else None
    familiar = np.ones(len(xs), bool) if dist is None else dist <= threshold
    return probs.argmax(1), is_sure(probs.max(1), dist, threshold), familiar


def check(ckpt: Checkpoint, n: int = 200, seed: int = 0, names: Iterable[str] | None = None,
          size: int = handwriting.CANVAS) -> list[Row]:
    """One row per style (n drawings each), in the table's order."""
    xs, labels, styles = handwriting.as_mnist_batch(n, seed, names, size=size)
    top, sure, familiar = readings(ckpt, xs)
    drawn = np.array(styles)
    return [_row(s.name, s.digit, top[at], sure[at], familiar[at], s.description)
            for s in handwriting.pick(names) if (at := drawn == s.name).any()]


def total(rows: list[Row], name: str, digit: int) -> Row:
    """Rows added up (the most-as column is left empty: it differs per style)."""
    counts = ("n", "right", "unsure", "wrong", "unfamiliar")
    return Row(name, digit, *(sum(getattr(r, f) for r in rows) for f in counts))


def per_digit(rows: list[Row]) -> list[Row]:
    return [total(group, f"all {d}s", d) for d in range(10) if (group := [r for r in rows if r.digit == d])]


def summary(rows: list[Row]) -> tuple[Row, Row]:
    """All digit styles together, and all junk together."""
    return (total([r for r in rows if r.digit != handwriting.JUNK], "all digits", -2),
            total([r for r in rows if r.digit == handwriting.JUNK], "all junk", handwriting.JUNK))


def table(rows: list[Row]) -> str:
    """The per-style, per-digit and total lines, as scripts/style_check.py prints them."""
    head = f"{'style':15s} {'right':>12s} {'not sure':>12s} {'wrong, sure':>12s} {'unfamiliar':>11s}   wrong: most as"

    def line(r: Row) -> str:
        most = f"{r.most_as} ({r.most_as_n / r.n:.1%})" if r.most_as is not None else ""
        cells = " ".join(f"{getattr(r, f):5d} {r.share(f):6.1%}" for f in ("right", "unsure", "wrong"))
        return f"{r.name:15s} {cells} {r.share('unfamiliar'):11.1%}   {most}"

    digits, junk = [r for r in rows if r.digit != handwriting.JUNK], [r for r in rows if r.digit == handwriting.JUNK]
    out = [head] + [line(r) for r in digits]
    if digits:
        out += ["", "per digit"] + [line(r) for r in per_digit(digits)] + [line(summary(rows)[0])]
    if junk:
        out += ["", f"{'junk':15s} {'read as sure':>12s}   most as"]
        for r in junk + [summary(rows)[1]]:
            most = f"{r.most_as} ({r.most_as_n / r.n:.1%})" if r.most_as is not None else ""
            out.append(f"{r.name:15s} {r.wrong:5d} {r.share('wrong'):6.1%}   {most}")
    return "\n".join(out)


def write_json(path: Path, rows: list[Row], about: dict) -> Path:
    """The table for the Model page: `about` (checkpoint, seed, the MNIST drawing check...) and one entry a row."""
    digits, junk = summary(rows)
    blob = {**about, "styles": [asdict(r) for r in rows], "digits": [asdict(r) for r in per_digit(rows)],
            "all_digits": asdict(digits), "all_junk": asdict(junk)}
    path.write_text(json.dumps(blob, indent=1) + "\n")
    return path


def read_json(path: Path = JSON) -> dict | None:
    """What write_json wrote, with Rows back; None when there is no such file or it is not one."""
    try:
        blob = json.loads(path.read_text())
        for key in ("styles", "digits"):
            blob[key] = [Row(**r) for r in blob[key]]
        for key in ("all_digits", "all_junk"):
            blob[key] = Row(**blob[key])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return blob
