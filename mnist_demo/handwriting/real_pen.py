"""Digits written by real people with a pen on a tablet, drawn on the Draw page's canvas and read as it reads them.

Two collections of pen digits, split by writer, and shapes that are not digits (assets/pen/README.md has their
sources, licences and citations; docs/pen.md the figures):

* pendigits: UCI Pen-Based Recognition of Handwritten Digits, the original trajectories: 30 writers in
  pendigits-orig.tra, 14 others in .tes (held out here, as UCI holds them out);
* uji: the digits of UCI UJI Pen Characters v2, 60 writers x 2 sessions; writers 1-40 are UCI's training side,
  41-60 its test side (held out here). The writer is inferred from the file's order (sample i is writer i // 2 + 1);
* shapes: Quick, Draw! circles, stars, zigzags...: no digit at all, so the right answer is "not sure".

Each drawing is drawn as a student would draw it on the 280 x 280 canvas: white round-capped strokes on black, the
aspect ratio kept, the ink 40-95 % of the canvas height (narrower if it would not fit across), anywhere with a
margin, with one of the pen widths the page's slider gives. Then to_mnist and the network, as the Draw page does.
Every drawing has its own seeded random stream, so a subsample is drawn exactly as in the full check.

    drawings = pendigits() + uji()                      # list[Drawing]
    top, sure = read_drawings(ckpt, drawings, seed=0)   # the digit shown, and whether it is shown as sure
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from mnist_demo.checkpoint import Checkpoint
from mnist_demo.handwriting.pen import CANVAS, draw
from mnist_demo.paths import ROOT
from mnist_demo.reading.inference import is_sure, read_many
from mnist_demo.reading.preprocess import to_mnist

DIR = ROOT / "assets" / "pen"
PENDIGITS = {"tra": DIR / "pendigits-orig.tra.gz", "tes": DIR / "pendigits-orig.tes.gz"}
UJI = DIR / "ujipenchars2-digits.json.gz"
SHAPES = DIR / "quickdraw"
UJI_TRAINING_WRITERS = 40  # UCI's design: writers 1-40 for training, 41-60 for testing

PEN_SLIDER = (6, 40, 20)  # the Draw page's "Pen width" slider: least, most, default (web/pages/draw.py)
WIDTHS = (6, 12, 20, 30, 40)  # px on the 280 px canvas: the slider's ends, its default and two between
SIZE = (0.40, 0.95)  # the ink's height as a share of the canvas, as the MNIST drawing check sizes its digits
MARGIN = 0.02  # kept clear at the canvas edges
MAX_WEIGHT = 0.2  # the pen at most this share of the ink's height: heavier, and the loops of a small 8 fill in
# Two forms the styles found hard, told apart in the pen data by their strokes (form()): a 1 whose first stroke
# climbs to its top from the left over at least LONG_FLAG of the ink's height (the style table's 1-flag climbs 0.54
# of it, its 1-serif 0.27), and a 0 with a later stroke through the middle of its box (within SLASH_BOX of the
# half-width and half-height from the centre: a slash, a bar or a dot inside the loop).
LONG_FLAG = 0.4
SLASH_BOX = 0.25
FORMS = ("1, long flag", "0, slashed or dotted")


@dataclass(frozen=True)
class Drawing:
    collection: str  # "pendigits", "uji" or "shapes"
    writer: str  # "tra-07", "tes-03" (pendigits), "W41" (uji); a shape's Quick, Draw! key_id
    label: int | str  # the digit; a shape's category ("circle")
    strokes: tuple[np.ndarray, ...]  # (n, 2) float x, y per stroke, in the set's own units, y growing down
    held_out: bool = False  # a writer on the set's test side


def _open(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")


def load_pendigits(path: Path, split: str) -> list[Drawing]:
    """pendigits-orig.tra or .tes (split "tra" or "tes"): text with dot commands, `.COMMENT <digit> <writer> <seq>`
    before each digit's `.PEN_DOWN` / `x y` / `.PEN_UP` blocks. Tablet y grows upward: it is flipped here."""
    out: list[Drawing] = []
    label, writer = -1, ""
    strokes: list[np.ndarray] = []
    points: list[tuple[int, int]] = []
    with _open(path) as f:
        for line in f:
            s = line.strip()
            if s.startswith(".SEGMENT"):
                if strokes:
                    out.append(Drawing("pendigits", writer, label, tuple(strokes), split == "tes"))
                label, strokes = int(s.split('"')[1]), []
            elif s.startswith(".COMMENT"):
                writer = f"{split}-{int(s.split()[2]):02d}"
            elif s == ".PEN_DOWN":
                points = []
            elif s == ".PEN_UP":
                strokes.append(np.array(points, dtype=np.float64).reshape(-1, 2) * (1, -1))
            elif s and not s.startswith("."):
                x, y = s.split()
                points.append((int(x), int(y)))
    if strokes:
        out.append(Drawing("pendigits", writer, label, tuple(strokes), split == "tes"))
    return out


def load_uji(path: Path = UJI) -> list[Drawing]:
    """The UJI v2 digits as NumberPad's JSON holds them: {"rawData": {"0": [sample, ...], ...}}, a sample a list of
    strokes of [x, y] (y down). Sample i of a digit is writer i // 2 + 1: the file keeps the original's writer order,
    two sessions a writer (inferred from that order, not stored in the file)."""
    with _open(path) as f:
        raw = json.load(f)["rawData"]
    return [Drawing("uji", f"W{i // 2 + 1:02d}", int(digit),
                    tuple(np.array(stroke, dtype=np.float64).reshape(-1, 2) for stroke in sample),
                    i // 2 >= UJI_TRAINING_WRITERS)
            for digit in sorted(raw) for i, sample in enumerate(raw[digit])]


def load_shapes(folder: Path = SHAPES) -> list[Drawing]:
    """Quick, Draw! raw ndjson files, one a category: `drawing` = [[xs, ys, ts], ...] per stroke, y down."""
    out = []
    for path in sorted(folder.glob("*.ndjson*")):
        with _open(path) as f:
            for line in f:
                if line.strip():
                    d = json.loads(line)
                    strokes = tuple(np.column_stack([np.asarray(s[0], np.float64), np.asarray(s[1], np.float64)])
                                    for s in d["drawing"])
                    out.append(Drawing("shapes", str(d["key_id"]), str(d["word"]), strokes))
    return out


def form(drawing: Drawing) -> str | None:
    """FORMS' name for a drawing of one of them, else None: measured on its strokes, not on how it is read."""
    allp = np.vstack(drawing.strokes)
    lo, hi = allp.min(0), allp.max(0)
    height = max(hi[1] - lo[1], 1e-9)
    if drawing.label == 1:
        first = drawing.strokes[0]
        top = first[np.argmin(first[:, 1])]  # y grows down
        climb = top - first[0]
        if climb[0] > 0 and np.hypot(*climb) >= LONG_FLAG * height:
            return FORMS[0]
    if drawing.label == 0 and len(drawing.strokes) > 1:
        centre, half = (lo + hi) / 2, np.maximum((hi - lo) / 2, 1e-9)
        # along each segment, not only at the pen's samples: a tablet samples a quick slash a few times
        t = np.linspace(0, 1, 16)[:, None, None]
        along = [(s[:1] if len(s) < 2 else (s[:-1] + t * (s[1:] - s[:-1])).reshape(-1, 2)) for s in drawing.strokes[1:]]
        if any((np.abs((a - centre) / half) < SLASH_BOX).all(1).any() for a in along):
            return FORMS[1]
    return None


def pendigits() -> list[Drawing]:
    return load_pendigits(PENDIGITS["tra"], "tra") + load_pendigits(PENDIGITS["tes"], "tes")


def drawing_rng(seed: int, drawing: Drawing, index: int) -> np.random.Generator:
    """Each drawing its own stream, from the seed, its collection and its place in it."""
    return np.random.default_rng([seed, zlib.crc32(drawing.collection.encode()), index])


def geometry(strokes: Sequence[np.ndarray], rng: np.random.Generator) -> tuple[list[np.ndarray], float, int]:
    """The strokes in canvas shares (0-1), the pen width drawn (px on the 280 px canvas) and the slider's setting
    it came from: one of WIDTHS, thinner where the ink is small (at most MAX_WEIGHT of its height)."""
    setting = int(rng.choice(WIDTHS))
    size = float(rng.uniform(*SIZE))
    width = min(float(setting), MAX_WEIGHT * size * CANVAS)
    pen = width / CANVAS
    allp = np.vstack(strokes)
    lo, hi = allp.min(0), allp.max(0)
    w, h = np.maximum(hi - lo, 1e-9)
    room = 1 - 2 * MARGIN - pen
    scale = min(max(size - pen, 0.05) / h, room / w)  # the ink, pen included, `size` high, unless too wide
    paths = [(p - lo) * scale for p in strokes]
    ink = (hi - lo) * scale
    offset = MARGIN + pen / 2 + rng.uniform(0, 1, 2) * np.clip(room - ink, 0, None)
    return [p + offset for p in paths], width, setting


def render(drawing: Drawing, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """The 280 x 280 uint8 canvas (white ink on black) of one drawing, and the pen-width setting it was drawn at."""
    paths, width, setting = geometry(drawing.strokes, rng)
    return draw(paths, width, CANVAS), setting


def as_mnist(drawings: Sequence[Drawing], seed: int = 0, index: Sequence[int] | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """(N, 28, 28) float32 through to_mnist, as the Draw page reads its canvas, and (N,) pen-width settings. `index`
    gives each drawing's place in its full collection (its random stream); by default their order here."""
    xs, widths = [], []
    for i, d in enumerate(drawings):
        image, width = render(d, drawing_rng(seed, d, i if index is None else index[i]))
        x = to_mnist(image)
        xs.append(np.zeros((28, 28), np.float32) if x is None else x)
        widths.append(width)
    return np.stack(xs), np.array(widths)


def read_drawings(ckpt: Checkpoint, drawings: Sequence[Drawing], seed: int = 0,
                  index: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The digit the Draw page shows for each drawing, whether it shows it as sure (not "not sure"), and the
    pen-width setting it was drawn at."""
    xs, widths = as_mnist(drawings, seed, index)
    probs, dist = read_many(ckpt.model, xs, ckpt.feature_stats)
    threshold = ckpt.feature_stats.threshold if ckpt.feature_stats else None
    return probs.argmax(1), np.asarray(is_sure(probs.max(1), dist, threshold), dtype=bool).reshape(-1), widths


def sample(items: Sequence, n: int | None, seed: int = 0) -> list[int]:
    """Indices of at most n of the items, seeded, in order (all when n is None)."""
    if n is None or n >= len(items):
        return list(range(len(items)))
    return sorted(np.random.default_rng(seed).choice(len(items), n, replace=False).tolist())


@dataclass
class Figures:
    """One part of the check (a collection's training-side or held-out writers): shares of its drawings."""

    name: str
    n: int
    right: float  # the top digit is the right one, sure or not
    wrong_sure: float  # a wrong digit, shown as sure
    unsure: float  # "not sure", right or wrong
    digits: dict[int, float] = field(default_factory=dict)  # right, per digit
    writers: dict[str, float] = field(default_factory=dict)  # right, per writer
    widths: dict[int, float] = field(default_factory=dict)  # right, per pen-width setting
    forms: dict[str, dict] = field(default_factory=dict)  # FORMS' digits: n, right, wrong_sure
    digits_unsure: dict[int, float] = field(default_factory=dict)  # "not sure", per digit

    @property
    def writer_min(self) -> float:
        return min(self.writers.values())

    @property
    def writer_median(self) -> float:
        return float(np.median(list(self.writers.values())))

    def worst(self, k: int = 3) -> list[tuple[str, float]]:
        return sorted(self.writers.items(), key=lambda kv: (kv[1], kv[0]))[:k]


def figures(name: str, drawings: Sequence[Drawing], top: np.ndarray, sure: np.ndarray,
            widths: np.ndarray) -> Figures:
    labels = np.array([d.label for d in drawings])
    writers = np.array([d.writer for d in drawings])
    right = top == labels

    def by(keys: np.ndarray, hits: np.ndarray = right) -> dict:
        return {k.item(): float(hits[keys == k].mean()) for k in np.unique(keys)}

    forms = np.array([form(d) or "" for d in drawings])
    return Figures(name, len(drawings), float(right.mean()), float((sure & ~right).mean()), float((~sure).mean()),
                   by(labels), by(writers), by(widths),
                   {f: {"n": int((forms == f).sum()), "right": float(right[forms == f].mean()),
                        "wrong_sure": float((sure & ~right)[forms == f].mean())} for f in FORMS if (forms == f).any()},
                   by(labels, ~sure))


@dataclass
class Shapes:
    """Drawings that are no digit: the share shown as "not sure" (the right answer), overall and per category."""

    n: int
    unsure: float
    categories: dict[str, float]


PARTS = (("pendigits", False, "pendigits, .tra writers (30)"),  # (collection, held out, name)
         ("pendigits", True, "pendigits, .tes writers (14), held out"),
         ("uji", False, "UJI v2, writers 1-40"), ("uji", True, "UJI v2, writers 41-60, held out"))


def check(ckpt: Checkpoint, seed: int = 0, n: int | None = None) -> tuple[list[Figures], Shapes]:
    """Every part of the real-pen check: at most n drawings of each part (a seeded sample; all when None)."""
    collections = {"pendigits": pendigits(), "uji": load_uji()}
    parts = []
    for collection, held_out, name in PARTS:
        everything = collections[collection]
        index = [i for i, d in enumerate(everything) if d.held_out == held_out]
        index = [index[j] for j in sample(index, n, seed)]
        chosen = [everything[i] for i in index]
        parts.append(figures(name, chosen, *read_drawings(ckpt, chosen, seed, index)))
    shapes = load_shapes()
    index = sample(shapes, n, seed)
    chosen = [shapes[i] for i in index]
    _, sure, _ = read_drawings(ckpt, chosen, seed, index)
    words = np.array([d.label for d in chosen])
    return parts, Shapes(len(chosen), float((~sure).mean()),
                         {w.item(): float((~sure[words == w]).mean()) for w in np.unique(words)})


def _pct(x: float) -> str:
    return f"{x:.1%}".replace("%", " %")


def table(parts: Sequence[Figures], shapes: Shapes) -> str:
    """The figures as Markdown tables, for the terminal and docs/pen.md."""
    lines = ["| part | digits | writers | right | wrong and sure | not sure | writers: min / median | worst writers |",
             "|---|---|---|---|---|---|---|---|"]
    for p in parts:
        worst = ", ".join(f"{w} {_pct(v)}" for w, v in p.worst())
        lines.append(f"| {p.name} | {p.n:,} | {len(p.writers)} | **{_pct(p.right)}** | {_pct(p.wrong_sure)} | "
                     f"{_pct(p.unsure)} | {_pct(p.writer_min)} / {_pct(p.writer_median)} | {worst} |")
    lines += ["", "Right, per digit:", "", "| part | " + " | ".join(str(d) for d in range(10)) + " |",
              "|---|" + "---|" * 10]
    for p in parts:
        lines.append(f"| {p.name} | " + " | ".join(_pct(p.digits[d]) if d in p.digits else "-"
                                                   for d in range(10)) + " |")
    lines += ["", "Not sure, per digit:", "", "| part | " + " | ".join(str(d) for d in range(10)) + " |",
              "|---|" + "---|" * 10]
    for p in parts:
        lines.append(f"| {p.name} | " + " | ".join(_pct(p.digits_unsure[d]) if d in p.digits_unsure else "-"
                                                   for d in range(10)) + " |")
    lines += ["", "Two forms of their own (real_pen.form: a 1 whose first stroke climbs from the left over at least "
              f"{LONG_FLAG:g} of the ink's height; a 0 with a later stroke through its middle): digits, right, "
              "wrong and sure:", "",
              "| part | " + " | ".join(FORMS) + " |", "|---|" + "---|" * len(FORMS)]
    for p in parts:
        lines.append(f"| {p.name} | " + " | ".join(
            f"{p.forms[f]['n']:,}: {_pct(p.forms[f]['right'])}, {_pct(p.forms[f]['wrong_sure'])}" if f in p.forms
            else "-" for f in FORMS) + " |")
    lines += ["", "Right, per pen-width setting (px on the 280 px canvas; thinner where the ink is small):", "",
              "| part | " + " | ".join(str(w) for w in WIDTHS) + " |", "|---|" + "---|" * len(WIDTHS)]
    for p in parts:
        lines.append(f"| {p.name} | " + " | ".join(_pct(p.widths[w]) if w in p.widths else "-" for w in WIDTHS) + " |")
    lines += ["", f"Quick, Draw! shapes (no digit), {shapes.n} drawings: 'not sure' **{_pct(shapes.unsure)}** ("
              + ", ".join(f"{w} {_pct(v)}" for w, v in shapes.categories.items()) + ")"]
    return "\n".join(lines)


def as_json(parts: Sequence[Figures], shapes: Shapes, seed: int, n: int | None) -> dict:
    return {"seed": seed, "n_per_part": n, "widths": list(WIDTHS),
            "parts": [{**asdict(p), "writer_min": p.writer_min, "writer_median": p.writer_median} for p in parts],
            "shapes": asdict(shapes)}
