"""The last drawing a session made, kept as 784 bytes in its st.session_state (never a tensor), for the Train page
to re-read with the network in training and the Model page to send through the architecture."""

from __future__ import annotations

import numpy as np
import streamlit as st

KEY = "last_drawing"


def remember(image: np.ndarray) -> None:
    """Keep a 28 x 28 image in [0, 1] as uint8 bytes."""
    st.session_state[KEY] = (np.clip(image, 0, 1) * 255).round().astype(np.uint8).tobytes()


def last_drawing() -> np.ndarray | None:
    """The 28 x 28 uint8 image, or None before the session has drawn anything."""
    data = st.session_state.get(KEY)
    return np.frombuffer(data, dtype=np.uint8).reshape(28, 28) if data else None
