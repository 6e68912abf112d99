"""Class page: the class's own digits, how the class model reads them next to MNIST, and the teacher's tools:
delete, export and import, and teach the model the class's handwriting (a fine-tuning run)."""

from dataclasses import replace

import streamlit as st

from mnist_demo.errors import UserError
from mnist_demo.runs import Run
from mnist_demo.runs.run import FINE_TUNING
from mnist_demo.train import finetune
from mnist_demo.train.metrics import confusion_matrix
from mnist_demo.web import charts, class_views, state
from mnist_demo.web.feedback import class_set
from mnist_demo.web.i18n import error, name, t, tn
from mnist_demo.web.widgets import duration

st.title(t("Our class's handwriting"))
cs, why = class_set()
if cs is None:
    assert why is not None  # class_set() gives why whenever it gives no set
    st.error(error(why), icon=":material/database_off:")
    st.caption(t("Drawing and reading still work; digits cannot be added or shown until the class set is usable."))
    st.stop()
teacher = state.is_teacher()
registry = state.runs()
try:
    stats = cs.stats()
    digits = cs.images()
except UserError as exc:  # locked for too long, or damaged since the app started
    st.error(error(exc), icon=":material/database_off:")
    st.stop()
model = registry.class_model()


def show_run(run: Run) -> None:
    """A fine-tuning run: live while it trains, then its before and after and the teacher's choice."""
    snap = run.snapshot()
    st.markdown(f"**{name(run.name)}**")
    if snap.state == "queued":
        st.info(t("Waiting for another run to finish."), icon=":material/hourglass_top:")
    elif snap.state == "running":
        p = snap.progress
        text = t("Measuring before and after…") if p is not None and p.fraction >= 1 else t("Starting…")
        if p is not None and p.fraction < 1:  # the time left is the training's: measuring after it has no estimate
            text = t("Epoch {epoch} of {epochs} · batch {batch:,} of {batches:,} · about {left} of training left, "
                     "then measuring before and after", epoch=p.epoch, epochs=p.epochs, batch=p.batch,
                     batches=p.batches, left=duration(p.seconds_left))
        st.progress(p.fraction if p is not None else 0.0, text=text)
        if state.may_train() and st.button(t("Stop"), icon=":material/stop:", key="stop-finetune"):
            class_views.act(registry.stop, run, teacher)
            run.join(timeout=30)
            st.rerun()
    elif snap.state == "finished" and run.measures is not None:
        class_views.measures_table(run)
        key = f"run-{run.id}"
        if registry.class_key == key:
            st.info(t("The class reads with this model."), icon=":material/groups:")
        elif teacher and run.offers_model and st.button(t("Use this run for the class"), type="primary",
                                                            icon=":material/groups:", key="use-finetune"):
            class_views.act(registry.set_class_model, key, teacher)
            st.rerun()
        elif not teacher:
            st.caption(t("The teacher decides whether it becomes the class model."))
    elif snap.state == "stopped":
        st.warning(error(snap.message) + " " + t("The class model is unchanged."), icon=":material/stop_circle:")
    else:
        st.error(error(snap.message) if snap.message else t("The run ended without a result."), icon=":material/error:")


@st.fragment(run_every=1.0)
def live(run: Run) -> None:
    show_run(run)
    if not run.running:
        st.rerun()


def cannot_start() -> str:
    """Why fine-tuning would be refused now, in words; "" when it can start (the button is off until then)."""
    if not registry.can_start_now():
        running = registry.running()
        return t("{run} is training: fine-tuning can start when it ends.", run=name(running.name)) if running else ""
    if model is None or model.dataset != "mnist":
        return t("The class model does not read digits: choose an MNIST model for the class on the Train page.")
    if stats["count"] < finetune.MIN_DIGITS:
        return tn("The class set has {n} digit; fine-tuning needs at least {least} from two or more students.",
                  "The class set has {n} digits; fine-tuning needs at least {least} from two or more students.",
                  stats["count"], least=finetune.MIN_DIGITS)
    if stats["writers"] < 2:
        return t("All the digits are from one student: fine-tuning needs digits from two or more, to be measured on "
                 "handwriting it did not train on.")
    return ""


def start() -> None:
    """Queue a fine-tuning run of the class model on the class set mixed with MNIST."""
    assert cs is not None  # the page stops above without a class set
    train, why_train = state.dataset("mnist", True)
    test, why_test = state.dataset("mnist", False)
    if train is None or test is None:
        st.error(error(why_train or why_test or ""), icon=":material/folder_off:")
        return
    if model is None or model.dataset != "mnist":
        st.error(t("The class model does not read digits: choose an MNIST model for the class on the Train page."),
                 icon=":material/error:")
        return
    try:
        plan = finetune.plan(cs.images(), train, replace(finetune.CONFIG, device=state.device().type))
        registry.start(plan.config, plan.train, test, teacher, start_from=model.model, kind=FINE_TUNING,
                       after=plan.after(model.model, test))
    except UserError as exc:
        st.error(t("Cannot start: {why}", why=error(exc)), icon=":material/tune:")
        return
    st.rerun()


if not stats["count"]:
    st.info(t("No digits yet. On the Draw page, after the network reads a drawing, tap \"Right\" or \"Wrong, it is "
              "a …\": the drawing joins the class's digits here."), icon=":material/draw:")
else:
    result = class_views.reading(model.key, model.model, digits) if model is not None else None
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("Digits"), f"{stats['count']:,}")
    c2.metric(t("Writers"), f"{stats['writers']:,}", help=t("Anonymous: one per browser tab that added digits"))
    if result is not None and model is not None:
        c3.metric(t("Class model on our digits"), f"{result.accuracy:.1%}")
        c4.metric(t("…on MNIST's test set"), t("unknown") if model.accuracy is None else f"{model.accuracy:.1%}")
        st.caption(t("The class model is {name}. The gap between the two is the domain shift: our handwriting is not "
                     "the handwriting it learned from.", name=name(model.name)))
    with st.expander(t("Our digits, digit by digit"), expanded=True, icon=":material/grid_view:"):
        class_views.overview(digits, stats["per_digit"])
    if result is not None:
        with st.expander(t("Where the class model goes wrong on our digits"), expanded=True, icon=":material/rule:"):
            counts = confusion_matrix(result.predictions, result.labels, 10).numpy()
            # the whole width: in a column beside the misread digits its cells were so small that Plotly wrote
            # their numbers 5 px high
            st.plotly_chart(charts.confusion_heatmap(counts, [str(d) for d in range(10)]), key="class-confusion",
                            config={"displayModeBar": False})
            st.caption(t("Rows: the digit the student meant. Columns: what the class model read."))
            class_views.misread(digits, result)

st.subheader(t("Teach it our handwriting"))
st.markdown(t("A short run from the class model's weights on our digits mixed with MNIST, so that it keeps what it "
              "knew. It is measured before and after on digits of students it did not train on, and on MNIST's test "
              "set; the teacher then decides whether it becomes the class model."))
runs = [r for r in registry.all() if r.kind == FINE_TUNING]
if runs and runs[-1].running:
    live(runs[-1])
elif runs:
    show_run(runs[-1])
if state.may_train():
    why_not = cannot_start()
    if st.button(t("Fine-tune the class model on our digits"), icon=":material/school:", disabled=bool(why_not),
                 type="primary" if not runs else "secondary"):
        start()
    if why_not:
        st.caption(why_not)
else:
    st.caption(t("The teacher starts fine-tuning; this page shows the result."))

if teacher:
    with st.expander(t("Review and delete"), icon=":material/delete:"):
        class_views.review(cs, teacher)
    with st.expander(t("Export and import"), icon=":material/swap_vert:"):
        class_views.transfer(cs, teacher)
