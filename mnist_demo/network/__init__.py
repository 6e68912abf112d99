"""The network: any stack of the tutorial's layer types written as a SPEC (spec.py), built as a PyTorch module
(net.py: Net, LocallyConnected2d), the tutorial's CNN and a table of layers (cnn.py), and its PyTorch code (code.py)."""

from mnist_demo.network.cnn import CNN, LayerRow, count_parameters, layer_table
from mnist_demo.network.net import LocallyConnected2d, Net
from mnist_demo.network.spec import (
                                     PRESETS,
                                     TUTORIAL,
                                     TUTORIAL_PARAMETERS,
                                     Block,
                                     Layer,
                                     canonical,
                                     parameters,
                                     parse,
                                     plan,
)

__all__ = ["CNN", "PRESETS", "TUTORIAL", "TUTORIAL_PARAMETERS", "Block", "Layer", "LayerRow", "LocallyConnected2d",
           "Net", "canonical", "count_parameters", "layer_table", "parameters", "parse", "plan"]
