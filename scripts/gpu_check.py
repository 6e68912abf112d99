"""The GPU check's Python parts (scripts/gpu_check.sh runs them on a CUDA machine):

    python scripts/gpu_check.py recipes --device cuda   # the tutorial's recipe (graphs on, then off) and Fast
    python scripts/gpu_check.py read --device cuda      # a drawing read there, as the Draw page reads it

It imports the package as every script does: installed (`pip install -e .`), or from the repository root on
PYTHONPATH, as gpu_check.sh sets it on a GPU machine where nothing can be installed.

`recipes` prints seconds per epoch and says whether the epoch replayed a recorded CUDA graph; `read` compares the
device's reading of a drawn 7 with the CPU's. With --device cpu both run anywhere (slowly: `recipes` trains on the
whole of MNIST). Exit status 1 when a run does not finish or a reading is wrong.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from PIL import Image, ImageDraw

from mnist_demo import checkpoint
from mnist_demo.data import load_split
from mnist_demo.errors import UserError
from mnist_demo.reading.inference import read
from mnist_demo.reading.preprocess import to_mnist
from mnist_demo.train import loop
from mnist_demo.train.device import pick_device
from mnist_demo.train.recipes import preset
from mnist_demo.train.step import GraphedStep


def recipes(device: str, epochs: int, data_dir: str | None) -> bool:
    train, test = load_split("mnist", True, data_dir), load_split("mnist", False, data_dir)
    recorded: list[GraphedStep] = []

    class Counted(GraphedStep):  # the steps train_epoch recorded: one per epoch it replayed a graph in
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            recorded.append(self)

    loop.GraphedStep = Counted  # this process's count only: the engine is unchanged
    ok = True
    for name, graphs in (("seed", True), ("seed", False), ("fast", True)):
        loop.CUDA_GRAPHS, before = graphs, len(recorded)
        config = preset(name, device=device, epochs=min(epochs, preset(name).epochs))
        result = loop.fit(config, train, test)
        replayed = sum(step.graph is not None for step in recorded[before:])
        print(f"{name} ({config.optimizer} {config.lr:g}, batch {config.batch_size}, {config.schedule}), CUDA graphs "
              f"{'on' if graphs else 'off'}: {replayed} of {len(result.history)} epochs replayed a graph, "
              f"{result.device}")
        for h in result.history:
            print(f"  epoch {h.epoch}: {h.train_seconds:.2f} s training ({len(train) / h.train_seconds:,.0f} images/s),"
                  f" {h.test_seconds:.2f} s test, test accuracy {h.test_acc:.2%}")
        if result.status != "finished":
            print(f"  NOT FINISHED: {result.message}")
            ok = False
    return ok


def seven(size: int = 280) -> np.ndarray:
    """A 7 drawn on the Draw page's canvas: white strokes on a transparent 280 x 280 RGBA picture."""
    canvas = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(canvas)
    pen.line([(60, 50), (220, 50), (120, 240)], fill=(255, 255, 255, 255), width=20, joint="curve")
    return np.asarray(canvas)


def read_drawing(device: str) -> bool:
    ckpt = checkpoint.load(checkpoint.SHIPPED, pick_device(device))  # no CUDA: pick_device says so
    image = to_mnist(seven())
    assert image is not None
    read(ckpt.model, image, ckpt.feature_stats)  # the first reading warms the device up
    t0 = time.perf_counter()
    there = read(ckpt.model, image, ckpt.feature_stats)
    ms = (time.perf_counter() - t0) * 1000
    on_cpu = read(checkpoint.load(checkpoint.SHIPPED, "cpu").model, image, ckpt.feature_stats)
    digit, p = there.top2[0]
    gap = float(np.abs(there.probabilities - on_cpu.probabilities).max())
    print(f"a drawn 7 read on {device}: {digit} ({p:.1%}, {'sure' if there.sure else 'not sure'}), with feature maps "
          f"and saliency, in {ms:.1f} ms; on the CPU: {on_cpu.top2[0][0]} "
          f"({on_cpu.top2[0][1]:.1%}); largest difference in a probability {gap:.1e}")
    return digit == 7 and on_cpu.top2[0][0] == 7 and gap < 1e-3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("recipes", "read"))
    parser.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    parser.add_argument("--epochs", type=int, default=2, help="recipes: at most this many epochs each (default: 2)")
    parser.add_argument("--data-dir", help="dataset folder (default: $MNIST_DEMO_DATA_DIR, else ./data)")
    args = parser.parse_args()
    try:
        ok = recipes(args.device, args.epochs, args.data_dir) if args.part == "recipes" else read_drawing(args.device)
    except UserError as exc:  # no CUDA device, no dataset: one line says which
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
