"""The Chinese catalogue covers every string the web layer translates, with the same placeholders."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from mnist_demo.web.zh import ERRORS, ZH

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("t", "tr")  # tr where a module already has a `t` (a Trace)
SOURCES = [ROOT / "app.py", *sorted((ROOT / "mnist_demo" / "web").rglob("*.py"))]


def translated() -> dict[str, str]:
    """Every t("...") in the web layer: {English text: where}."""
    found = {}
    for path in SOURCES:
        tree = ast.parse(path.read_text(), str(path))
        tables = {target.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                  for target in node.targets if isinstance(target, ast.Name) and isinstance(node.value, ast.Dict)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in NAMES and node.args:
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                first = node.args[0]
                if isinstance(first, ast.Subscript) and isinstance(first.value, ast.Name) and first.value.id in tables:
                    texts = tables[first.value.id].values  # t(TABLE[key]): every value of a module's dict of texts
                else:
                    texts = [first]
                for text in texts:
                    assert isinstance(text, ast.Constant) and isinstance(text.value, str), \
                        f"{where}: t() needs a literal string (fill values in with t(text, name=value))"
                    found[text.value] = where
    return found


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_translated_string_has_its_chinese_with_known_placeholders():
    used = translated()
    assert len(used) >= 40, "the scan found too few t() calls: is it still looking in the right place?"
    missing = [f"{where}: {text!r}" for text, where in used.items() if text not in ZH]
    assert not missing, "no Chinese for:\n" + "\n".join(missing)
    for english, chinese in ZH.items():
        # Chinese may leave out a placeholder (an English plural "s"), never add one
        assert fields(chinese) <= fields(english), f"unknown placeholder: {english!r} -> {chinese!r}"
        assert re.search(r"[\u4e00-\u9fff]", chinese) or english == chinese, f"not Chinese: {chinese!r}"


def test_engine_messages_come_out_in_chinese():
    from mnist_demo.web.canvas import checked_png

    for url in ("data:text/plain,hello", "data:image/png;base64,!!!"):
        try:
            checked_png(url, 280, 280)
        except Exception as exc:  # noqa: BLE001 - the message is what is checked
            message = str(exc)
        chinese = next((zh.format(*m.groups()) for p, zh in ERRORS if (m := re.search(p, message))), None)
        assert chinese is not None and re.search(r"[\u4e00-\u9fff]", chinese), f"untranslated: {message!r}"


# --- engine tables and engine messages on the other pages ------------------------------------------------------------

def engine_table_texts() -> list[str]:
    """What the pages show through term(): the handwriting styles' names and descriptions (the Model page's table),
    each step of the network, in a word or two and in a sentence (the Model page's picture), and Fashion-MNIST's
    class names (KMNIST's are hiragana in romaji: names)."""
    from mnist_demo.data import CLASS_NAMES
    from mnist_demo.handwriting.styles import STYLES

    tree = ast.parse((ROOT / "mnist_demo" / "insight" / "architecture.py").read_text())
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Stage"]
    steps = [arg.value for node in calls for arg in node.args[2:4] if isinstance(arg, ast.Constant) and arg.value]
    clothes = CLASS_NAMES["fashion-mnist"]  # a class's name on every page when the class model learned clothes
    return [*(s.name for s in STYLES.values()), *(s.description for s in STYLES.values()), *steps, *clothes]


def test_the_engine_tables_the_pages_show_have_their_chinese():
    texts = engine_table_texts()
    assert len(texts) >= 70, "found too few styles or network steps: is the scan still looking in the right place?"
    missing = [text for text in texts if text not in ZH]
    assert not missing, "no Chinese for:\n" + "\n".join(missing)


KEPT = {"MNIST", "IDX", "PNG", "JPEG", "CSV", "ZIP", "SGD", "Adam", "OSError", "UnpicklingError", "MB", "gzip", "zip",
        "mnist", "demo", "gunzip", "NaN", "MNIST_DEMO_DATA_DIR", "MNIST_DEMO_CLASS_DB", "SQLite", "magic", "nan"}


def english_words(text: str, *names: str) -> list[str]:
    """Words of three letters or more left in `text`, once paths (`...`, /...), `names`, KEPT and exception names
    are left out."""
    for known in names:
        text = text.replace(known, "")
    text = re.sub(r"`[^`]*`|\S*/\S*", "", text)
    return [w for w in re.findall(r"[A-Za-z][A-Za-z0-9_]{2,}", text) if w not in KEPT and not w.endswith("Error")]


@pytest.fixture
def chinese(monkeypatch):
    """i18n.error as a Chinese session gets it."""
    from mnist_demo.web import i18n

    monkeypatch.setattr(i18n, "language", lambda: "zh")
    return i18n.error


def raised(action, *args, **kwargs) -> Exception:
    with pytest.raises(Exception) as caught:
        action(*args, **kwargs)
    return caught.value


def test_the_engine_messages_the_other_pages_show_come_out_in_chinese(chinese, tmp_path, offline):
    """Real messages from the class set, an import, fine-tuning, the dataset, a checkpoint, a run and the settings:
    each in Chinese, with no English left but names and what the user gave (file and member names)."""
    import io
    import zipfile

    import numpy as np

    from mnist_demo import checkpoint
    from mnist_demo.classset import ClassSet, Images
    from mnist_demo.data import load_split
    from mnist_demo.train import finetune
    from mnist_demo.train.loop import exploded, stuck
    from mnist_demo.train.recipes import TrainConfig

    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"this is no database" * 100)
    cs = ClassSet(tmp_path / "class.db")
    bad_member = io.BytesIO()
    with zipfile.ZipFile(bad_member, "w") as zf:
        zf.writestr("7/a.png", b"hello")
    (tmp_path / "data" / "MNIST" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "MNIST" / "raw" / "train-images-idx3-ubyte").write_bytes(b"")
    (tmp_path / "data" / "MNIST" / "raw" / "train-labels-idx1-ubyte").write_bytes(b"")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    config = TrainConfig(lr=3.0, optimizer="sgd")
    few = Images(np.zeros((3, 28, 28), np.uint8), np.zeros(3, np.int64), ["s-a"] * 3, [1, 2, 3], np.zeros(3, np.int64))
    messages = [
        raised(ClassSet, damaged).public,
        str(raised(ClassSet, damaged)),
        str(raised(cs.import_, b"not a zip", "class.zip")),
        str(raised(cs.import_, bad_member.getvalue(), "class.zip")),
        str(raised(cs.delete, 1, False)),
        str(raised(finetune.split_by_writer, ["s-a", "s-a"])),
        str(raised(finetune.plan, few, None)),
        raised(load_split, "mnist", True, tmp_path / "nothing").public,
        raised(load_split, "mnist", True, tmp_path / "data").public,
        str(raised(checkpoint.load, tmp_path / "junk.pt")),
        exploded(config, float("nan"), 1, 12),
        exploded(config, 40.0, 1, 12),
        stuck(config, 2.31, 0.1, "at epoch 1, batch 300,"),
        stuck(config, 2.31, 0.1, "after epoch 1, on the test set,"),
        str(raised(TrainConfig(batch_size=512).check_against, 100)),
    ]
    for message in messages:
        out = chinese(message)
        assert re.search(r"[\u4e00-\u9fff]", out), f"untranslated: {message!r}"
        left = english_words(out, str(tmp_path), "class.zip", "7/a.png", "junk.pt", "train-images-idx3-ubyte",
                             "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
        assert not left, f"English left in {out!r} (from {message!r}): {left}"
