"""What the Class page draws: the class's digits digit by digit, how the class model reads them, the teacher's
review (delete), export and import, and the fine-tuning run with its before and after.

Everything drawn is capped (the newest digits first), so a class set of thousands draws as fast as one of dozens:
each digit's overview is one picture, not one element per digit.
"""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from mnist_demo.classset import IDX_IMAGES, IDX_LABELS, ClassSet, Images
from mnist_demo.data import Split
from mnist_demo.errors import UserError
from mnist_demo.network import Net
from mnist_demo.runs import Run
from mnist_demo.train.loop import EvalResult, evaluate
from mnist_demo.web import touch
from mnist_demo.web.i18n import error, t, tn
from mnist_demo.web.user_text import plain
from mnist_demo.web.widgets import enlarge

PER_DIGIT = 24  # newest digits drawn in each digit's overview: two rows
MISREAD = 30  # newest misread digits drawn
REVIEW = 40  # newest digits of one digit the teacher reviews with a Delete button each
MEASURED = 5_000  # newest digits the class model is measured on
COLUMNS = 12  # of an overview picture


def mosaic(images: np.ndarray, columns: int = COLUMNS, scale: int = 2, gap: int = 2) -> np.ndarray:
    """(N, 28, 28) uint8 as one grey picture, `columns` wide, each digit `scale` times its size."""
    n = len(images)
    rows = max(1, -(-n // columns))
    side = 28 * scale + gap
    out = np.full((rows * side - gap, min(max(n, 1), columns) * side - gap), 60, np.uint8)
    big = images.repeat(scale, axis=1).repeat(scale, axis=2)
    for i, img in enumerate(big):
        r, c = divmod(i, columns)
        out[r * side : r * side + 28 * scale, c * side : c * side + 28 * scale] = img
    return out


@st.cache_resource(show_spinner=False, max_entries=4)
def _reading(key: str, fingerprint: tuple, _model: Net, _digits: Images) -> EvalResult:
    """The model's readings of the class set; cached per model and per state of the set."""
    device = next(_model.parameters()).device
    split = Split("mnist", False, torch.from_numpy(_digits.images), torch.from_numpy(_digits.labels)).to(device)
    return evaluate(_model, split, 256)


def reading(key: str, model: Net, digits: Images) -> EvalResult:
    newest = Images._make(part[-MEASURED:] for part in digits)
    with st.spinner(t("Reading the class's digits…")):
        return _reading(key, (len(newest.ids), tuple(newest.ids[:1]), tuple(newest.ids[-1:]), sum(newest.ids)),
                        model, newest)


def overview(digits: Images, per_digit: dict[str, int]) -> None:
    """Each digit's count and its newest PER_DIGIT images in one picture."""
    for d in range(10):
        idx = np.flatnonzero(digits.labels == d)[-PER_DIGIT:][::-1]
        name, picture = st.columns([1, 8], vertical_alignment="center")
        name.markdown(f"<div style='font-size:2.4rem;font-weight:700;line-height:1'>{d}</div>",
                      unsafe_allow_html=True)
        count = per_digit[str(d)]
        name.caption(tn("{n} digit", "{n} digits", count))
        if len(idx):
            picture.image(mosaic(digits.images[idx]))
            if count > len(idx):
                picture.caption(t("The newest {n} of {total}.", n=len(idx), total=count))
        else:
            picture.caption(t("None yet."))


def misread(digits: Images, result: EvalResult) -> None:
    """The newest digits the class model reads wrong, each with what it read."""
    n = len(result.labels)
    wrong = np.flatnonzero(result.predictions.numpy() != result.labels.numpy())[::-1][:MISREAD]
    if not len(wrong):
        st.caption(t("The class model reads every one of them right."))
        return
    shown = t(" (the newest {n} shown)", n=len(wrong)) if len(wrong) == MISREAD else ""
    st.markdown(t("**{wrong}** of {n} misread{shown}. Under each: the digit meant → what the class model read.",
                  wrong=int((result.predictions != result.labels).sum()), n=n, shown=shown))
    images = digits.images[-n:]
    for row in range(0, len(wrong), 10):
        for col, i in zip(st.columns(10), wrong[row : row + 10]):
            col.image(enlarge(images[i], 56))
            col.caption(f"{int(result.labels[i])} → **{int(result.predictions[i])}**")


def act(action, *args):
    """A teacher's action on the class set: a refusal or a busy file is one message, and the page goes on."""
    try:
        return action(*args)
    except UserError as exc:
        st.error(error(exc), icon=":material/lock:")
        return None


def review(cs: ClassSet, teacher: bool) -> None:
    """The teacher deletes junk, names and jokes one by one, or everything."""
    digit = st.segmented_control(t("Digit to review"), list(range(10)), default=0, required=True, key="review-digit")
    rows = cs.rows(label=digit, limit=REVIEW)
    if not rows:
        st.caption(t("No {digit}s in the class set.", digit=digit))
    for start in range(0, len(rows), 8):
        for col, row in zip(st.columns(8), rows[start : start + 8]):
            thumb = cs.drawing(row.id)
            col.image(thumb if thumb is not None else enlarge(cs.images([row.id]).images[0], 64), width=64)
            read = "" if row.predicted is None else t(" · read {digit}", digit=row.predicted)
            col.caption(f"#{row.id}{read}")
            if col.button(t("Delete"), key=f"delete-{row.id}", icon=":material/delete:"):
                if act(cs.delete, row.id, teacher) is not None:
                    st.rerun()
    total = cs.count()
    with st.expander(t("Delete every digit"), icon=":material/delete_forever:"):
        sure = st.checkbox(t("Yes, delete all {n} digits of the class set", n=total), key="delete-all-sure")
        if st.button(t("Delete all"), type="primary", disabled=not sure or not total, key="delete-all"):
            if act(cs.delete_all, teacher) is not None:
                st.rerun()


def transfer(cs: ClassSet, teacher: bool) -> None:
    """Downloads of the class set, and importing another (merged without duplicates)."""
    c1, c2, c3 = st.columns(3)
    c1.download_button(t("PNGs in a zip"), cs.zip_bytes, file_name="class-digits.zip", mime="application/zip",
                       icon=":material/folder_zip:", help=t("One folder per digit, and labels.csv"))
    c2.download_button(t("IDX images"), lambda: cs.idx_bytes()[0], file_name=IDX_IMAGES, icon=":material/download:",
                       mime="application/octet-stream", help=t("MNIST's own format: any MNIST reader takes it"))
    c3.download_button(t("IDX labels"), lambda: cs.idx_bytes()[1], file_name=IDX_LABELS, icon=":material/download:",
                       mime="application/octet-stream")
    touch.uploader_in_chinese("ZIP")
    upload = st.file_uploader(t("Import a class set (a zip as exported here, or of IDX files)"), type=["zip"],
                              key=f"import-{st.session_state.get('imports', 0)}")
    if upload is not None and st.button(t("Import"), icon=":material/upload:"):
        if not teacher:
            st.error(t("Only the teacher can import into the class set."), icon=":material/lock:")
            return
        try:
            added, skipped = cs.import_(upload.getvalue(), upload.name)
        except UserError as exc:  # it names the zip's members, which whoever made the zip chose: shown as text
            st.error(plain(error(exc), 500), icon=":material/block:")
            return
        st.session_state["imports"] = st.session_state.get("imports", 0) + 1
        st.session_state["imported"] = t("Imported {name}: {added} digits added, {skipped} were already in the class "
                                         "set.", name=plain(upload.name), added=added, skipped=skipped)
        st.rerun()
    if "imported" in st.session_state:
        st.success(st.session_state.pop("imported"), icon=":material/check_circle:")


def measures_table(run: Run) -> None:
    """Before and after, on held-out class digits and on MNIST's test set."""
    m = run.measures
    if m is None:
        return
    rows = [(t("Class digits it did not train on ({n:,})", n=m["n_heldout"]), m["class_before"], m["class_after"]),
            (t("MNIST's test set"), m["mnist_before"], m["mnist_after"])]
    for col, (what, before, after) in zip(st.columns(2), rows):
        col.metric(what, f"{after:.2%}", t("{change:+.2f} pt (was {before:.2%})", change=(after - before) * 100,
                                           before=before))
    st.caption(t("Trained on {n:,} class digits mixed with MNIST, in {s:.0f} s. The held-out digits are whole writers "
                 "the run never saw, as a new student's would be.", n=m["n_train"], s=run.snapshot().elapsed))
