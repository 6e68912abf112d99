"""Export and import: MNIST's IDX files, or a zip (or folder) of PNGs in one folder per digit with labels.csv.
What an import reads is checked in unpack.py; zip members are read in memory, never written to disk."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

import numpy as np

from mnist_demo.classset.checks import SIZE, png_of
from mnist_demo.classset.unpack import CSV_NAME, Item, Member, check_count, collect, refuse
from mnist_demo.data import idx
from mnist_demo.errors import ClassSetError
from mnist_demo.messages import N_, Message

CSV_COLUMNS = ["file", "label", "writer", "predicted", "created"]
IDX_IMAGES, IDX_LABELS = "class-images-idx3-ubyte", "class-labels-idx1-ubyte"


# --- export ----------------------------------------------------------------------------------------------------

def idx_bytes(images: np.ndarray, labels: np.ndarray) -> tuple[bytes, bytes]:
    """MNIST's own uncompressed IDX format, as torchvision reads it."""
    return idx.to_bytes(np.reshape(images, (-1, SIZE, SIZE))), idx.to_bytes(np.asarray(labels))


def zip_bytes(records: Iterable[tuple]) -> bytes:
    """A zip with one folder per digit (0/….png, 28 x 28 grayscale, named by the row's sha) and labels.csv (file,
    label, writer, predicted, created). `records` are (label, image, writer, predicted, created, sha)."""
    buffer, table = io.BytesIO(), io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for label, image, who, predicted, created, sha in records:
            name = f"{label}/{sha[:16]}.png"
            zf.writestr(name, png_of(image))
            writer.writerow([name, label, who, "" if predicted is None else predicted, f"{created:.3f}"])
        zf.writestr(CSV_NAME, table.getvalue())
    return buffer.getvalue()


def write_file(path: Path, data: bytes) -> None:
    """Write atomically: a temporary file beside `path`, then a rename, so a failed export leaves the old file."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise ClassSetError(N_("Cannot write {path}: {reason}. Choose a writable folder with free space."), path=path,
                            reason=exc.strerror or exc) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


# --- import ----------------------------------------------------------------------------------------------------

_LINK = N_("Cannot import {src}: {member} is a symbolic link; nothing was imported.")


def read_source(src: str | os.PathLike | bytes, name: str | None = None) -> list[Item]:
    """Every digit of a zip (a path, or its bytes as uploaded) or a folder, checked; the first bad one refuses all."""
    if isinstance(src, (bytes, bytearray)):
        return _read_zip(io.BytesIO(src), name or Message(N_("the uploaded file")))
    path = Path(src)
    if path.is_dir():
        return collect(_folder_members(path), str(path))
    if path.is_file():
        return _read_zip(path, str(path))
    raise ClassSetError(N_("Cannot import {src}: there is no such file or folder."), src=path)


def _read_zip(source: Path | io.BytesIO, shown: str) -> list[Item]:
    try:
        with zipfile.ZipFile(source) as zf:
            return collect(_zip_members(zf, shown), shown)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError):
        raise ClassSetError(N_("Cannot import {src}: it is not a zip file (a zip or a folder with 0/ … 9/ is "
                               "expected)."), src=shown) from None
    except OSError as exc:
        raise ClassSetError(N_("Cannot import {src}: {reason}."), src=shown, reason=exc.strerror or exc) from None


def _safe_name(src: str, name: str) -> str:
    """The member's name as a relative POSIX path, or a refusal when it is absolute or climbs out with '..'."""
    posix = name.replace("\\", "/")
    parts = PurePosixPath(posix).parts
    if posix.startswith("/") or re.match(r"[A-Za-z]:", posix) or ".." in parts:
        raise refuse(src, repr(name), N_("Cannot import {src}: {member} points outside the archive (an absolute path "
                                         "or '..'); nothing was imported."))
    return "/".join(p for p in parts if p not in ("", "."))


def _zip_members(zf: zipfile.ZipFile, src: str) -> list[Member]:
    infos = zf.infolist()
    check_count(src, len(infos))
    members = []
    for info in infos:
        name = _safe_name(src, info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise refuse(src, repr(info.filename), _LINK)
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise refuse(src, repr(info.filename), N_("Cannot import {src}: {member} is encrypted; nothing was "
                                                      "imported."))

        def read(cap: int, info: zipfile.ZipInfo = info) -> bytes:
            with zf.open(info) as f:
                return f.read(cap + 1)

        members.append(Member(name, info.file_size, read))
    return members


def _folder_members(root: Path) -> list[Member]:
    members: list[Member] = []
    for folder, dirs, files in os.walk(root):  # does not follow symlinked folders; they are refused below
        for entry in sorted(dirs + files):
            path = Path(folder) / entry
            if path.is_symlink():
                raise refuse(str(root), repr(str(path.relative_to(root))), _LINK)
        for entry in sorted(files):
            path = Path(folder) / entry

            def read(cap: int, path: Path = path) -> bytes:
                with open(path, "rb") as f:
                    return f.read(cap + 1)

            members.append(Member(path.relative_to(root).as_posix(), path.stat().st_size, read))
            check_count(str(root), len(members))
    return members

