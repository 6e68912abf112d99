"""python -m mnist_demo train | soup | evaluate | predict | bench: the network's commands."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

from tqdm import tqdm

from mnist_demo import checkpoint
from mnist_demo.cli.common import at_least_one, error, load_checkpoint, same_dataset
from mnist_demo.data import CLASS_NAMES, DATASETS, load_split
from mnist_demo.errors import UnreadableImage, UsageError
from mnist_demo.messages import LANGUAGES, N_, catalogue
from mnist_demo.network import PRESETS as ARCH_PRESETS
from mnist_demo.network import TUTORIAL, canonical
from mnist_demo.paths import ROOT
from mnist_demo.reading.not_sure import fit_feature_stats
from mnist_demo.train.augment import AUGMENTATIONS, trained_on
from mnist_demo.train.loop import Progress, RunResult, evaluate, fit
from mnist_demo.train.metrics import per_class_accuracy
from mnist_demo.train.recipes import OPTIMIZERS, PRESETS, TrainConfig, preset

RECIPE_FLAGS = ("preset", "arch", "dataset", "epochs", "batch_size", "lr", "optimizer", "seed", "augment",
                "start_from", "distill_from", "label_smoothing")


def recipe(args: argparse.Namespace) -> TrainConfig:
    """The run the recipe flags describe (`train` and `code` share them); a setting that cannot work, such as a
    network whose image shrinks to nothing, is one line here, before any data is read."""
    return preset(args.preset or "seed", dataset=args.dataset, epochs=args.epochs, batch_size=args.batch_size,
                  lr=args.lr, optimizer=args.optimizer, seed=args.seed, device=getattr(args, "device", None),
                  augment=args.augment, label_smoothing=args.label_smoothing, arch=args.arch)


def cmd_train(args: argparse.Namespace) -> int:
    if args.resume:
        return resume(args)
    config = recipe(args)
    start = teacher = None
    if args.start_from:  # checked before the data loads and the run starts, like every other flag
        start = same_dataset(load_checkpoint(args.start_from), args.start_from, config.dataset, "start from")
        if args.arch and start.model.arch != config.arch:
            raise UsageError(N_("--arch {arch} is not the network of {path} ({theirs}): a second run goes on with "
                                "the network it starts from; leave --arch out"), arch=config.arch,
                             path=args.start_from, theirs=start.model.arch)
    if args.distill_from:
        teacher = same_dataset(load_checkpoint(args.distill_from), args.distill_from, config.dataset, "copy")
    args.out = args.out or str(checkpoint.DEFAULT_OUT)
    checkpoint.check_writable(args.out)  # a read-only folder, a device or a link fail now, not after the run
    with checkpoint.claimed(args.out):  # a second `train` to the same file is refused now, not lost at the end
        return train_into(args, config, start.model if start is not None else None,
                          teacher.model if teacher is not None else None)


def resume(args: argparse.Namespace) -> int:
    """`train --resume CHECKPOINT`: go on with the run that was training towards CHECKPOINT (its .resume file
    beside it) from its last finished epoch, with its own settings."""
    given = [f"--{f.replace('_', '-')}" for f in RECIPE_FLAGS if getattr(args, f) is not None]
    if given:
        raise UsageError(N_("--resume goes on with the run's own settings: leave out {flags}"), flags=", ".join(given))
    state_file = checkpoint.resume_path(args.resume)
    if not state_file.exists():
        raise UsageError(N_("No run to go on with: {path} is not there. A run keeps it from the end of its first "
                            "epoch until it finishes; a finished run has nothing left to resume."), path=state_file)
    state, meta = checkpoint.load_state(state_file)
    if args.device is not None:
        state.config = replace(state.config, device=args.device)
    teacher = None
    if meta.get("distill_from"):
        teacher = load_checkpoint(str(meta["distill_from"])).model
    args.out = args.out or str(state_file.with_name(state_file.name.removesuffix(checkpoint.RESUME_SUFFIX)))
    args.distill_from = meta.get("distill_from")
    print(f"Going on from epoch {state.epoch} of {state.config.epochs} ({state_file})", file=sys.stderr)
    for h in state.history:
        print(h.line())
    checkpoint.check_writable(args.out)
    with checkpoint.claimed(args.out):
        return train_into(args, state.config, teacher=teacher, resume_from=state)


def train_into(args: argparse.Namespace, config, start=None, teacher=None, resume_from=None) -> int:
    train_split = load_split(config.dataset, True, args.data_dir)
    test_split = load_split(config.dataset, False, args.data_dir)
    bar = tqdm(total=config.epochs, file=sys.stderr, dynamic_ncols=True, disable=args.quiet,
               bar_format="{l_bar}{bar}| {n:.2f}/{total} epochs [{elapsed}<{remaining}{postfix}]")
    state_file = checkpoint.resume_path(args.out)
    kept = {"distill_from": str(Path(args.distill_from).resolve()) if args.distill_from else None}
    done = [resume_from.epoch if resume_from is not None else 0]  # epochs saved to go on from

    def on_progress(p: Progress) -> None:
        bar.n = p.fraction * config.epochs
        bar.set_postfix_str(
            f"epoch {p.epoch}/{p.epochs} loss {p.loss:.3f} acc {p.accuracy:.1%} {p.images_per_s:,.0f} img/s",
            refresh=False,
        )
        bar.refresh()
        if p.stats is not None:  # an epoch's report
            tqdm.write(p.stats.line(), file=sys.stdout)
            sys.stdout.flush()
            if p.epoch < p.epochs and p.resumable is not None:  # the state to go on from, should the run be cut short
                checkpoint.save_state(state_file, p.resumable(), **kept)
                done[0] = p.epoch

    try:
        result = fit(config, train_split, test_split, [on_progress], start=start, teacher=teacher,
                     resume=resume_from)
        bar.close()
        if result.status != "finished":
            error(result.message)
            return 1
        distilled = {"distilled_from": Path(args.distill_from).name} if args.distill_from else {}
        path = checkpoint.save_run(args.out, result, **distilled)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM, also while saving: save() removes its temporary file
        bar.close()
        unchanged = f"; {args.out} is unchanged" if Path(args.out).exists() else ""
        if done[0]:
            print(f"Interrupted after epoch {done[0]} of {config.epochs}: nothing was saved{unchanged}. Go on with: "
                  f"python -m mnist_demo train --resume {args.out}", file=sys.stderr)
        else:
            print(f"Interrupted: nothing was saved{unchanged}.", file=sys.stderr)
        return 130
    state_file.unlink(missing_ok=True)  # finished: nothing left to go on with
    print(f"Saved {path} ({result.seconds:.0f} s on {result.device})", file=sys.stderr)
    print("Done")
    if args.json:
        last = result.history[-1]
        assert result.model is not None  # a finished run has its model
        print(json.dumps({"architecture": result.model.arch, "parameters": result.model.parameters_count,
                          "epochs": len(result.history), "train_acc": last.train_acc, "train_loss": last.train_loss,
                          "test_acc": last.test_acc, "test_loss": last.test_loss, "seconds": result.seconds,
                          "checkpoint": str(path)}))
    return 0


def cmd_code(args: argparse.Namespace) -> int:
    from mnist_demo.network.code import script

    config = recipe(args)
    sys.stdout.write(script(config, len(CLASS_NAMES[config.dataset]), catalogue(args.lang).gettext))
    return 0


def cmd_soup(args: argparse.Namespace) -> int:
    from mnist_demo.train.soup import mean_weights

    if len(args.checkpoints) < 2:
        raise UsageError(N_("a soup needs at least two checkpoints to average, not {n}"), n=len(args.checkpoints))
    ckpts = [load_checkpoint(p) for p in args.checkpoints]
    first = ckpts[0]
    for path, other in zip(args.checkpoints[1:], ckpts[1:]):
        if other.dataset != first.dataset:
            raise UsageError(N_("{path} was trained on {trained}, not {dataset} like {first}: a soup averages models "
                                "of one dataset"), path=path, trained=other.dataset, dataset=first.dataset,
                             first=args.checkpoints[0])
    checkpoint.check_writable(args.out)
    with checkpoint.claimed(args.out):
        model = mean_weights([c.model for c in ckpts])
        config = first.meta.get("config") or {}
        train_split = load_split(first.dataset, True, args.data_dir)
        measured = evaluate(model, load_split(first.dataset, False, args.data_dir), batch_size=1000)
        soup = RunResult(TrainConfig(dataset=first.dataset), model, feature_stats=fit_feature_stats(
            model, trained_on(train_split, str(config.get("augment", "none")))))
        path = checkpoint.save_run(args.out, soup, config=config, test_accuracy=measured.accuracy,
                                   test_loss=measured.loss, averaged_from=[Path(p).name for p in args.checkpoints])
    print(f"Saved {path}: the mean of {len(ckpts)} models' weights, test accuracy {measured.accuracy:.2%} "
          f"({round(measured.accuracy * measured.n)}/{measured.n})")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    ckpt = load_checkpoint(args.checkpoint)
    dataset = args.dataset or ckpt.dataset
    split = load_split(dataset, False, args.data_dir)
    result = evaluate(ckpt.model, split, batch_size=1000)
    per_class = per_class_accuracy(result.predictions, result.labels, len(split.classes))
    if args.json:
        print(json.dumps({"accuracy": result.accuracy, "loss": result.loss,
                          "per_class_accuracy": per_class, "n": result.n}))
        return 0
    correct = round(result.accuracy * result.n)
    assert ckpt.path is not None  # checkpoint.load keeps where it read it
    print(f"{os.path.relpath(ckpt.path)} on the {dataset} test set: accuracy {result.accuracy:.2%} "
          f"({correct}/{result.n}), loss {result.loss:.4f}")
    for name, acc in zip(split.classes, per_class):
        print(f"  {name:>12}: {acc:.2%}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from mnist_demo.reading.inference import read  # with scipy and PIL, 0.4 s that training does not need
    from mnist_demo.reading.preprocess import to_mnist, why_blank

    ckpt = load_checkpoint(args.checkpoint)
    failed = 0
    for path in args.images:
        try:  # each bad path is one line; the others are still read
            image = to_mnist(Path(path))
            blank = why_blank(Path(path)) if image is None else ""
        except UnreadableImage as exc:
            error(f"cannot read this image: {exc}", about=path)
            failed += 1
            continue
        except OSError as exc:  # it changed while being read
            error(f"cannot read this image: {exc.strerror or exc}", about=path)
            failed += 1
            continue
        if image is None:
            error(f"nothing to read: {blank}", about=path)
            failed += 1
            continue
        reading = read(ckpt.model, image, ckpt.feature_stats, explain=False)  # what the Draw page decides with
        probs = reading.probabilities
        digit = int(probs.argmax())
        if args.json:
            print(json.dumps({"path": path, "digit": digit, "sure": reading.sure,
                              "probabilities": [round(float(p), 6) for p in probs]}))
        else:
            print(f"{path} {digit} {probs[digit]:.3f}")
    return 1 if failed else 0


def cmd_bench(args: argparse.Namespace) -> int:
    from mnist_demo.tools import bench
    from mnist_demo.train.device import pick_device

    return bench.main(args.data_dir, pick_device(args.device), args.epochs, args.test_batch_size, not args.no_app,
                      drawings=args.drawings, arch=canonical(args.arch) if args.arch else None)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The network's subcommands, added to the main parser's."""

    train = sub.add_parser("train", help="train a network (the tutorial's CNN unless --arch); one tutorial line "
                                         "per epoch, then Done")
    recipe_flags(train)
    train.add_argument("--data-dir", help="dataset folder (default: $MNIST_DEMO_DATA_DIR, else ./data)")
    train.add_argument("--device", choices=("auto", "cpu", "cuda"))
    train.add_argument("--start-from", metavar="CHECKPOINT",
                       help="start from this checkpoint's weights instead of fresh ones (a second, shorter run)")
    train.add_argument("--distill-from", metavar="CHECKPOINT",
                       help="also copy this model's answers where it is sure and right (distillation); style "
                            "drawings, and MNIST's 1s and 7s, learn from their labels only")
    train.add_argument("--out", help=f"checkpoint path (default: {os.path.relpath(checkpoint.DEFAULT_OUT, ROOT)}; "
                                     "with --resume, the file the run was training towards)")
    train.add_argument("--resume", metavar="CHECKPOINT",
                       help="go on with an interrupted run that was training towards CHECKPOINT, from its last "
                            "finished epoch (it keeps CHECKPOINT.resume beside it until it finishes)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument("--json", action="store_true", help="end with one JSON object: architecture, parameters, "
                                                           "test_acc (0-1), ...")
    train.set_defaults(func=cmd_train)

    code = sub.add_parser("code", help="the PyTorch code of a run, in the tutorial's style: mnist-demo code > run.py")
    recipe_flags(code)
    code.add_argument("--lang", choices=LANGUAGES, default="en", help="the language of the code's comments")
    code.set_defaults(func=cmd_code)

    so = sub.add_parser("soup", help="average the weights of runs from one start (a model soup) into one model")
    so.add_argument("checkpoints", nargs="*", metavar="CHECKPOINT",
                    help="two or more runs from the same start (train --start-from, a different --seed each)")
    so.add_argument("--data-dir", help="dataset folder: the test set measures the soup, the training set fits "
                                       "its \"not sure\"")
    so.add_argument("--out", default=str(checkpoint.DEFAULT_OUT), help="checkpoint path (default: %(default)s)")
    so.set_defaults(func=cmd_soup)

    ev = sub.add_parser("evaluate", help="test accuracy, loss and per-class accuracy of a checkpoint")
    ev.add_argument("--checkpoint", help="default: checkpoints/mnist_cnn.pt, the shipped model")
    ev.add_argument("--dataset", choices=DATASETS, help="default: the checkpoint's")
    ev.add_argument("--data-dir")
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=cmd_evaluate)

    pr = sub.add_parser("predict", help="read the digit in each image (PNG/JPEG, any size, either polarity)")
    pr.add_argument("images", nargs="*", metavar="IMAGE", help="a name that begins with - is read as a file too")
    pr.add_argument("--checkpoint")
    pr.add_argument("--json", action="store_true")
    pr.set_defaults(func=cmd_predict)

    be = sub.add_parser("bench", help="the tutorial's pipeline and this engine side by side; latency; start time")
    be.add_argument("--data-dir")
    be.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    be.add_argument("--epochs", type=at_least_one, default=1, help="epochs of each pipeline (default: 1)")
    be.add_argument("--test-batch-size", type=at_least_one, default=1,
                    help="the test DataLoader's batch size in both pipelines (default: 1, as the tutorial)")
    be.add_argument("--drawings", type=at_least_one, default=200,
                    help="drawings timed from the canvas to the probabilities (default: 200)")
    be.add_argument("--no-app", action="store_true", help="skip timing the app's start")
    be.add_argument("--arch", metavar="SPEC", help="also time an epoch of this network beside the tutorial's")
    be.set_defaults(func=cmd_bench)


def recipe_flags(parser: argparse.ArgumentParser) -> None:
    """The flags that describe a run, shared by `train` and `code`."""
    parser.add_argument("--preset", choices=PRESETS, help="starting configuration (default: seed)")
    parser.add_argument("--arch", metavar="SPEC",
                        help="the network, as blocks: convC:K localC:K maxpoolK avgpoolK relu sigmoid tanh bn dropoutP "
                             f"fcN, or a preset name ({', '.join(ARCH_PRESETS)}); default: tutorial, i.e. "
                             f"{TUTORIAL!r}")
    parser.add_argument("--dataset", choices=DATASETS)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--optimizer", choices=OPTIMIZERS)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--augment", choices=AUGMENTATIONS,
                        help="none, affine, stroke, both, or styles (both, and a quarter of each batch swapped for "
                             "digits drawn in the world's handwriting styles)")
    parser.add_argument("--label-smoothing", type=float, metavar="E",
                        help="train towards 1 - E on the right digit and E spread over all ten (0 to 1, e.g. 0.05)")
