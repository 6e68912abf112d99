"""A lesson the teacher leads, on every page: the step bar with the step's explanation and code, students' pages
following the teacher's, and "guess first" questions with the class's answers as a live bar chart.

The lesson itself (mnist_demo.lesson.Lesson, one per server) decides who may do what; this module only asks it and
draws. A student's page learns that the teacher moved the way it learns that a run moved on (state.follow: the
server reruns a page whose class version is out of date, web/push.py), within a second, and goes to the teacher's
page with st.switch_page: no reload, and the student's own drawing is put back on the canvas when the Draw page
opens again (touch.restore).
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from mnist_demo.errors import UserError
from mnist_demo.lesson import STEPS, Answers, Lesson, Question, step_code
from mnist_demo.lesson.live import PAGES
from mnist_demo.reading.inference import probabilities
from mnist_demo.train.recipes import PRESETS
from mnist_demo.web import browser_id, touch
from mnist_demo.web.feedback import writer_id
from mnist_demo.web.i18n import error, t, term, tn
from mnist_demo.web.user_text import plain
from mnist_demo.web.views.memory import last_drawing

PAGE_FILES = {page: f"mnist_demo/web/pages/{page}.py" for page in PAGES}
NO_BAR = {"displayModeBar": False}
ANSWER_COLOUR, RIGHT_COLOUR = "#4c78a8", "#f58518"  # blue and orange: told apart with any colour vision


def page_key(url_path: str) -> str:
    """The lesson's name of a page from its address ("" is the Train page, the default)."""
    return url_path or "train"


def following(lesson: Lesson, teacher: bool) -> bool:
    """Whether this session's page goes where the teacher's goes."""
    return lesson.follow and not teacher and not st.session_state.get("explore", False)


def lead(lesson: Lesson, teacher: bool, url_path: str) -> None:
    """Before a page runs: the teacher's page is recorded as the class's; a follower's page goes to the teacher's.
    Then the step bar, when the teacher has picked a step."""
    here = page_key(url_path)
    previous = st.session_state.get("lesson_page")
    st.session_state["lesson_page"] = here
    if here == "draw" and previous not in (None, "draw"):
        touch.restore()  # the student's drawing, back on the canvas after a page change
    if teacher:
        if previous != here:  # only when this tab goes somewhere: a teacher's other tab, redrawn because the class
            lesson.teacher_on(here, teacher)  # moved, must not pull the class back to the page it shows
    elif following(lesson, teacher) and lesson.page != here:
        st.switch_page(PAGE_FILES[lesson.page])
    step_bar(lesson, teacher, here)


def step_bar(lesson: Lesson, teacher: bool, here: str) -> None:
    """The lesson's five steps at the top of the page: the teacher moves through them (each opens its page),
    followers see where the class is."""
    step = lesson.step
    if step is None and not (teacher and lesson.follow):
        return
    with st.container(border=True, key="lesson-bar"):
        if teacher:  # the steps on a row of their own: beside Back and Next they would be cut off below 1400 px
            def picked() -> None:  # a click, not a value left over: the bar shows the class's step on every run
                choice = st.session_state.get("lesson-steps")
                st.session_state["lesson_go"] = choice if choice is not None else step

            if "lesson_go" in st.session_state:
                _go(lesson, st.session_state.pop("lesson_go"), teacher)
            st.session_state["lesson-steps"] = step  # where the class is, even if a teacher's other tab moved it
            st.segmented_control(t("The lesson"), range(len(STEPS)), format_func=lambda i: term(STEPS[i].title),
                                 key="lesson-steps", on_change=picked, label_visibility="collapsed")
            left, right, _ = st.columns([1, 1, 3])
            if left.button(t("Back"), icon=":material/arrow_back:", disabled=not step, key="lesson-back",
                           width="stretch"):
                _go(lesson, (step or 0) - 1, teacher)
            if right.button(t("Next"), icon=":material/arrow_forward:", key="lesson-next", width="stretch",
                            disabled=step is not None and step >= len(STEPS) - 1):
                _go(lesson, 0 if step is None else step + 1, teacher)
        else:  # "1. …" escaped: at the start of a line Markdown would make the row a numbered list
            st.caption(" · ".join(f"**{escaped(term(s.title))}**" if i == step else escaped(term(s.title))
                                  for i, s in enumerate(STEPS)))
        if step is not None:
            current = STEPS[step]
            st.markdown(f"**{escaped(term(current.title))}**. {term(current.explanation)}")
            with st.expander(t("The PyTorch code of this part"), icon=":material/code:"):
                st.code(step_code(current, settings_now(), translate=term), language="python")
            questions(lesson, teacher, current.key)


def escaped(title: str) -> str:
    """A step's title for Markdown: its number's dot escaped, so "1. …" is text, not a list."""
    return re.sub(r"^(\d+)\.", r"\1\\.", title)


def _go(lesson: Lesson, index: int | None, teacher: bool) -> None:
    if index is None:
        return
    try:
        lesson.go_to_step(index, teacher)
    except UserError as exc:
        st.error(error(exc))
        return
    st.switch_page(PAGE_FILES[STEPS[index].page])


def settings_now():
    """The run the teacher has set up: the last run's settings with the teacher's network."""
    from mnist_demo.web import state  # state imports this module

    runs = state.runs()
    last = runs.all()[-1].config if runs.all() else PRESETS["seed"]
    try:
        return replace(last, arch=runs.draft)
    except UserError:  # the network being edited cannot work yet: the last run's
        return last


# --- guess first ---------------------------------------------------------------------------------------------------

def questions(lesson: Lesson, teacher: bool, step: str) -> None:
    asked = lesson.asked
    if teacher:
        _ask(lesson, step)
    if asked is not None:
        _asked(lesson, teacher)


def _text(question: Question) -> str:
    return plain(question.text, 300) if question.custom else error(question.text)


def _choice(question: Question, index: int) -> str:
    choice = question.choices[index]
    return plain(choice, 80) if question.custom else error(choice)


def _ask(lesson: Lesson, step: str) -> None:
    """The teacher's questions for this step: ask one, or write one."""
    mine = [q for q in lesson.questions(settings_now()) if q.step == step]
    with st.expander(t("Guess first: ask the class"), icon=":material/quiz:"):
        for question in mine:
            if st.button(t("Ask: {question}", question=_text(question)), key=f"ask-{question.id}",
                         icon=":material/campaign:"):
                image = last_drawing() if question.kind == "digit" else None
                try:
                    lesson.ask(question, True, image)
                except UserError as exc:
                    st.error(error(exc))
                else:
                    st.rerun()
        with st.form(f"write-{step}", clear_on_submit=True):
            text = st.text_input(t("Your own question"), max_chars=300)
            choices = st.text_area(t("Its choices, one per line (2 to 6)"), max_chars=500)
            if st.form_submit_button(t("Add the question"), icon=":material/add:"):
                try:
                    lesson.write_question(step, text, choices.splitlines(), True)
                except UserError as exc:
                    st.error(error(exc))
                else:
                    st.rerun()


def _asked(lesson: Lesson, teacher: bool) -> None:
    asked = lesson.asked
    assert asked is not None
    question = asked.question
    with st.container(border=True, key="lesson-question"):
        st.markdown(f"### {_text(question)}")
        if asked.image is not None:
            st.image(asked.image, width=140, caption=t("The drawing on the projector"))
        if teacher:
            _results(lesson)
            left, right = st.columns(2)
            if asked.revealed is None and left.button(t("Show the answer"), icon=":material/visibility:",
                                                      type="primary", key="lesson-reveal"):
                answer = _answer(question, asked.image)
                if answer is None:
                    st.warning(t("This question's answer is the class's call: pick the right choice below."))
                else:
                    lesson.reveal(answer, True)
                    st.rerun()
            if question.answer is None and question.kind != "digit" and asked.revealed is None:
                chosen = left.selectbox(t("The right choice"), range(len(question.choices)), index=None,
                                        format_func=lambda i: _choice(question, i), key="lesson-right")
                if chosen is not None and left.button(t("Reveal it"), key="lesson-reveal-chosen"):
                    lesson.reveal(chosen, True)
                    st.rerun()
            if right.button(t("Close the question"), icon=":material/close:", key="lesson-close"):
                lesson.close(True)
                st.rerun()
        else:
            _answering(lesson)


def _answer(question: Question, image: np.ndarray | None) -> int | None:
    """The right choice when the app knows it: the question's own, or for "what will it read", the class model's
    reading of the drawing."""
    if question.answer is not None:
        return question.answer
    if question.kind == "digit" and image is not None:
        from mnist_demo.web import state

        model = state.runs().class_model()
        if model is not None:
            return int(probabilities(model.model, image.astype(np.float32) / 255)[0].argmax())
    return None


@st.fragment(run_every=1.0)
def _results(lesson: Lesson) -> None:
    """The class's answers as a bar chart, redrawn every second on the teacher's (the projector's) page."""
    asked = lesson.asked
    if asked is None:
        return
    counts = lesson.counts()
    question = asked.question
    names = [_choice(question, i) for i in range(len(question.choices))]
    colours = [RIGHT_COLOUR if asked.revealed == i else ANSWER_COLOUR for i in range(len(names))]
    marks = ["✔ " + n if asked.revealed == i else n for i, n in enumerate(names)]  # the right one marked, not only
    fig = go.Figure(go.Bar(x=marks, y=counts, marker_color=colours, text=counts, textposition="outside"),
                    layout=dict(height=260, margin=dict(l=10, r=10, t=30, b=10), yaxis=dict(visible=False),
                                title=tn("{n} answer", "{n} answers", sum(counts)), font=dict(size=16)))
    st.plotly_chart(fig, key="lesson-answers", config=NO_BAR)


def answerer() -> str:
    """Who answers: this browser (the server's cookie, so a second tab or a reload answers as the same student),
    or this session where the browser has no id (mnist_demo/web/browser_id.py)."""
    try:
        cookies = st.context.cookies
    except Exception:  # AppTest has no cookies to read
        cookies = None
    tag = browser_id.valid(cookies.get(browser_id.COOKIE)) if cookies is not None else None
    return f"b-{tag}" if tag else writer_id()


def _answering(lesson: Lesson) -> None:
    asked = lesson.asked
    assert asked is not None
    question = asked.question
    mine = lesson.answers.mine(asked.key, answerer()) if lesson.answers else None
    if asked.revealed is not None:
        right = _choice(question, asked.revealed)
        said = t("The answer: **{answer}**.", answer=right)
        if mine is not None:
            said += " " + (t("You guessed it.") if mine == asked.revealed else t("You said {mine}.",
                                                                                 mine=_choice(question, mine)))
        st.markdown(said)
        return
    st.text_input(t("Your name (optional: answers are anonymous without one)"), key="student_name", max_chars=40)
    picked = st.pills(t("Your answer"), range(len(question.choices)), format_func=lambda i: _choice(question, i),
                      key=f"answer-{asked.key}", default=mine)
    if picked is not None and picked != mine:
        try:
            lesson.answer(answerer(), int(picked), st.session_state.get("student_name"))
        except UserError as exc:
            st.error(error(exc))
            return
        mine = int(picked)
    if mine is not None:
        st.caption(t("Your answer is in: {answer}. You can change it until the teacher shows the answer.",
                     answer=_choice(question, mine)))


def new_lesson(path) -> Lesson:
    """The server's lesson, its answers kept in the class's SQLite file; without a usable file, answers are off."""
    try:
        return Lesson(Answers(path))
    except UserError:
        return Lesson(None)
