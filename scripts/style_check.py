"""The style check alone: digits in the world's handwriting styles, drawn as on the canvas, read as the Draw page does.

    python scripts/style_check.py                          # the shipped model, 200 drawings per style
    python scripts/style_check.py --checkpoint checkpoints/last.pt -n 100 --styles 1 7 junk

The second part of scripts/drawing_check.py (see mnist_demo/tools/style_check.py for what right / not sure / wrong,
sure and unfamiliar count). Seeded: the same command gives the same figures.
"""

from __future__ import annotations

import argparse

from mnist_demo import checkpoint, handwriting
from mnist_demo.handwriting import style_check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", default=str(checkpoint.SHIPPED))
    parser.add_argument("-n", type=int, default=200, help="drawings per style (default 200)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--styles", nargs="*", help="style names, digits or 'junk' (default: all)")
    parser.add_argument("--fast", action="store_true", help="draw at 140 px instead of the canvas's 280")
    args = parser.parse_args()
    ckpt = checkpoint.load(args.checkpoint)
    size = handwriting.FAST_SIZE if args.fast else handwriting.CANVAS
    rows = style_check.check(ckpt, args.n, args.seed, args.styles, size)
    note = "" if ckpt.feature_stats else " (no feature statistics in it: 'not sure' is the 80 % test alone)"
    print(f"{args.checkpoint}{note}, {args.n} drawings per style, seed {args.seed}, {size} px canvas:\n")
    print(style_check.table(rows))


if __name__ == "__main__":
    main()
