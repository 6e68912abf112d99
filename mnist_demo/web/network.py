"""A network on a page: its layers with their shapes and parameters (like torchinfo), the shapes walked through,
the parameters counted, and the Train page's editor, where the teacher builds one from the tutorial's layer types.

The editor only writes a SPEC (mnist_demo.network.spec); every figure on the page is the engine's plan of it, made
at each keystroke without building anything, and a stack that cannot work is the engine's one sentence, naming the
block. The teacher's network is the class's: students' pages show it, read-only, as it is edited.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mnist_demo.errors import ArchitectureError
from mnist_demo.insight.architecture import shape_text, steps
from mnist_demo.messages import N_, Message
from mnist_demo.network import PRESETS, TUTORIAL, TUTORIAL_PARAMETERS, canonical, parameters, plan
from mnist_demo.network.spec import PRESET_NAMES, Layer, preset_of
from mnist_demo.web.i18n import error, t, term

BLOCKS = {  # what the editor's "Add" appends: a block and its words
    "conv": ("conv16:3", N_("convolution")), "local": ("local8:3", N_("locally connected")),
    "maxpool": ("maxpool2", N_("max-pool")), "avgpool": ("avgpool2", N_("average-pool")),
    "relu": ("relu", N_("ReLU")), "sigmoid": ("sigmoid", N_("sigmoid")), "tanh": ("tanh", N_("tanh")),
    "dropout": ("dropout0.25", N_("Dropout")), "bn": ("bn", N_("BatchNorm")), "fc": ("fc64", N_("fully connected")),
}
SPEC_KEY = "network_spec"


def arch_name(arch: str) -> str:
    """A network as people call it: a preset's name, else its SPEC."""
    found = preset_of(arch)
    return term(PRESET_NAMES[found]) if found else arch


def layers_frame(layers: list[Layer]) -> pd.DataFrame:
    rows = []
    for layer in layers:
        rows.append({"layer": layer.name, "block": layer.block.text, "output shape": shape_text(layer.output_shape),
                     "parameters": layer.parameters})
    rows.append({"layer": t("total"), "block": "", "output shape": "", "parameters": parameters(layers)})
    return pd.DataFrame(rows)


def layer_table_view(layers: list[Layer], key: str) -> None:
    """Every layer's output shape for one 28 x 28 image and its parameters, as torchinfo lists them."""
    st.dataframe(layers_frame(layers), hide_index=True, width="stretch", key=key, column_config={
        "layer": st.column_config.TextColumn(t("layer")), "block": st.column_config.TextColumn(t("block")),
        "output shape": st.column_config.TextColumn(t("output shape")),
        "parameters": st.column_config.NumberColumn(t("parameters"), format="localized")})


def walkthrough(layers: list[Layer]) -> str:
    """The shapes from the image to the scores, in one line (Markdown)."""
    rows = steps(layers)
    parts = [t("**{shape}** image", shape=rows[0].label)]
    for step in rows[1:-1]:
        ops = ", ".join(error(op) for op in step.op)
        parts.append(f"{step.name} {ops} → **{step.label}**")
    return t("{steps} → softmax → {n} probabilities, one per class. (Shapes as PyTorch prints them: channels × height "
             "× width.)", steps=" → ".join(parts), n=rows[-1].shape[0])


def counted(layers: list[Layer]) -> str:
    """Each layer with weights and how many it has, as a Markdown list, and the total."""
    lines = []
    for layer in layers:
        b, shape = layer.block, layer.input_shape
        if b.kind == "conv":
            lines.append(t("- {layer}: {c} filters × ({cin} × {k} × {k} weights + 1 bias) = **{n:,}**",
                           layer=layer.name, c=b.size, cin=shape[0], k=b.kernel, n=layer.parameters))
        elif b.kind == "local":
            lines.append(t("- {layer}: {p} positions × {c} filters × ({cin} × {k} × {k} weights + 1 bias) = **{n:,}**",
                           layer=layer.name, p=layer.output_shape[1] ** 2, c=b.size, cin=shape[0], k=b.kernel,
                           n=layer.parameters))
        elif b.kind == "fc":
            width = shape[0] * shape[1] * shape[2] if len(shape) == 3 else shape[0]
            lines.append(t("- {layer}: {inputs} × {units} weights + {units} biases = **{n:,}**", layer=layer.name,
                           inputs=width, units=b.size, n=layer.parameters))
        elif b.kind == "bn":
            lines.append(t("- {layer}: {c} scales + {c} shifts = **{n:,}**", layer=layer.name, c=shape[0],
                           n=layer.parameters))
    lines.append(t("- total: **{n:,}** numbers, all learned from the examples.", n=parameters(layers)))
    return "\n".join(lines)


def change_line(layers: list[Layer]) -> str:
    """The total against the tutorial's 121,930."""
    total = parameters(layers)
    if total == TUTORIAL_PARAMETERS:
        return t("**{n:,}** parameters: as many as the tutorial's network.", n=total)
    return t("**{n:,}** parameters: {sign}{d:,} against the tutorial's {tutorial:,}.", n=total,
             sign="+" if total > TUTORIAL_PARAMETERS else "−", d=abs(total - TUTORIAL_PARAMETERS),
             tutorial=TUTORIAL_PARAMETERS)


def checked(arch: str, classes: int = 10) -> tuple[list[Layer] | None, Message | None]:
    """(the plan, None), or (None, the sentence that says which block cannot work)."""
    try:
        return plan(arch, classes), None
    except ArchitectureError as exc:
        return None, exc.message


def show(arch: str, key: str, classes: int = 10) -> list[Layer] | None:
    """A network's table, its total against the tutorial's, and its shapes; or why it cannot work."""
    layers, why = checked(arch, classes)
    if layers is None:
        assert why is not None  # checked() says why whenever it gives no plan
        st.error(error(why), icon=":material/block:")
        return None
    layer_table_view(layers, key)
    st.markdown(change_line(layers))
    st.caption(walkthrough(layers))
    return layers


def editor(draft: str, on_change, classes: int = 10) -> str:
    """The teacher's editor: a preset to start from, the SPEC itself, a block to add at the end; every change
    goes to `on_change(spec)` (the class's draft). Returns the SPEC as it stands."""
    st.session_state.setdefault(SPEC_KEY, draft)

    def picked() -> None:
        chosen = st.session_state.get("network_preset")
        if chosen in PRESETS:
            st.session_state[SPEC_KEY] = canonical(PRESETS[chosen])
            on_change(st.session_state[SPEC_KEY])

    def typed() -> None:
        on_change(st.session_state[SPEC_KEY])

    def added() -> None:
        block = BLOCKS[st.session_state["network_add"]][0]
        st.session_state[SPEC_KEY] = f"{st.session_state[SPEC_KEY].strip()} {block}".strip()
        on_change(st.session_state[SPEC_KEY])

    # The box shows the preset the SPEC is, on every run. Left to keep its own value, it still held a choice that a
    # stale text value from the page had undone (a rerun racing the callback, seen in CI), and choosing the same
    # preset again then changed nothing, so no callback ran.
    st.session_state["network_preset"] = (preset_of(st.session_state[SPEC_KEY].strip())
                                          if st.session_state[SPEC_KEY].strip() else None)
    st.selectbox(t("Start from"), list(PRESETS), key="network_preset", on_change=picked,
                 format_func=lambda name: term(PRESET_NAMES[name]), placeholder=t("your own network"))
    st.text_input(t("The network, block by block"), key=SPEC_KEY, on_change=typed, max_chars=400,
                  help=t("Blocks: convC:K (C filters of K × K), localC:K (the same with its own weights at every "
                         "position), maxpoolK, avgpoolK, relu, sigmoid, tanh, bn (BatchNorm), dropoutP (P a rate "
                         "such as 0.25), fcN (N units). The last block is fc10: one score per digit."))
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.selectbox(t("Add a block at the end"), list(BLOCKS), key="network_add",
                   format_func=lambda kind: f"{term(BLOCKS[kind][1])} ({BLOCKS[kind][0]})")
    right.button(t("Add"), on_click=added, icon=":material/add:", width="stretch")
    return st.session_state[SPEC_KEY].strip() or TUTORIAL
