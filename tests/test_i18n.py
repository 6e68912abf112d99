"""The Chinese catalogue covers every string the web layer translates, with the same placeholders."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

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
