"""Does a run cut short and resumed give the numbers of the run that never stopped? Through the command line:

    python scripts/resume_check.py --data-dir ../shared/data [--epochs 2] [--preset seed] [--cut-after 1]

Three processes: `train` to the end; `train` again, killed with SIGKILL once it has printed epoch CUT_AFTER's line
(and kept its state); then `train --resume` on what the kill left. Printed: each epoch's numbers of both, at full
precision, and whether every number and every weight is the same.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from mnist_demo import checkpoint
from mnist_demo.paths import ROOT

MEASURES = ("train_acc", "train_loss", "test_acc", "test_loss")


def train(*args: str) -> list[str]:
    return [sys.executable, "-m", "mnist_demo", "train", "--quiet", *args]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--preset", default="seed")
    parser.add_argument("--cut-after", type=int, default=1)
    args = parser.parse_args()
    flags = ["--data-dir", args.data_dir, "--preset", args.preset, "--epochs", str(args.epochs), "--device", "cpu"]
    with tempfile.TemporaryDirectory() as tmp:
        whole, cut = Path(tmp) / "whole.pt", Path(tmp) / "cut.pt"
        began = time.monotonic()
        subprocess.run(train(*flags, "--out", str(whole)), cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        print(f"uninterrupted: {time.monotonic() - began:.0f} s")
        killed = subprocess.Popen(train(*flags, "--out", str(cut)), cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for line in killed.stdout:
            if line.startswith(f"Epoch:{args.cut_after:2d},"):
                state = checkpoint.resume_path(cut)
                while not state.exists():  # saved (whole: atomically) just after the line is printed
                    time.sleep(0.01)
                os.kill(killed.pid, signal.SIGKILL)
                break
        killed.wait()
        kept, _ = checkpoint.load_state(checkpoint.resume_path(cut))
        print(f"killed with SIGKILL (exit {killed.returncode}) with the state after epoch {kept.epoch} kept; "
              f"left: {sorted(p.name for p in Path(tmp).iterdir())}")
        subprocess.run(train("--resume", str(cut), "--data-dir", args.data_dir), cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        a, b = checkpoint.load(whole), checkpoint.load(cut)
    print(f"{'epoch':>5} | {'uninterrupted':^64} | {'killed and resumed':^64}")
    print(f"{'':>5} | " + " ".join(f"{m:>15}" for m in MEASURES) + " | " + " ".join(f"{m:>15}" for m in MEASURES))
    for x, y in zip(a.meta["history"], b.meta["history"]):
        print(f"{x['epoch']:>5} | " + " ".join(f"{x[m]:>15.12g}" for m in MEASURES) + " | "
              + " ".join(f"{y[m]:>15.12g}" for m in MEASURES))
    same_numbers = all(x[m] == y[m] for x, y in zip(a.meta["history"], b.meta["history"]) for m in MEASURES)
    same_weights = all(torch.equal(v, b.model.state_dict()[k]) for k, v in a.model.state_dict().items())
    print(f"every number the same: {same_numbers}; every weight the same: {same_weights}")
    return 0 if same_numbers and same_weights else 1


if __name__ == "__main__":
    sys.exit(main())
