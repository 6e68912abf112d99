"""The drawing check: digits drawn the way people draw, read by the project's path, as the Draw page reads them.

    python scripts/drawing_check.py --data-dir ../shared/data            # 2,000 test digits redrawn, and the styles
    python scripts/drawing_check.py --sample                             # the 500 test digits in assets/ instead
    python scripts/drawing_check.py --data-dir ../shared/data --json     # also write assets/drawing_check.json
    python scripts/drawing_check.py --no-mnist --per-style 50 --styles 1 7 junk
    python scripts/drawing_check.py --no-mnist --no-styles                # only the real pen digits

Two parts. MNIST test digits redrawn (handwriting/drawing_check.py): a 280 x 280 canvas, the digit at 40-95 % of
it, anywhere on it, strokes eroded or dilated, tilted up to 10 degrees, dark ink on paper or light on dark, 30 %
saved as JPEG; read right by the project's path and by plain resizing, and the share read wrongly yet shown as
sure. Then the world's handwriting styles (mnist_demo/handwriting/pen.py, docs/styles.md), --per-style drawings of each,
drawn as on the canvas from seed --seed (training draws from other seeds, with a wider hand): per style and per
digit, right / not sure / wrong and sure (mnist_demo/tools/style_check.py). Seeded: the same command gives the same
figures. Last, digits written by real people on pen tablets (mnist_demo/handwriting/real_pen.py, assets/pen,
docs/pen.md): UCI pendigits (44 writers) and UJI Pen Characters v2 (60 writers), drawn on the canvas at the pen
slider's widths, per part of writers (the sets' test-side writers held out), per digit and per writer, and
Quick, Draw! shapes, which are no digit: the share shown as "not sure". --pen-n takes a seeded sample of each part.
--json writes the styles table, with the other parts' figures, for the Model page.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from mnist_demo import checkpoint
from mnist_demo.data import load_sample, load_split
from mnist_demo.handwriting import drawing_check, real_pen, style_check
from mnist_demo.paths import ROOT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", default=str(checkpoint.SHIPPED))
    parser.add_argument("--data-dir")
    parser.add_argument("--sample", action="store_true", help="use the 500 test digits in assets/")
    parser.add_argument("-n", type=int, default=2000, help="how many test digits (default 2000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-style", type=int, default=200, help="drawings per style (default 200)")
    parser.add_argument("--styles", nargs="*", help="style names, digits or 'junk' (default: all)")
    parser.add_argument("--no-mnist", action="store_true", help="only the styles")
    parser.add_argument("--no-styles", action="store_true", help="only the redrawn MNIST digits")
    parser.add_argument("--pen", action=argparse.BooleanOptionalAction, default=True,
                        help="digits written by real people on pen tablets, and Quick, Draw! shapes (default: on)")
    parser.add_argument("--pen-n", type=int, metavar="N", help="at most N drawings of each pen part (default: all)")
    parser.add_argument("--json", nargs="?", const=str(style_check.JSON), metavar="PATH",
                        help=f"write the table for the Model page (default path: {os.path.relpath(style_check.JSON)})")
    args = parser.parse_args()
    ckpt = checkpoint.load(args.checkpoint)
    about = {"checkpoint": os.path.relpath(args.checkpoint, ROOT), "test_accuracy": ckpt.test_accuracy,
             "seed": args.seed, "per_style": args.per_style, "mnist_redrawn": None, "real_pen": None}
    if not args.no_mnist:
        split = load_sample() if args.sample else load_split("mnist", False, args.data_dir)
        n = min(args.n, len(split))
        renderings = drawing_check.build(split.images[:n].numpy(), split.labels[:n].numpy(), args.seed)
        score = drawing_check.score(ckpt.model, renderings, ckpt.feature_stats)
        print(f"{n} redrawn MNIST test digits, {args.checkpoint}:")
        print(f"  project path (crop, 20 px box, centre of mass): {score.project:.2%}")
        print(f"  plain resize to 28 x 28:                         {score.plain:.2%}")
        if score.wrong_sure is not None:
            print(f"  read wrongly, yet shown as sure:                 {score.wrong_sure:.2%}")
            print(f"  'not sure' (right or wrong):                     {score.unsure:.2%}")
        about["mnist_redrawn"] = {"n": n, "sample": args.sample, "right": score.project, "plain": score.plain,
                                  "wrong_sure": score.wrong_sure, "unsure": score.unsure}
    rows = None
    if not args.no_styles:
        rows = style_check.check(ckpt, args.per_style, args.seed, args.styles)
        note = "" if ckpt.feature_stats else " (no feature statistics in it: 'not sure' is the 80 % test alone)"
        print(f"\n{args.checkpoint}{note}: {args.per_style} drawings per style, seed {args.seed}, 280 px canvas\n")
        print(style_check.table(rows))
    if args.pen:
        parts, shapes = real_pen.check(ckpt, args.seed, args.pen_n)
        print(f"\nReal pen digits (assets/pen), {args.checkpoint}, seed {args.seed}, "
              f"{'all drawings' if args.pen_n is None else f'at most {args.pen_n} drawings a part'}, pen widths "
              f"{', '.join(map(str, real_pen.WIDTHS))} px on the 280 px canvas; 'right': the top digit, sure or not\n")
        print(real_pen.table(parts, shapes))
        about["real_pen"] = real_pen.as_json(parts, shapes, args.seed, args.pen_n)
    if args.json and rows is not None:
        print(f"\nwrote {style_check.write_json(Path(args.json), rows, about)}")

if __name__ == "__main__":
    main()
