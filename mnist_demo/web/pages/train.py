"""Train page: the live run first (what a projector shows), then the teacher's settings and Start/Stop, the runs to
compare, and the saved runs (kept across restarts: resume, rename, delete, add a model)."""

import time
from dataclasses import replace

import pandas as pd
import streamlit as st

from mnist_demo.data import CLASS_NAMES, DATASETS
from mnist_demo.errors import NotAllowed, UserError
from mnist_demo.messages import N_
from mnist_demo.network.code import script
from mnist_demo.runs import SHIPPED_KEY, Run
from mnist_demo.runs.run import BROUGHT, RECIPE_NAMES, TRAINING
from mnist_demo.train.recipes import OPTIMIZERS, PRESETS, preset, recipe_of
from mnist_demo.web import charts, live, network, saved_runs, state, touch
from mnist_demo.web.i18n import error, language, name, t, term
from mnist_demo.web.views import watch_it_learn
from mnist_demo.web.widgets import duration, section

MAX_EPOCHS = max(30, *(p.epochs for p in PRESETS.values()))  # the classroom preset's 40 fit
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0]
BATCH_SIZES = [16, 32, 64, 128, 256, 512]
OPTIMIZER_NAMES = {"sgd": N_("SGD"), "momentum": N_("SGD + momentum"), "adam": N_("Adam")}
MEASURES = {"test_acc": N_("test accuracy"), "test_loss": N_("test loss"), "train_acc": N_("train accuracy"),
            "train_loss": N_("train loss")}
RECIPES = {  # what each recipe brings beyond the controls below, whose starting values it sets
    "seed": N_("The tutorial's recipe as published: a constant learning rate, nothing added."),
    "quick": N_("SGD with momentum and a constant learning rate."),
    "fast": N_("Adam with a one-cycle learning rate (it rises, then falls to nearly 0 by the last batch) and label "
               "smoothing 0.05: 99 % after a single epoch at its starting settings."),
    "classroom": N_("The shipped model's recipe: Adam with a cosine schedule, on digits shifted, tilted and redrawn "
                    "thicker or thinner; on MNIST also digits drawn by the program in the world's handwriting "
                    "styles, training digits redrawn as people's pictures, and shapes that are no digit, taught as "
                    "\"not sure\". 60 epochs: about 24 minutes on a 2-core CPU. The first such run draws those "
                    "pictures (about 6 minutes) and keeps them for the next."),
}

registry = state.runs()
teacher = state.is_teacher()
may_train = state.may_train()


def epoch_columns() -> dict:
    """The per-epoch table's headings: the tutorial's names in English, its words in Chinese."""
    return {"Epoch": st.column_config.NumberColumn(t("Epoch")),
            "Train_acc": st.column_config.NumberColumn(t("Train_acc"), format="percent"),
            "Train_loss": st.column_config.NumberColumn(t("Train_loss")),
            "Test_acc": st.column_config.NumberColumn(t("Test_acc"), format="percent"),
            "Test_loss": st.column_config.NumberColumn(t("Test_loss")),
            "seconds": st.column_config.NumberColumn(t("seconds"))}


def epoch_table(history) -> pd.DataFrame:
    """The tutorial's per-epoch lines as rows."""
    return pd.DataFrame([{"Epoch": h.epoch, "Train_acc": h.train_acc, "Train_loss": round(h.train_loss, 3),
                          "Test_acc": h.test_acc, "Test_loss": round(h.test_loss, 3),
                          "seconds": round(h.train_seconds + h.test_seconds, 1)} for h in history])


TO_TOP = "<script>document.querySelector('[data-testid=\"stMain\"]')?.scrollTo({top: 0});</script>"
VIEWS_EVERY = 3.0  # seconds between redraws of a live run's curves and pictures (docs/speed.md, "The app and training")


@st.cache_resource(max_entries=16, show_spinner=False)
def curves(run_id: int, moment: tuple, _events, epochs: int, thick: bool, lang: str) -> str:
    """A run's curves, drawn once per `moment` and language for every open Train page."""
    return live.learning_curves(_events, epochs, thick)


@st.cache_resource(max_entries=16, show_spinner=False)
def ended_curves(run_id: int, version: int, _history, epochs: int, thick: bool, lang: str):
    """An ended run's chart, built once per state of the run and language for every open Train page: Plotly takes
    about 11 ms to build it and half a millisecond to send it, and thirty students following the teacher to this
    page ask for the same one at once. The figure is only read."""
    return charts.learning_curves(_history, epochs, thick)


def curves_bar(run: Run) -> dict:
    """The ended run's chart: its toolbar, with a PNG download at twice the size (for a teacher's slides)."""
    return {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"],
            "toImageButtonOptions": {"format": "png", "filename": f"run-{run.id}-curves", "scale": 2}}


def moment(snap) -> tuple:
    """When a run's curves are built anew: at each epoch's end and the run's, and during an epoch once a second, the
    same second for every open page, so that thirty Train pages share one figure (each costs milliseconds of the
    GIL that training and the students' drawings need) instead of building one each."""
    return snap.state, len(snap.history), int(time.time()) if snap.state == "running" else None


act = saved_runs.act  # a teacher's action; a refusal (checked by the runs, not only by the buttons) is one message


def ended(run: Run, snap) -> None:
    if snap.state == "finished" and run.kind == BROUGHT:
        accuracy = run.test_accuracy
        said = f"{accuracy:.1%}" if accuracy is not None else t("unknown")
        st.success(t("Added from {file}: test accuracy {acc}.", file=run.source, acc=said),
                   icon=":material/upload_file:")
    elif snap.state == "finished":
        st.success(t("Finished in {time}: test accuracy {acc:.1%}.", time=duration(snap.elapsed),
                     acc=run.test_accuracy),
                   icon=":material/check_circle:")
    if snap.state == "finished":
        if snap.message:  # it could not be saved: a read-only or full checkpoints folder
            st.warning(error(snap.message), icon=":material/save:")
        key = f"run-{run.id}"
        if registry.class_key == key:
            st.info(t("The class reads with this model."), icon=":material/groups:")
            if teacher and st.button(t("Back to the shipped model"), icon=":material/undo:"):
                act(registry.set_class_model, SHIPPED_KEY, teacher)
        elif not run.offers_model:
            st.warning(t("Its model file is no longer in the runs folder: it cannot be read with."),
                       icon=":material/draft:")
        elif teacher and st.button(t("Use this run for the class"), type="primary", icon=":material/groups:"):
            act(registry.set_class_model, key, teacher)
        elif not teacher:
            st.caption(t("The class model changes only when the teacher chooses it."))
    elif snap.state == "interrupted":
        interrupted(run, snap)
    elif snap.state == "stopped":
        st.warning(error(snap.message) + " " + t("The class model is unchanged."), icon=":material/stop_circle:")
    else:  # did-not-learn or failed
        st.error(error(snap.message), icon=":material/error:")
        st.caption(t("This run is not offered as a model: the class model is unchanged."))


def interrupted(run: Run, snap) -> None:
    """A run the server's stop cut short: how far it got, and Resume."""
    st.warning(error(snap.message), icon=":material/pause_circle:")
    if not run.resumable:
        st.caption(t("A fine-tuning run cannot be resumed: fine-tune again on the Class page."))
    elif may_train and st.button(t("Resume"), type="primary", icon=":material/resume:",
                                 disabled=not registry.can_start_now()):
        train_split, why = state.dataset(run.config.dataset, True)
        test_split, why_test = state.dataset(run.config.dataset, False)
        if train_split is None or test_split is None:
            st.error(error(why or why_test or ""), icon=":material/folder_off:")
            return
        act(registry.resume, run, train_split, test_split, teacher)
    elif may_train:
        st.caption(t("It goes on from the end of its last finished epoch, as if it had never stopped."))


def run_head(run: Run, snap) -> None:
    """Where the run stands: waiting, its progress and running figures (one Markdown element of HTML: see
    web/live.py), or how it ended."""
    if snap.state == "queued":
        st.info(t("Waiting for another run to finish."), icon=":material/hourglass_top:")
    elif snap.state == "running":
        if snap.progress is None:
            st.progress(0.0, text=t("Starting…"))
        else:
            st.markdown(live.progress(snap.progress, duration(snap.progress.seconds_left), state.projector()),
                        unsafe_allow_html=True)
    else:
        ended(run, snap)


def run_views(run: Run, snap) -> None:
    """The run's curves, "watch it learn" pictures, table of epochs and, once saved, its model to download."""
    if snap.history and snap.state not in ("queued", "running"):  # ended: the chart to zoom, hover and download
        st.plotly_chart(ended_curves(run.id, snap.version, snap.history, run.config.epochs, state.projector(),
                                     language()), key=f"curves-{run.id}", config=curves_bar(run))
    elif snap.events:
        st.markdown(curves(run.id, moment(snap), snap.events, run.config.epochs, state.projector(), language()),
                    unsafe_allow_html=True)
    watch_it_learn(run)
    if snap.history:
        touch.epoch_table(epoch_table(snap.history), hide_index=True, width="stretch", column_config=epoch_columns())
    if run.checkpoint_path is not None and run.checkpoint_path.exists():
        st.download_button(t("Download this model"), run.checkpoint_path.read_bytes(),
                           file_name=run.checkpoint_path.name, mime="application/octet-stream",
                           icon=":material/download:")


def show_run(run: Run) -> None:
    snap = run.snapshot()
    st.subheader(name(run.name))
    run_head(run, snap)
    if teacher and run.disk_trouble:
        st.warning(t("This run could not be kept on disk ({why}): it will be gone when the server stops.",
                     why=error(run.disk_trouble)), icon=":material/save:")
    run_views(run, snap)


@st.fragment(run_every=1.0)
def live_head(run: Run) -> None:
    """The run in progress, redrawn every second; the whole page is redrawn when an epoch or the run ends."""
    run_head(run, run.snapshot())
    if not run.running:
        st.rerun()
    state.rerun_if_changed()  # an epoch began or ended, the class model changed: redraw the page


@st.fragment(run_every=VIEWS_EVERY)
def live_views(run: Run) -> None:
    """The curves and pictures of the run in progress, redrawn every VIEWS_EVERY seconds (and with the page at each
    epoch's end), not each second with the progress line: on a teacher's laptop the browser that redraws them
    shares the processor with the training."""
    run_views(run, run.snapshot())


def compare(snapshots: dict) -> None:
    """The runs picked, overlaid on one chart of a measure, and their final figures."""
    picked = st.multiselect(t("Runs to overlay"), list(snapshots), default=list(snapshots)[-3:], format_func=name,
                            placeholder=t("Choose runs"))
    metric = st.radio(t("Measure"), list(MEASURES), horizontal=True, format_func=lambda m: term(MEASURES[m]))
    if not picked:
        return
    st.plotly_chart(charts.run_overlay([(name(n), snapshots[n].history) for n in picked], metric),
                    config={"displayModeBar": False})
    st.dataframe(pd.DataFrame([{
        "run": name(n), "epochs": len(snapshots[n].history),
        "final test accuracy": snapshots[n].history[-1].test_acc, "time (s)": round(snapshots[n].elapsed, 1),
        "state": saved_runs.state_name(snapshots[n].state),
    } for n in picked]), hide_index=True, width="stretch", column_config={
        "run": st.column_config.TextColumn(t("run")), "epochs": st.column_config.NumberColumn(t("epochs")),
        "final test accuracy": st.column_config.NumberColumn(t("final test accuracy"), format="percent"),
        "time (s)": st.column_config.NumberColumn(t("time (s)")),
        "state": st.column_config.TextColumn(t("state"))})


def changes(recipe: str, optimizer: str, lr: float, batch_size: int) -> str:
    """What the controls changed of `recipe`'s own settings, in words; "" when nothing."""
    own = PRESETS[recipe]
    said = [t("{now} instead of {was}", now=term(OPTIMIZER_NAMES[optimizer]), was=term(OPTIMIZER_NAMES[own.optimizer]))
            if optimizer != own.optimizer else "",
            t("learning rate {now:g} instead of {was:g}", now=lr, was=own.lr) if lr != own.lr else "",
            t("batch size {now} instead of {was}", now=batch_size, was=own.batch_size)
            if batch_size != own.batch_size else ""]
    said = [s for s in said if s]
    return t("Changed from the recipe: {changes}.", changes=" · ".join(said)) if said else ""


def code_view(config, key: str) -> None:
    """The PyTorch code of `config`, in the tutorial's style, with its comments in this session's language: to
    read, copy (the code block's own button) or download as run.py, which trains the same run on its own."""
    with st.expander(t("The PyTorch code of this run"), icon=":material/code:"):
        code = script(config, len(CLASS_NAMES[config.dataset]), term)
        st.caption(t("Needs only torch and torchvision: python run.py --data-dir DIR. For the tutorial's recipe it "
                     "prints the very lines this page shows."))
        st.download_button(t("Download run.py"), code, file_name="run.py", mime="text/x-python",
                           icon=":material/download:", key=f"code-{key}")
        st.code(code, language="python")


def settings(last_config, last_recipe: str) -> None:
    """The teacher's controls: a recipe, the hyperparameters, Start. A recipe chosen sets the controls to its own
    settings (the last run's, when it is that run's recipe); under it, what the controls changed of it, so that the
    recipe's name and caption say what Start will use."""
    busy = not registry.can_start_now()  # as many runs train as may at once (MNIST_DEMO_MAX_RUNS, default 1)
    recipe = st.segmented_control(t("Recipe"), list(RECIPES), default=last_recipe, required=True,
                                  format_func=lambda r: term(RECIPE_NAMES[r]), disabled=busy)
    st.caption(term(RECIPES[recipe]))
    changed = st.empty()
    shown = last_config if recipe == last_recipe else replace(PRESETS[recipe], dataset=last_config.dataset,
                                                               seed=last_config.seed)
    c1, c2, c3 = st.columns(3)
    dataset = c1.selectbox(t("Dataset"), list(DATASETS), index=list(DATASETS).index(shown.dataset), disabled=busy)
    epochs = c1.slider(t("Epochs"), 1, MAX_EPOCHS, shown.epochs, disabled=busy)
    batch_size = c2.select_slider(t("Batch size"), sorted({*BATCH_SIZES, shown.batch_size}), value=shown.batch_size,
                                  disabled=busy)
    lr = c2.select_slider(t("Learning rate"), sorted({*LEARNING_RATES, shown.lr}), value=shown.lr,
                          format_func=lambda v: f"{v:g}", disabled=busy, help=t("Log scale. The tutorial uses 0.01."))
    optimizer = c3.radio(t("Optimizer"), OPTIMIZERS, index=OPTIMIZERS.index(shown.optimizer),
                         format_func=lambda o: term(OPTIMIZER_NAMES[o]), horizontal=True, disabled=busy)
    seed = c3.number_input(t("Seed"), 0, 10_000, shown.seed, disabled=busy,
                           help=t("Same seed and settings on the same device give the same numbers."))
    said = changes(recipe, optimizer, lr, batch_size)
    if said:
        changed.caption(f":material/edit: {said}")
    st.markdown(t("**The network**: the tutorial's, or one you build from its layer types. Every layer's output shape "
                  "and parameters update as you type; the class sees it too."))
    arch = network.editor(registry.draft, lambda spec: registry.set_draft(spec, teacher))
    layers = network.show(arch, "train-layers")
    try:
        planned = preset(recipe, dataset=dataset, epochs=epochs, batch_size=batch_size, lr=lr, optimizer=optimizer,
                         seed=int(seed), arch=arch) if layers is not None else None
    except UserError:  # a network that cannot work is said above; any other setting, on Start below
        planned = None
    if planned is not None:
        code_view(planned, "settings")
    if not st.button(t("Start"), type="primary", icon=":material/play_arrow:", disabled=busy or layers is None):
        return
    train_split, why = state.dataset(dataset, True)
    test_split, why_test = state.dataset(dataset, False)
    if train_split is None or test_split is None:
        st.error(error(why or why_test or ""), icon=":material/folder_off:")
        return
    try:
        config = preset(recipe, dataset=dataset, epochs=epochs, batch_size=batch_size, lr=lr, optimizer=optimizer,
                        seed=int(seed), device=state.device().type, arch=arch)
        registry.start(config, train_split, test_split, teacher, recipe=recipe)
        st.session_state["to_top"] = True  # Start sat low on the page: the run shows at its top
    except NotAllowed as exc:  # another tab's Start came first: its run is the one this page shows now
        st.session_state["start_refused"] = error(exc)
        st.rerun()
    except UserError as exc:  # said before the run starts; the class model is untouched
        st.error(t("Cannot start: {why}", why=error(exc)), icon=":material/tune:")
        return
    st.rerun()


st.title(t("Train a network to read handwriting"))
if st.session_state.pop("to_top", False):  # the page keeps its scroll through a rerun: the run begins at its top
    st.html(TO_TOP, unsafe_allow_javascript=True)
if "start_refused" in st.session_state:
    st.error(st.session_state.pop("start_refused"), icon=":material/block:")
if teacher and registry.too_large():
    saved_runs.folder_line(registry)
runs = registry.all()
running = registry.running()
shown_run = running if running is not None else saved_runs.shown(runs)
lazy = running is not None  # while a run trains, the closed sections below are filled only when opened
if shown_run is None:
    st.info(t("No run yet. The Draw page already works with the shipped model; press Start to train your own and "
              "watch the curves climb.") if may_train else
            t("No run yet. The Draw page already works with the shipped model: the teacher's run will appear here "
              "as it trains."), icon=":material/info:")
elif running is not None:
    state.follows_itself()  # live_head() checks for changes each second: the server need not ask this page
    title, stop = st.columns([5, 1], vertical_alignment="bottom")
    title.subheader(name(running.name))
    if may_train and stop.button(t("Stop"), icon=":material/stop:", width="stretch"):
        registry.stop(running, teacher)
        running.join(timeout=30)
        st.rerun()
    live_head(running)
    live_views(running)
else:
    show_run(shown_run)

if may_train:
    trained = [r for r in runs if r.kind == TRAINING]  # a fine-tuning run's settings are no recipe's
    last = trained[-1].config if trained else replace(PRESETS["seed"], epochs=5)
    last_recipe = (trained[-1].recipe if trained and trained[-1].recipe in RECIPES else None) or recipe_of(last)
    box, filled = section(t("Settings for the next run"), ":material/tune:", "settings-open", lazy=lazy,
                          expanded=running is None)
    with box:
        if filled:
            settings(last, last_recipe)
else:
    st.caption(t("The teacher starts and stops the runs; this page follows them live."))
    box, filled = section(t("The network"), ":material/schema:", "network-open", lazy=lazy,
                          expanded=running is None)
    with box:
        if filled:
            st.caption(t("The network the teacher is building, as it changes:"))
            network.show(registry.draft, "draft-layers")
    if shown_run is not None:
        code_view(shown_run.config, "run")

snapshots = {r.name: r.snapshot() for r in runs}
snapshots = {name: snap for name, snap in snapshots.items() if snap.history}
if len(snapshots) > 1:
    box, filled = section(t("Compare runs"), ":material/stacked_line_chart:", "compare-open", lazy=lazy,
                          expanded=running is None)
    with box:
        if filled:
            compare(snapshots)

if runs or teacher:
    box, filled = section(t("Saved runs"), ":material/folder_open:", "saved-open", lazy=lazy)
    with box:
        if filled:
            if runs:
                saved_runs.panel(registry, runs, teacher)
            if teacher:
                saved_runs.add_model(registry, teacher)
                saved_runs.folder_line(registry)
