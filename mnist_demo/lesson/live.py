"""Where the class is: the page and step the teacher leads, whether students follow, and the question asked.

One `Lesson` serves every session of a server (the web face keeps one per process, beside the runs). Only the
teacher moves it: a student's page asks it where to be and goes there within a second, but nothing a student sends
moves anybody (the server checks who asks, as the runs do). `version` grows with every change, so a student's page
learns it is out of date by comparing one number, as it does for the runs.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, replace

import numpy as np

from mnist_demo.errors import ClassSetError, NotAllowed
from mnist_demo.lesson.questions import Answers, Question, builtin_questions, custom_question
from mnist_demo.lesson.steps import STEPS
from mnist_demo.messages import N_
from mnist_demo.train.recipes import TrainConfig

PAGES = ("train", "gallery", "draw", "classset", "evaluate", "model")


@dataclass(frozen=True)
class Asked:
    """A question as the class sees it: the n-th asking (answers are counted per asking), the drawing it is about
    (a "digit" question: 28 x 28 bytes), and the right choice once the teacher reveals it."""

    number: int
    question: Question
    image: np.ndarray | None = None
    revealed: int | None = None

    @property
    def key(self) -> str:
        return f"{self.number}:{self.question.id}"


class Lesson:
    def __init__(self, answers: Answers | None = None) -> None:
        self.answers = answers
        self._lock = threading.Lock()
        self._version = 0
        self.follow = False  # students' pages go where the teacher's is
        self.page = "train"
        self.step: int | None = None  # index into STEPS, or None before the teacher picks one
        self.asked: Asked | None = None
        self._custom: list[Question] = []
        self._numbers = itertools.count(1)

    @property
    def version(self) -> int:
        return self._version

    def _changed(self) -> None:
        with self._lock:
            self._version += 1

    @staticmethod
    def _require(teacher: bool, what: str) -> None:
        if not teacher:
            raise NotAllowed(what)

    # --- the teacher leads --------------------------------------------------------------------------------------
    def set_follow(self, follow: bool, teacher: bool) -> None:
        self._require(teacher, N_("Only the teacher can lead the class's screens."))
        if follow != self.follow:
            self.follow = bool(follow)
            self._changed()

    def teacher_on(self, page: str, teacher: bool) -> None:
        """The teacher's page is `page`: where followers go. A page outside the lesson's step leaves the step."""
        if not teacher or page not in PAGES or page == self.page:
            return
        self.page = page
        if self.step is not None and STEPS[self.step].page != page:
            self.step = None
        self._changed()

    def go_to_step(self, index: int, teacher: bool) -> None:
        self._require(teacher, N_("Only the teacher can move the lesson on."))
        if not 0 <= index < len(STEPS):
            raise ValueError(f"the lesson has steps 0 to {len(STEPS) - 1}, not {index}")
        self.step, self.page = index, STEPS[index].page
        self._changed()

    def where(self) -> tuple[str, int | None]:
        """(page, step) a follower should be on."""
        return self.page, self.step

    # --- guess first --------------------------------------------------------------------------------------------
    def questions(self, config: TrainConfig) -> list[Question]:
        """The lesson's questions for the teacher's settings, then the teacher's own."""
        return builtin_questions(config) + list(self._custom)

    def write_question(self, step: str, text: str, choices: list[str], teacher: bool) -> Question:
        self._require(teacher, N_("Only the teacher can write questions."))
        with self._lock:
            question = custom_question(len(self._custom) + 1, step, text, choices)
            self._custom.append(question)
        self._changed()
        return question

    def ask(self, question: Question, teacher: bool, image: np.ndarray | None = None) -> Asked:
        """Put `question` to the class (answers start from nothing: a new asking)."""
        self._require(teacher, N_("Only the teacher can ask the class."))
        if question.kind == "digit" and image is None:
            raise ClassSetError(N_("Draw a digit on the Draw page first: this question is about the drawing on the "
                                   "projector."))
        self.asked = Asked(next(self._numbers), question, None if image is None else np.array(image, np.uint8))
        self._changed()
        return self.asked

    def reveal(self, answer: int, teacher: bool) -> None:
        """Show the class the right choice (the question's own, the network's reading, the run's outcome)."""
        self._require(teacher, N_("Only the teacher can reveal the answer."))
        if self.asked is None:
            return
        if not 0 <= answer < len(self.asked.question.choices):
            raise ValueError(f"no choice {answer}")
        self.asked = replace(self.asked, revealed=answer)
        self._changed()

    def close(self, teacher: bool) -> None:
        self._require(teacher, N_("Only the teacher can close the question."))
        if self.asked is not None:
            self.asked = None
            self._changed()

    def answer(self, browser: str, choice: int, name: str | None = None) -> None:
        """A student's answer to the open question; refused once the answer is shown."""
        asked = self.asked
        if asked is None or self.answers is None:
            raise ClassSetError(N_("There is no question to answer now."))
        if asked.revealed is not None:
            raise ClassSetError(N_("The answer is shown already: wait for the next question."))
        self.answers.answer(asked.key, browser, choice, len(asked.question.choices), name)
        # no version change: the teacher's chart reads the counts each second; thirty answers must not redraw
        # thirty followers' pages thirty times

    def counts(self) -> list[int]:
        asked = self.asked
        if asked is None or self.answers is None:
            return []
        return self.answers.counts(asked.key, len(asked.question.choices))
