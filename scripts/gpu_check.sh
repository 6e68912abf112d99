#!/usr/bin/env bash
# The GPU check in one run: the CUDA tests, the benchmark (CUDA graphs on, then off) and the fast preset.
# About three minutes on an H200. Logs go to $OUT (the device tool's folder) or ./gpu-check.
#
#   bash scripts/gpu_check.sh pack    # here: gzip the real MNIST into .gpu-data/ (ignored by git, 11 MB)
#   bash scripts/gpu_check.sh         # on the GPU machine, from the repository root (with .gpu-data carried)
set -uo pipefail
cd "$(dirname "$0")/.."
if [[ ${1:-} == pack ]]; then
  src=${MNIST_DEMO_DATA_DIR:-../shared/data}/MNIST/raw
  mkdir -p .gpu-data
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    gzip -c "$src/$f" > ".gpu-data/$f.gz"
  done
  ls -l .gpu-data
  exit 0
fi
out=${OUT:-gpu-check}
mkdir -p "$out"
py=${PYTHON:-python3}
export PYTHONUNBUFFERED=1
if [[ -d .gpu-data ]]; then
  export MNIST_DEMO_DATA_DIR=/tmp/mnist-data
  mkdir -p $MNIST_DEMO_DATA_DIR/MNIST/raw
  for f in .gpu-data/*.gz; do gunzip -c "$f" > "$MNIST_DEMO_DATA_DIR/MNIST/raw/$(basename "${f%.gz}")"; done
fi
run() {  # run NAME COMMAND...: log to $out/NAME.txt, and say how long it took
  local name=$1; shift
  local t0=$SECONDS
  echo "== $name: $*"
  "$@" 2>&1 | tee "$out/$name.txt"
  echo "== $name: exit ${PIPESTATUS[0]} after $((SECONDS - t0)) s"
}
run env bash -c "nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; $py -c 'import torch; print(torch.__version__, torch.cuda.get_device_name())'"
run tests $py -m pytest -q -p no:cacheprovider tests/test_cuda.py
run bench $py -m mnist_demo bench --device cuda --epochs 3 --no-app
MNIST_DEMO_CUDA_GRAPHS=0 run bench-eager $py -m mnist_demo bench --device cuda --epochs 3 --no-app
run fast bash -c "time $py -m mnist_demo train --preset fast --device cuda --out /tmp/fast.pt"
