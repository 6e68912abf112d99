#!/usr/bin/env bash
# The GPU check in one run, each step logged and timed, a summary at the end (exit 1 if a step failed):
#   imports   what the steps need is importable (the device machine cannot install anything)
#   tests     tests/test_cuda.py: a recorded CUDA graph trains as eager steps do; fit on CUDA; the Fast schedule
#   recipes   the tutorial's recipe (CUDA graphs on, then off) and the Fast recipe: seconds per epoch
#   read      a drawing read on CUDA (feature maps, saliency), against the CPU's reading
#   cli       `train --preset fast --device cuda`, then `evaluate` of what it saved (on the CPU)
#   bench     the tutorial's DataLoader pipeline and this engine side by side, one epoch each
# A few minutes on an H100. Logs go to $OUT (the device tool's folder) or ./gpu-check.
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
    gzip -c "$src/$f" > ".gpu-data/$f.gz" || exit 1
  done
  ls -l .gpu-data
  exit 0
fi
out=${OUT:-gpu-check}
mkdir -p "$out"
py=${PYTHON:-python3}
device=${GPU_CHECK_DEVICE:-cuda}  # cpu: the same steps, less the CUDA tests (tests/test_scripts.py runs it so)
epochs=${GPU_CHECK_EPOCHS:-2}
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
if [[ -d .gpu-data ]]; then
  export MNIST_DEMO_DATA_DIR=/tmp/mnist-data
  mkdir -p $MNIST_DEMO_DATA_DIR/MNIST/raw
  for f in .gpu-data/*.gz; do gunzip -c "$f" > "$MNIST_DEMO_DATA_DIR/MNIST/raw/$(basename "${f%.gz}")"; done
fi
summary=()
step() {  # step NAME COMMAND...: log to $out/NAME.txt, say how it ended and how long it took
  local name=$1; shift
  local t0=$SECONDS
  echo
  echo "=== $name: $*"
  "$@" 2>&1 | tee "$out/$name.txt"
  local rc=${PIPESTATUS[0]}
  local verdict=passed
  [[ $rc == 0 ]] || verdict="FAILED (exit $rc)"
  echo "=== $name: $verdict after $((SECONDS - t0)) s"
  summary+=("$(printf '%-8s %-18s %4d s' "$name" "$verdict" $((SECONDS - t0)))")
  return "$rc"
}
finish() {
  echo
  echo "=== summary (logs in $out/)"
  printf '%s\n' "${summary[@]}" | tee "$out/summary.txt"
  ! grep -q FAILED "$out/summary.txt"
}
step env bash -c "nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; $py -c 'import torch; \
print(\"torch\", torch.__version__, \"CUDA\", torch.version.cuda, torch.cuda.is_available() and \\
torch.cuda.get_device_name())'"
step imports $py -c "import numpy, PIL, pytest, scipy, streamlit, torch, torchvision, tqdm
import mnist_demo.cli, mnist_demo.train.loop, mnist_demo.reading.inference
assert '$device' == 'cpu' or torch.cuda.is_available(), 'torch sees no CUDA device'
print('all there')" || { echo "=== stopping: the other steps need these"; finish; exit 1; }
[[ $device == cpu ]] || step tests $py -m pytest -q -p no:cacheprovider tests/test_cuda.py
step recipes $py scripts/gpu_check.py recipes --device "$device" --epochs "$epochs"
step read $py scripts/gpu_check.py read --device "$device"
step cli bash -c "$py -m mnist_demo train --preset fast --device $device --epochs $epochs --quiet --out ${TMPDIR:-/tmp}/gpu-check-fast.pt && \
$py -m mnist_demo evaluate --checkpoint ${TMPDIR:-/tmp}/gpu-check-fast.pt"
step bench $py -m mnist_demo bench --device "$device" --epochs 1 --no-app
finish
