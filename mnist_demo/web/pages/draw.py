"""Draw page: a student draws a digit, the network reads it live."""

import streamlit as st
from streamlit_drawable_canvas import st_canvas

from mnist_demo.errors import UnreadableImage
from mnist_demo.familiarity import QUANTILE
from mnist_demo.inference import UNSURE_BELOW, read
from mnist_demo.preprocess import to_mnist, why_blank
from mnist_demo.web import charts, state
from mnist_demo.web.widgets import enlarge

st.title("Draw a digit")
active = state.my_model()
if active is None:
    st.warning("There is no model to read drawings yet: train one on the Train page.", icon=":material/warning:")
    st.stop()

if active.dataset != "mnist":
    st.info(f"The active model learned {active.dataset}: it will read your drawing as one of its classes. Pick the "
            "shipped model in the sidebar to read digits.", icon=":material/info:")
st.session_state.setdefault("canvas_id", 0)
left, right = st.columns([1, 1], gap="large")
with left:
    st.caption("White ink on black, like MNIST. Draw one digit, big or small, anywhere.")
    st.space(40)  # room for the canvas's floating toolbar
    canvas = st_canvas(stroke_width=st.session_state.get("pen", 20), stroke_color="#FFFFFF",
                       background_color="#000000", height=280, width=280, drawing_mode="freedraw",
                       return_image_data=True, key=f"canvas-{st.session_state['canvas_id']}")
    pen, clear = st.columns([3, 1], vertical_alignment="bottom")
    pen.slider("Pen width", 6, 40, 20, key="pen")
    if clear.button("Clear", icon=":material/ink_eraser:"):
        st.session_state["canvas_id"] += 1
        st.rerun()
    upload = st.file_uploader("…or upload a photo or scan of one digit", type=["png", "jpg", "jpeg"],
                              help="Dark ink on paper or light on dark: either works. Clear removes it.",
                              key=f"upload-{st.session_state['canvas_id']}")

source, image = None, None
try:
    if upload is not None:
        source, image = f"the upload {upload.name}", to_mnist(upload.getvalue())
    elif canvas.image_data is not None:
        source, image = "your drawing", to_mnist(canvas.image_data)
except UnreadableImage as exc:  # not a picture, too many bytes or pixels: said before anything is decoded
    right.error(f"Cannot read {upload.name}: {exc}", icon=":material/broken_image:")
    st.stop()

with right:
    if image is None and upload is not None:
        st.warning(f"Nothing to read in {upload.name}: {why_blank(upload.getvalue())}. Upload a photo or scan of "
                   "one digit, dark on light or light on dark, or press Clear and draw one.",
                   icon=":material/hide_image:")
        st.stop()
    if image is None:
        st.info("Draw a digit on the black square with your mouse or finger (the canvas is empty).",
                icon=":material/draw:")
        st.stop()
    reading = read(active.model, image, active.stats)
    (digit, p1), (second, p2) = reading.top2
    names = active.classes
    big, seen = st.columns([2, 1])
    if reading.sure:
        big.markdown(f"<div style='font-size:7rem;line-height:1;font-weight:700'>{names[digit]}</div>",
                     unsafe_allow_html=True)
        big.markdown(f"**{p1:.0%}** sure · next best **{names[second]}** ({p2:.1%})")
    else:
        big.markdown("<div style='font-size:4rem;line-height:1.2;font-weight:700'>Not sure</div>",
                     unsafe_allow_html=True)
        why = (f"its best guess is only {p1:.0%} sure" if reading.digit_like
               else "this does not look like the digits it learned from")
        big.markdown(f"Maybe **{names[digit]}** ({p1:.0%}) or **{names[second]}** ({p2:.0%}), but {why}. "
                     "Try a clearer digit.")
        st.caption(f"The app says \"not sure\" when the top probability is under {UNSURE_BELOW:.0%} or the drawing "
                   f"is farther from every digit class than {QUANTILE:.0%} of the training images (distance in the "
                   "network's last hidden layer).")
    seen.image(enlarge(image, 140), caption="What the network sees (28 x 28)")
    st.plotly_chart(charts.probability_bars(reading.probabilities, names), key="probabilities")
    st.caption(f"Read from {source} by {active.name}.")

st.subheader("Inside the network")
c1, c2 = st.columns([1, 2])
c1.plotly_chart(charts.saliency_map(reading.saliency), key="saliency")
c1.caption("Bright pixels pushed the network most towards its answer (Integrated Gradients).")
c2.plotly_chart(charts.feature_maps(reading.conv1, 8, "conv1: 32 feature maps, 26 x 26"), key="conv1")
st.plotly_chart(charts.feature_maps(reading.conv2, 16, "conv2: 64 feature maps, 11 x 11"), key="conv2")
st.caption("Each small square is one filter's answer to your drawing: the first layer finds edges and strokes, "
           "the second combines them into parts of digits.")
