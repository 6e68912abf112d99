"""Train page: choose hyperparameters, start a run, watch it learn live."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from mnist_demo import charts
from mnist_demo.data import DATASETS
from mnist_demo.errors import ConfigError
from mnist_demo.jobs import TrainingJob
from mnist_demo.training import OPTIMIZERS, PRESETS, TrainConfig, preset
from mnist_demo.ui import state
from mnist_demo.ui.widgets import duration, model_panel

LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0]
BATCH_SIZES = [16, 32, 64, 128, 256, 512]
OPTIMIZER_NAMES = {"sgd": "SGD", "momentum": "SGD + momentum", "adam": "Adam"}
RECIPES = {  # preset name: (button, what it brings beyond the controls below, whose starting values it sets)
    "seed": ("Tutorial", "The tutorial's recipe as published: a constant learning rate, nothing added."),
    "quick": ("Quick", "SGD with momentum and a constant learning rate."),
    "fast": ("Fast", "Adam with a one-cycle learning rate (it rises, then falls to nearly 0 by the last batch) and "
                     "label smoothing 0.05: 99 % after a single epoch at its starting settings."),
    "classroom": ("Classroom", "The shipped model's recipe: Adam with a cosine schedule, on digits shifted, tilted "
                               "and redrawn thicker or thinner, so that people's drawings read well."),
}


def recipe_of(config: TrainConfig) -> str:
    """The preset a run's optimizer, schedule, augmentation and label smoothing come from (else the tutorial)."""
    extras = ("optimizer", "schedule", "augment", "label_smoothing")
    return next((name for name, p in PRESETS.items() if all(getattr(p, f) == getattr(config, f) for f in extras)),
                "seed")


st.title("Train a network to read handwriting")
st.caption("The tutorial's CNN, trained from scratch. Pick the settings, press Start, and watch it learn.")

running = state.running_job()
# The controls show the running (else the last) run's settings, so a second run changes one thing at a time;
# choosing another recipe loads its settings.
last = state.jobs()[-1].config if state.jobs() else replace(PRESETS["seed"], epochs=5)
busy = not state.can_start()  # every training slot taken (MNIST_DEMO_MAX_RUNS, default 1)
with st.container(border=True):
    last_recipe = recipe_of(last)
    recipe = st.segmented_control("Recipe", list(RECIPES), default=last_recipe, required=True,
                                  format_func=lambda name: RECIPES[name][0], disabled=busy)
    st.caption(RECIPES[recipe][1])
    shown = last if recipe == last_recipe else replace(PRESETS[recipe], dataset=last.dataset, seed=last.seed)
    c1, c2, c3 = st.columns(3)
    dataset = c1.selectbox("Dataset", list(DATASETS), index=list(DATASETS).index(shown.dataset), disabled=busy)
    epochs = c1.slider("Epochs", 1, 30, shown.epochs, disabled=busy)
    batch_size = c2.select_slider("Batch size", sorted({*BATCH_SIZES, shown.batch_size}), value=shown.batch_size,
                                  disabled=busy)
    lr = c2.select_slider("Learning rate", sorted({*LEARNING_RATES, shown.lr}), value=shown.lr,
                          format_func=lambda v: f"{v:g}",
                          disabled=busy, help="Log scale. The tutorial uses 0.01.")
    optimizer = c3.radio("Optimizer", OPTIMIZERS, index=OPTIMIZERS.index(shown.optimizer),
                         format_func=OPTIMIZER_NAMES.get, horizontal=True, disabled=busy)
    seed = c3.number_input("Seed", 0, 10_000, shown.seed, disabled=busy,
                           help="Same seed and settings on the same device give the same numbers.")
    b1, b2, _ = st.columns([1, 1, 4])
    start = b1.button("Start", type="primary", icon=":material/play_arrow:", disabled=busy, width="stretch")
    stop = b2.button("Stop", icon=":material/stop:", disabled=running is None, width="stretch")

if stop and running is not None:
    running.stop()
    running.join(timeout=30)
    st.rerun()

if start:
    train_split, why = state.dataset(dataset, True)
    test_split, _ = state.dataset(dataset, False)
    if train_split is None or test_split is None:
        st.error(why, icon=":material/folder_off:")
    else:
        try:
            config = preset(recipe, dataset=dataset, epochs=epochs, batch_size=batch_size, lr=lr, optimizer=optimizer,
                            seed=int(seed), device=state.device().type)
            config.check_against(len(train_split))
        except ConfigError as exc:  # said before the run starts; the active model is untouched
            st.error(f"Cannot start: {exc}.", icon=":material/tune:")
        else:
            state.jobs().append(TrainingJob(config, train_split, test_split).start())
            st.rerun()


PERCENT_COLUMNS = {c: st.column_config.NumberColumn(format="percent") for c in ("Train_acc", "Test_acc")}


def epoch_table(history) -> pd.DataFrame:
    """The tutorial's per-epoch lines as rows."""
    return pd.DataFrame([{"Epoch": h.epoch, "Train_acc": h.train_acc, "Train_loss": round(h.train_loss, 3),
                          "Test_acc": h.test_acc, "Test_loss": round(h.test_loss, 3),
                          "seconds": round(h.train_seconds + h.test_seconds, 1)} for h in history])


def show_job(job: TrainingJob) -> None:
    snap = job.snapshot()
    p = snap.progress
    st.subheader(f"Run {job.name}")
    if snap.state == "queued":
        st.info("Waiting for another run (from another browser tab) to finish.", icon=":material/hourglass_top:")
    elif snap.state == "running":
        if p is None:
            st.progress(0.0, text="Starting…")
        else:
            st.progress(p.batch / p.batches, text=f"Epoch {p.epoch} of {p.epochs}: batch {p.batch:,} of "
                                                  f"{p.batches:,} · {p.images_per_s:,.0f} images/s")
            st.progress(p.fraction, text=f"Whole run: {p.fraction:.0%} · {duration(p.elapsed)} so far · "
                                         f"about {duration(p.seconds_left)} left")
            m1, m2 = st.columns(2)
            m1.metric("Running train loss", f"{p.running_loss:.3f}")
            m2.metric("Running train accuracy", f"{p.running_acc:.1%}")
    elif snap.state == "finished":
        st.success(f"Finished in {duration(snap.elapsed)}. This model is now the active model for Gallery, Draw "
                   "and Evaluate.", icon=":material/check_circle:")
        if snap.message:  # it could not be saved: a read-only or full checkpoints folder
            st.warning(snap.message, icon=":material/save:")
    elif snap.state == "stopped":
        st.warning(f"{snap.message} The active model is unchanged.", icon=":material/stop_circle:")
    else:
        st.error(snap.message, icon=":material/error:")

    if snap.history or snap.live_loss:
        st.plotly_chart(charts.learning_curves(snap.history, snap.live_loss, job.config.epochs),
                        key=f"curves-{job.id}")
    if snap.history:
        st.dataframe(epoch_table(snap.history), hide_index=True, width="stretch", column_config=PERCENT_COLUMNS)
    if job.checkpoint_path is not None and job.checkpoint_path.exists():
        st.download_button("Download this model", job.checkpoint_path.read_bytes(), file_name=job.checkpoint_path.name,
                           mime="application/octet-stream", icon=":material/download:")


@st.fragment(run_every=1.0 if running is not None else None)
def live() -> None:
    job = running if running is not None else state.jobs()[-1]  # not the newest when that one was stopped queued
    show_job(job)
    if running is not None and not job.running:
        st.rerun()  # the run just ended: redraw the whole page, its controls and the sidebar
    state.rerun_if_sidebar_is_stale()


if state.jobs():
    live()
else:
    st.info("No run yet. The Draw page already works with the shipped model; press Start to "
            "train your own and watch the curves climb.", icon=":material/info:")

snapshots = {j.name: j.snapshot() for j in state.jobs()}
snapshots = {name: snap for name, snap in snapshots.items() if snap.history}
if len(snapshots) > 1:
    with st.expander("Compare runs", expanded=True, icon=":material/stacked_line_chart:"):
        picked = st.multiselect("Runs to overlay", list(snapshots), default=list(snapshots)[-3:])
        metric = st.radio("Measure", ["test_acc", "test_loss", "train_acc", "train_loss"], horizontal=True,
                          format_func=lambda m: m.replace("_", " ").replace("acc", "accuracy"))
        if picked:
            st.plotly_chart(charts.run_overlay([(n, snapshots[n].history) for n in picked], metric))
            st.dataframe(pd.DataFrame([{
                "run": n, "epochs": len(snapshots[n].history), "final test accuracy": snapshots[n].history[-1].test_acc,
                "time (s)": round(snapshots[n].elapsed, 1), "state": snapshots[n].state,
            } for n in picked]), hide_index=True, width="stretch",
                column_config={"final test accuracy": st.column_config.NumberColumn(format="percent")})

with st.expander("The network", icon=":material/schema:"):
    model_panel()
