"""Checkpoints: a network's weights with their metadata, written atomically and checked before use."""

from mnist_demo.checkpoint.files import DEFAULT_OUT, FORMAT, Checkpoint, check_writable, claimed, load, save, save_run
from mnist_demo.errors import CheckpointError, SaveError
from mnist_demo.paths import SHIPPED  # the shipped model

__all__ = ["DEFAULT_OUT", "FORMAT", "SHIPPED", "Checkpoint", "CheckpointError", "SaveError", "check_writable",
           "claimed", "load", "save", "save_run"]
