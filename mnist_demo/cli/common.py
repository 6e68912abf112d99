"""What every command shares: argparse that answers in one line, the one way an error is printed, checkpoints."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from mnist_demo import checkpoint
from mnist_demo.errors import UsageError
from mnist_demo.messages import N_


class Parser(argparse.ArgumentParser):
    """argparse, answering a bad argument with one line on stderr (and exit status 2) like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def at_least_one(text: str) -> int:
    """An argparse type: a whole number from 1 up (0 epochs or a batch of 0 cannot run)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def digit(text: str) -> int:
    """An argparse type: one digit 0-9."""
    if text.strip() not in {str(d) for d in range(10)}:
        raise argparse.ArgumentTypeError(f"must be a digit from 0 to 9, not {text!r}")
    return int(text)


def one_line(message: object) -> str:
    return " ".join(str(message).split())


def error(message: object, about: str | None = None) -> None:
    """The command line's one way to report a problem: one line on stderr, `error: ...`, or `FILE: ...` when it is
    about one of several files (the others are still read)."""
    print(f"{about}: {one_line(message)}" if about else f"error: {one_line(message)}", file=sys.stderr)


def load_checkpoint(path: str | None) -> checkpoint.Checkpoint:
    """The checkpoint at `path` (default: the shipped model), checked; UsageError saying how to make one if absent."""
    target = Path(path) if path else checkpoint.SHIPPED
    if not target.exists():
        raise UsageError(N_("No model at {path}. Train one first, for example: python -m mnist_demo train --preset "
                            "classroom --out {path}"), path=target)
    return checkpoint.load(target)


def same_dataset(ckpt: checkpoint.Checkpoint, path: str, dataset: str, verb: str) -> checkpoint.Checkpoint:
    if ckpt.dataset != dataset:
        raise UsageError(N_("{path} was trained on {trained}, not {dataset}: add --dataset {trained}, or {verb} a "
                            "{dataset} model"), path=path, trained=ckpt.dataset, dataset=dataset, verb=verb)
    return ckpt
