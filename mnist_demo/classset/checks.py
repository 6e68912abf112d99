"""What one saved digit is, and the checks every way in (a tap on the Draw page, `class add`, an import) applies
before anything is written: a label 0-9, a 28 x 28 image with ink, an anonymous writer id."""

from __future__ import annotations

import hashlib
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image

from mnist_demo.errors import ClassSetError
from mnist_demo.messages import N_, Message
from mnist_demo.paths import ROOT
from mnist_demo.reading.preprocess import open_image

DB_ENV = "MNIST_DEMO_CLASS_DB"
SIZE = 28
DRAWING_SIZE = 64  # the original drawing is kept as a thumbnail of at most this many pixels a side
INK_FLOOR = 26  # an image with no pixel brighter than this (10 % of 255) is empty: there is nothing to learn from
WRITER = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class Row:
    """One saved digit without its pixels: what a list or a table shows."""

    id: int
    label: int
    predicted: int | None
    writer: str
    created: float


class Images(NamedTuple):
    """Saved digits ready to train on: `images` (N, 28, 28) uint8, `labels` (N,) int64, `writers` N strings,
    `ids` the N row ids, `predicted` (N,) int64 with -1 where the network's reading was not kept."""

    images: np.ndarray
    labels: np.ndarray
    writers: list[str]
    ids: list[int]
    predicted: np.ndarray


def default_path() -> Path:
    """$MNIST_DEMO_CLASS_DB when set, else data/class.db in the project (git ignores /data/)."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    return ROOT / "data" / "class.db"


def sha_of(label: int, image: bytes) -> str:
    """The row's identity: the same digit with the same pixels is one row, whoever saved or imported it."""
    return hashlib.sha256(bytes([label]) + image).hexdigest()


def check_label(label: object, what: str = N_("label")) -> int:
    """An int 0-9. Strings and floats are refused rather than converted, and so are bools (True is not a 1).
    `what`: the word for it in the message, marked N_ ("label", "predicted digit")."""
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)):
        raise ClassSetError(N_("The {what} must be a whole number from 0 to 9, not {label!r}."), what=Message(what),
                            label=label)
    if not 0 <= int(label) <= 9:
        raise ClassSetError(N_("The {what} must be a digit from 0 to 9, not {label}."), what=Message(what),
                            label=int(label))
    return int(label)


def check_writer(writer: object) -> str:
    """An anonymous session id: 1-64 letters, digits, _ or -. Anything else (a name with spaces, an email) is
    refused, not cleaned up, so that no name slips into a file the teacher shares."""
    if not isinstance(writer, str) or not WRITER.fullmatch(writer):
        shown = writer[:20] + "…" if isinstance(writer, str) and len(writer) > 20 else writer
        raise ClassSetError(N_("The writer id {writer!r} is not allowed: use 1 to 64 letters, digits, _ or - (an "
                               "anonymous session id, never a name)."), writer=shown)
    return writer


def check_image(image: object) -> bytes:
    """The 784 bytes of a 28 x 28 image: uint8, or float in [0, 1] (what to_mnist returns), with some ink."""
    try:
        arr = np.asarray(image)
    except Exception:
        raise ClassSetError(N_("The image must be a 28 x 28 array, not {kind}."), kind=type(image).__name__) from None
    if arr.shape != (SIZE, SIZE):
        raise ClassSetError(N_("The image must be 28 x 28 pixels, not {shape}."),
                            shape=" x ".join(map(str, arr.shape)) or Message(N_("a scalar")))
    if arr.dtype == np.uint8:
        pixels = arr
    elif np.issubdtype(arr.dtype, np.floating):
        if not np.isfinite(arr).all():
            raise ClassSetError(N_("The image has NaN or infinite pixels; give values from 0 to 1."))
        if arr.min() < 0 or arr.max() > 1:
            raise ClassSetError(N_("The image's pixels run from {low:g} to {high:g}; give 0 to 1 (float) or 0 to 255 "
                                   "(uint8)."), low=arr.min(), high=arr.max())
        pixels = np.rint(arr * 255).astype(np.uint8)
    else:
        raise ClassSetError(N_("The image must be uint8 (0-255) or float (0-1), not {dtype}."), dtype=arr.dtype)
    if int(pixels.max()) < INK_FLOOR:
        raise ClassSetError(N_("The image is empty (all black): draw a digit before saving it."))
    return np.ascontiguousarray(pixels).tobytes()


def drawing_png(drawing: object) -> bytes:
    """The original drawing as PNG bytes, shrunk to at most 64 x 64 (aspect kept): enough to recognise it in a
    gallery, small enough that 20,000 of them fit in a few MB."""
    try:
        arr = np.asarray(drawing)
        ok = arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] in (1, 3, 4))
        if arr.ndim == 3 and arr.shape[2] == 1:
            arr = arr[..., 0]
        if not ok or arr.size == 0 or arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
            raise ValueError
        if not np.isfinite(arr).all():
            raise ValueError
        img = open_image(arr)
    except Exception:
        raise ClassSetError(N_("The drawing must be an image array (H x W, H x W x 3 or H x W x 4) with finite "
                               "values.")) from None
    if img.mode not in ("L", "LA", "RGB", "RGBA"):
        img = img.convert("RGBA" if "A" in img.getbands() else "RGB")
    img.thumbnail((DRAWING_SIZE, DRAWING_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def png_of(image: bytes) -> bytes:
    """A stored digit's 784 bytes as a 28 x 28 grayscale PNG."""
    out = io.BytesIO()
    Image.fromarray(np.frombuffer(image, dtype=np.uint8).reshape(SIZE, SIZE), mode="L").save(out, format="PNG")
    return out.getvalue()
