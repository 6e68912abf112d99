"""Reading an import: every member of a zip or folder checked and decoded before anything is written.

Imports are all or nothing: a zip with one bad member (a path that climbs out with `..`, a symlink, a text file
named .png, a blank picture, an oversized member) is refused whole, with one message naming that member, and the
set is left as it was. Reads are bounded: a member is read to at most its cap plus one byte, so a header that lies
about a size shows.
"""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

import numpy as np

from mnist_demo.classset.checks import INK_FLOOR, SIZE, check_image, check_label, check_writer
from mnist_demo.data import idx
from mnist_demo.errors import ClassSetError, DataFileError, UnreadableImage
from mnist_demo.messages import N_, Clause, Message
from mnist_demo.reading.preprocess import open_image, to_mnist

IMPORT_WRITER = "import"  # the writer of imported images that come without a labels.csv
IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}
CSV_NAME = "labels.csv"
MAX_MEMBERS = 20_000  # files in one zip or folder
MAX_MEMBER_BYTES = 2**20  # one picture; a 28 x 28 PNG is under 1 kB, a phone photo should be cropped first
MAX_CSV_BYTES = 16 * 2**20  # labels.csv of 20,000 rows is about 1.5 MB
MAX_TOTAL_BYTES = 200 * 2**20  # everything read from one import, IDX files included (MNIST's train set is 47 MB)


@dataclass
class Item:
    """One digit ready to insert."""

    label: int
    image: bytes
    writer: str
    predicted: int | None
    created: float


@dataclass
class Member:
    """One file of a zip or folder being imported, not yet read."""

    name: str  # a relative POSIX path, already checked safe
    size: int  # as declared (zip header) or on disk
    read: Callable[[int], bytes]  # at most this many bytes plus one, so a lie about the size shows


def refuse(src: str, member: str, template: str, **params: object) -> ClassSetError:
    """The refusal of a whole import because of one `member`: `template` says "Cannot import {src}: {member} ..."."""
    return ClassSetError(template, src=src, member=member, **params)


def check_count(src: str, n: int) -> None:
    if n > MAX_MEMBERS:
        raise ClassSetError(N_("Cannot import {src}: it holds over {most:,} files; split it into smaller parts. "
                               "Nothing was imported."), src=src, most=MAX_MEMBERS)


def _skipped(name: str) -> bool:
    """Files a zip tool adds on its own: macOS's __MACOSX/ and ._ twins, .DS_Store and other dotfiles."""
    parts = name.split("/")
    return parts[0] == "__MACOSX" or any(p.startswith(".") for p in parts)


_UNUSABLE = N_("Cannot import {src}: {member} cannot be used: {why}; nothing was imported.")


def collect(members: list[Member], src: str) -> list[Item]:
    """Every digit of the members, checked and decoded; the first bad one refuses the lot."""
    members = [m for m in members if not _skipped(m.name)]
    total = 0

    def read(m: Member, cap: int) -> bytes:
        nonlocal total
        if m.size > cap:
            raise refuse(src, m.name, N_("Cannot import {src}: {member} is {size:.1f} MB uncompressed; the most read "
                                         "per file is {most:.0f} MB; nothing was imported."),
                         size=m.size / 2**20, most=cap / 2**20)
        if total + m.size > MAX_TOTAL_BYTES:
            raise ClassSetError(N_("Cannot import {src}: it unpacks to over {most:.0f} MB; split it into smaller "
                                   "parts. Nothing was imported."), src=src, most=MAX_TOTAL_BYTES / 2**20)
        try:
            data = m.read(cap)
        except (OSError, zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError, zlib.error) as exc:
            raise refuse(src, m.name, N_("Cannot import {src}: {member} cannot be read ({kind}); nothing was "
                                         "imported."), kind=type(exc).__name__) from None
        if len(data) > cap or len(data) > m.size:
            raise refuse(src, m.name, N_("Cannot import {src}: {member} is larger than its header says; nothing was "
                                         "imported."))
        total += len(data)
        return data

    images, tables, idx = [], {}, {}
    for m in members:
        path = PurePosixPath(m.name)
        if path.name == CSV_NAME:
            tables[str(path.parent)] = _read_csv(read(m, MAX_CSV_BYTES), src, m.name)
        elif path.name.endswith("images-idx3-ubyte") or path.name.endswith("labels-idx1-ubyte"):
            idx[m.name] = m
        elif path.suffix.lower() in IMAGE_EXTS:
            if not re.fullmatch(r"[0-9]", path.parent.name):
                raise refuse(src, m.name, N_("Cannot import {src}: {member} is not in a digit folder (0/ … 9/ name the "
                                             "label); nothing was imported."))
            images.append(m)

    now = time.time()
    items = []
    for m in images:
        path = PurePosixPath(m.name)
        label = int(path.parent.name)
        meta = tables.get(str(path.parent.parent), {}).get(f"{label}/{path.name}", {})
        items.append(Item(label, _decode(read(m, MAX_MEMBER_BYTES), src, m.name), meta.get("writer", IMPORT_WRITER),
                          meta.get("predicted"), meta.get("created", now)))
    for name in sorted(idx):
        if not name.endswith("images-idx3-ubyte"):
            partner = name[: -len("labels-idx1-ubyte")] + "images-idx3-ubyte"
            if partner not in idx:
                raise refuse(src, name, N_("Cannot import {src}: {member} has no images file beside it ({partner}); "
                                           "nothing was imported."), partner=PurePosixPath(partner).name)
            continue
        partner = name[: -len("images-idx3-ubyte")] + "labels-idx1-ubyte"
        if partner not in idx:
            raise refuse(src, name, N_("Cannot import {src}: {member} has no labels file beside it ({partner}); "
                                       "nothing was imported."), partner=PurePosixPath(partner).name)
        items += _idx_items(read(idx[name], MAX_TOTAL_BYTES), read(idx[partner], MAX_TOTAL_BYTES), src, name, now)
    return items


def _read_csv(data: bytes, src: str, name: str) -> dict[str, dict]:
    """labels.csv as {file: {writer, predicted, created}}; the label itself comes from the folder, so moving a
    PNG from 3/ to 8/ relabels it."""
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
        if not reader.fieldnames or "file" not in reader.fieldnames:
            raise refuse(src, name, N_("Cannot import {src}: {member} has no 'file' column; nothing was imported."))
        out = {}
        for line, row in enumerate(reader, start=2):
            meta: dict = {}
            try:
                if row.get("writer"):
                    meta["writer"] = check_writer(row["writer"])
                if row.get("predicted"):
                    meta["predicted"] = check_label(int(row["predicted"]), N_("predicted digit"))
                if row.get("created"):
                    meta["created"] = float(row["created"])
                    if not np.isfinite(meta["created"]):
                        raise ValueError
            except (ClassSetError, ValueError) as exc:
                where = Message(N_("{file} line {line}"), file=name, line=line)
                if isinstance(exc, ClassSetError):
                    raise refuse(src, where, N_("Cannot import {src}: {member} is wrong ({why}); nothing was "
                                                "imported."), why=Clause(exc.message)) from None
                raise refuse(src, where, N_("Cannot import {src}: {member} is wrong (a value is not a number); "
                                            "nothing was imported.")) from None
            out[(row.get("file") or "").replace("\\", "/")] = meta
        return out
    except (UnicodeDecodeError, csv.Error):
        raise refuse(src, name, N_("Cannot import {src}: {member} is not a readable CSV file; nothing was "
                                   "imported.")) from None


def _decode(data: bytes, src: str, name: str) -> bytes:
    """A picture's 784 bytes. A 28 x 28 grayscale picture on black (what export_zip writes) is kept exactly;
    anything else goes through the app's own preprocessing, as a drawing or an upload would."""
    try:
        img = open_image(data)
        if img.size == (SIZE, SIZE) and img.mode == "L":
            arr = np.asarray(img, dtype=np.uint8)
            border = np.concatenate([arr[0], arr[-1], arr[:, 0], arr[:, -1]])
            if np.median(border) < 128:
                return check_image(arr)
        mnist = to_mnist(img)
    except UnreadableImage as exc:
        raise refuse(src, name, N_("Cannot import {src}: {member} cannot be read: {why}; nothing was imported."),
                     why=exc) from None
    except ClassSetError as exc:
        raise refuse(src, name, _UNUSABLE, why=Clause(exc.message)) from None
    if mnist is None:
        raise refuse(src, name, N_("Cannot import {src}: {member} is blank (no digit in it); nothing was imported."))
    try:
        return check_image(mnist)
    except ClassSetError as exc:
        raise refuse(src, name, _UNUSABLE, why=Clause(exc.message)) from None


def _idx_items(images: bytes, labels: bytes, src: str, name: str, now: float) -> list[Item]:
    """The digits of an IDX pair, its sizes checked against the headers before anything is believed."""
    paths = (PurePosixPath(name), PurePosixPath(name[: -len("images-idx3-ubyte")] + "labels-idx1-ubyte"))
    try:  # the one IDX reader, as for MNIST itself: magic, dimensions, length, counts and labels 0-9
        image_arr, label_arr = idx.parse(images, idx.IMAGES, paths[0]), idx.parse(labels, idx.LABELS, paths[1])
        if len(image_arr):
            idx.check_pair(image_arr, label_arr, 10, paths, N_("imported"))
        elif len(label_arr):
            raise idx.file_error(N_("{path} holds no images but {labels_path} holds {labels:,} labels."), None,
                                 path=paths[0], labels_path=paths[1], labels=len(label_arr))
    except DataFileError as exc:
        raise ClassSetError(N_("Cannot import {src}: {why} Nothing was imported."), src=src, why=exc) from None
    n = len(image_arr)
    pixels = image_arr.reshape(n, SIZE * SIZE)
    blank: np.ndarray | list[int] = np.flatnonzero(pixels.max(axis=1) < INK_FLOOR) if n else []
    if len(blank):
        raise refuse(src, name, N_("Cannot import {src}: {member} has an empty (all black) image at index {index}; "
                                   "nothing was imported."), index=int(blank[0]))
    return [Item(int(label_arr[i]), pixels[i].tobytes(), IMPORT_WRITER, None, now) for i in range(n)]
