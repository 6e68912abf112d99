"""Small pictures as RGB arrays (numpy, no Streamlit): the probe's digits framed from vermillion (wrong) to blue
(right), conv1's filters, a change amplified to be seen. A page redraws them every second, so each is one array,
built in a few ms."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

NEGATIVE, POSITIVE = np.array([33, 102, 172]), np.array([178, 24, 43])  # blue below 0, red above (RdBu's ends)


# Okabe and Ito's vermillion and blue: they stay apart for the red-green colour blind (about 1 boy in 12), for whom
# red and green, the verdict's colours before, are one olive. White text reads on both, and on the mix between.
WRONG_RGB, RIGHT_RGB = np.array([213, 94, 0]), np.array([0, 114, 178])


def verdict_colour(p: float) -> tuple[int, int, int]:
    """Vermillion (0: the network gives the true digit no chance) to blue (1: sure and right)."""
    r, g, b = np.round(WRONG_RGB + (RIGHT_RGB - WRONG_RGB) * float(np.clip(p, 0, 1))).astype(int)
    return int(r), int(g), int(b)


def mark(draw: ImageDraw.ImageDraw, x: float, y: float, right: bool, size: int = 7,
         colour: tuple[int, int, int] = (255, 255, 255)) -> None:
    """A tick (right) or a cross (wrong), `size` px square from (x, y): the verdict without its colour. Drawn, not
    written: the built-in font has no glyph for either."""
    if right:
        draw.line([(x, y + size * 0.55), (x + size * 0.38, y + size), (x + size, y)], fill=colour, width=2)
    else:
        draw.line([(x, y), (x + size, y + size)], fill=colour, width=2)
        draw.line([(x, y + size), (x + size, y)], fill=colour, width=2)


def diverging(values: np.ndarray, scale: float | None = None) -> np.ndarray:
    """(..., 3) uint8: white at 0, blue for negative, red for positive, full colour at +-`scale`."""
    scale = float(np.abs(values).max()) if scale is None else scale
    t = np.clip(values / (scale or 1.0), -1, 1)[..., None]
    ends = np.where(t < 0, NEGATIVE, POSITIVE)
    return np.round(255 + (ends - 255) * np.abs(t)).astype(np.uint8)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType: the bitmap font, one size
        return ImageFont.load_default()


def digit_grid(images: np.ndarray, labels: np.ndarray, probabilities: np.ndarray, classes: Sequence[str],
               columns: int = 10, zoom: int = 2, reads: str = "reads ") -> np.ndarray:
    """The digits in a grid, each framed in its verdict colour (the probability of its true class) with what the
    network reads under it and a tick or a cross beside that (`reads` before a short class name: "" where the page's
    language has no glyphs in the built-in font)."""
    n = len(images)
    side, border, strip = 28 * zoom, 3, 16
    tile_w, tile_h = side + 2 * border, side + 2 * border + strip
    rows = -(-n // columns)
    canvas = Image.new("RGB", (columns * (tile_w + 4) - 4, rows * (tile_h + 4) - 4), (255, 255, 255))
    draw, font = ImageDraw.Draw(canvas), _font(12)
    for i in range(n):
        r, c = divmod(i, columns)
        x, y = c * (tile_w + 4), r * (tile_h + 4)
        true = int(labels[i])
        colour = verdict_colour(float(probabilities[i, true]))
        draw.rectangle((x, y, x + tile_w - 1, y + tile_h - 1), fill=colour)
        digit = Image.fromarray(np.asarray(images[i], dtype=np.uint8)).resize((side, side), Image.Resampling.NEAREST)
        canvas.paste(digit, (x + border, y + border))
        read = int(probabilities[i].argmax())
        text = (reads if len(classes[read]) <= 2 else "") + classes[read][:9]
        size, gap = 7, 3
        left = x + (tile_w - draw.textlength(text, font=font) - gap - size) / 2
        middle = y + side + 2 * border + strip / 2
        draw.text((left, middle), text, fill=(255, 255, 255), font=font, anchor="lm")
        mark(draw, left + draw.textlength(text, font=font) + gap, middle - size / 2, read == true, size)
    return np.asarray(canvas)


def filter_grid(filters: np.ndarray, columns: int = 8, cell: int = 12, gap: int = 6) -> np.ndarray:
    """conv1's (32, 3, 3) filters as 3 x 3 squares of colour, all on one scale (blue negative, red positive)."""
    n, kh, kw = filters.shape
    rows = -(-n // columns)
    out = np.full((rows * (kh * cell + gap) - gap, columns * (kw * cell + gap) - gap, 3), 255, np.uint8)
    coloured = diverging(filters).repeat(cell, axis=1).repeat(cell, axis=2)
    for i in range(n):
        r, c = divmod(i, columns)
        y, x = r * (kh * cell + gap), c * (kw * cell + gap)
        out[y : y + kh * cell, x : x + kw * cell] = coloured[i]
    return out


def amplified(change: np.ndarray, zoom: int = 5) -> np.ndarray:
    """A change to a picture, scaled so its largest pixel is full colour: red where ink was added, blue where it
    was taken away."""
    return diverging(change).repeat(zoom, axis=0).repeat(zoom, axis=1)


def grey(image: np.ndarray, zoom: int = 5) -> np.ndarray:
    """A 28 x 28 picture in [0, 1] as a crisp grey RGB array."""
    g = (np.clip(image, 0, 1) * 255).round().astype(np.uint8).repeat(zoom, axis=0).repeat(zoom, axis=1)
    return np.stack([g, g, g], axis=-1)
