"""Guess first: a question the class answers on their phones before the app shows the answer, and their answers.

Three come with the lesson, each tied to its step, and built from the current settings: "what will the network
read?" (a drawing on the projector; students tap a digit; the answer is the network's reading), "what shape comes
out of conv1?" (four shapes, one of them the network's own), "will this learning rate learn?" (yes or no; the run
shows it). The teacher can write one of their own: a text and two to six choices, shown as plain text.

Answers are kept in the class's SQLite file (the class set's, mnist_demo.classset), one per browser per question
(answering again replaces the answer), with the time, anonymous unless a student gave a name.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mnist_demo.classset import ClassSet
from mnist_demo.errors import ClassSetError
from mnist_demo.messages import N_, Message
from mnist_demo.network.spec import plan
from mnist_demo.train.recipes import TrainConfig

MAX_TEXT = 300  # characters of a teacher's question
MAX_CHOICE = 80  # characters of one of its choices
MIN_CHOICES, MAX_CHOICES = 2, 6
MAX_NAME = 40
DIGITS = tuple(str(d) for d in range(10))


@dataclass(frozen=True)
class Question:
    """One question. `kind`: "digit" (tap 0-9), "choice" or "yesno". `answer`: the right choice's index, or None
    until the lesson reveals it (the network's reading, the run's outcome). Built-in texts are message ids (a page
    shows them in its language); a teacher's are their own words (`custom`), shown as they were typed."""

    id: str
    step: str
    kind: str
    text: str
    choices: tuple[str, ...]
    answer: int | None = None
    custom: bool = False


def _shape(shape: tuple[int, ...]) -> str:
    return " × ".join(map(str, shape))


def shape_question(config: TrainConfig) -> Question:
    """What shape comes out of the first layer: its true shape and three a student might guess."""
    layers = plan(config.arch)
    first = layers[0]
    out = first.output_shape
    if len(out) == 3:
        c, h, w = out
        wrong: list[tuple[int, ...]] = [(c, 28, 28), (1, h, w), (c, h // 2, w // 2) if h > 1 else (c * 2, h, w)]
    else:
        wrong = [(out[0] * 2,), (28 * 28,), (out[0], 28)]
    options = sorted({_shape(out), *(_shape(s) for s in wrong)})
    return Question("shape", "network", "choice", Message(N_("What shape comes out of {layer}?"), layer=first.name),
                    tuple(options), options.index(_shape(out)))


def builtin_questions(config: TrainConfig) -> list[Question]:
    """The lesson's own questions for the teacher's current settings, in the order of the steps."""
    return [
        Question("read", "data", "digit", Message(N_("What will the network read in the drawing on the projector?")),
                 DIGITS),
        shape_question(config),
        Question("learns", "training", "yesno", Message(N_("Will a learning rate of {lr} with {optimizer} learn?"),
                                                        lr=f"{config.lr:g}", optimizer=config.optimizer),
                 (Message(N_("Yes")), Message(N_("No")))),
    ]


def custom_question(number: int, step: str, text: str, choices: list[str]) -> Question:
    """A teacher's own question, checked: a text and two to six different choices, none empty."""
    text = " ".join(str(text).split())
    cleaned = [" ".join(str(c).split()) for c in choices]
    cleaned = [c for c in cleaned if c]
    if not text:
        raise ClassSetError(N_("Write the question first."))
    if len(text) > MAX_TEXT:
        raise ClassSetError(N_("The question has {n} characters; keep it to {most}."), n=len(text), most=MAX_TEXT)
    if not MIN_CHOICES <= len(cleaned) <= MAX_CHOICES:
        raise ClassSetError(N_("A question needs 2 to 6 choices, not {n}."), n=len(cleaned))
    if len(set(cleaned)) != len(cleaned):
        raise ClassSetError(N_("Two choices are the same: each choice must differ."))
    if any(len(c) > MAX_CHOICE for c in cleaned):
        raise ClassSetError(N_("A choice has more than {most} characters; keep each short."), most=MAX_CHOICE)
    return Question(f"custom-{number}", step, "choice", text, tuple(cleaned), None, custom=True)


class Answers:
    """The class's answers in the class set's SQLite file: one row per browser per question (its latest answer)."""

    SCHEMA = ("CREATE TABLE IF NOT EXISTS answers (asked TEXT NOT NULL, browser TEXT NOT NULL, choice INTEGER NOT "
              "NULL, name TEXT, created REAL NOT NULL, PRIMARY KEY (asked, browser))")

    def __init__(self, path: str | Path, timeout: float = 5.0) -> None:
        self.path, self.timeout = Path(path), timeout
        ClassSet(self.path, timeout=timeout)  # the class set's schema first: it refuses a new file with other tables
        with self._connect() as db:
            db.execute(self.SCHEMA)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=self.timeout)
        except (OSError, sqlite3.Error) as exc:
            raise ClassSetError(N_("The class's answers cannot be kept in {path}: {why}."), path=self.path.name,
                                why=str(exc)) from None
        try:
            with db:
                yield db
        except sqlite3.Error as exc:
            raise ClassSetError(N_("The class's answers cannot be kept in {path}: {why}."), path=self.path.name,
                                why=str(exc)) from None
        finally:
            db.close()

    def answer(self, asked: str, browser: str, choice: int, choices: int, name: str | None = None) -> None:
        """Keep `browser`'s answer to the question asked as `asked` (a new asking of a question is a new `asked`)."""
        if not 0 <= int(choice) < choices:
            raise ClassSetError(N_("There is no choice {n} to this question."), n=choice)
        name = " ".join(str(name).split())[:MAX_NAME] if name else None
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?)", (asked, browser[:64], int(choice),
                                                                                 name or None, time.time()))

    def counts(self, asked: str, choices: int) -> list[int]:
        """How many browsers chose each choice."""
        counts = [0] * choices
        with self._connect() as db:
            for choice, n in db.execute("SELECT choice, COUNT(*) FROM answers WHERE asked = ? GROUP BY choice",
                                        (asked,)):
                if 0 <= choice < choices:
                    counts[choice] = n
        return counts

    def mine(self, asked: str, browser: str) -> int | None:
        with self._connect() as db:
            row = db.execute("SELECT choice FROM answers WHERE asked = ? AND browser = ?", (asked, browser)).fetchone()
        return None if row is None else int(row[0])
