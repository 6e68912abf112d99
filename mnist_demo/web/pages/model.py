"""Model page: the tutorial's walkthrough made visual, and a glossary in a student's words."""

import streamlit as st

from mnist_demo.web.widgets import layers_frame, model_panel

st.title("How the network is built")
st.caption("The tutorial's CNN: two convolution layers that find strokes and shapes, then two fully connected "
           "layers that decide which digit it is.")

STAGES = [
    ("input", "28 x 28 x 1", "a grey image"),
    ("conv1", "26 x 26 x 32", "32 filters, 3 x 3"),
    ("pool1", "13 x 13 x 32", "keep the max of each 2 x 2"),
    ("conv2", "11 x 11 x 64", "64 filters, 3 x 3 x 32"),
    ("pool2", "5 x 5 x 64", "keep the max of each 2 x 2"),
    ("flatten", "1600", "5 x 5 x 64 numbers in a row"),
    ("fc1", "64", "every input to every output"),
    ("fc2", "10", "one score per digit"),
]
params = dict(zip(layers_frame()["layer"], layers_frame()["parameters"]))
for row in (STAGES[:4], STAGES[4:]):
    for col, (name, shape, what) in zip(st.columns(4), row):
        with col.container(border=True, height="stretch"):
            st.markdown(f"**{name}** → {shape}")
            st.caption(what)
            st.caption(f"{params[name]:,} parameters" if params.get(name) else "no parameters")

st.markdown(
    "Why **26**? A 3 x 3 filter fits 26 times across 28 pixels (28 - 3 + 1). Why **13**? Pooling halves it. "
    "Then 13 - 3 + 1 = **11**, and 11 // 2 = **5**. So the last feature maps are 5 x 5, 64 of them: "
    "5 x 5 x 64 = **1600** numbers go into the first fully connected layer."
)
st.subheader("Every layer")
model_panel()
st.markdown(
    "- conv1: 32 filters x (3 x 3 weights + 1 bias) = **320**\n"
    "- conv2: 64 filters x (3 x 3 x 32 weights + 1 bias) = **18,496**\n"
    "- fc1: 1600 x 64 weights + 64 biases = **102,464**\n"
    "- fc2: 64 x 10 weights + 10 biases = **650**\n"
    "- total: **121,930** numbers, all learned from the examples."
)

st.subheader("Glossary")
GLOSSARY = {
    "Convolution": "A small window of weights (a filter) slides over the image. Where the pixels under it look "
                   "like the filter's pattern, say a vertical stroke, it gives a big number. Each filter makes "
                   "its own feature map: a picture of where its pattern is.",
    "ReLU": "Keeps positive numbers and turns negative ones into 0. Without it, the layers together could only "
            "compute straight-line (linear) rules, and digits need curves.",
    "Pooling (max-pool)": "Looks at each 2 x 2 square and keeps only the largest number. The map gets half as "
                          "wide, and a stroke that moves by a pixel still counts.",
    "Fully connected (linear)": "Every input number is connected to every output with its own weight. The last "
                                "one turns 64 numbers into 10 scores, one for each digit.",
    "Softmax": "Turns the 10 scores into probabilities that add up to 100%.",
    "Parameters": "The weights and biases. Training changes them, a tiny step at a time, so that the right "
                  "digit gets the highest score.",
    "Epoch": "One pass over all 60,000 training images.",
    "Learning rate": "How big each step is. Too small: learning crawls. Too big: the loss explodes.",
}
for term, meaning in GLOSSARY.items():
    st.markdown(f"**{term}.** {meaning}")
