"""Sentences for people as message ids and parameters, so that each face words them in its own language.

`N_("...")` marks a message id where it is written (`pybabel extract -k N_` finds it; `make messages`); it returns
the text unchanged. `Message(N_("epochs must be at least 1, not {epochs}"), epochs=0)` is that sentence as a str,
in English (what the command line prints), that also keeps its id and its parameters: a web page looks the id up in
its language's catalogue (mnist_demo/locale) and fills the parameters in after, one that is itself a Message (or a
UserError) in its turn. Placeholders are str.format fields, named: a translation may move them. A `Name` (a
run's, a model's) comes in parts for the same reason: a page words each part, nothing parses the English back.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

LANGUAGES = {"en": "English", "zh": "中文"}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "mnist_demo"


def N_(message: str) -> str:
    """Mark `message` as a message id (for extraction); it is returned unchanged."""
    return message


class Message(str):
    """The English sentence (this str) with its id and parameters: `.id`, `.params`. The id is filled in only when
    there are parameters, as gettext's users do: an id without any may hold braces of its own."""

    id: str
    params: dict[str, object]

    def __new__(cls, id: str, /, **params: object) -> Message:
        self = super().__new__(cls, id.format(**params) if params else id)
        self.id, self.params = id, params
        return self

    def __repr__(self) -> str:
        return f"Message({self.id!r}{''.join(f', {k}={v!r}' for k, v in self.params.items())})"


class Clause(Message):
    """A message that stands inside another sentence: the same id and parameters, without its full stop (in English
    here; a page drops its language's stop after translating)."""

    def __new__(cls, message: Message) -> Clause:
        self = str.__new__(cls, str(message).rstrip("."))
        self.id, self.params = message.id, message.params
        return self

    def __reduce__(self) -> tuple:
        return Clause, (Message(self.id, **self.params),)


class Name(str):
    """What people read of a run or a model: the English (this str), "Run 5 · Fast · Adam 0.016 · 99.1 %", and its
    `.parts`, each a Message (a word a page translates, "Run {n}", "Fast") or a str that stays as it is (a dataset,
    "Adam 0.016", "99.1 %"); a page joins the parts in its language (mnist_demo.web.i18n.name)."""

    parts: tuple[str, ...]

    def __new__(cls, parts: tuple[str, ...]) -> Name:
        self = super().__new__(cls, " · ".join(parts))
        self.parts = tuple(parts)
        return self

    def __reduce__(self) -> tuple:
        return Name, (self.parts,)


@functools.cache
def catalogue(lang: str) -> gettext.NullTranslations:
    """The translations of `lang` (mnist_demo/locale/LANG/LC_MESSAGES/mnist_demo.po), compiled in memory once per
    process, so no compiled file can drift from the .po; English: the ids themselves. One object per language,
    shared by every session of a server: never gettext.install(), which is global."""
    if lang == "en":
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo  # Babel only where a translation is needed
    from babel.messages.pofile import read_po

    with open(LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as f:
        po = read_po(f, locale=lang, domain=DOMAIN)
    mo = io.BytesIO()
    write_mo(mo, po)  # leaves out fuzzy and untranslated entries: those show in English
    mo.seek(0)
    return gettext.GNUTranslations(mo)
