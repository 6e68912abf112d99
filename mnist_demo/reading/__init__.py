"""Reading a drawing: any picture to MNIST's 28 x 28 (preprocess), the network's answer (inference), "not sure"."""
