#!/usr/bin/env bash
# The GPU check in one run: the CUDA tests, the benchmark (CUDA graphs on, then off) and the fast preset.
# About three minutes on an H200. Logs go to $OUT (the device tool's folder) or ./gpu-check. Exits 1 if a step failed.
#
#   bash scripts/gpu_check.sh pack    # here: gzip the real MNIST into .gpu-data/ (ignored by git, 11 MB)
#   bash scripts/gpu_check.sh         # on the GPU machine, from the repository root (with .gpu-data carried)
#   GPU_CHECK_DEVICE=cpu GPU_CHECK_EPOCHS=1 GPU_CHECK_DRAWINGS=10 bash scripts/gpu_check.sh   # on a CPU: its steps
#                                     # but the CUDA-only ones, at their smallest (tests/test_scripts.py)
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
device=${GPU_CHECK_DEVICE:-cuda}
epochs=${GPU_CHECK_EPOCHS:-3}
drawings=${GPU_CHECK_DRAWINGS:-200}
export PYTHONUNBUFFERED=1
if [[ -d .gpu-data ]]; then
  export MNIST_DEMO_DATA_DIR=/tmp/mnist-data
  mkdir -p $MNIST_DEMO_DATA_DIR/MNIST/raw
  for f in .gpu-data/*.gz; do gunzip -c "$f" > "$MNIST_DEMO_DATA_DIR/MNIST/raw/$(basename "${f%.gz}")"; done
fi
failed=0
run() {  # run NAME COMMAND...: log to $out/NAME.txt, and say how long it took
  local name=$1; shift
  local t0=$SECONDS
  echo "== $name: $*"
  "$@" 2>&1 | tee "$out/$name.txt"
  local status=${PIPESTATUS[0]}
  echo "== $name: exit $status after $((SECONDS - t0)) s"
  [[ $status == 0 ]] || failed=1
}
run env bash -c "if command -v nvidia-smi >/dev/null; then nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; fi; $py -c 'import torch; print(torch.__version__, torch.cuda.get_device_name() if torch.cuda.is_available() else \"no CUDA device\")'"
if [[ $device == cuda ]]; then  # on a CPU every one of them skips itself
  run tests $py -m pytest -q -p no:cacheprovider tests/test_cuda.py
fi
run bench $py -m mnist_demo bench --device "$device" --epochs "$epochs" --drawings "$drawings" --no-app
if [[ $device == cuda ]]; then  # CUDA graphs off: the same as above on a CPU
  MNIST_DEMO_CUDA_GRAPHS=0 run bench-eager $py -m mnist_demo bench --device "$device" --epochs "$epochs" \
    --drawings "$drawings" --no-app
fi
run fast bash -c "time $py -m mnist_demo train --preset fast --device $device --out ${TMPDIR:-/tmp}/fast.pt"
exit $failed
