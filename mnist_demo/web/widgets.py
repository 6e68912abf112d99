"""Pieces that more than one page draws."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image

from ..model import layer_table


def enlarge(image: np.ndarray, size: int = 112) -> Image.Image:
    """A 28 x 28 float or uint8 image as a crisp PIL image, `size` px wide."""
    arr = image if image.dtype == np.uint8 else (np.clip(image, 0, 1) * 255).astype(np.uint8)
    return Image.fromarray(arr).resize((size, size), Image.Resampling.NEAREST)


@st.cache_data(show_spinner=False)
def layers_frame() -> pd.DataFrame:
    rows = layer_table()
    frame = pd.DataFrame({
        "layer": [r.name for r in rows],
        "kind": [r.kind for r in rows],
        "output shape": [" x ".join(map(str, r.output_shape)) for r in rows],
        "parameters": [r.parameters for r in rows],
    })
    total = pd.DataFrame({"layer": ["total"], "kind": [""], "output shape": [""],
                          "parameters": [sum(r.parameters for r in rows)]})
    return pd.concat([frame, total], ignore_index=True)


WALKTHROUGH = (
    "**28 x 28** image → conv1 3 x 3 → **26 x 26** x 32 → max-pool 2 → **13 x 13** x 32 → conv2 3 x 3 → "
    "**11 x 11** x 64 → max-pool 2 → **5 x 5** x 64 → flatten: 5 x 5 x 64 = **1600** → fc1 → 64 → fc2 → "
    "**10** scores, one per digit."
)


def model_panel() -> None:
    """The per-layer table and the tutorial's shape walkthrough."""
    st.dataframe(layers_frame(), hide_index=True, width="stretch",
                 column_config={"parameters": st.column_config.NumberColumn(format="localized")})
    st.markdown(WALKTHROUGH)


def duration(seconds: float) -> str:
    if math.isnan(seconds):
        return "…"
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"
