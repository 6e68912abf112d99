"""A lesson the teacher leads: the tutorial's five parts as steps with their code (steps.py), "guess first"
questions and the class's answers (questions.py), and where the class is now: the page and step the students follow,
the question asked (live.py). Streamlit-free: the pages ask it and draw."""

from mnist_demo.lesson.live import Lesson
from mnist_demo.lesson.questions import Answers, Question, builtin_questions, custom_question
from mnist_demo.lesson.steps import STEPS, Step, step_code

__all__ = ["STEPS", "Answers", "Lesson", "Question", "Step", "builtin_questions", "custom_question", "step_code"]
