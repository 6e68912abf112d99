"""From any picture of one digit to the 28 x 28 image MNIST's network expects.

The steps are MNIST's own: find the ink, crop to it, scale its longest side to 20 px keeping the aspect
ratio, and put its centre of mass at the centre of a 28 x 28 field. Works for canvas drawings (RGBA,
transparent or not), scans and photos of ink on paper, either polarity, any size.
"""

from __future__ import annotations

import io
import os
import stat
import warnings
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps
from scipy import ndimage

from mnist_demo.errors import UnreadableImage
from mnist_demo.messages import N_, Message

ImageSource = str | os.PathLike | bytes | BinaryIO | Image.Image | np.ndarray

WORK_SIZE = 140  # pictures are brought to at most this size before the maths (7 x the 20 px box)
MIN_CONTRAST = 0.15  # weaker ink than this (0-1) counts as an empty picture
NOISE_FLOOR = 0.25  # ink below this share of the strongest stroke is paper texture or JPEG noise
BOX = 20
FIELD = 28
CENTRE = 14.0  # where MNIST's centres of mass sit (mean over the test set: 14.0, 14.0)
MAX_BYTES = 25 * 2**20  # a phone photo is a few MB; .streamlit/config.toml's maxUploadSize says the same
MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo passes; a decompression bomb is refused before decoding


def _megabytes(n: int) -> str:
    return f"{n / 2**20:.0f} MB"


def _too_big(size: str | Message) -> UnreadableImage:
    return UnreadableImage(N_("it is {size}; the most this app reads is {most}. Crop the photo or save it smaller."),
                           size=size, most=_megabytes(MAX_BYTES))


def _read_capped(source: str | os.PathLike | bytes | BinaryIO) -> bytes:
    """The bytes of `source`, refusing anything over MAX_BYTES without reading it all."""
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        try:
            info = os.stat(path)  # what it is, before opening it: opening a pipe would wait forever
            if stat.S_ISDIR(info.st_mode):
                raise UnreadableImage(N_("it is a folder, not a picture"))
            if not stat.S_ISREG(info.st_mode):
                raise UnreadableImage(N_("it is not a regular file (a pipe, device or socket); it was not opened"))
            if info.st_size > MAX_BYTES:
                raise _too_big(_megabytes(info.st_size))
            with open(path, "rb") as f:
                data = f.read(MAX_BYTES + 1)
        except FileNotFoundError:
            raise UnreadableImage(N_("there is no such file (a symbolic link to nothing)") if os.path.islink(path)
                                  else N_("there is no such file")) from None
        except PermissionError:
            raise UnreadableImage(N_("no permission to read it")) from None
        except OSError as exc:  # a symbolic link loop, a file where a folder should be on the way...
            raise UnreadableImage(N_("{reason}"), reason=(exc.strerror or type(exc).__name__).lower()) from None
    else:
        data = source.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        size = len(data) if isinstance(source, bytes) else None
        raise _too_big(_megabytes(size) if size else Message(N_("over {size}"), size=_megabytes(MAX_BYTES)))
    return data


def open_image(source: ImageSource) -> Image.Image:
    """A PIL image from a path, bytes, file object, PIL image or array.

    Files and bytes are refused, with UnreadableImage, when they are not a picture, weigh over MAX_BYTES or
    claim over MAX_PIXELS: the size is read from the header, before anything is decoded.
    """
    if isinstance(source, Image.Image):
        return source
    if isinstance(source, np.ndarray):
        arr = source
        if arr.dtype != np.uint8:
            arr = np.clip(arr * (255 if arr.max() <= 1 else 1), 0, 255).astype(np.uint8)
        return Image.fromarray(arr)
    data = _read_capped(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # refused below, with its size
            img = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise UnreadableImage(N_("it has over {most:.0f} megapixels; save it smaller"), most=MAX_PIXELS / 1e6) from None
    except Exception:
        raise UnreadableImage(N_("it is not a readable image (a PNG or JPEG of one digit is expected)")) from None
    width, height = img.size
    if width * height > MAX_PIXELS:
        raise UnreadableImage(N_("it is {width} x {height} px; the most this app reads is {most:.0f} megapixels. Save "
                                 "it smaller."), width=width, height=height, most=MAX_PIXELS / 1e6)
    try:
        img.draft(None, (2 * WORK_SIZE, 2 * WORK_SIZE))  # JPEG: decode big photos at a reduced scale
        img.load()
    except Exception as exc:
        raise UnreadableImage(N_("it is a damaged or truncated picture ({kind})"), kind=type(exc).__name__) from None
    return ImageOps.exif_transpose(img)


def _border(a: np.ndarray) -> np.ndarray:
    edge = max(1, min(a.shape) // 40)
    return np.concatenate([a[:edge].ravel(), a[-edge:].ravel(), a[:, :edge].ravel(), a[:, -edge:].ravel()])


def _gray(img: Image.Image) -> np.ndarray:
    """Luminance in [0, 1]; 16-bit and float images keep their range (a float image is 0-1, 0-255 or 0-65535)."""
    if img.mode.startswith("I") or img.mode == "F":
        g = np.nan_to_num(np.asarray(img, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
        top = float(g.max()) if g.size else 0.0
        scale = 1.0 if img.mode == "F" and top <= 1.0 else 255.0 if top <= 255 else 65535.0
        return np.clip(g / scale, 0, 1)
    return np.asarray(img.convert("L"), dtype=np.float32) / 255


def _work_image(img: Image.Image) -> Image.Image:
    if img.mode.startswith("I;16"):
        img = img.convert("I")
    if max(img.size) >= 2 * WORK_SIZE and img.mode not in ("P", "1"):
        img = img.reduce(max(img.size) // WORK_SIZE)  # a box filter by a whole factor: fast, and as good here
    if max(img.size) > WORK_SIZE:
        img = ImageOps.contain(img, (WORK_SIZE, WORK_SIZE), Image.Resampling.BILINEAR)
    return img


def _has_alpha(img: Image.Image) -> bool:
    return img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)


def ink_map(img: Image.Image) -> np.ndarray:
    """Ink strength in [0, 1] per pixel, light ink on dark whatever the picture's polarity."""
    img = _work_image(img)
    if _has_alpha(img):
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


def why_blank(source: ImageSource) -> Message:
    """Why `to_mnist` found nothing to read, in words for the user: "it is all white", "it is all black",
    "it is fully transparent", "it is all one colour" or "its marks are too faint or too small to be a digit"."""
    img = _work_image(open_image(source))
    if _has_alpha(img) and int(np.asarray(img.convert("RGBA"))[..., 3].max()) == 0:
        return Message(N_("it is fully transparent"))
    gray = _gray(img.convert("RGB") if _has_alpha(img) else img)
    if float(gray.max() - gray.min()) < MIN_CONTRAST:
        level = float(gray.mean())
        return Message(N_("it is all white") if level > 0.9 else N_("it is all black") if level < 0.1
                       else N_("it is all one colour"))
    return Message(N_("its marks are too faint or too small to be a digit"))
