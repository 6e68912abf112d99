"""Looking inside the network: every stage for one image (trace), one neuron's sum (neuron), changing a drawing to
fool it (fool), the live network during a run (probe), the architecture with real values (architecture), and the
small pictures they make (pictures). Streamlit-free, read-only on shared models."""

from mnist_demo.insight.adversarial import Fooled, fool
from mnist_demo.insight.forward import Trace, probabilities_from, trace, weights_of
from mnist_demo.insight.neurons import Dense, Neuron, dense, neuron, strongest
from mnist_demo.insight.probe import Frame, Probe

__all__ = ["Dense", "Fooled", "Frame", "Neuron", "Probe", "Trace", "dense", "fool", "neuron", "probabilities_from",
           "strongest", "trace", "weights_of"]
