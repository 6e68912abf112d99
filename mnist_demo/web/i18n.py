"""The app's languages: English (the message ids, in the code) and Simplified Chinese (a gettext catalogue).

Translations are data: mnist_demo/locale/zh/LC_MESSAGES/mnist_demo.po, one entry per message id, extracted from the
code by Babel (`make messages`: pybabel extract, update, and a check that it compiles). The .po is compiled in
memory the first time a session needs the language (one GNUTranslations per language and process, shared by the
sessions: never gettext.install(), which is global), so no compiled file can drift from it.

`t("Pen width")` is the text in this session's language; `t("Epoch {n} of {total}", n=1, total=5)` fills in after
translating, so a translation keeps (and may move) its placeholders. `tn("{n} digit", "{n} digits", n)` picks the
plural form the language needs. The language follows the browser (st.context.locale), the sidebar's switch changes
it, and ?lang=zh or ?lang=en forces it. An id missing from the catalogue shows in English; tests/test_i18n.py fails
on one, and on a translation whose placeholders differ from its id's.

The engine words nothing itself for the pages: its errors and messages are mnist_demo.messages.Message (an id and
its parameters), and `error()` translates the id, then fills in the parameters, translating one that is itself a
message in its turn. Run and model names come in parts (mnist_demo.messages.Name) that `name()` words. `term()`
looks up a text marked N_ in a table (a handwriting style, a step of the network, a recipe).
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from mnist_demo.errors import UserError
from mnist_demo.messages import LANGUAGES, Clause, Message, Name, catalogue


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


def t(text: str, /, **values: object) -> str:
    """`text` in this session's language, with `values` filled in."""
    text = catalogue(language()).gettext(text)
    return text.format(**values) if values else text


def tn(singular: str, plural: str, n: int, /, **values: object) -> str:
    """The form of `singular`/`plural` that `n` takes in this session's language, with `n` and `values` filled in."""
    return catalogue(language()).ngettext(singular, plural, n).format(n=n, **values)


def term(text: str) -> str:
    """A text from a table (a handwriting style's name or description, a step of the network, a recipe), marked
    N_ where the table is written, in this session's language."""
    return catalogue(language()).gettext(text)


def class_names(classes: list[str]) -> list[str]:
    """A dataset's class names (digits, clothes, hiragana in romaji) in this session's language."""
    return [term(c) for c in classes]


def error(message: UserError | Message | Name | str) -> str:
    """An engine error or message in this session's language: its id translated, then its parameters filled in
    (a message, error or name among them in its turn). A plain str (what a user gave, a file name) is itself."""
    if isinstance(message, UserError):
        message = message.public
    if isinstance(message, Name):
        return name(message)
    if not isinstance(message, Message):
        return str(message)
    text = catalogue(language()).gettext(message.id)
    if message.params:
        text = text.format(**{k: error(v) if isinstance(v, (UserError, Message, Name)) else v
                              for k, v in message.params.items()})
    return text.rstrip(".。") if isinstance(message, Clause) else text


def name(value: Name) -> str:
    """A run's or model's name ("Run 5 · Fast · Adam 0.016 · 99.1 %", "Shipped model") in this session's language,
    built from its parts."""
    return " · ".join(error(part) for part in value.parts)


def switch() -> None:
    """The sidebar's language switch; a choice made here also drops a ?lang= that forced the other language."""
    current = language()

    def changed() -> None:
        if st.session_state.get("lang_switch") in LANGUAGES:  # None: the selected button pressed again
            st.session_state["lang"] = st.session_state["lang_switch"]
            st.query_params.pop("lang", None)

    st.segmented_control("Language · 语言", list(LANGUAGES), default=current, format_func=LANGUAGES.__getitem__,
                         key="lang_switch", on_change=changed, label_visibility="collapsed")
