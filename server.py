"""The app's server: app.py's pages behind the teacher's door (mnist_demo/web/teacher.py), which keeps the teacher
the teacher across reloads with a signed, http-only cookie, and a tag that gives each browser an anonymous id
(mnist_demo/web/browser_id.py: one answer per browser to a "guess first" question). `make run` serves this file
(streamlit run server.py); a plain `streamlit run app.py` serves the same pages without either."""

import streamlit as st
from starlette.middleware import Middleware

from mnist_demo.web.browser_id import BrowserTag
from mnist_demo.web.teacher import TeacherDoor

app = st.App("app.py", middleware=[Middleware(TeacherDoor), Middleware(BrowserTag)])
