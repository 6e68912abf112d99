"""Gallery page: the tutorial's 20-sample grid, with the active model's guesses."""

import secrets

import streamlit as st
import torch

from mnist_demo.data import batches
from mnist_demo.messages import N_
from mnist_demo.reading.inference import probabilities
from mnist_demo.train.device import one_thread
from mnist_demo.web import state
from mnist_demo.web.i18n import class_names, error, name, t, term
from mnist_demo.web.widgets import MISTAKE_RGB, enlarge

# Streamlit stacks columns on a phone: the 2 x 10 grid became 20 images the width of the screen, one under the other
# (about 9,000 px to scroll). Where the page is narrow, each row of ten wraps into two rows of five instead.
GRID_CSS = """<style>
.st-key-gallery-grid { container-type: inline-size; container-name: gallery; }
@container gallery (max-width: 639px) {
  [data-testid="stHorizontalBlock"] { flex-flow: row wrap !important; gap: 0.6rem 0.5rem !important; }
  [data-testid="stColumn"] { flex: 0 0 calc(20% - 0.4rem) !important; width: calc(20% - 0.4rem) !important;
                             min-width: 0 !important; }
}
</style>"""

st.title(t("Gallery"))
st.caption(t("A random batch of 32 images, the first 20 shown, as in the tutorial. Label under each image, and "
             "what the model reads: a tick when it is right; its mistakes are framed in orange and crossed."))

active = state.my_model()
c1, c2, _ = st.columns([2, 1, 3], vertical_alignment="bottom")
SETS = {"train": N_("Training set"), "test": N_("Test set")}
which = c1.radio(t("Images from"), list(SETS), horizontal=True, format_func=lambda s: term(SETS[s]))
st.session_state.setdefault("gallery_seed", secrets.randbelow(1_000_000))  # each session its own first batch
if c2.button(t("New batch"), icon=":material/shuffle:"):
    st.session_state["gallery_seed"] += 1

dataset_name = active.dataset if active else "mnist"
split, why = state.dataset(dataset_name, which == "train")
if split is None:
    assert why is not None  # dataset() gives why whenever it gives no split
    if dataset_name != "mnist":
        st.error(error(why))
        st.stop()
    split = state.sample()
    st.info(t("Showing the {n} MNIST test images shipped in `assets/`: the full dataset is not here.\n\n{why}\n\nOn a "
              "machine with internet the app downloads it by itself.", n=len(split), why=error(why)),
            icon=":material/info:")

generator = torch.Generator().manual_seed(st.session_state["gallery_seed"])
images, labels = next(batches(split, 32, shuffle=True, generator=generator))
st.markdown(t("Batch shape: `{images}`, labels `{labels}`", images=images.shape, labels=tuple(labels.shape)))

shown = images[:20, 0].numpy()
with one_thread():  # 20 images: one OpenMP thread is enough, and a run training meanwhile keeps its threads
    predicted = probabilities(active.model, shown) if active else None
classes = class_names(split.classes)
st.html(GRID_CSS)
grid = st.container(key="gallery-grid")
for row in range(2):
    for col, i in zip(grid.columns(10), range(row * 10, row * 10 + 10)):
        label = classes[int(labels[i])]
        wrong = predicted is not None and int(predicted[i].argmax()) != int(labels[i])
        col.image(enlarge(shown[i], frame=MISTAKE_RGB if wrong else None), width="stretch")
        if predicted is None:
            col.markdown(f"**{label}**")
            continue
        guess = int(predicted[i].argmax())
        if guess == int(labels[i]):  # blue and orange, and a mark: apart for the red-green colour blind too
            col.markdown(f"**{label}** · :blue[{classes[guess]} ✓]")
        else:
            col.markdown(f"**{label}** · :orange[**{classes[guess]}** ✗]")
if active is not None and predicted is not None:
    right = int((predicted.argmax(1) == labels[:20].numpy()).sum())
    st.caption(t("{name} reads {right} of these 20 right. Label · prediction.", name=name(active.name), right=right))
