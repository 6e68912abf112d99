"""The Draw page's canvas, read without trusting what arrives from the browser.

streamlit-drawable-canvas 0.13 hands the app the drawing as a PNG data URL that any client can forge: its
CanvasResult.image_data decodes whatever it is given (a 747 kB value claiming 12000 x 12000 px cost the server
1.7 GB). Here the data URL is read as text, its size bounded, its PNG header checked against the canvas's own size,
and its ancillary chunks (text, colour profiles: compressed data that may inflate) dropped, all before PIL sees a
byte. Whatever is wrong is one UnreadableImage whose message the page shows after "Cannot read your drawing: ".
A value of the wrong shape, which makes st_canvas itself fail, reads as malformed too.
"""

from __future__ import annotations

import base64
import binascii
import io
import struct
import zlib

import numpy as np

from mnist_demo.errors import UnreadableImage
from mnist_demo.messages import N_, Message

PREFIX = "data:image/png;base64,"
SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEPT = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}  # what the pixels need; the rest is metadata


def max_png_bytes(width: int, height: int) -> int:
    """The largest PNG a canvas of this size can honestly send: its pixels uncompressed (8-bit RGBA, a filter byte
    a row) plus zlib's and the chunks' overhead. A drawing is a few kB."""
    raw = height * (4 * width + 1)
    return raw + raw // 1000 + 64 * 1024


def _malformed(what: str) -> UnreadableImage:
    """`what`: marked N_ where it is written."""
    return UnreadableImage(N_("what the canvas sent is not a drawing ({what}: a damaged or forged message). Press "
                              "Clear and draw again."), what=Message(what))


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """(type, whole chunk bytes) for every chunk, checking only that each fits in the file; stops at IEND."""
    found, at = [], len(SIGNATURE)
    while at + 12 <= len(png):
        length, kind = struct.unpack(">I4s", png[at : at + 8])
        end = at + 12 + length
        if end > len(png):
            break
        found.append((kind, png[at:end]))
        if kind == b"IEND":
            return found
        at = end
    raise _malformed(N_("a truncated PNG"))


def checked_png(url: object, width: int, height: int) -> bytes | None:
    """The canvas's PNG, safe to decode: the size the canvas has and nothing but its pixels. None for an empty
    canvas (nothing sent yet)."""
    if url is None:
        return None
    if not isinstance(url, str) or not url.startswith(PREFIX):
        raise _malformed(N_("not a PNG data URL"))
    limit = max_png_bytes(width, height)
    if len(url) > len(PREFIX) + 4 * (limit // 3 + 1):  # bounded before it is decoded
        raise UnreadableImage(N_("it is {size:.1f} MB of text; a {width} x {height} drawing is at most {most:.1f} MB "
                                 "(a forged message?). Press Clear and draw again."), size=len(url) / 2**20,
                              width=width, height=height, most=limit / 2**20)
    try:
        png = base64.b64decode(url[len(PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise _malformed(N_("its base64 is broken")) from None
    if not png.startswith(SIGNATURE):
        raise _malformed(N_("no PNG signature"))
    if len(png) < 33 or png[12:16] != b"IHDR" or struct.unpack(">I", png[8:12])[0] != 13:
        raise _malformed(N_("no PNG header"))
    w, h = struct.unpack(">II", png[16:24])
    if (w, h) != (width, height):
        raise UnreadableImage(N_("it is {w} x {h} px, but the canvas is {width} x {height} (a forged message?). Press "
                                 "Clear and draw again."), w=w, h=h, width=width, height=height)
    chunks = _chunks(png)
    if not any(kind == b"IDAT" for kind, _ in chunks):
        raise _malformed(N_("a PNG without pixels"))
    return SIGNATURE + b"".join(chunk for kind, chunk in chunks if kind in KEPT)


class Canvas:
    """What the page reads from the canvas: `png()` (checked bytes, or None while it is empty) and, for code
    written against CanvasResult, `image_data` (the RGBA array, decoded only once checked) and `json_data`."""

    def __init__(self, result, width: int, height: int) -> None:
        self._result, self.width, self.height = result, width, height

    @property
    def json_data(self) -> dict | None:
        return getattr(self._result, "json_data", None)

    def png(self) -> bytes | None:
        if self._result is None:
            raise _malformed(N_("its fields are not what the canvas sends"))
        # the raw data URL (a slot of CanvasResult 0.13): its image_data and even image_bytes decode it unchecked
        return checked_png(self._result._image_data_url, self.width, self.height)

    @property
    def image_data(self) -> np.ndarray | None:
        png = self.png()
        if png is None:
            return None
        from PIL import Image

        try:
            with Image.open(io.BytesIO(png)) as img:
                return np.asarray(img.convert("RGBA"))
        except (OSError, SyntaxError, ValueError, zlib.error):
            raise _malformed(N_("a damaged PNG")) from None


def drawing_canvas(*, width: int, height: int, **options) -> Canvas:
    """st_canvas(width=, height=, return_image_data=True, **options), read as a Canvas. The component is drawn
    whatever value arrived; a value of the wrong shape (st_canvas fails on it after drawing) reads as malformed."""
    from streamlit_drawable_canvas import st_canvas  # registers its component: only inside a running app

    try:
        result = st_canvas(width=width, height=height, return_image_data=True, **options)
    except (AttributeError, KeyError, TypeError):  # e.g. {"drawing": "x"} or a backgroundFit without its fields
        result = None
    return Canvas(result, width, height)
