"""Model page: the tutorial's walkthrough made visual, and a glossary in a student's words."""

import streamlit as st

from mnist_demo.web import state, style_panel
from mnist_demo.web.i18n import class_names, t
from mnist_demo.web.views import architecture_view
from mnist_demo.web.widgets import model_panel

st.title(t("How the network is built"))
st.caption(t("The tutorial's CNN: two convolution layers that find strokes and shapes, then two fully connected "
             "layers that decide which digit it is."))

active = state.my_model()
sample = state.sample()
architecture_view(active.model if active else None, class_names(active.classes if active else sample.classes),
                  sample.images[0].numpy() / 255)

st.markdown(t(
    "Why **26**? A 3 × 3 filter fits 26 times across 28 pixels (28 − 3 + 1). Why **13**? Max-pool keeps one "
    "number per 2 × 2 square: 26 / 2. Then 13 − 3 + 1 = **11**, and 11 is odd: five 2 × 2 squares fit, the last row "
    "and column are left out, so **5**. The last feature maps are 64 × 5 × 5: **1600** numbers go into the first "
    "fully connected layer. ReLU follows conv1, conv2 and fc1; softmax comes last, only to turn scores into "
    "probabilities. (The tutorial applies ReLU before each max-pool; this code max-pools first, which gives the "
    "same numbers with a quarter of the ReLU work: ReLU never changes which of four numbers is the largest.)"
))
st.subheader(t("Every layer"))
model_panel()
st.markdown(t(
    "- conv1: 32 filters × (1 × 3 × 3 weights + 1 bias) = **320**\n"
    "- conv2: 64 filters × (32 × 3 × 3 weights + 1 bias) = **18,496**\n"
    "- fc1: 1600 × 64 weights + 64 biases = **102,464**\n"
    "- fc2: 64 × 10 weights + 10 biases = **650**\n"
    "- total: **121,930** numbers, all learned from the examples."
))

st.subheader(t("Glossary"))
GLOSSARY = {
    t("Convolution"): t("A small window of weights (a filter, or kernel) slides over the image. Where the pixels under "
                        "it look like the filter's pattern, say a vertical stroke, it gives a big number. Each filter "
                        "makes its own feature map: a picture of where its pattern is."),
    t("ReLU"): t("Keeps positive numbers and turns negative ones into 0. Without it, the layers together could only "
                 "compute straight-line (linear) rules, and digits need curves."),
    t("Pooling (max-pool)"): t("Looks at each 2 × 2 square and keeps only the largest number. The map gets half as "
                               "wide, and a stroke that moves by a pixel still counts."),
    t("Fully connected (linear)"): t("Every input number is connected to every output with its own weight. The last "
                                     "one turns 64 numbers into 10 scores, one for each digit."),
    t("Softmax"): t("Turns the 10 scores into probabilities that add up to 100 %."),
    t("Parameters"): t("The weights and biases. Training changes them, a tiny step at a time, so that the right "
                       "digit gets the highest score."),
    t("Epoch"): t("One pass over all 60,000 training images."),
    t("Batch"): t("The few images (the batch size: 32 in the tutorial) the network looks at before each step. One "
                  "epoch of 60,000 images at batch 32 is 1,875 steps."),
    t("Loss"): t("How wrong the network is, as one number: the cross-entropy, small when it gives the right digit a "
                 "high probability. Training lowers it; about 2.3 means guessing among 10."),
    t("Accuracy"): t("The share of images whose highest score is the right digit. Training accuracy is measured on the "
                     "images it learns from, test accuracy on 10,000 it never learns from: the honest one."),
    t("Optimizer"): t("The rule that turns the gradient (which way each weight should move to lower the loss) into a "
                      "step: SGD takes a plain step against it; Adam scales each weight's step by how its gradients "
                      "have varied."),
    t("Learning rate"): t("How big each step is. Too small: learning crawls. Too big: the loss explodes."),
    t("Momentum"): t("SGD with a memory: each step keeps 0.9 of the previous one, so steps build up speed along a "
                     "steady direction and jitter less."),
    t("Schedule"): t("How the learning rate changes during the run: constant (the tutorial), cosine (it falls smoothly "
                     "to nearly 0), or one-cycle (it rises, then falls)."),
    t("Label smoothing"): t("The network is trained to give, say, 95.5 % to the right digit and 0.5 % to each other "
                            "instead of 100 %, so it stops pushing its scores apart once it is right."),
    t("Augmentation"): t("Training images changed a little at random each time they are seen: shifted, tilted, "
                         "scaled, strokes made thicker or thinner, so the network learns digits as people draw them."),
    t("Seed"): t("The number that fixes the random start (the first weights, the order of the images): the same seed "
                 "and settings give the same run."),
}
for term, meaning in GLOSSARY.items():
    st.markdown(f"**{term}.** {meaning}")

style_panel.show()
