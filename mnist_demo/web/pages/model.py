"""Model page: the tutorial's walkthrough made visual, and a glossary in a student's words."""

import streamlit as st

from mnist_demo.network import TUTORIAL
from mnist_demo.web import network, state, style_panel
from mnist_demo.web.i18n import class_names, t
from mnist_demo.web.views import architecture_view

st.title(t("How the network is built"))
active = state.my_model()
sample = state.sample()
arch = active.model.arch if active else TUTORIAL
if arch == TUTORIAL:
    st.caption(t("The tutorial's CNN: two convolution layers that find strokes and shapes, then two fully connected "
                 "layers that decide which digit it is."))
else:
    st.caption(t("The network you read with: {name}, built on the Train page from the tutorial's layer types.",
                 name=network.arch_name(arch)))
architecture_view(active.model if active else None, class_names(active.classes if active else sample.classes),
                  sample.images[0].numpy() / 255)
layers = network.plan(arch, len(active.classes) if active else 10)

TUTORIAL_WHY = t(
    "Why **26**? A 3 × 3 filter fits 26 times across 28 pixels (28 − 3 + 1). Why **13**? Max-pool keeps one "
    "number per 2 × 2 square: 26 / 2. Then 13 − 3 + 1 = **11**, and 11 is odd: five 2 × 2 squares fit, the last row "
    "and column are left out, so **5**. The last feature maps are 64 × 5 × 5: **1600** numbers go into the first "
    "fully connected layer. ReLU follows conv1, conv2 and fc1; softmax comes last, only to turn scores into "
    "probabilities. (The tutorial applies ReLU before each max-pool; this code max-pools first, which gives the "
    "same numbers with a quarter of the ReLU work: ReLU never changes which of four numbers is the largest.)"
)
st.markdown(TUTORIAL_WHY if arch == TUTORIAL else t(
    "Each convolution of a K × K kernel makes the maps K − 1 pixels narrower (28 − 3 + 1 = 26); each pooling of K "
    "divides them by K, leaving out a last row and column that do not fill a square; the first fully connected "
    "layer reads every number left, in a row."))
st.subheader(t("Every layer"))
network.layer_table_view(layers, "model-layers")
st.markdown(network.walkthrough(layers))
st.markdown(network.counted(layers))

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
    t("Average pooling"): t("Like max-pool, but each square becomes the mean of its numbers: LeNet-5's way."),
    t("Sigmoid and tanh"): t("Older activations that squeeze every number into 0 to 1 (sigmoid) or −1 to 1 (tanh). "
                             "Where they flatten out, the gradient is tiny and learning slows down."),
    t("Locally connected"): t("A convolution whose window has other weights at every position: it can learn that a "
                              "stroke at the top means something else than at the bottom, but it has many more "
                              "parameters to learn, and learns nothing twice."),
    t("Dropout"): t("During training, a share of the numbers (such as 0.25) is set to 0 at random at every step, so "
                    "the network cannot lean on any one of them. When it reads, nothing is dropped."),
    t("Batch normalisation (BatchNorm)"): t("Rescales each channel to mean 0 and spread 1 over the batch, then by two "
                                            "learned numbers: deep networks learn faster and more steadily with it."),
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
