"""Evaluate page: where the active model is right, where it fails, and the images behind each mistake."""

import numpy as np
import streamlit as st

from mnist_demo.data import Split
from mnist_demo.network import Net
from mnist_demo.train.loop import EvalResult, evaluate
from mnist_demo.train.metrics import confusion_matrix, per_class_accuracy
from mnist_demo.web import charts, state, touch
from mnist_demo.web.i18n import class_names, error, name, t
from mnist_demo.web.widgets import enlarge

MAX_SHOWN = 30


@st.cache_resource(show_spinner=False, max_entries=8)
def _evaluation(key: str, _model: Net, _split: Split, split_size: int) -> EvalResult:
    """Cached per model key and test-set size."""
    return evaluate(_model, _split.to(next(_model.parameters()).device), batch_size=1000)


def evaluation(key: str, model: Net, split: Split, split_size: int) -> EvalResult:
    with st.spinner(t("Testing the model on the test set…")):  # the spinner in the session's language
        return _evaluation(key, model, split, split_size)


def cell_label(true: int, pred: int, count: int, classes: list[str]) -> str:
    if true == pred:
        return t("{true} read right: {count} images", true=classes[true], count=count)
    return t("{true} mistaken for {pred}: {count} images", true=classes[true], pred=classes[pred], count=count)


def show(result: EvalResult, split: Split, note: str) -> None:
    classes = class_names(split.classes)
    counts = confusion_matrix(result.predictions, result.labels, len(classes)).numpy()
    st.markdown(t("**{acc:.2%}** of {n:,} test images right, test loss {loss:.4f}.", acc=result.accuracy, n=result.n,
                  loss=result.loss) + " " + note)
    cells = sorted(((int(counts[t, p]), t, p) for t in range(len(classes)) for p in range(len(classes))
                    if t != p and counts[t, p]), reverse=True)
    options = [(t, p) for _, t, p in cells] + [(t, t) for t in range(len(classes))]
    def clicked() -> None:  # called once per click, before the rerun: the marker on a cell carries its x and y
        points = st.session_state["confusion"].selection.points
        if points:
            st.session_state["cell"] = (classes.index(str(points[0]["y"])), classes.index(str(points[0]["x"])))

    current = st.session_state.get("cell")
    left, right = st.columns([3, 2], gap="large")
    with right:
        chosen = st.selectbox(t("Cell"), options, index=options.index(current) if current in options else 0,
                              format_func=lambda c: cell_label(c[0], c[1], int(counts[c]), classes))
        st.session_state["cell"] = chosen
    with left:
        touch.one_tap_charts()
        st.plotly_chart(charts.confusion_heatmap(counts, classes, chosen), on_select=clicked,
                        selection_mode="points", key="confusion", config={"displayModeBar": False})
        st.caption(t("Rows: the true digit. Columns: what the model said. Click a cell, or pick one on the right."))
    with right:
        true, pred = chosen
        idx = np.flatnonzero((result.labels.numpy() == true) & (result.predictions.numpy() == pred))
        st.markdown(t("**{n}** images: true **{true}**, read as **{pred}**", n=len(idx), true=classes[true],
                      pred=classes[pred]) + (t(" (first {n} shown)", n=MAX_SHOWN) if len(idx) > MAX_SHOWN else ""))
        probs = result.probabilities.numpy()
        for row in range(0, min(len(idx), MAX_SHOWN), 5):
            for col, i in zip(st.columns(5), idx[row : row + 5]):
                top = np.argsort(probs[i])[::-1][:3]
                col.image(enlarge(split.images[i].cpu().numpy(), 84))
                col.caption("  \n".join(f"{classes[k]}: {probs[i][k]:.0%}" for k in top))
    st.plotly_chart(charts.per_class_bars(per_class_accuracy(result.predictions, result.labels, len(classes)),
                                          classes), key="per-class", config={"displayModeBar": False})


st.title(t("Evaluate"))
st.caption(t("The active model on the whole test set: which digits it confuses, and the images behind each "
             "mistake."))

run = state.runs().running()
if run is not None and st.toggle(t("Follow the training run"), value=True,
                                 help=t("Redrawn after each epoch of the run in progress.")):
    snap = run.snapshot()  # the sidebar's follower redraws the page when the run ends an epoch
    if snap.last_eval is None or run.test_split is None:
        st.info(t("The first epoch is still training: the matrix appears when it ends."), icon=":material/timer:")
    else:
        show(snap.last_eval, run.test_split, t("{name}, after epoch {epoch} of {epochs}.", name=name(run.name),
                                               epoch=snap.last_eval_epoch, epochs=run.config.epochs))
    st.stop()

active = state.my_model()
if active is None:
    st.warning(t("No model yet: train one on the Train page."))
    st.stop()
split, why = state.dataset(active.dataset, False)
note = t("Model: {name}.", name=name(active.name))
if split is None:
    assert why is not None  # dataset() gives why whenever it gives no split
    if active.dataset != "mnist":
        st.error(error(why))
        st.stop()
    split = state.sample()
    note += t(" Only the {n} test images shipped in `assets/` are here: the full test set cannot be used. {why}",
              n=len(split), why=error(why))
show(evaluation(active.key, active.model, split, len(split)), split, note)
