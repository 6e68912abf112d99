"""The Draw page's "Right" / "Wrong, it is a D" control, and the server's one class set.

One tap after a reading puts the drawing into the class set (mnist_demo.classset) with its true label: the 28 x 28
image the network saw, the drawing at reduced size, the time, the model's reading and this session's anonymous
writer id. The control is a fragment, so a tap reruns only it (a few milliseconds), not the whole Draw page.
A class set that cannot be used (locked, read-only, damaged) turns into one message here; drawing goes on.
"""

from __future__ import annotations

import hashlib
import secrets

import numpy as np
import streamlit as st

from mnist_demo.classset import ClassSet, default_path
from mnist_demo.errors import UserError
from mnist_demo.reading.preprocess import open_image
from mnist_demo.web.i18n import error as translated
from mnist_demo.web.i18n import t, tn

DIGITS = [str(d) for d in range(10)]


@st.cache_resource(show_spinner=False)
def _class_set(path: str) -> ClassSet:
    return ClassSet(path)


def class_set() -> tuple[ClassSet | None, UserError | None]:
    """The server's class set at $MNIST_DEMO_CLASS_DB (else data/class.db), or (None, why it cannot be used: show it
    with i18n.error, which gives a browser its form without the server's paths). A failure is not cached: a file
    fixed or moved away while the app runs is found on the next rerun."""
    path = default_path()
    try:
        found = _class_set(str(path))
        if not found.path.exists():  # moved away while the app ran: start a new one there
            _class_set.clear()
            found = _class_set(str(path))
        return found, None
    except UserError as exc:
        return None, exc


def writer_id() -> str:
    """This browser tab's anonymous writer id: random, never a name, the same for every digit it adds."""
    if "writer" not in st.session_state:
        st.session_state["writer"] = "s-" + secrets.token_hex(6)
    return st.session_state["writer"]


def as_drawing(source: np.ndarray | bytes | None) -> np.ndarray | None:
    """What the student drew, as a grey array to keep at reduced size: the canvas's RGBA strokes laid on its black
    background, or an upload as it is."""
    if source is None:
        return None
    try:
        if isinstance(source, (bytes, bytearray)):  # the canvas's PNG, or an upload
            img = open_image(bytes(source))
            source = np.asarray(img.convert("RGBA" if "A" in img.getbands() or img.mode == "P" else "RGB"))
        arr = np.asarray(source, dtype=np.float32)
        if arr.ndim == 3 and arr.shape[2] == 4:  # the canvas: white strokes, transparent elsewhere
            arr = arr[..., :3].mean(axis=2) * arr[..., 3] / 255
        elif arr.ndim == 3:
            arr = arr.mean(axis=2)
        return np.clip(arr, 0, 255).astype(np.uint8)
    except (UserError, ValueError):
        return None  # the 28 x 28 image is what matters; the thumbnail is a courtesy


def _save(key: str, image: np.ndarray, drawing: np.ndarray | bytes | None, predicted: int, label: int | None
          ) -> None:
    """A tap's callback: it runs before the control is drawn again, which then shows what happened."""
    if label is None:  # the pills: their value is the digit tapped
        label = st.session_state.get(f"wrong-{key}")
        if label is None:
            return
    cs, why = class_set()
    try:
        if cs is None:
            assert why is not None  # class_set() gives why whenever it gives no set
            raise why
        cs.add(image, int(label), writer_id(), predicted=int(predicted), drawing=as_drawing(drawing))
        st.session_state["class_saved"] = (key, int(label), cs.count(writer_id()))
    except UserError as exc:  # locked, read-only, damaged: said here, and the page goes on reading drawings
        st.session_state["class_error"] = (key, exc.public)  # the message, not the error and its traceback


@st.fragment
def control(image: np.ndarray, drawing: np.ndarray | bytes | None, predicted: int, classes: list[str]) -> None:
    """Right / Wrong under a reading. Only for digits: a model of another dataset reads other classes."""
    if list(classes) != DIGITS:
        return
    if default_path().exists():  # checked now, so a damaged file says so before any tap; the first tap makes one
        cs, why = class_set()
        if cs is None:
            assert why is not None
            off = t("Adding drawings to the class set is off: {why}", why=translated(why))
            st.caption(f":material/database_off: {off}")
            return
    key = hashlib.sha1(np.ascontiguousarray(image).tobytes()).hexdigest()[:16]
    saved = st.session_state.get("class_saved")
    if saved is not None and saved[0] == key:
        st.success(tn("Added to the class set as a **{digit}**. You have added **{n}** digit. Press Clear to draw the "
                      "next one.",
                      "Added to the class set as a **{digit}**. You have added **{n}** digits. Press Clear to draw the "
                      "next one.", saved[2], digit=saved[1]), icon=":material/check_circle:")
        return
    error = st.session_state.get("class_error")
    if error is not None and error[0] == key:
        st.warning(t("Not added: {why}", why=translated(error[1])), icon=":material/database_off:")
    st.markdown(t("**Was it right?** One tap adds your drawing to the class's digits (no names are kept)."))
    # one under the other, the digits wrapping onto a second row: whole at any width (beside each other, a
    # tablet's column showed the button's icon alone and hid 4-9 behind a sideways scroll)
    st.button(t("Right, it is a {digit}", digit=predicted), icon=":material/thumb_up:", key=f"right-{key}",
              on_click=_save, args=(key, image, drawing, predicted, predicted))
    st.pills(t("Wrong, it is a"), [d for d in range(10) if d != predicted], key=f"wrong-{key}", on_change=_save,
             args=(key, image, drawing, predicted, None), wrap=True)
