"""MNIST's file format (IDX): the one writer, and the one reader, which checks: a file that is not what its name says
is refused with one message that names it and says how to fix it, before anything is trained on it.

Each message comes in two forms: the error's text names the file's full path (for the command line, on the machine
that holds it) and `error.public` names it from the data folder, for a browser that must not see the server's paths.
Both are the same message id (mnist_demo.messages) with the paths as parameters.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import zlib
from pathlib import Path, PurePath

import numpy as np

from mnist_demo.errors import DataFileError
from mnist_demo.messages import N_, Message
from mnist_demo.paths import DATA_DIR_ENV, ROOT

IMAGES, LABELS = 0x0803, 0x0801  # unsigned bytes, 3 or 1 dimensions
KIND = {IMAGES: N_("images"), LABELS: N_("labels")}
SIDE = 28
MAX_BYTES = 256 * 2**20  # the largest file of these datasets (60,000 training images) is 47 MB
GZIP = b"\x1f\x8b"


def shown(path: PurePath, root: Path) -> str:
    """`path` (inside the data folder `root`) as a browser may see it, as Markdown code: from the project folder when
    the data is inside it, else from $MNIST_DEMO_DATA_DIR; never the server's absolute path."""
    try:
        inside = Path(path).relative_to(root)
    except ValueError:
        return f"`{Path(path).name}`"
    try:
        return f"`{(Path(root).resolve().relative_to(ROOT) / inside).as_posix()}`"
    except ValueError:
        env = os.environ.get(DATA_DIR_ENV)
        base = f"${DATA_DIR_ENV}" if env and Path(env).resolve() == Path(root).resolve() else "<data folder>"
        return f"`{base}/{inside.as_posix()}`"


def file_error(template: str, root: Path | None, **params: object) -> DataFileError:
    """DataFileError(template, params) with the full paths (the params that are Paths); .public: the same with the
    paths as `shown` gives them."""
    error = DataFileError(template, **{k: str(v) if isinstance(v, PurePath) else v for k, v in params.items()})
    if root is not None:
        error.public = Message(template, **{k: shown(v, root) if isinstance(v, PurePath) else v
                                            for k, v in params.items()})
    return error


def _bytes(path: Path, root: Path | None) -> bytes:
    """The file's bytes: refused without opening it when it is not a regular file (a pipe would block forever),
    and without reading it when it is larger than any file of these datasets."""
    try:
        info = os.stat(path)  # follows a symbolic link: a link to the real file is fine
    except FileNotFoundError:
        if os.path.islink(path):
            raise file_error(N_("{path} is a symbolic link to a file that is not there: remove the link, or put the "
                                "dataset's file there."), root, path=path) from None
        raise
    except OSError as exc:  # a symbolic link loop, a folder on the way that is a file...
        raise file_error(N_("{path} cannot be read ({reason}): check it, or put the dataset's file there."), root,
                         path=path, reason=exc.strerror) from None
    if not stat.S_ISREG(info.st_mode):
        raise file_error(N_("{path} is a folder: put the dataset's file of that name there.")
                         if stat.S_ISDIR(info.st_mode) else
                         N_("{path} is not a regular file (a pipe, device or socket): put the dataset's file of that "
                            "name there."), root, path=path)
    if info.st_size > MAX_BYTES:
        raise file_error(N_("{path} is {size:,.0f} MB, more than any file of these datasets (47 MB): it is not one "
                            "of them; put the dataset's own file there."), root, path=path, size=info.st_size / 2**20)
    try:
        with open(path, "rb") as f:
            return f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise file_error(N_("{path} cannot be read ({reason}): check its permissions."), root, path=path,
                         reason=exc.strerror) from None


def _gunzipped(path: Path, root: Path | None) -> bytes:
    """A download left compressed beside where the IDX file belongs (name.gz), decompressed in memory."""
    data = _bytes(path, root)
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            out = f.read(MAX_BYTES + 1)
    except (OSError, EOFError, zlib.error):
        raise file_error(N_("{path} is not a complete gzip file (an interrupted download?): delete it and download "
                            "it again."), root, path=path) from None
    if len(out) > MAX_BYTES:
        raise file_error(N_("{path} decompresses to more than any file of these datasets: it is not one of them."),
                         root, path=path)
    return out


def parse(data: bytes, magic: int, path: PurePath, root: Path | None = None) -> np.ndarray:
    """The array an IDX file's bytes hold, after checking its magic number, dimensions and length."""
    kind = KIND[magic]
    if data[:2] == GZIP:
        raise file_error(N_("{path} is gzip-compressed (a download that was not decompressed): decompress it "
                            "(gunzip), or add .gz to its name and the loader decompresses it itself."), root, path=path)
    if len(data) == 0:
        raise file_error(N_("{path} is empty (0 bytes): an interrupted download or copy? Delete it and download it "
                            "again, or copy the dataset's file there."), root, path=path)
    if len(data) < 4:
        raise file_error(N_("{path} is truncated ({size} bytes): an interrupted download or copy? Delete it and "
                            "download it again."), root, path=path, size=len(data))
    found = int.from_bytes(data[:4], "big")
    if found != magic:
        if found in KIND:
            raise file_error(N_("{path} holds {found}, not {kind}: are the images and labels files swapped? Give "
                                "each its own name back."), root, path=path, found=Message(KIND[found]),
                             kind=Message(kind))
        raise file_error(N_("{path} is not an MNIST-format (IDX) {kind} file: it starts with 0x{found:08x}, not "
                            "0x{magic:08x}. Put the dataset's own file there."), root, path=path, kind=Message(kind),
                         found=found, magic=magic)
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(data) < header:
        raise file_error(N_("{path} is truncated ({size} bytes, less than its header): delete it and download it "
                            "again."), root, path=path, size=len(data))
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    if magic == IMAGES and dims[1:] != [SIDE, SIDE]:
        raise file_error(N_("{path} holds {height} x {width} images; MNIST-format datasets hold 28 x 28. Put the "
                            "dataset's own file there (or resize the images to 28 x 28)."), root, path=path,
                         height=dims[1], width=dims[2])
    need = header + int(np.prod(dims, dtype=np.int64))
    if len(data) < need:
        raise file_error(N_("{path} is truncated: its header announces {count:,} {kind} ({need:,} bytes) but it "
                            "holds {size:,} bytes. An interrupted download or copy? Delete it and download it again."),
                         root, path=path, count=dims[0], kind=Message(kind), need=need, size=len(data))
    if len(data) > need:
        raise file_error(N_("{path} has {extra:,} bytes more than the {count:,} {kind} its header announces: it is "
                            "not a file of this dataset; put the dataset's own file there."), root, path=path,
                         extra=len(data) - need, count=dims[0], kind=Message(kind))
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def read(path: Path, magic: int, root: Path | None = None) -> np.ndarray:
    """An IDX file, or, when it is absent, the same file gzip-compressed beside it (name.gz), as torchvision leaves
    its downloads. Raises FileNotFoundError when neither is there, DataFileError when it is not what it should be."""
    path = Path(path)
    if not os.path.lexists(path):
        gz = path.with_name(path.name + ".gz")
        if not os.path.lexists(gz):
            raise FileNotFoundError(path)
        return parse(_gunzipped(gz, root), magic, gz, root)
    return parse(_bytes(path, root), magic, path, root)


def to_bytes(array: np.ndarray) -> bytes:
    """An array of bytes as an uncompressed IDX file: (N,) labels (magic 2049) or (N, H, W) images (2051), as
    torchvision reads them."""
    array = np.ascontiguousarray(array).astype(np.uint8, copy=False)
    magic = IMAGES if array.ndim == 3 else LABELS
    return b"".join(d.to_bytes(4, "big") for d in (magic, *array.shape)) + array.tobytes()


def write(path: Path, array: np.ndarray) -> None:
    """`to_bytes(array)` into the file `path`."""
    Path(path).write_bytes(to_bytes(array))


def present(path: Path) -> bool:
    """Whether the file, or its .gz, is there (even if broken: then reading it says what is wrong)."""
    return os.path.lexists(path) or os.path.lexists(path.with_name(path.name + ".gz"))


def check_pair(images: np.ndarray, labels: np.ndarray, classes: int, paths: tuple[PurePath, PurePath], split: str,
               root: Path | None = None) -> None:
    """A split's images and labels belong together: as many of each, at least one, labels 0..classes-1."""
    if len(images) != len(labels):
        raise file_error(N_("{path} holds {images:,} images but {labels_path} holds {labels:,} labels: each image "
                            "needs its label. Copy both files of the split again, from the same download."), root,
                         path=paths[0], images=len(images), labels_path=paths[1], labels=len(labels))
    if len(images) == 0:
        raise file_error(N_("{path} holds no images: the {split} set is empty. Put the dataset's own files there."),
                         root, path=paths[0], split=Message(split))
    top = int(labels.max())
    if top >= classes:
        where = int(np.argmax(labels >= classes))
        raise file_error(N_("{path} holds the label {label} (first at position {where:,}); labels must be 0 to "
                            "{last}. Put the dataset's own labels file there."), root, path=paths[1], label=top,
                         where=where, last=classes - 1)
