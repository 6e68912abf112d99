"""The network: the tutorial's CNN, layer for layer, and its summary."""

from mnist_demo.network.cnn import CNN, LayerRow, count_parameters, layer_table

__all__ = ["CNN", "LayerRow", "count_parameters", "layer_table"]
