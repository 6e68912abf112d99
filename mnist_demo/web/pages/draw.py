"""Draw page: a student draws a digit, the network reads it live."""

import html

import streamlit as st

from mnist_demo.errors import UnreadableImage
from mnist_demo.reading.inference import UNSURE_BELOW, read
from mnist_demo.reading.not_sure import QUANTILE
from mnist_demo.reading.preprocess import to_mnist, why_blank
from mnist_demo.train.device import one_thread
from mnist_demo.web import charts, state, touch
from mnist_demo.web.canvas import drawing_canvas
from mnist_demo.web.feedback import control as class_feedback
from mnist_demo.web.i18n import class_names, error, name, t
from mnist_demo.web.user_text import plain
from mnist_demo.web.views import inside
from mnist_demo.web.widgets import enlarge

st.title(t("Draw a digit"))
active = state.my_model()
if active is None:
    st.warning(t("There is no model to read drawings yet: train one on the Train page."), icon=":material/warning:")
    st.stop()

if active.dataset != "mnist":
    st.info(t("The active model learned {dataset}: it will read your drawing as one of its classes. Pick the "
              "shipped model in the sidebar to read digits.", dataset=active.dataset), icon=":material/info:")
st.session_state.setdefault("canvas_id", 0)
touch.hide_canvas_toolbar()
left, right = st.container(key="draw-top").columns([1, 1], gap="large")  # stacked where narrow: web/touch.py
# "Inside the network" goes here. The container is sent on every run, also one that stops early (Clear, Undo), so
# the page's top level keeps its shape and a late delta of the previous run still finds its place (a "Bad delta
# path" error in the browser was seen once in CI without it).
below = st.container()
with left:
    st.caption(t("White ink on black, like MNIST. Draw one digit, big or small, anywhere."))
    canvas = drawing_canvas(stroke_width=st.session_state.get("pen", 20), stroke_color="#FFFFFF",
                            background_color="#000000", height=280, width=280, drawing_mode="freedraw",
                            initial_drawing=touch.seed(), on_change=touch.drew,
                            key=f"canvas-{st.session_state['canvas_id']}")  # checked before decoding
    drawn_strokes = touch.strokes(canvas.json_data)
    touch.keep(drawn_strokes)
    answer = st.empty()  # the compact answer, right under the canvas on a phone
    undo, clear = st.columns(2)
    undo.button(t("Undo"), icon=":material/undo:", width="stretch", on_click=touch.undo, args=(drawn_strokes,),
                disabled=not drawn_strokes)
    clear.button(t("Clear"), icon=":material/ink_eraser:", width="stretch", on_click=touch.clear)
    st.slider(t("Pen width"), 6, 40, 20, key="pen")
    upload = st.file_uploader(t("…or upload a photo or scan of one digit"), type=["png", "jpg", "jpeg"],
                              help=t("Dark ink on paper or light on dark: either works. Clear removes it."),
                              key=f"upload-{st.session_state['canvas_id']}", on_change=touch.uploaded)

# The answer's column keeps one shape whatever it says: this line (empty, or which picture is read) is sent on every
# run, and "not sure"'s explanation goes inside the big answer's column. A two-stroke digit drawn on a busy server is
# read twice, its first stroke first; when the two readings put the chart at different places, Streamlit's browser
# side could leave the first one's chart beside the second's (seen in CI; streamlit/streamlit#16708 is the same
# clean-up, run for the wrong run). Redrawn in the same place, the old one is simply replaced.
note = right.empty()
source, image = None, None
waiting = touch.stale(drawn_strokes)
try:
    drawn = None if waiting else canvas.png()
    if upload is not None and touch.reads_upload(True, bool(drawn_strokes)):
        source, image = t("the upload {name}", name=plain(upload.name)), to_mnist(upload.getvalue())
    elif drawn is not None:
        source, image = t("your drawing"), to_mnist(drawn)
        if upload is not None:  # the drawing is what the student did last: the upload stays, unread
            note.caption(t("Reading your drawing, not the upload {name} (upload it again to read it).",
                            name=plain(upload.name)))
            upload = None
except UnreadableImage as exc:  # not a picture, too many bytes or pixels, a forged canvas: said before decoding
    what = plain(upload.name) if upload is not None else t("your drawing")
    note.error(t("Cannot read {what}: {why}", what=what, why=error(exc)), icon=":material/broken_image:")
    st.stop()

with right:
    if waiting:
        st.info(t("Undoing the last stroke…"), icon=":material/undo:")
        st.stop()
    if image is None and upload is not None:
        st.warning(t("Nothing to read in {name}: {why}. Upload a photo or scan of one digit, dark on light or "
                     "light on dark, or press Clear and draw one.", name=plain(upload.name),
                     why=error(why_blank(upload.getvalue()))),
                   icon=":material/hide_image:")
        st.stop()
    if image is None:
        st.info(t("Draw a digit on the black square with your mouse or finger (the canvas is empty)."),
                icon=":material/draw:")
        st.stop()
    with one_thread():  # the run keeps its threads (train/device.py); saliency only inside the network, open
        reading = read(active.model, image, active.stats, explain=False)
    (digit, p1), (second, p2) = reading.top2
    names = class_names(active.classes)
    not_sure = t("Not sure")
    how_sure = t("{p:.0%} sure", p=p1) if reading.sure else not_sure
    answer.html(f"<div class='compact-answer'><b>{html.escape(names[digit]) if reading.sure else '?'}</b>"
                f"<span>{html.escape(how_sure)}</span></div>")
    big, seen = st.columns([2, 1])
    if reading.sure:
        big.markdown(f"<div style='font-size:7rem;line-height:1;font-weight:700'>{names[digit]}</div>",
                     unsafe_allow_html=True)
        big.markdown(t("**{p1:.0%}** sure · next best **{second}** ({p2:.1%})", p1=p1, second=names[second], p2=p2))
    else:
        big.markdown(f"<div style='font-size:4rem;line-height:1.2;font-weight:700'>{html.escape(not_sure)}</div>",
                     unsafe_allow_html=True)
        why = (t("its best guess is only {p:.0%} sure", p=p1) if reading.digit_like
               else t("this does not look like the digits it learned from"))
        big.markdown(t("Maybe **{first}** ({p1:.0%}) or **{second}** ({p2:.0%}), but {why}. Try a clearer digit.",
                       first=names[digit], p1=p1, second=names[second], p2=p2, why=why))
        big.caption(t("The app says \"not sure\" when the top probability is under {below:.0%} or the drawing is "
                      "farther from every digit class than {quantile:.1%} of the images it trained on (distance in "
                      "the network's last hidden layer).", below=UNSURE_BELOW, quantile=QUANTILE))
    seen.image(enlarge(image, 140), caption=t("What the network sees (28 x 28)"))
    st.plotly_chart(charts.probability_bars(reading.probabilities, names), key="probabilities",
                    config={"displayModeBar": False})  # its toolbar covered the title on a phone
    st.caption(t("Read from {source} by {name}.", source=source, name=name(active.name)))
    class_feedback(image, upload.getvalue() if upload is not None else canvas.png(), digit, names)

with below, one_thread():
    inside(active, image, reading)  # where it looked, feature maps, one neuron, fc1 -> fc2, fool it
