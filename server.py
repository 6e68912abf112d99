"""The app's server: app.py's pages behind the teacher's door (mnist_demo/web/teacher.py), which keeps the teacher
the teacher across reloads with a signed, http-only cookie. `make run` serves this file (streamlit run server.py);
a plain `streamlit run app.py` serves the same pages without the door."""

import streamlit as st
from starlette.middleware import Middleware

from mnist_demo.web.teacher import TeacherDoor

app = st.App("app.py", middleware=[Middleware(TeacherDoor)])
