"""The class set: what a class notices when thirty students save drawings at once, when the teacher exports and
imports, and when a file or an input is wrong (one clear message, nothing already saved lost).

Decisions the tests pin down: labels are ints 0-9 (numpy ints too); strings, floats and bools are refused. An
import is all or nothing: a zip with one bad member (a `..` or absolute name, a symlink, a text file named .png,
an oversized member) is refused whole and nothing of it is imported or written to disk. Read-only is tested with
SQLite's own read-only open (`readonly=True`, a `mode=ro` URI), because the tests run as root and root ignores
chmod; the chmod case runs too where the tests are not root.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import stat
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from conftest import drawing
from PIL import Image

from mnist_demo import classset
from mnist_demo.classset import ClassSet, ClassSetError, default_path, unpack
from mnist_demo.data import idx
from mnist_demo.errors import NotAllowed, UserError
from mnist_demo.paths import ROOT
from mnist_demo.reading.preprocess import to_mnist


def digit(seed: int) -> np.ndarray:
    """A distinct 28 x 28 uint8 image with ink: random strokes of a seeded generator."""
    rng = np.random.default_rng(seed)
    img = np.zeros((28, 28), np.uint8)
    img[4:24, 4:24] = rng.integers(0, 256, (20, 20), dtype=np.uint8)
    img[14, 14] = 255
    return img


def png_bytes(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def filled(path: Path, n: int = 25) -> ClassSet:
    cs = ClassSet(path)
    for i in range(n):
        cs.add(digit(i), i % 10, f"w{i % 3}", predicted=(i + 1) % 10 if i % 4 else None,
               drawing=np.asarray(drawing([0, 1, 4, 7][i % 4], size=120)))
    return cs


def shas(cs: ClassSet) -> dict[str, tuple]:
    got = cs.images()
    by_id = {r.id: r for r in cs.rows()}
    out = {}
    for i, (img, label, writer) in enumerate(zip(got.images, got.labels, got.writers)):
        row = by_id[sorted(by_id)[i]]
        out[classset.sha_of(int(label), img.tobytes())] = (int(label), writer, row.predicted, round(row.created, 3))
    return out


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


# saving from many threads


def test_600_adds_from_30_threads_all_land(tmp_path):
    cs = ClassSet(tmp_path / "class.db")

    def student(k: int) -> list[int]:
        return [cs.add(digit(1000 * k + j), (k + j) % 10, f"student-{k:02d}") for j in range(20)]

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=30) as pool:
        ids = [i for batch in pool.map(student, range(30)) for i in batch]
    elapsed = time.perf_counter() - t0

    assert len(set(ids)) == 600
    assert cs.count() == 600
    stats = cs.stats()
    assert stats["count"] == 600 and stats["writers"] == 30
    expected = {str(d): sum((k + j) % 10 == d for k in range(30) for j in range(20)) for d in range(10)}
    assert stats["per_digit"] == expected
    assert all(cs.count(f"student-{k:02d}") == 20 for k in range(30))
    assert len(cs.images().labels) == 600
    assert elapsed < 60, f"600 saves took {elapsed:.1f} s"


def test_stats_json_shape(tmp_path):
    cs = ClassSet(tmp_path / "class.db")
    assert cs.stats() == {"count": 0, "per_digit": {str(d): 0 for d in range(10)}, "writers": 0}
    cs.add(digit(1), 3, "a")
    cs.add(digit(2), 3, "b")
    cs.add(digit(3), 9, "a")
    stats = cs.stats()
    assert list(stats) == ["count", "per_digit", "writers"]
    assert list(stats["per_digit"]) == [str(d) for d in range(10)]
    assert json.loads(json.dumps(stats)) == stats
    assert stats == {"count": 3, "per_digit": {**{str(d): 0 for d in range(10)}, "3": 2, "9": 1}, "writers": 2}


def test_add_keeps_what_the_network_saw(tmp_path):
    cs = ClassSet(tmp_path / "class.db")
    seen = to_mnist(drawing(7))
    canvas = np.asarray(drawing(7, size=400, mode="RGBA"))
    row = cs.add(seen, np.int64(7), "s1", predicted=1, drawing=canvas)
    assert cs.add(seen, 7, "s1", predicted=1) == row  # a double tap adds no second row
    assert cs.count() == 1
    got = cs.images([row])
    assert got.images.shape == (1, 28, 28) and got.images.dtype == np.uint8
    assert np.array_equal(got.images[0], np.rint(seen * 255).astype(np.uint8))
    assert got.labels.tolist() == [7] and got.writers == ["s1"]
    (r,) = cs.rows()
    assert (r.id, r.label, r.predicted, r.writer) == (row, 7, 1, "s1") and abs(r.created - time.time()) < 60
    thumb = Image.open(io.BytesIO(cs.drawing(row)))
    assert thumb.format == "PNG" and max(thumb.size) <= 64


def test_rows_delete_and_delete_all(tmp_path):
    cs = filled(tmp_path / "class.db", 12)
    assert [r.label for r in cs.rows(label=3)] == [3]
    newest = cs.rows(limit=2)
    assert len(newest) == 2 and newest[0].id > newest[1].id
    with pytest.raises(NotAllowed, match="Only the teacher"):
        cs.delete(newest[0].id, teacher=False)
    with pytest.raises(NotAllowed, match="Only the teacher"):
        cs.delete_all(teacher=False)
    assert cs.count() == 12
    assert cs.delete(newest[0].id, teacher=True) is True
    assert cs.delete(newest[0].id, teacher=True) is False
    assert cs.count() == 11
    with pytest.raises(ClassSetError, match="No digit with id"):
        cs.images([newest[0].id])
    assert cs.delete_all(teacher=True) == 11
    assert cs.count() == 0 and cs.images().images.shape == (0, 28, 28)


def test_database_file_and_folders_created_with_wal_and_schema_version(tmp_path):
    path = tmp_path / "deep" / "er" / "class.db"
    ClassSet(path).add(digit(0), 0, "a")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        cols = [r[1] for r in conn.execute("PRAGMA table_info(digits)")]
    assert cols == ["id", "label", "image", "drawing", "created", "predicted", "writer", "sha"]


def test_default_path(monkeypatch, tmp_path):
    monkeypatch.delenv(classset.DB_ENV, raising=False)
    assert default_path() == ROOT / "data" / "class.db"
    monkeypatch.setenv(classset.DB_ENV, str(tmp_path / "x.db"))
    assert default_path() == tmp_path / "x.db"
    assert ClassSet().path == tmp_path / "x.db"


# export and import


def test_zip_export_import_round_trip(tmp_path):
    source = filled(tmp_path / "a.db")
    zpath = source.export_zip(tmp_path / "out" / "class.zip")
    with zipfile.ZipFile(zpath) as zf:
        names = zf.namelist()
        table = list(csv.DictReader(io.StringIO(zf.read("labels.csv").decode())))
    assert "labels.csv" in names and len(names) == 26
    assert all(n.split("/")[0] in "0123456789" for n in names if n != "labels.csv")
    assert list(table[0]) == ["file", "label", "writer", "predicted", "created"]
    assert {r["file"] for r in table} == set(names) - {"labels.csv"}

    target = ClassSet(tmp_path / "b.db")
    assert target.import_(zpath) == (25, 0)
    assert shas(target) == shas(source)
    assert target.stats() == source.stats()
    assert target.import_(zpath) == (0, 25)
    assert target.count() == 25


def test_import_folder_relabel_by_moving_and_any_size_png(tmp_path):
    folder = tmp_path / "mine"
    filled(tmp_path / "a.db", 5).export_zip(tmp_path / "a.zip")
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        zf.extractall(folder)  # our own trusted export, unpacked the way a teacher would
    first = next((folder / "0").glob("*.png"))
    (folder / "8").mkdir(exist_ok=True)
    first.rename(folder / "8" / first.name)  # the teacher moves a 0 into 8/: it is now an 8
    (folder / "4" / "photo.png").write_bytes(png_bytes(drawing(4, size=300, ink=0, paper=255)))  # dark on white
    (folder / ".DS_Store").write_bytes(b"\0junk")
    cs = ClassSet(tmp_path / "b.db")
    assert cs.import_(folder) == (6, 0)
    assert cs.stats()["per_digit"]["0"] == 0 and cs.stats()["per_digit"]["8"] == 1
    fours = cs.images([r.id for r in cs.rows(label=4)])
    big = [img for img, w in zip(fours.images, fours.writers) if w == "import"]
    assert len(big) == 1
    assert np.array_equal(big[0], np.rint(to_mnist(drawing(4, size=300, ink=0, paper=255)) * 255).astype(np.uint8))


def test_export_idx_read_back_by_torchvision_and_read_idx(tmp_path):
    from torchvision.datasets.mnist import read_image_file, read_label_file

    cs = filled(tmp_path / "class.db", 30)
    images_path, labels_path = cs.export_idx(tmp_path / "idx")
    assert images_path.name == "class-images-idx3-ubyte" and labels_path.name == "class-labels-idx1-ubyte"
    expected = cs.images()
    tv_images, tv_labels = read_image_file(str(images_path)).numpy(), read_label_file(str(labels_path)).numpy()
    ours_images, ours_labels = idx.read(images_path, idx.IMAGES), idx.read(labels_path, idx.LABELS)
    assert tv_images.shape == ours_images.shape == (30, 28, 28)
    assert np.array_equal(tv_images, ours_images) and np.array_equal(tv_images, expected.images)
    assert np.array_equal(tv_labels, ours_labels) and np.array_equal(tv_labels, expected.labels)

    again = ClassSet(tmp_path / "again.db")
    assert again.import_(tmp_path / "idx") == (30, 0)
    assert np.array_equal(again.images().images, expected.images)


def test_import_real_mnist_test_set_as_idx(tmp_path, real_data):
    raw = real_data / "MNIST" / "raw"
    folder = tmp_path / "t10k"
    folder.mkdir()
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        shutil.copy(raw / name, folder / name)
    cs = ClassSet(tmp_path / "class.db")
    assert cs.import_(folder) == (10_000, 0)  # MNIST's test set has no two identical (label, image) pairs
    assert cs.import_(folder) == (0, 10_000)
    got = cs.images()
    assert np.array_equal(got.images, idx.read(raw / "t10k-images-idx3-ubyte", idx.IMAGES))
    assert np.array_equal(got.labels, idx.read(raw / "t10k-labels-idx1-ubyte", idx.LABELS))
    assert cs.stats()["per_digit"] == {str(d): int((got.labels == d).sum()) for d in range(10)}


# bad input: one clear message, nothing lost


@pytest.mark.parametrize("label", [10, -1, "7", 7.0, True, None])
def test_bad_label_refused(tmp_path, label):
    cs = ClassSet(tmp_path / "class.db")
    cs.add(digit(0), 1, "a")
    with pytest.raises(ClassSetError, match="0 to 9") as err:
        cs.add(digit(1), label, "a")
    assert isinstance(err.value, UserError)  # the CLI and the pages show it as one line, never a traceback
    assert "\n" not in str(err.value)
    assert cs.count() == 1


@pytest.mark.parametrize("image, message", [
    (np.zeros((28, 28), np.uint8), "empty"),
    (np.zeros((28, 28), np.float32), "empty"),
    (np.ones((28, 27), np.uint8) * 255, "28 x 28"),
    (np.full((28, 28), np.nan, np.float32), "NaN"),
    (np.full((28, 28), 3.0), "0 to 1"),
    (np.ones((28, 28), np.int64), "uint8"),
])
def test_bad_image_refused(tmp_path, image, message):
    cs = ClassSet(tmp_path / "class.db")
    with pytest.raises(ClassSetError, match=message):
        cs.add(image, 3, "a")
    assert cs.count() == 0


@pytest.mark.parametrize("writer", ["Ada Lovelace", "", "x" * 65, "../etc", "ada@school.org", 42])
def test_bad_writer_refused(tmp_path, writer):
    cs = ClassSet(tmp_path / "class.db")
    with pytest.raises(ClassSetError, match="writer id"):
        cs.add(digit(0), 3, writer)
    assert cs.count() == 0


def good_zip(path: Path, extra: dict[str, bytes] | None = None, symlink: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for d in range(3):
            zf.writestr(f"{d}/good{d}.png", png_bytes(Image.fromarray(digit(d))))
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return path


@pytest.mark.parametrize("bad", ["../../x.png", "/tmp/classset-abs.png", "3/../../../x.png", "..\\..\\x.png"])
def test_zip_slip_refused_whole_and_nothing_written(tmp_path, bad):
    zpath = good_zip(tmp_path / "evil.zip", {bad: png_bytes(Image.fromarray(digit(9)))})
    cs = filled(tmp_path / "class.db", 4)
    before, files = shas(cs), files_under(tmp_path.parent)
    with pytest.raises(ClassSetError, match="points outside the archive") as err:
        cs.import_(zpath)
    assert "nothing was imported" in str(err.value) and repr(bad) in str(err.value)
    assert shas(cs) == before  # the good members were not imported either, and nothing was lost
    new = {p for p in files_under(tmp_path.parent) - files if not p.name.startswith("class.db")}
    assert new == set()
    assert not Path("/tmp/classset-abs.png").exists()


def test_zip_symlink_member_refused(tmp_path):
    cs = ClassSet(tmp_path / "class.db")
    with pytest.raises(ClassSetError, match="symbolic link"):
        cs.import_(good_zip(tmp_path / "link.zip", symlink="3/passwd.png"))
    assert cs.count() == 0


def test_folder_symlink_refused(tmp_path):
    folder = tmp_path / "f"
    (folder / "3").mkdir(parents=True)
    (folder / "3" / "a.png").write_bytes(png_bytes(Image.fromarray(digit(3))))
    (folder / "3" / "b.png").symlink_to("/etc/passwd")
    cs = ClassSet(tmp_path / "class.db")
    with pytest.raises(ClassSetError, match="symbolic link"):
        cs.import_(folder)
    assert cs.count() == 0


def test_text_file_named_png_refused(tmp_path):
    cs = filled(tmp_path / "class.db", 3)
    with pytest.raises(ClassSetError, match=r"5/notes\.png cannot be read: it is not a readable image"):
        cs.import_(good_zip(tmp_path / "t.zip", {"5/notes.png": b"these are my notes, not a picture\n"}))
    assert cs.count() == 3


def test_blank_png_and_stray_png_refused(tmp_path):
    cs = ClassSet(tmp_path / "class.db")
    blank = png_bytes(Image.new("L", (100, 100), 255))
    with pytest.raises(ClassSetError, match="blank"):
        cs.import_(good_zip(tmp_path / "b.zip", {"2/blank.png": blank}))
    with pytest.raises(ClassSetError, match="not in a digit folder"):
        cs.import_(good_zip(tmp_path / "s.zip", {"misc/x.png": png_bytes(Image.fromarray(digit(5)))}))
    assert cs.count() == 0


def test_zip_caps(tmp_path, monkeypatch):
    cs = ClassSet(tmp_path / "class.db")
    huge = good_zip(tmp_path / "huge.zip", {"4/huge.png": b"\0" * (unpack.MAX_MEMBER_BYTES + 1)})
    with pytest.raises(ClassSetError, match=r"4/huge\.png is 1\.0 MB uncompressed"):
        cs.import_(huge)
    monkeypatch.setattr(unpack, "MAX_MEMBERS", 2)
    with pytest.raises(ClassSetError, match="over 2 files"):
        cs.import_(good_zip(tmp_path / "many.zip"))
    monkeypatch.setattr(unpack, "MAX_MEMBERS", 20_000)
    monkeypatch.setattr(unpack, "MAX_TOTAL_BYTES", 200)
    with pytest.raises(ClassSetError, match="unpacks to over"):
        cs.import_(good_zip(tmp_path / "total.zip"))
    assert cs.count() == 0


def test_not_a_zip_or_missing_source(tmp_path):
    cs = ClassSet(tmp_path / "class.db")
    (tmp_path / "x.zip").write_text("not a zip")
    with pytest.raises(ClassSetError, match="not a zip file"):
        cs.import_(tmp_path / "x.zip")
    with pytest.raises(ClassSetError, match="no such file or folder"):
        cs.import_(tmp_path / "nope.zip")


def test_truncated_idx_refused(tmp_path):
    cs = filled(tmp_path / "class.db", 5)
    images, _ = cs.export_idx(tmp_path / "idx")
    images.write_bytes(images.read_bytes()[:-10])
    with pytest.raises(ClassSetError, match="truncated"):
        ClassSet(tmp_path / "other.db").import_(tmp_path / "idx")
    (tmp_path / "idx" / "class-labels-idx1-ubyte").unlink()
    with pytest.raises(ClassSetError, match="no labels file"):
        ClassSet(tmp_path / "other.db").import_(tmp_path / "idx")


def test_non_sqlite_file_left_unchanged(tmp_path):
    path = tmp_path / "class.db"
    content = b"Dear class, this is my essay. " * 200
    path.write_bytes(content)
    with pytest.raises(ClassSetError, match="not a database") as err:
        ClassSet(path)
    assert "left unchanged" in str(err.value)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["class.db"]


def test_other_sqlite_database_or_newer_schema_refused(tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE grades (name TEXT)")
    before = other.read_bytes()
    with pytest.raises(ClassSetError, match="database of something else"):
        ClassSet(other)
    assert other.read_bytes() == before
    newer = tmp_path / "newer.db"
    ClassSet(newer)
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 3")
    with pytest.raises(ClassSetError, match="newer mnist-demo"):
        ClassSet(newer)


def test_read_only_database(tmp_path):
    path = tmp_path / "class.db"
    filled(path, 4)
    ro = ClassSet(path, readonly=True)
    assert ro.count() == 4 and ro.stats()["count"] == 4
    for write in (lambda: ro.add(digit(99), 1, "a"), lambda: ro.delete_all(True), lambda: ro.delete(1, True),
                  lambda: ro.import_(good_zip(tmp_path / "g.zip"))):
        with pytest.raises(ClassSetError, match="read-only") as err:
            write()
        assert "nothing was saved" in str(err.value)
    assert ClassSet(path).count() == 4
    with pytest.raises(ClassSetError, match="does not exist yet"):
        ClassSet(tmp_path / "missing.db", readonly=True)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes through chmod")
def test_read_only_file_by_permissions(tmp_path):
    path = tmp_path / "ro" / "class.db"
    filled(path, 2)
    path.chmod(0o444)
    path.parent.chmod(0o555)
    try:
        with pytest.raises(ClassSetError, match="read-only|not writable"):
            ClassSet(path).add(digit(99), 1, "a")
    finally:
        path.parent.chmod(0o755)
        path.chmod(0o644)
    assert ClassSet(path).count() == 2


def test_locked_database_says_busy_then_works(tmp_path):
    path = tmp_path / "class.db"
    cs = ClassSet(path, timeout=0.2)
    cs.add(digit(0), 0, "a")
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        t0 = time.perf_counter()
        with pytest.raises(ClassSetError, match="busy") as err:
            cs.add(digit(1), 1, "a")
        waited = time.perf_counter() - t0
        assert 0.15 < waited < 5 and "Try again" in str(err.value)
        assert cs.count() == 1  # readers still read while a writer holds the file (WAL)
        other.execute("COMMIT")
    finally:
        other.close()
    cs.add(digit(1), 1, "a")
    assert cs.count() == 2


def test_import_of_uploaded_bytes_names_the_upload(tmp_path):
    src = filled(tmp_path / "a.db", 6)
    cs = ClassSet(tmp_path / "b.db")
    assert cs.import_(src.zip_bytes(), "class.zip") == (6, 0)
    with pytest.raises(ClassSetError, match=r"Cannot import class\.zip: it is not a zip file"):
        cs.import_(b"PK\x03\x04 not really", "class.zip")
    assert cs.count() == 6


# the command line: the same engine, one line per problem


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    from mnist_demo import cli

    try:
        code = cli.main(list(args))
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_add_stats_export_import(tmp_path, capsys):
    db, copy = tmp_path / "class.db", tmp_path / "copy.db"
    seven, scan = tmp_path / "seven.png", tmp_path / "scan.png"
    drawing(7).save(seven)
    drawing(7, ink=20, paper=235, box=(0.2, 0.1, 0.9, 0.9)).save(scan)  # dark on light: read as `predict` reads it
    code, out, _ = run_cli(capsys, "class", "add", "--db", str(db), "--label", "7", "--writer", "t-1", str(seven))
    assert code == 0 and out.startswith("Added 1 digit labelled 7")
    code, out, _ = run_cli(capsys, "class", "add", "--db", str(db), "--label", "7", str(scan), str(seven))
    assert code == 0 and "Added 1 digit labelled 7 (1 already there)" in out
    assert np.array_equal(ClassSet(db).images().images[0], np.rint(to_mnist(seven) * 255).astype(np.uint8))

    code, out, _ = run_cli(capsys, "class", "stats", "--db", str(db), "--json")
    stats = json.loads(out)
    assert code == 0 and stats == {"count": 2, "per_digit": {**{str(d): 0 for d in range(10)}, "7": 2},
                                   "writers": 2}

    assert run_cli(capsys, "class", "export", "--db", str(db), "--format", "idx", str(tmp_path / "idx"))[0] == 0
    assert list(idx.read(tmp_path / "idx" / classset.IDX_LABELS, idx.LABELS)) == [7, 7]
    assert run_cli(capsys, "class", "export", "--db", str(db), "--format", "zip", str(tmp_path / "c.zip"))[0] == 0
    code, out, _ = run_cli(capsys, "class", "import", "--db", str(copy), str(tmp_path / "c.zip"))
    assert code == 0 and "2 digits added, 0 already" in out
    code, out, _ = run_cli(capsys, "class", "import", "--db", str(copy), str(tmp_path / "idx"))
    assert code == 0 and "0 digits added, 2 already" in out
    assert shas(ClassSet(copy)).keys() == shas(ClassSet(db)).keys()


@pytest.mark.parametrize("args, message, code", [
    (["add", "--label", "12", "IMG"], "--label: must be a digit from 0 to 9, not '12'", 2),
    (["add", "--label", "3", "--writer", "Ada Lovelace", "IMG"], "is not allowed", 2),
    (["add", "--label", "3", "TEXT"], "cannot read this image", 1),
    (["add", "--label", "3", "BLANK"], "nothing to add", 1),
    (["stats", "--db", "NOTDB"], "is not a class-set database", 2),
    (["import", "EVIL"], "points outside the archive", 2),
    (["import", "TEXT"], "is not a zip file", 2),
    (["export", "--format", "idx", "TEXT"], "give a folder", 2),
])
def test_cli_bad_input_one_line_and_nothing_lost(tmp_path, capsys, args, message, code):
    db = tmp_path / "class.db"
    filled(db, 3)
    drawing(4).save(tmp_path / "img.png")
    Image.new("L", (50, 50), 0).save(tmp_path / "blank.png")
    (tmp_path / "text.png").write_text("not a picture")
    (tmp_path / "not.db").write_text("not a database " * 50)
    evil = good_zip(tmp_path / "evil.zip", {"../../x.png": png_bytes(Image.fromarray(digit(9)))})
    paths = {"IMG": tmp_path / "img.png", "TEXT": tmp_path / "text.png", "BLANK": tmp_path / "blank.png",
             "NOTDB": tmp_path / "not.db", "EVIL": evil}
    argv = ["class", args[0], *(str(paths.get(a, a)) for a in args[1:])]
    if "--db" not in argv:
        argv[2:2] = ["--db", str(db)]
    got, out, err = run_cli(capsys, *argv)
    assert got == code and message in err and err.count("\n") == 1 and "Traceback" not in err
    assert ClassSet(db).count() == 3 and (tmp_path / "not.db").read_text() == "not a database " * 50
