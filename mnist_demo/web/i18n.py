"""The app's languages: English (the strings in the code) and Simplified Chinese (mnist_demo.web.zh).

`t("Pen width")` is the text in this session's language; `t("Epoch {n} of {total}", n=1, total=5)` fills in after
translating, so a catalogue entry keeps its placeholders. The language follows the browser (st.context.locale),
the sidebar's switch changes it, and ?lang=zh or ?lang=en forces it. A string missing from the catalogue shows in
English; tests/test_i18n.py finds every t("...") in the web layer and fails on one without its Chinese.

The engine's error messages are English f-strings: `error()` translates the ones a page can show through a table
of patterns (zh.ERRORS, with zh_pages.ERRORS_PAGES) and falls back to the English message. `term()` looks up a text
from an engine table (a handwriting style, a step of the network) in the same catalogue.
"""

from __future__ import annotations

import re

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from mnist_demo.web.zh import ERRORS, NAME_WORDS, ZH

LANGUAGES = {"en": "English", "zh": "中文"}


def language() -> str:
    """"zh" or "en" for this session; English outside a running app (a chart built by a script or a test)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return "en"
    forced = st.query_params.get("lang")
    if forced in LANGUAGES:
        st.session_state["lang"] = forced
    if st.session_state.get("lang") not in LANGUAGES:
        locale = st.context.locale
        st.session_state["lang"] = "zh" if isinstance(locale, str) and locale.lower().startswith("zh") else "en"
    return st.session_state["lang"]


def t(text: str, /, **values) -> str:
    """`text` in this session's language, with `values` filled in."""
    if language() == "zh":
        text = ZH.get(text, text)
    return text.format(**values) if values else text


def term(text: str) -> str:
    """A text from one of the engine's tables (a handwriting style's name or description, a step of the network) in
    this session's language: the same catalogue as t(); tests/test_i18n.py checks that each of those tables' texts
    has its Chinese."""
    return ZH.get(text, text) if language() == "zh" else text


def class_names(classes: list[str]) -> list[str]:
    """A dataset's class names (digits, clothes, hiragana in romaji) in this session's language."""
    return [term(c) for c in classes]


def error(message: str) -> str:
    """An engine message (English) in this session's language."""
    if language() != "zh":
        return message
    for pattern, chinese in ERRORS:
        found = re.search(pattern, message)
        if found:  # a part that is itself an engine message (why an imported file was refused) in its turn
            return chinese.format(*(error(g) if g and len(g) < len(message) else g or "" for g in found.groups()))
    return message


def name(text: str) -> str:
    """A run's or model's name ("Run 5 · Fast · Adam 0.016 · 99.1 %", "Shipped model") in this session's language:
    its words translated one by one, numbers and optimizer names kept."""
    if language() != "zh":
        return text
    return " · ".join(_name_word(word) for word in text.split(" · "))


def _name_word(word: str) -> str:
    for pattern, chinese in NAME_WORDS:
        found = re.fullmatch(pattern, word)
        if found:
            return chinese.format(*found.groups())
    return word


def switch() -> None:
    """The sidebar's language switch; a choice made here also drops a ?lang= that forced the other language."""
    current = language()

    def changed() -> None:
        if st.session_state.get("lang_switch") in LANGUAGES:  # None: the selected button pressed again
            st.session_state["lang"] = st.session_state["lang_switch"]
            st.query_params.pop("lang", None)

    st.segmented_control("Language · 语言", list(LANGUAGES), default=current, format_func=LANGUAGES.__getitem__,
                         key="lang_switch", on_change=changed, label_visibility="collapsed")
