"""Handwriting made by the program: digits in the world's styles (styles, pen), training pools of them and of
redrawn MNIST digits (pools, redrawn), and the checks that read such drawings as the Draw page does; also digits
real people wrote on pen tablets, drawn onto the canvas (real_pen)."""

from mnist_demo.handwriting.pen import (
                                        CANVAS,
                                        CANVAS_HAND,
                                        DEVICES,
                                        FAST_SIZE,
                                        STEP,
                                        TRAINING_HAND,
                                        Hand,
                                        as_mnist,
                                        as_mnist_batch,
                                        draw,
                                        geometry,
                                        pick,
                                        render,
                                        sample,
                                        style_rng,
)
from mnist_demo.handwriting.styles import JUNK, PLAIN, STYLES, Style

__all__ = ["CANVAS", "CANVAS_HAND", "DEVICES", "FAST_SIZE", "JUNK", "PLAIN", "STEP", "STYLES", "TRAINING_HAND", "Hand",
           "Style", "as_mnist", "as_mnist_batch", "draw", "geometry", "pick", "render", "sample", "style_rng"]
