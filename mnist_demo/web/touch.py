"""The Draw page on phones and tablets: the canvas takes a stroke from any point, the app's own Undo and Clear
buttons, and which of drawing or upload the page reads.

streamlit-drawable-canvas 0.13 keeps its toolbar in the component's open shadow root, an invisible box over the
canvas's top-right corner that catches presses until the pointer has hovered there, and never shows on a touch
screen. Its stylesheet is isolated, so a page style cannot reach it: a small script puts one rule into each
canvas's shadow root instead (and again whenever the canvas is remounted, e.g. by Clear). The rule names only the
canvas's toolbar class, so other isolated components are left as they are.

Undo re-seeds the same canvas with its own strokes (json_data) minus the last one. The component reloads a changed
`initial_drawing` and sends the drawing back, but only when the seed's JSON differs from the previous one, so each
seed carries a counter.
"""

from __future__ import annotations

import streamlit as st

from mnist_demo.web.i18n import language, t

HIDE_TOOLBAR = """<script>
(() => {
  const rule = '.dc-toolbar { display: none !important; }';
  const fix = () => document.querySelectorAll('[data-testid="stBidiComponentIsolated"]').forEach((host) => {
    const root = host.shadowRoot;
    if (!root || root.querySelector('style[data-no-toolbar]')) return;
    const style = document.createElement('style');
    style.dataset.noToolbar = '1';
    style.textContent = rule;
    root.appendChild(style);
  });
  fix();
  if (!window.mnistDemoNoToolbar) {
    window.mnistDemoNoToolbar = new MutationObserver(fix);
    window.mnistDemoNoToolbar.observe(document.body, {childList: true, subtree: true});
    setInterval(fix, 300);  // a shadow root is attached after its host is added: no mutation to observe
  }
})();
</script>"""

# The canvas is 280 px and never shrinks. Streamlit stacks columns only where the window is under 640 px, but the
# page's main area is narrower than two such columns on a tablet or a small laptop with the sidebar open (a 212 px
# column cut the canvas at 820 px): a container query on the area itself stacks them there too, and shows the
# compact answer right under the canvas whenever the reading is not beside it.
DRAW_LAYOUT_CSS = """<style>
.st-key-draw-top { container-type: inline-size; container-name: draw-top; }
.compact-answer { display: none; align-items: baseline; gap: 0.8rem; margin: 0.2rem 0 0.4rem 0; }
.compact-answer b { font-size: 3.2rem; line-height: 1; }
@container draw-top (max-width: 679px) {
  .compact-answer { display: flex; }
  [data-testid="stHorizontalBlock"]:not([data-testid="stColumn"] *) { flex-direction: column; flex-wrap: nowrap; }
  [data-testid="stColumn"]:not([data-testid="stColumn"] *) { width: 100% !important; flex: 1 1 auto !important; }
}
</style>"""


# Plotly reports a click only on a point it is hovering: with a mouse the pointer has hovered there first, but a
# finger's first tap on a confusion-matrix cell or a feature map only brought up its tooltip, and a second tap acted.
# A mousemove at the finger's place, sent to the chart's drag layer as the touch starts, gives Plotly that hover.
ONE_TAP = """<script>
(() => {
  if (window.mnistDemoOneTap) return;
  window.mnistDemoOneTap = true;
  document.addEventListener('touchstart', (event) => {
    const layer = event.target.closest && event.target.closest('.js-plotly-plot .nsewdrag');
    if (!layer || event.touches.length !== 1) return;
    const finger = event.touches[0];
    layer.dispatchEvent(new MouseEvent('mousemove', {clientX: finger.clientX, clientY: finger.clientY, bubbles: true,
                                                     view: window}));
  }, {capture: true, passive: true});
})();
</script>"""


def one_tap_charts() -> None:
    """Charts that act on a click (st.plotly_chart with on_select) act on a finger's first tap too."""
    st.html(ONE_TAP, unsafe_allow_javascript=True)


# Streamlit's file uploader writes "Upload" and "25MB per file • PNG, JPG" in English whatever the page's language
UPLOADER_ZH_CSS = """<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] { display: none; }
[data-testid="stFileUploaderDropzone"] button > div::after { content: "上传"; }
[data-testid="stFileUploaderDropzoneInstructions"] span { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::after { content: "%s，单个文件不超过 25 MB"; }
</style>"""


def uploader_in_chinese(kinds: str) -> None:
    """The file uploaders of this page with Chinese words (`kinds`: "PNG、JPG"), when the session reads Chinese."""
    if language() == "zh":
        st.html(UPLOADER_ZH_CSS % kinds)


def hide_canvas_toolbar() -> None:
    zh = UPLOADER_ZH_CSS % "PNG、JPG" if language() == "zh" else ""
    st.html(HIDE_TOOLBAR + DRAW_LAYOUT_CSS + zh, unsafe_allow_javascript=True)


def seed() -> dict:
    """The canvas's initial_drawing for this run."""
    return st.session_state.setdefault("canvas_seed", {"objects": [], "undo": 0})


def strokes(json_data: dict | None) -> list:
    return list((json_data or {}).get("objects") or [])


def keep(drawn: list) -> None:
    """Remember the strokes on the canvas, to put them back when the page opens again (a page change drops the
    canvas, and the lesson moves students between pages)."""
    if drawn:
        st.session_state["canvas_kept"] = drawn


def restore() -> None:
    """The kept strokes back on the canvas: a new seed, which the canvas draws and sends back to be read."""
    kept = st.session_state.get("canvas_kept")
    if kept:
        st.session_state["canvas_seed"] = {"objects": kept, "undo": seed().get("undo", 0) + 1}


def clear() -> None:
    """A new canvas (a new key remounts it empty) and no upload: the next thing read is a new drawing."""
    st.session_state["canvas_id"] = st.session_state.get("canvas_id", 0) + 1
    st.session_state["canvas_seed"] = {"objects": [], "undo": 0}
    st.session_state.pop("canvas_kept", None)
    st.session_state.pop("undo_stale", None)
    st.session_state["reading"] = "drawing"


def undo(current: list) -> None:
    """The same canvas, re-seeded without its last stroke. Until the canvas sends the new drawing, the value the
    page holds is the old one (`undo_stale`: its number of strokes)."""
    if not current:
        return
    count = seed().get("undo", 0) + 1
    st.session_state["canvas_seed"] = {"objects": current[:-1], "undo": count}
    st.session_state["canvas_kept"] = current[:-1]
    st.session_state["undo_stale"] = len(current)
    st.session_state["reading"] = "drawing"


def stale(current: list) -> bool:
    """Whether the canvas's value is still the one from before Undo."""
    waiting = st.session_state.get("undo_stale")
    if waiting is not None and len(current) == waiting:
        return True
    st.session_state.pop("undo_stale", None)
    return False


def drew() -> None:
    st.session_state["reading"] = "drawing"


def uploaded() -> None:
    st.session_state["reading"] = "upload"


def reads_upload(has_upload: bool, has_drawing: bool) -> bool:
    """Whether the page reads the upload: whatever the student did last, else whichever there is."""
    last = st.session_state.get("reading")
    if has_upload and has_drawing:
        return last == "upload"
    return has_upload


# Streamlit's data grid does not shrink below its columns' widths: on a phone the per-epoch table is cut off on the
# right. Under 640 px each epoch is one line of text instead; a keyed container is a CSS class (st-key-KEY).
EPOCHS_CSS = """<style>
@media (max-width: 640px) { .st-key-epochs-wide { display: none; } }
@media (min-width: 641px) { .st-key-epochs-narrow { display: none; } }
</style>"""


def epoch_table(frame, **options) -> None:
    """The tutorial's per-epoch table (`frame`: Epoch, Train_acc, Train_loss, Test_acc, Test_loss, seconds) as a
    data grid, and on a phone as one line per epoch."""
    st.html(EPOCHS_CSS)
    with st.container(key="epochs-wide"):
        st.dataframe(frame, **options)
    with st.container(key="epochs-narrow"):
        st.markdown("  \n".join(
            t("**Epoch {epoch}** · Train_acc {train_acc:.2%} · Train_loss {train_loss:.3f} · Test_acc {test_acc:.2%} · "
              "Test_loss {test_loss:.3f}", epoch=int(r.Epoch), train_acc=r.Train_acc, train_loss=r.Train_loss,
              test_acc=r.Test_acc, test_loss=r.Test_loss) for r in frame.itertuples()))
