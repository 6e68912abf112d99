"""The Chinese catalogue covers every message id the code uses, with the same placeholders; the engine's errors and
messages, and the names of runs and models, come out in Chinese without any English text being parsed."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po

from mnist_demo import errors
from mnist_demo.messages import Clause, Message, Name
from mnist_demo.web import i18n

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "mnist_demo" / "locale"
KEYWORDS = {"N_": None, "t": None, "tr": None, "tn": (1, 2)}  # as the Makefile's `messages` extracts them
CJK = re.compile(r"[\u4e00-\u9fff]")
NAMES = {"Adam", "SGD", "ReLU", "Softmax", "softmax", "sigmoid", "tanh", "Dropout", "LeNet", "Apple", "GPU", "mps",
         "cuda"}  # what Chinese text keeps as is


def extracted() -> dict[str | tuple[str, str], str]:
    """Every message id in the code, found as `pybabel extract` finds it: {id or (singular, plural): where}."""
    found = {}
    for path, line, message, _, _ in extract_from_dir(ROOT / "mnist_demo", keywords=KEYWORDS, comment_tags=()):
        found.setdefault(message, f"mnist_demo/{path}:{line}")
    for line, message, _, _ in extract_from_file("python", ROOT / "app.py", keywords=KEYWORDS):
        found.setdefault(message, f"app.py:{line}")
    return found


def catalogue(name: str):
    with open(name, "rb") as f:
        return read_po(f, locale="zh" if name.endswith(".po") else None)


@pytest.fixture(scope="module")
def used() -> dict:
    found = extracted()
    assert len(found) >= 500, "extraction found too few message ids: is it still looking in the right place?"
    return found


@pytest.fixture(scope="module")
def chinese_po():
    return catalogue(str(LOCALE / "zh" / "LC_MESSAGES" / "mnist_demo.po"))


def fields(text: str) -> list[tuple[str, str, str]]:
    """The placeholders of a str.format template: (name, conversion, format spec), sorted."""
    return sorted((name, conversion or "", spec or "") for _, name, spec, conversion in string.Formatter().parse(text)
                  if name is not None)


def test_every_message_id_in_the_code_has_its_chinese(used, chinese_po):
    missing = []
    for message_id, where in used.items():
        entry = chinese_po.get(message_id[0] if isinstance(message_id, tuple) else message_id)
        if entry is not None and isinstance(message_id, tuple) and tuple(entry.id) != message_id:
            entry = None  # the plural changed: the catalogue's forms are for another
        forms = () if entry is None or entry.fuzzy else (entry.string if entry.pluralizable else (entry.string,))
        if not forms or not all(forms):
            missing.append(f"{where}: {message_id!r}")
    assert not missing, "no Chinese (run `make messages`, then translate) for:\n" + "\n".join(missing)


def test_the_template_lists_the_code_s_message_ids(used):
    """mnist_demo.pot is what `make messages` extracts now: an id added, changed or dropped in the code without it
    shows up here."""
    template = {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalogue(str(LOCALE / "mnist_demo.pot"))
                if m.id}
    assert template == set(used), "run `make messages`"


def test_extraction_sees_every_message_id_the_code_passes(used):
    """A call that pybabel does not see (t() inside an f-string, inside another t()'s arguments) would show English
    whatever the catalogue holds: every literal id given to t, tr, tn or N_ is among the extracted ones, and every
    one of those calls is given literal ids (values are filled in with t(text, name=value))."""
    unseen, computed = [], []
    for path in [ROOT / "app.py", *sorted((ROOT / "mnist_demo").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS):
                continue
            args = node.args[:2] if node.func.id == "tn" else node.args[:1]
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if not args or not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
                computed.append(where)
            elif (tuple(a.value for a in args) if len(args) == 2 else args[0].value) not in used:
                unseen.append(f"{where}: {args[0].value!r}")
    assert not unseen, "pybabel does not extract these (take the call out of the f-string or call):\n" + "\n".join(
        unseen)
    assert not computed, "a message id that is not a literal (use term() for a text marked N_):\n" + "\n".join(
        computed)


def test_every_translation_keeps_its_placeholders_and_markup(chinese_po):
    """A translation has exactly the placeholders of its id (name, conversion and format), in every plural form;
    Markdown emphasis and code spans as many times; no HTML in ids; Chinese words, unless it is only names."""
    checked = 0
    for entry in chinese_po:
        if not entry.id:
            continue
        ids = [entry.id] if isinstance(entry.id, str) else list(entry.id)
        forms = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        assert not re.search(r"</?[a-zA-Z][^>]*>", " ".join(ids)), f"HTML in a message id: {ids[0]!r}"
        for form in forms:
            assert fields(form) == fields(ids[-1]), f"placeholders differ: {ids[-1]!r} -> {form!r}"
            for mark in ("**", "`"):
                assert form.count(mark) == ids[-1].count(mark), f"{mark} differs: {ids[-1]!r} -> {form!r}"
            words = set(re.findall(r"[A-Za-z]{3,}", re.sub(r"\{[^{}]*\}", "", form)))
            assert CJK.search(form) or words <= NAMES, f"not Chinese: {ids[0]!r} -> {form!r}"
        checked += 1
    assert checked >= 500
    problems = [(m.id, errs) for m, errs in chinese_po.check() if errs]  # Babel's own checkers
    assert not problems, problems


MARKED = {"refuse": 2, "file_error": 0, "located": 0, "Message": 0}  # helpers whose argument is a message id


def test_an_engine_error_is_raised_with_a_marked_message_id():
    """A UserError (any kind) and the helpers that build one get their message as N_("...") or a name bound to one:
    never an English sentence built in place (an f-string, a literal, a concatenation), which no catalogue holds."""
    kinds = {name for name, value in vars(errors).items() if isinstance(value, type)
             and issubclass(value, errors.UserError)}
    bad = []
    for path in sorted((ROOT / "mnist_demo").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            at = 0 if node.func.id in kinds else MARKED.get(node.func.id)
            if at is None or len(node.args) <= at:
                continue
            template = node.args[at]
            branches = [template.body, template.orelse] if isinstance(template, ast.IfExp) else [template]
            if any(isinstance(b, (ast.Constant, ast.JoinedStr, ast.BinOp)) for b in branches):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not bad, "a message built in place, not marked N_:\n" + "\n".join(bad)


# --- the runtime: one catalogue per language, ids translated, then filled in --------------------------------------

@pytest.fixture
def zh(monkeypatch):
    """What a Chinese session gets."""
    monkeypatch.setattr(i18n, "language", lambda: "zh")
    return i18n


def test_plurals_take_the_form_the_number_needs(zh, monkeypatch):
    assert zh.tn("{n} digit", "{n} digits", 1) == "1 个" and zh.tn("{n} digit", "{n} digits", 7) == "7 个"
    monkeypatch.setattr(i18n, "language", lambda: "en")
    assert [i18n.tn("{n} digit", "{n} digits", n) for n in (0, 1, 2)] == ["0 digits", "1 digit", "2 digits"]


def test_an_error_is_translated_then_filled_in_with_its_parameters_in_their_turn(zh):
    inner = errors.UnreadableImage(Message("it is all black"))
    outer = errors.ClassSetError("Cannot import {src}: {member} cannot be read: {why}; nothing was imported.",
                                 src="class.zip", member="7/a.png", why=inner)
    assert str(outer) == "Cannot import class.zip: 7/a.png cannot be read: it is all black; nothing was imported."
    assert zh.error(outer) == "无法导入 class.zip：无法读取 7/a.png：它全是黑色；没有导入任何内容。"
    clause = errors.ClassSetError("Cannot import {src}: {member} cannot be used: {why}; nothing was imported.",
                                  src="class.zip", member="7/a.png", why=Clause(errors.ClassSetError(
                                      "The image is empty (all black): draw a digit before saving it.").message))
    assert str(clause).endswith("draw a digit before saving it; nothing was imported.")  # one full stop, English
    assert zh.error(clause).endswith("请先写一个数字再保存；没有导入任何内容。")  # and Chinese
    assert zh.error("a file name") == "a file name"  # what a user gave is shown as it is
    assert zh.t("An id no catalogue holds, {x}", x=1) == "An id no catalogue holds, 1"  # English, never a crash


def test_a_run_s_name_is_built_in_the_page_s_language(zh):
    name = Name((Message("Run {n}", n=5), Message("Fast"), "Adam 0.016", "99.1 %"))
    assert str(name) == "Run 5 · Fast · Adam 0.016 · 99.1 %"
    assert zh.name(name) == "第 5 次训练 · 快速 · Adam 0.016 · 99.1 %"
    assert zh.error(errors.NotAllowed("{run} is still going: stop it first.", run=name)) == \
        "第 5 次训练 · 快速 · Adam 0.016 · 99.1 % 还在进行：请先停止它。"


def test_each_language_has_one_catalogue_shared_by_every_session():
    assert i18n.catalogue("zh") is i18n.catalogue("zh")
    assert i18n.catalogue("zh").gettext("Pen width") == "笔画粗细"
    assert i18n.catalogue("en").gettext("Pen width") == "Pen width"


def test_engine_messages_come_out_in_chinese(zh):
    from mnist_demo.web.canvas import checked_png

    for url in ("data:text/plain,hello", "data:image/png;base64,!!!"):
        with pytest.raises(errors.UnreadableImage) as caught:
            checked_png(url, 280, 280)
        assert CJK.search(zh.error(caught.value)), f"untranslated: {caught.value}"


# --- engine tables and engine messages on the other pages ------------------------------------------------------------

def engine_table_texts() -> list[str]:
    """What the pages show through term(): the handwriting styles' names and descriptions (the Model page's table),
    each step of the network, in a word or two and in a sentence (the Model page's picture), and Fashion-MNIST's
    class names (KMNIST's are hiragana in romaji: names)."""

    from mnist_demo.data import CLASS_NAMES
    from mnist_demo.handwriting.styles import STYLES

    clothes = CLASS_NAMES["fashion-mnist"]  # a class's name on every page when the class model learned clothes
    return [*(s.name for s in STYLES.values()), *(s.description for s in STYLES.values()), *clothes]


def network_step_texts() -> list:
    """Each step of every preset network, in a word or two and in a sentence (the Model page's picture, the shapes
    walked through): messages with their parameters."""
    import numpy as np

    from mnist_demo.insight.architecture import stages
    from mnist_demo.insight.forward import trace
    from mnist_demo.network import PRESETS, Net

    image = np.zeros((28, 28), np.float32)
    return [m for spec in PRESETS.values() for s in stages(trace(Net(spec).eval(), image)) for m in (*s.op, *s.made_by)]


def test_the_engine_tables_the_pages_show_have_their_chinese(zh):
    texts = engine_table_texts()
    assert len(texts) >= 60, "found too few styles: is the scan still looking in the right place?"
    missing = [text for text in texts if not CJK.search(zh.term(text))]
    steps = network_step_texts()
    assert len(steps) >= 60, "found too few network steps: is the scan still looking in the right place?"
    missing += [str(m) for m in steps if not CJK.search(zh.error(m)) and m.id not in ("ReLU", "softmax", "sigmoid",
                                                                                         "tanh")]
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


def raised(action, *args, **kwargs) -> errors.UserError:
    with pytest.raises(errors.UserError) as caught:
        action(*args, **kwargs)
    return caught.value


def test_the_engine_messages_the_other_pages_show_come_out_in_chinese(zh, tmp_path, offline):
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
        raised(ClassSet, damaged),
        raised(cs.import_, b"not a zip", "class.zip"),
        raised(cs.import_, bad_member.getvalue(), "class.zip"),
        raised(cs.delete, 1, False),
        raised(finetune.split_by_writer, ["s-a", "s-a"]),
        raised(finetune.plan, few, None),
        raised(load_split, "mnist", True, tmp_path / "nothing"),
        raised(load_split, "mnist", True, tmp_path / "data"),
        raised(checkpoint.load, tmp_path / "junk.pt"),
        exploded(config, float("nan"), 1, 12),
        exploded(config, 40.0, 1, 12),
        stuck(config, 2.31, 0.1, 1, 300),
        stuck(config, 2.31, 0.1, 1),
        raised(TrainConfig(batch_size=512).check_against, 100),
    ]
    for message in messages:
        out = zh.error(message)
        assert CJK.search(out), f"untranslated: {message}"
        left = english_words(out, str(tmp_path), "class.zip", "7/a.png", "junk.pt", "train-images-idx3-ubyte",
                             "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
        assert not left, f"English left in {out!r} (from {message}): {left}"
