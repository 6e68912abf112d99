"""A page made to meet Streamlit's fragment-rerun race often (tests/test_rerun_race.py): a timed fragment every
20 ms, a full run on each press that draws its answer last, a 300 kB widget value that every message carries, and
a thread that holds the GIL in turns, as the app's training thread does. RERUN_RACE_FIX=0 leaves the fix out."""

import os
import threading
import time

import streamlit as st

from mnist_demo.web import rerun_race

if os.environ.get("RERUN_RACE_FIX", "1") == "1":
    rerun_race.install()


@st.cache_resource
def busy() -> threading.Thread:
    def spin() -> None:
        while True:
            sum(i * i for i in range(20_000))

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    return thread


@st.fragment(run_every=0.02)
def tick() -> None:
    st.session_state.ticks = st.session_state.get("ticks", 0) + 1
    st.caption(f"tick {st.session_state.ticks}")


busy()
tick()
st.text_area("big", value="x" * 300_000, height=68)
if st.button("press"):
    st.session_state.presses = st.session_state.get("presses", 0) + 1
time.sleep(0.005)
st.markdown(f"pressed {st.session_state.get('presses', 0)}")
