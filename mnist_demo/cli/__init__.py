"""The command line: python -m mnist_demo (or mnist-demo) train | soup | evaluate | predict | bench | class |
finetune. The network's commands are in models.py, the class set's in classset.py; what they share in common.py."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import NoReturn

from mnist_demo.cli import classset, models
from mnist_demo.cli.common import Parser, error
from mnist_demo.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m mnist_demo", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    models.add_parsers(sub)  # train, soup, evaluate, predict, bench
    classset.add_parsers(sub)  # class add | stats | export | import, finetune
    return parser


def parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """parse_args, except that `predict` takes a file whose name begins with a dash (-7.png) without --."""
    args, extra = parser.parse_known_args(argv)
    if extra and (getattr(args, "command", None) != "predict" or any(a.startswith("--") for a in extra)):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if getattr(args, "command", None) == "predict":
        args.images = [*args.images, *extra]
        if not args.images:
            parser.error("the following arguments are required: IMAGE")
    return args


def _terminated(signum, frame) -> NoReturn:
    raise KeyboardInterrupt  # SIGTERM as Ctrl-C: a checkpoint being saved leaves no temporary file behind


def main(argv: list[str] | None = None) -> int:
    args = parse(build_parser(), argv)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminated) if in_main_thread else None
    try:
        return args.func(args)
    except OSError as exc:  # a full disk, a read-only folder (checkpoint.SaveError, also a UserError, says which),
        error(exc)  # a vanished file: before UserError, so that they exit 1
        return 1
    except UserError as exc:
        error(exc)
        return 2
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)

