"""mnist-demo: watch a neural network learn to read handwriting. Run: make run (or streamlit run app.py)."""

import logging

import streamlit as st

from mnist_demo.web import rerun_race
from mnist_demo.web.i18n import t
from mnist_demo.web.lesson import lead
from mnist_demo.web.state import follow, is_teacher, lesson, sidebar

rerun_race.install()  # before any session can meet the race it mends
st.set_page_config(page_title=t("MNIST demo"), page_icon=":material/draw:", layout="wide")

PAGES = "mnist_demo/web/pages"
page = st.navigation([
    st.Page(f"{PAGES}/train.py", title=t("Train"), icon=":material/model_training:", default=True),
    st.Page(f"{PAGES}/gallery.py", title=t("Gallery"), icon=":material/grid_view:"),
    st.Page(f"{PAGES}/draw.py", title=t("Draw"), icon=":material/draw:"),
    st.Page(f"{PAGES}/classset.py", title=t("Class"), icon=":material/groups:", url_path="class"),
    st.Page(f"{PAGES}/evaluate.py", title=t("Evaluate"), icon=":material/fact_check:"),
    st.Page(f"{PAGES}/model.py", title=t("Model"), icon=":material/schema:"),
])
try:
    sidebar()
    lead(lesson(), is_teacher(), page.url_path)  # a follower's page goes where the teacher's is; the step bar
    follow()  # before the page: one that ends its run early (st.stop: nothing drawn yet) follows the class too
    page.run()
except Exception:  # never a traceback in a browser: a short message here, the details in the server's log
    logging.getLogger("mnist_demo").exception("error on page %s", page.title)
    st.error(t("Something went wrong on this page. Reload it or try again; the server's log has the details."),
             icon=":material/error:")
