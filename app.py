"""mnist-demo: watch a neural network learn to read handwriting. Run: streamlit run app.py"""

import streamlit as st

from mnist_demo.ui.state import sidebar

st.set_page_config(page_title="MNIST demo", page_icon=":material/draw:", layout="wide")

page = st.navigation([
    st.Page("mnist_demo/pages/train.py", title="Train", icon=":material/model_training:", default=True),
    st.Page("mnist_demo/pages/gallery.py", title="Gallery", icon=":material/grid_view:"),
    st.Page("mnist_demo/pages/draw.py", title="Draw", icon=":material/draw:"),
    st.Page("mnist_demo/pages/evaluate.py", title="Evaluate", icon=":material/fact_check:"),
    st.Page("mnist_demo/pages/model.py", title="Model", icon=":material/schema:"),
])
sidebar()
page.run()
