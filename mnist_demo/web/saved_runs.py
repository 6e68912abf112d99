"""The Train page's "Saved runs": every run the runs folder keeps, which one the page shows, and the teacher's
housekeeping: rename, delete, add a model (an upload), and how large the folder is."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mnist_demo.errors import UserError
from mnist_demo.messages import N_
from mnist_demo.runs import Run, Runs
from mnist_demo.runs.registry import LARGE_FOLDER, MAX_TITLE
from mnist_demo.runs.run import BROUGHT
from mnist_demo.web import touch
from mnist_demo.web.i18n import error, name, t, term

STATES = {"queued": N_("queued"), "running": N_("running"), "finished": N_("finished"), "stopped": N_("stopped"),
          "did-not-learn": N_("did not learn"), "failed": N_("failed"), "interrupted": N_("interrupted")}


def state_name(state: str) -> str:
    return term(STATES[state])


def megabytes(n: int) -> str:
    return f"{n / 2**20:,.1f} MB"


def folder_line(registry: Runs) -> None:
    """How large the runs folder is; a warning once it passes LARGE_FOLDER."""
    count, size = registry.folder_size()
    if size > LARGE_FOLDER:
        st.warning(t("Runs kept on disk: {n}, {size} in all. Delete the runs you no longer need under Saved runs.",
                     n=count, size=megabytes(size)), icon=":material/folder_zip:")
    else:
        st.caption(t("Runs kept on disk: {n}, {size} in all.", n=count, size=megabytes(size)))


def shown(runs: list[Run]) -> Run | None:
    """The run this session looks at: the one it chose under Saved runs while it exists, else the newest trained
    here (a checkpoint dropped in the runs folder does not take the projector's view by itself)."""
    chosen = st.session_state.get("shown_run")
    trained = [r for r in runs if r.kind != BROUGHT] or runs
    return next((r for r in runs if r.id == chosen), trained[-1] if trained else None)


def panel(registry: Runs, runs: list[Run], teacher: bool) -> None:
    table = pd.DataFrame([{"run": name(r.name), "state": state_name(s.state), "epochs": len(s.history),
                           "of": r.config.epochs} for r in runs for s in [r.snapshot()]])
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "run": st.column_config.TextColumn(t("run")), "state": st.column_config.TextColumn(t("state")),
        "epochs": st.column_config.NumberColumn(t("epochs")), "of": st.column_config.NumberColumn(t("of"))})
    current = shown(runs)
    if current is None:
        return
    ids = [r.id for r in reversed(runs)]
    names = {r.id: name(r.name) for r in runs}
    picked = st.selectbox(t("Run shown above"), ids, index=ids.index(current.id), format_func=names.__getitem__)
    if picked != current.id:
        st.session_state["shown_run"] = picked
        st.rerun()
    if not teacher:
        return
    run = current
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    title = left.text_input(t("New name"), value=run.title or "", max_chars=MAX_TITLE, key=f"title-{run.id}",
                            placeholder=t("A name the class will recognise, e.g. \"lr 0.1\""))
    if right.button(t("Rename"), icon=":material/edit:", width="stretch"):
        act(registry.rename, run, title, teacher)
    if not run.running:
        with st.popover(t("Delete this run"), icon=":material/delete:"):
            st.markdown(t("Delete **{name}** and its files (its model, table and curves)? This cannot be undone.",
                          name=name(run.name)))
            if st.button(t("Delete"), type="primary", key=f"delete-{run.id}"):
                act(registry.delete, run, teacher)


def add_model(registry: Runs, teacher: bool) -> None:
    """The teacher's upload of a checkpoint: it joins the runs once it passes every check."""
    touch.uploader_in_chinese("PT")
    upload = st.file_uploader(t("Add a model (a checkpoint, .pt)"), type=["pt"], key="bring",
                              help=t("A model trained with `python -m mnist_demo train`, on another machine or on "
                                     "the school's GPU. A file put in the runs folder is added within seconds."))
    if upload is None:
        return
    done = st.session_state.get("brought")
    if done is None or done[0] != upload.file_id:  # once per upload; its outcome stays while the file is shown
        try:
            run = registry.bring(upload.getvalue(), upload.name, teacher)
            done = (upload.file_id, None, run.name)
            st.session_state["shown_run"] = run.id
        except UserError as exc:
            done = (upload.file_id, exc.public, None)
        st.session_state["brought"] = done
    _, refusal, added = done
    if refusal is not None:
        st.error(error(refusal), icon=":material/block:")
    elif added is not None:
        st.success(t("Added {name}.", name=name(added)), icon=":material/check_circle:")


def act(action, *args) -> None:
    """A teacher's action; a refusal is one message, on the page."""
    try:
        action(*args)
    except UserError as exc:
        st.error(error(exc), icon=":material/lock:")
        st.stop()
    st.rerun()
