"""Checkpoints: a network's weights with their metadata, written atomically and checked before use; a run's
resumable state beside the checkpoint it trains towards."""

from mnist_demo.checkpoint.files import (
    DEFAULT_OUT,
    FORMAT,
    RESUME_SUFFIX,
    Checkpoint,
    check_writable,
    claimed,
    load,
    load_state,
    resume_path,
    save,
    save_run,
    save_state,
    write_atomic,
)
from mnist_demo.errors import CheckpointError, SaveError
from mnist_demo.paths import SHIPPED  # the shipped model

__all__ = ["DEFAULT_OUT", "FORMAT", "RESUME_SUFFIX", "SHIPPED", "Checkpoint", "CheckpointError", "SaveError",
           "check_writable", "claimed", "load", "load_state", "resume_path", "save", "save_run", "save_state",
           "write_atomic"]
