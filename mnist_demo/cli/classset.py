"""python -m mnist_demo class add | stats | export | import, and finetune: the class set from the command line,
through the same engine as the Class page (mnist_demo.classset, mnist_demo.train.finetune)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from mnist_demo.cli.common import digit, error, load_checkpoint
from mnist_demo.errors import UnreadableImage, UsageError
from mnist_demo.messages import N_


def cmd_add(args: argparse.Namespace) -> int:
    from mnist_demo.classset import ClassSet
    from mnist_demo.classset.checks import check_writer
    from mnist_demo.reading.preprocess import open_image, to_mnist, why_blank

    check_writer(args.writer)  # before any file is read: a name is refused whole
    cs = ClassSet(args.db)
    before, failed = cs.count(), 0
    for path in args.images:
        try:  # each bad file is one line; the others are still added
            image = to_mnist(Path(path))
            if image is None:
                error(f"nothing to add: {why_blank(Path(path))}", about=path)
                failed += 1
                continue
            drawing = np.asarray(open_image(Path(path)).convert("L"))
        except UnreadableImage as exc:
            error(f"cannot read this image: {exc}", about=path)
            failed += 1
            continue
        cs.add(image, args.label, args.writer, drawing=drawing)
    total = cs.count()
    added = total - before
    kept = len(args.images) - failed - added
    again = f" ({kept} already there)" if kept else ""
    print(f"Added {added} digit{'s' if added != 1 else ''} labelled {args.label}{again}; {args.db} holds {total}.")
    return 1 if failed else 0


def cmd_stats(args: argparse.Namespace) -> int:
    from mnist_demo.classset import ClassSet

    stats = ClassSet(args.db, readonly=True).stats()
    if args.json:
        print(json.dumps(stats))
        return 0
    print(f"{args.db}: {stats['count']} digits from {stats['writers']} writers")
    for d, n in stats["per_digit"].items():
        print(f"  {d}: {n}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from mnist_demo.classset import ClassSet

    cs = ClassSet(args.db, readonly=True)
    if args.format == "idx":
        if Path(args.out).exists() and not Path(args.out).is_dir():
            raise UsageError(N_("{path} is a file: --format idx writes two files into a folder; give a folder."),
                             path=args.out)
        paths: tuple[Path, ...] = cs.export_idx(args.out)
    else:
        paths = (cs.export_zip(args.out),)
    print(f"Exported {cs.count()} digits to {', '.join(map(str, paths))}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from mnist_demo.classset import ClassSet

    added, skipped = ClassSet(args.db).import_(args.src)
    print(f"Imported {args.src}: {added} digits added, {skipped} already in {args.db}.")
    return 0


def cmd_finetune(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from mnist_demo import checkpoint
    from mnist_demo.classset import ClassSet
    from mnist_demo.data import load_split
    from mnist_demo.train import finetune
    from mnist_demo.train.loop import Progress

    digits = ClassSet(args.db, readonly=True).images()
    start = load_checkpoint(args.checkpoint)
    if start.dataset != "mnist":
        raise UsageError(N_("{path} reads {dataset}; fine-tuning on the class's digits needs an MNIST model."),
                         path=start.path, dataset=start.dataset)
    if args.out:
        checkpoint.check_writable(args.out)  # before the run, not after it
    config = replace(finetune.CONFIG, device=args.device, seed=args.seed)
    train, test = load_split("mnist", True, args.data_dir), load_split("mnist", False, args.data_dir)

    def progress(p: Progress) -> None:
        if p.stats is not None and not args.json:  # an epoch's report
            print(f"epoch {p.epoch}/{p.epochs}: MNIST test accuracy {p.stats.test_acc:.2%}", file=sys.stderr)

    try:
        result, report = finetune.finetune(start.model, digits, train, test, config, [progress], seed=args.seed)
    except KeyboardInterrupt:
        print("Interrupted: nothing was saved.", file=sys.stderr)
        return 130
    if report is None:
        error(result.message)
        return 1
    if args.out:
        path = checkpoint.save_run(args.out, result)
        print(f"Saved {path}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.as_dict()))
    else:
        print(f"Class digits it did not train on ({report.n_heldout}): {report.class_before:.2%} -> "
              f"{report.class_after:.2%}\nMNIST test set: {report.mnist_before:.2%} -> {report.mnist_after:.2%}\n"
              f"Trained on {report.n_train} class digits mixed with MNIST in {report.seconds:.1f} s.")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The `class` and `finetune` subcommands, added to the main parser's."""
    from mnist_demo.classset import default_path

    db = {"default": str(default_path()), "help": "the class set's SQLite file (default: $MNIST_DEMO_CLASS_DB, "
                                                  "else data/class.db)"}
    cls = sub.add_parser("class", help="the class set: add drawings, stats, export, import")
    verbs = cls.add_subparsers(dest="verb", required=True)

    add = verbs.add_parser("add", help="add drawings of one digit (read as `predict` reads them)")
    add.add_argument("images", nargs="+", metavar="IMAGE")
    add.add_argument("--db", **db)
    add.add_argument("--label", type=digit, required=True, help="the digit they show, 0-9")
    add.add_argument("--writer", default="cli", help="an anonymous writer id: letters, digits, _ or - (no names)")
    add.set_defaults(func=cmd_add)

    stats = verbs.add_parser("stats", help="how many digits, per digit, and writers")
    stats.add_argument("--db", **db)
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(func=cmd_stats)

    export = verbs.add_parser("export", help="as MNIST IDX files (into folder OUT) or a zip of PNGs (file OUT)")
    export.add_argument("out", metavar="OUT")
    export.add_argument("--db", **db)
    export.add_argument("--format", choices=("idx", "zip"), required=True)
    export.set_defaults(func=cmd_export)

    imp = verbs.add_parser("import", help="merge a zip or folder (PNGs per digit, or IDX files), without duplicates")
    imp.add_argument("src", metavar="SRC")
    imp.add_argument("--db", **db)
    imp.set_defaults(func=cmd_import)

    ft = sub.add_parser("finetune", help="teach a model the class's handwriting; measured before and after")
    ft.add_argument("--db", **db)
    ft.add_argument("--checkpoint", help="the model to start from (default: the shipped model)")
    ft.add_argument("--out", help="save the fine-tuned model here (default: not saved)")
    ft.add_argument("--data-dir", help="MNIST's folder (default: $MNIST_DEMO_DATA_DIR, else data/)")
    ft.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    ft.add_argument("--seed", type=int, default=0)
    ft.add_argument("--json", action="store_true", help="one JSON line: class_before, class_after, mnist_before, "
                                                        "mnist_after (0-1), n_train, n_heldout, seconds")
    ft.set_defaults(func=cmd_finetune)
