"""Train the `classroom` preset with each augmentation and score MNIST test, the drawing check and the style check.

    python scripts/augmentation_study.py --data-dir ../shared/data --out-dir runs/study

Prints one Markdown row per augmentation; the checkpoints land in --out-dir.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mnist_demo import checkpoint
from mnist_demo.data import load_split
from mnist_demo.handwriting import drawing_check, style_check
from mnist_demo.train.augment import AUGMENTATIONS
from mnist_demo.train.loop import fit
from mnist_demo.train.recipes import preset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir")
    parser.add_argument("--out-dir", default="runs/study")
    parser.add_argument("--kinds", nargs="+", default=list(AUGMENTATIONS), choices=AUGMENTATIONS)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--check-size", type=int, default=2000, help="MNIST test digits redrawn for the check")
    parser.add_argument("--per-style", type=int, default=200, help="drawings per style for the style check")
    args = parser.parse_args()

    train, test = load_split("mnist", True, args.data_dir), load_split("mnist", False, args.data_dir)
    check = drawing_check.build(test.images[: args.check_size].numpy(), test.labels[: args.check_size].numpy())
    print("| augmentation | MNIST test accuracy | drawing check, project path | drawing check, plain resize "
          "| styles: right | styles: wrong, sure | train time |")
    print("|---|---|---|---|---|---|---|")
    for kind in args.kinds:
        result = fit(preset("classroom", augment=kind, epochs=args.epochs), train, test)
        path = checkpoint.save_run(Path(args.out_dir) / f"{kind}.pt", result)
        score = drawing_check.score(result.model.cpu(), check)
        digits, _ = style_check.summary(style_check.check(checkpoint.load(path), args.per_style))
        print(f"| {kind} | {result.history[-1].test_acc:.2%} | {score.project:.2%} | {score.plain:.2%} "
              f"| {digits.share('right'):.1%} | {digits.share('wrong'):.1%} | {result.seconds / 60:.1f} min |",
              flush=True)


if __name__ == "__main__":
    main()
