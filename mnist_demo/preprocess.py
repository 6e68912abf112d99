"""From any picture of one digit to the 28 x 28 image MNIST's network expects.

The steps are MNIST's own: find the ink, crop to it, scale its longest side to 20 px keeping the aspect
ratio, and put its centre of mass at the centre of a 28 x 28 field. Works for canvas drawings (RGBA,
transparent or not), scans and photos of ink on paper, either polarity, any size.
"""

from __future__ import annotations

import io
import os
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps
from scipy import ndimage

ImageSource = str | os.PathLike | bytes | BinaryIO | Image.Image | np.ndarray

WORK_SIZE = 280  # pictures are brought to at most this size before the maths
MIN_CONTRAST = 0.15  # weaker ink than this (0-1) counts as an empty picture
NOISE_FLOOR = 0.25  # ink below this share of the strongest stroke is paper texture or JPEG noise
BOX = 20
FIELD = 28
CENTRE = 14.0  # where MNIST's centres of mass sit (mean over the test set: 14.0, 14.0)


class UnreadableImage(ValueError):
    """The file or bytes are not an image PIL can read."""


def open_image(source: ImageSource) -> Image.Image:
    """A PIL image from a path, bytes, file object, PIL image or array."""
    if isinstance(source, Image.Image):
        return source
    if isinstance(source, np.ndarray):
        arr = source
        if arr.dtype != np.uint8:
            arr = np.clip(arr * (255 if arr.max() <= 1 else 1), 0, 255).astype(np.uint8)
        return Image.fromarray(arr)
    name = str(source) if isinstance(source, (str, os.PathLike)) else "image"
    try:
        img = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
        img.draft(None, (2 * WORK_SIZE, 2 * WORK_SIZE))  # JPEG: decode big photos at a reduced scale
        img.load()
    except Exception as exc:
        raise UnreadableImage(f"{name}: not a readable image ({type(exc).__name__})") from None
    return ImageOps.exif_transpose(img)


def _border(a: np.ndarray) -> np.ndarray:
    edge = max(1, min(a.shape) // 40)
    return np.concatenate([a[:edge].ravel(), a[-edge:].ravel(), a[:, :edge].ravel(), a[:, -edge:].ravel()])


def _gray(img: Image.Image) -> np.ndarray:
    """Luminance in [0, 1]; 16-bit and float images keep their range."""
    if img.mode.startswith("I") or img.mode == "F":
        g = np.asarray(img, dtype=np.float32)
        return g / (65535.0 if g.max() > 255 else 255.0)
    return np.asarray(img.convert("L"), dtype=np.float32) / 255


def ink_map(img: Image.Image) -> np.ndarray:
    """Ink strength in [0, 1] per pixel, light ink on dark whatever the picture's polarity."""
    if img.mode.startswith("I;16"):
        img = img.convert("I")
    if max(img.size) > WORK_SIZE:
        img = ImageOps.contain(img, (WORK_SIZE, WORK_SIZE), Image.Resampling.BILINEAR)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        alpha = np.asarray(img.convert("RGBA"), dtype=np.float32)[..., 3] / 255
        if np.median(_border(alpha)) < 0.5:  # a transparent background: the ink is what is opaque
            return _normalise(alpha)
        img = img.convert("RGB")
    gray = _gray(img)
    background = float(np.median(_border(gray)))
    ink = background - gray if background > 0.5 else gray - background
    return _normalise(np.clip(ink, 0, None))


def _normalise(ink: np.ndarray) -> np.ndarray:
    peak = float(np.percentile(ink, 99.9))
    if peak < MIN_CONTRAST:
        return np.zeros_like(ink)
    ink = np.clip(ink / peak, 0, 1)
    return np.clip((ink - NOISE_FLOOR) / (1 - NOISE_FLOOR), 0, 1)


def keep_digit(ink: np.ndarray) -> np.ndarray:
    """Drop specks: keep the ink groups with at least a tenth of the largest group's ink."""
    mask = ink > 0.2
    reach = max(1, round(0.03 * max(ink.shape)))
    groups, n = ndimage.label(ndimage.binary_dilation(mask, iterations=reach))
    if n <= 1:
        return ink
    mass = ndimage.sum(ink, groups, index=np.arange(1, n + 1))
    keep = np.flatnonzero(mass >= 0.1 * mass.max()) + 1
    return np.where(np.isin(groups, keep), ink, 0)


def to_mnist(source: ImageSource) -> np.ndarray | None:
    """The 28 x 28 float32 image in [0, 1] the network sees, or None when there is no ink to read."""
    ink = keep_digit(ink_map(open_image(source)))
    rows, cols = np.nonzero(ink > 0)
    if len(rows) == 0:
        return None
    crop = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    h, w = crop.shape
    scale = BOX / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = np.asarray(Image.fromarray(crop, mode="F").resize(size, Image.Resampling.BILINEAR), dtype=np.float32)
    small = np.clip(small / max(float(small.max()), 1e-6), 0, 1)
    field = np.zeros((FIELD, FIELD), dtype=np.float32)
    top, left = (FIELD - size[1]) // 2, (FIELD - size[0]) // 2
    field[top : top + size[1], left : left + size[0]] = small
    cy, cx = ndimage.center_of_mass(field)
    field = ndimage.shift(field, (CENTRE - cy, CENTRE - cx), order=1, mode="constant")
    return np.clip(field, 0, 1).astype(np.float32)
