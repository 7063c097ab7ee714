#!/usr/bin/env bash
# GPU check, one prepared script for a lent GPU machine (finishes in <= 8 minutes on one H200-class GPU):
#   1. the smoke workflow end to end with device: cuda (a tiny Fashion-MNIST-format fixture, no download);
#   2. a PreActResNet18 epoch of 50,000 CIFAR-shaped random images (batch 100, manifold mixup) in
#      fp32 / bf16 x channels-first / channels-last (benchmarks/train_step.py);
# and prints one JSON summary (also written to $OUT/gpu_check.json, or gpu_check.json here).
# Feed it to `python benchmarks/gpu_hours.py --measured gpu_check.json`.
#
# The GPU image has PyTorch but not Snakemake: prepare the wheels here first with
#   bash benchmarks/gpu_wheels.sh      (downloads into .whl/, which the device call carries)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-.}"
mkdir -p "$out"
export PYTHONPATH="$PWD:${PYTHONPATH:-}" PYTHONUNBUFFERED=1 SLURM_CONF=/dev/null
if ! python3 -c "import snakemake" 2>/dev/null; then
  ls .whl/*.whl >/dev/null 2>&1 || { echo "Snakemake is missing and .whl/ is empty: run benchmarks/gpu_wheels.sh first"; exit 2; }
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
  export PYTHONPATH="/tmp/site:$PYTHONPATH"
fi
python3 - <<'PY'
import torch
assert torch.cuda.is_available(), "no CUDA device visible"
print("GPU:", torch.cuda.get_device_name(0), "torch", torch.__version__)
PY

work="$(mktemp -d)"
cp -r Snakefile config.yaml rules workflow_scripts schemas configs report profiles envs "$work"/
python3 - "$work" <<'PY'
import sys
from pathlib import Path
sys.path.insert(0, "tests")
from test_datasets import write_fixture  # the tests' tiny IDX fixture in Fashion-MNIST's format

work = Path(sys.argv[1])
write_fixture(work / "fixture-idx", n_train=200, n_test=60)
(work / "gpu.yaml").write_text(
    "device: cuda\nthreads: 4\ndata: {local_dirs: {fashion_mnist: fixture-idx}, verify_checksums: false}\n"
)
PY
start=$(date +%s)
( cd "$work" && python3 -m snakemake --cores 4 --configfile configs/smoke.yaml gpu.yaml --quiet rules ) \
  > "$out/gpu_smoke.log" 2>&1 && smoke=ok || smoke=failed
smoke_s=$(( $(date +%s) - start ))
echo "smoke workflow on cuda: $smoke in ${smoke_s}s (log: $out/gpu_smoke.log)"
grep -h '"precision"' "$work"/results/runs/*/metrics.json 2>/dev/null | sort | uniq -c || true

python3 benchmarks/train_step.py --device cuda --threads 4 --steps 20 --epoch-images 50000 \
  --json "$out/train_step.json"
python3 - "$out" "$smoke" "$smoke_s" <<'PY'
import json, sys
out, smoke, smoke_s = sys.argv[1], sys.argv[2], int(sys.argv[3])
step = json.load(open(f"{out}/train_step.json"))
step["epoch_images"] = 50000
summary = {"smoke_workflow": smoke, "smoke_seconds": smoke_s, "train_step": step}
json.dump(summary, open(f"{out}/gpu_check.json", "w"), indent=2)
print(json.dumps(summary, indent=2))
PY
