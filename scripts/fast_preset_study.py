"""Why the fast preset is what it is: one epoch of the tutorial's network at several batch sizes, learning rates and
label smoothings, each a markdown table row (test accuracy and epoch seconds).

    python scripts/fast_preset_study.py --data-dir ../shared/data        # about 4 minutes on 2 CPU cores

Every row is `preset("fast")` with the named fields changed: Adam, a one-cycle learning rate, one epoch.
"""

from __future__ import annotations

import argparse

from mnist_demo.data import load_split
from mnist_demo.train.loop import fit
from mnist_demo.train.recipes import preset

# (batch size, one-cycle peak learning rate, label smoothing, seeds)
ROWS = [
    (24, 0.003, 0.0, [0]),
    (32, 0.004, 0.0, [0]),
    (64, 0.006, 0.0, [0]),
    (128, 0.016, 0.0, [0]),
    (64, 0.012, 0.05, [0, 1, 2]),
    (128, 0.016, 0.05, [0, 1, 2]),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    train = load_split("mnist", True, args.data_dir)
    test = load_split("mnist", False, args.data_dir)
    print("| batch | learning rate | label smoothing | seed | test accuracy | epoch s |")
    print("|---|---|---|---|---|---|")
    for batch_size, lr, smoothing, seeds in ROWS:
        for seed in seeds:
            config = preset("fast", batch_size=batch_size, lr=lr, label_smoothing=smoothing, seed=seed,
                            device=args.device)
            epoch = fit(config, train, test).history[-1]
            print(f"| {batch_size} | {lr:g} | {smoothing:g} | {seed} | {epoch.test_acc:.2%} | "
                  f"{epoch.train_seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
