"""The drawing check: MNIST test digits redrawn the way people draw, read by the project's path and by plain resizing.

    python scripts/drawing_check.py --data-dir ../shared/data            # the first 2,000 test digits
    python scripts/drawing_check.py --sample                             # the 500 shipped in assets/

Renderings: a 280 x 280 canvas, the digit at 40-95 % of it, anywhere on it, strokes eroded or dilated, tilted up
to 10 degrees, dark ink on paper or light on dark, 30 % saved as JPEG (mnist_demo/tools/drawcheck.py). Seeded: the same
command gives the same figures.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mnist_demo import checkpoint  # noqa: E402
from mnist_demo.data import load_sample, load_split  # noqa: E402
from mnist_demo.tools import drawcheck  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", default=str(checkpoint.SHIPPED))
    parser.add_argument("--data-dir")
    parser.add_argument("--sample", action="store_true", help="use the 500 test digits in assets/")
    parser.add_argument("-n", type=int, default=2000, help="how many test digits (default 2000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    split = load_sample() if args.sample else load_split("mnist", False, args.data_dir)
    n = min(args.n, len(split))
    renderings = drawcheck.build(split.images[:n].numpy(), split.labels[:n].numpy(), args.seed)
    score = drawcheck.score(checkpoint.load(args.checkpoint).model, renderings)
    print(f"{n} redrawn MNIST test digits, {args.checkpoint}:")
    print(f"  project path (crop, 20 px box, centre of mass): {score.project:.2%}")
    print(f"  plain resize to 28 x 28:                         {score.plain:.2%}")


if __name__ == "__main__":
    main()
