"""The class set in one SQLite file: saving, reading, deleting (teacher only), export and import.

Why SQLite: thirty students save from threads of one Streamlit process at once. Every call opens its own short
connection (so no connection is shared between threads), writes in WAL mode (readers never wait for a writer) and
waits up to `timeout` seconds for a busy file before saying so. Each row carries the sha256 of its label and image
bytes under a UNIQUE constraint, so saving twice or importing the same zip again adds nothing.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from mnist_demo.classset import transfer
from mnist_demo.classset.checks import (
    DB_ENV,
    SIZE,
    Images,
    Row,
    check_image,
    check_label,
    check_writer,
    default_path,
    drawing_png,
    sha_of,
)
from mnist_demo.errors import ClassSetError, NotAllowed
from mnist_demo.messages import N_, Message

SCHEMA_VERSION = 2  # PRAGMA user_version: 1 had no settings table; 2 adds it (MIGRATIONS)
SETTINGS = """
CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""
MIGRATIONS = {1: SETTINGS}  # from version N to N + 1
SCHEMA = SETTINGS + """
CREATE TABLE IF NOT EXISTS digits (
    id INTEGER PRIMARY KEY,
    label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
    image BLOB NOT NULL CHECK (length(image) = 784),
    drawing BLOB,
    created REAL NOT NULL,
    predicted INTEGER CHECK (predicted IS NULL OR predicted BETWEEN 0 AND 9),
    writer TEXT NOT NULL,
    sha TEXT NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS digits_label ON digits (label);
CREATE INDEX IF NOT EXISTS digits_writer ON digits (writer);
"""
INSERT = ("INSERT OR IGNORE INTO digits (label, image, drawing, created, predicted, writer, sha) "
          "VALUES (?, ?, ?, ?, ?, ?, ?)")


def explain(path: Path, exc: BaseException, timeout: float, readonly: bool = False) -> ClassSetError:
    """One clear line for an sqlite3 error met on `path`; its `.public` form leaves out the server's paths."""
    text = str(exc).lower()
    if "not a database" in text or "encrypted" in text:
        return located(N_("{It} is not a class-set database (file is not a database). It was left unchanged: move it "
                          "away or set ${setting} to another file."), path, setting=DB_ENV)
    if "readonly" in text or "read-only" in text:
        return located(N_("{It} is read-only (attempt to write a readonly database); nothing was saved. It was "
                          "opened for reading only.") if readonly else
                       N_("{It} is read-only (attempt to write a readonly database); nothing was saved. Make the file "
                          "and its folder writable."), path)
    if "locked" in text or "busy" in text:
        return located(N_("{It} is busy: another program has held it locked for over {timeout:g} s; nothing was "
                          "saved. Try again in a moment, or close the other program."), path, timeout=timeout)
    if "malformed" in text or "corrupt" in text:
        return located(N_("{It} is damaged (database disk image is malformed). Move it away to start a new one; an "
                          "export made earlier can be imported into it."), path)
    if "full" in text:
        return located(N_("The disk holding {it} is full; nothing was saved. Free some space and try again."), path)
    if "unable to open" in text:
        return located(N_("{It} cannot be opened: its folder is missing or not writable. Choose another place with "
                          "${setting}."), path, setting=DB_ENV)
    return located(N_("{It} could not be used: {reason}."), path,
                   reason=str(exc).replace("{", "(").replace("}", ")"))


def located(template: str, path: Path, **params: object) -> ClassSetError:
    """ClassSetError(template, params) whose "{it}" ("{It}" to begin a sentence) names the file; `.public`: the same
    without the server's path."""
    error = ClassSetError(template, it=Message(N_("the class set {path}"), path=path),
                          It=Message(N_("The class set {path}"), path=path), **params)
    error.public = Message(template, it=Message(N_("the class set")), It=Message(N_("The class set")), **params)
    return error


class ClassSet:
    """The class's saved digits in one SQLite file. Safe to share between threads: every call opens, uses and
    closes its own connection. `readonly=True` opens the file for reading only; every write then raises."""

    def __init__(self, path: str | os.PathLike | None = None, *, timeout: float = 5.0, readonly: bool = False):
        self.path = Path(path) if path is not None else default_path()
        self.timeout = float(timeout)
        self.readonly = readonly
        if readonly and not self.path.is_file():
            raise located(N_("{It} does not exist yet (there is nothing to read): add digits first, or choose another "
                             "file with ${setting}."), self.path, setting=DB_ENV)
        if self.path.is_dir():
            raise located(N_("{It} is a folder; give a file name for the class set, such as class.db in it."),
                          self.path)
        if not readonly:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise located(N_("The folder of {it} cannot be created ({reason}). Choose another place with "
                                 "${setting}."), self.path, reason=exc.strerror or "error", setting=DB_ENV) from None
        self._setup()

    def __repr__(self) -> str:
        return f"ClassSet({str(self.path)!r}{', readonly=True' if self.readonly else ''})"

    # --- connections -------------------------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        if self.readonly:
            target, uri = self.path.resolve().as_uri() + "?mode=ro", True
        else:
            target, uri = str(self.path), False
        conn = sqlite3.connect(target, timeout=self.timeout, isolation_level=None, uri=uri)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            conn.execute("PRAGMA synchronous = NORMAL")  # WAL: safe against an app crash, and much faster
        except BaseException:
            conn.close()
            raise
        return conn

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        try:
            with contextlib.closing(self._open()) as conn:
                yield conn
        except sqlite3.Error as exc:
            raise explain(self.path, exc, self.timeout, self.readonly) from None

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction, taken as a writer from the start (BEGIN IMMEDIATE) so that waiting for a busy file
        happens here, under the busy timeout, and not as a deadlock half-way through."""
        try:
            with contextlib.closing(self._open()) as conn:
                conn.execute("BEGIN IMMEDIATE")  # a read-only file or connection refuses here, before any change
                try:
                    yield conn
                except BaseException:
                    conn.rollback()
                    raise
                conn.commit()
        except sqlite3.Error as exc:
            raise explain(self.path, exc, self.timeout, self.readonly) from None

    def _setup(self) -> None:
        """Check the file is ours (or new) and of a schema this code knows; create the table on first use."""
        with self._read() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]  # "file is not a database" shows here
            if version > SCHEMA_VERSION:
                raise located(N_("{It} was made by a newer mnist-demo (schema {version}, this one knows {known}). "
                                 "Update the app, or use another file."), self.path, version=version,
                              known=SCHEMA_VERSION)
            if version == SCHEMA_VERSION:
                return
            if version in MIGRATIONS and self.readonly:
                return  # read as it is; the settings it lacks read as unset
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            if version == 0 and tables:  # a version-1 file (answers table and all) migrates below
                raise located(N_("{It} is an SQLite database of something else (tables: {tables}); it was left "
                                 "unchanged. Choose another file with ${setting}."), self.path,
                              tables=", ".join(tables[:5]), setting=DB_ENV)
        if self.readonly:
            raise located(N_("{It} is an empty database, not a class set yet; open it writable once."), self.path)
        with self._read() as conn:  # version 0 (new) or one MIGRATIONS takes to SCHEMA_VERSION
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")  # lasts: it is stored in the file
        with self._write() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have just done it
            steps = [SCHEMA] if version == 0 else [MIGRATIONS[v] for v in range(version, SCHEMA_VERSION)]
            for step in steps:
                for statement in step.split(";"):
                    if statement.strip():
                        conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # --- saving and deleting -----------------------------------------------------------------------------------

    def add(self, image: np.ndarray, label: int, writer: str, predicted: int | None = None,
            drawing: np.ndarray | None = None) -> int:
        """Save one digit and return its row id. Saving the same label and pixels again (a double tap) adds no
        row and returns the id of the one already there."""
        label = check_label(label)
        pixels = check_image(image)
        writer = check_writer(writer)
        if predicted is not None:
            predicted = check_label(predicted, N_("predicted digit"))
        thumb = drawing_png(drawing) if drawing is not None else None
        sha = sha_of(label, pixels)
        with self._write() as conn:
            cur = conn.execute(INSERT, (label, pixels, thumb, time.time(), predicted, writer, sha))
            if cur.rowcount and cur.lastrowid is not None:
                return cur.lastrowid
            return int(conn.execute("SELECT id FROM digits WHERE sha = ?", (sha,)).fetchone()[0])

    def delete(self, id: int, teacher: bool) -> bool:
        """Remove one digit (the teacher only); False when there was no such row (deleted from another tab)."""
        if not teacher:
            raise NotAllowed(N_("Only the teacher can delete digits from the class set."))
        with self._write() as conn:
            return conn.execute("DELETE FROM digits WHERE id = ?", (int(id),)).rowcount > 0

    def delete_all(self, teacher: bool) -> int:
        """Empty the set (the teacher only); returns how many digits were removed."""
        if not teacher:
            raise NotAllowed(N_("Only the teacher can empty the class set."))
        with self._write() as conn:
            return conn.execute("DELETE FROM digits").rowcount

    # --- reading -----------------------------------------------------------------------------------------------

    def count(self, writer: str | None = None) -> int:
        with self._read() as conn:
            if writer is None:
                return conn.execute("SELECT count(*) FROM digits").fetchone()[0]
            return conn.execute("SELECT count(*) FROM digits WHERE writer = ?", (writer,)).fetchone()[0]

    def stats(self) -> dict:
        """{"count": N, "per_digit": {"0": n, ..., "9": n}, "writers": W}: JSON as it is (string keys), every
        digit present even at 0, W the number of different writers."""
        with self._read() as conn:
            per = dict(conn.execute("SELECT label, count(*) FROM digits GROUP BY label").fetchall())
            writers = conn.execute("SELECT count(DISTINCT writer) FROM digits").fetchone()[0]
        per_digit = {str(d): int(per.get(d, 0)) for d in range(10)}
        return {"count": sum(per_digit.values()), "per_digit": per_digit, "writers": int(writers)}

    def rows(self, label: int | None = None, limit: int | None = None) -> list[Row]:
        """Saved digits without pixels, newest first."""
        sql, args = "SELECT id, label, predicted, writer, created FROM digits", []
        if label is not None:
            sql, args = sql + " WHERE label = ?", [check_label(label)]
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql, args = sql + " LIMIT ?", [*args, max(0, int(limit))]
        with self._read() as conn:
            return [Row(*r) for r in conn.execute(sql, args)]

    def images(self, ids: list[int] | None = None) -> Images:
        """The pixels to train on or show: every digit oldest first, or those of `ids` in that order."""
        columns = "SELECT id, label, image, writer, predicted FROM digits"
        with self._read() as conn:
            if ids is None:
                found = conn.execute(f"{columns} ORDER BY id").fetchall()
            else:
                ids = [int(i) for i in ids]
                found = []
                for start in range(0, len(ids), 500):  # SQLite's limit on ? parameters
                    chunk = ids[start : start + 500]
                    found += conn.execute(f"{columns} WHERE id IN ({', '.join('?' * len(chunk))})", chunk).fetchall()
                by_id = {r[0]: r for r in found}
                missing = [i for i in ids if i not in by_id]
                if missing:
                    raise ClassSetError(N_("No digit with id {ids} in the class set (deleted meanwhile?)."),
                                        ids=", ".join(map(str, missing[:5])))
                found = [by_id[i] for i in ids]
        images = np.frombuffer(b"".join(r[2] for r in found), dtype=np.uint8).reshape(len(found), SIZE, SIZE)
        return Images(images.copy(), np.array([r[1] for r in found], dtype=np.int64), [r[3] for r in found],
                      [r[0] for r in found], np.array([-1 if r[4] is None else r[4] for r in found], dtype=np.int64))

    def drawing(self, id: int) -> bytes | None:
        """The PNG thumbnail of the original drawing, or None when none was kept."""
        with self._read() as conn:
            row = conn.execute("SELECT drawing FROM digits WHERE id = ?", (int(id),)).fetchone()
        return None if row is None or row[0] is None else bytes(row[0])

    # --- the class's settings ----------------------------------------------------------------------------------

    def setting(self, key: str) -> str | None:
        """A setting the app keeps for the class (the class model, the open class), or None when never set."""
        with self._read() as conn:
            try:
                row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
            except sqlite3.OperationalError:  # a version-1 file opened read-only: no settings yet
                return None
        return None if row is None else str(row[0])

    def keep_setting(self, key: str, value: str) -> None:
        with self._write() as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = "
                         "excluded.value", (key, str(value)))

    # --- export and import -------------------------------------------------------------------------------------

    def idx_bytes(self) -> tuple[bytes, bytes]:
        """(images, labels): the set in MNIST's IDX format, oldest first."""
        got = self.images()
        return transfer.idx_bytes(got.images, got.labels)

    def export_idx(self, folder: str | os.PathLike) -> tuple[Path, Path]:
        """class-images-idx3-ubyte and class-labels-idx1-ubyte in `folder`: MNIST's own uncompressed format, so
        torchvision and any IDX reader take them. Returns their paths."""
        images, labels = self.idx_bytes()
        out = Path(folder) / transfer.IDX_IMAGES, Path(folder) / transfer.IDX_LABELS
        transfer.write_file(out[0], images)
        transfer.write_file(out[1], labels)
        return out

    def zip_bytes(self) -> bytes:
        """The set as a zip: one folder of 28 x 28 PNGs per digit and labels.csv. import_ reads it back."""
        with self._read() as conn:
            records = conn.execute(
                "SELECT label, image, writer, predicted, created, sha FROM digits ORDER BY id").fetchall()
        return transfer.zip_bytes(records)

    def export_zip(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        transfer.write_file(path, self.zip_bytes())
        return path

    def import_(self, src: str | os.PathLike | bytes, name: str | None = None) -> tuple[int, int]:
        """Merge a zip (a path, or its bytes with a `name` to show) or a folder laid out as export_zip writes
        (0/ … 9/ of pictures, labels.csv optional) and/or holding IDX pairs (NAME-images-idx3-ubyte with
        NAME-labels-idx1-ubyte). Returns (added, skipped): skipped digits were already in the set. All or nothing:
        one bad member refuses the whole import."""
        items = transfer.read_source(src, name)
        added = 0
        with self._write() as conn:
            for it in items:
                cur = conn.execute(INSERT, (it.label, it.image, None, it.created, it.predicted, it.writer,
                                            sha_of(it.label, it.image)))
                added += cur.rowcount
        return added, len(items) - added
