#!/usr/bin/env bash
# Wheels the GPU machine lacks (Snakemake and the workflow's pure-Python needs), for Python 3.12 on
# x86-64, into .whl/ (ignored by git; name it in the device call's `carry`). Run here, where PyPI works.
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
python3 -m pip download -q --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  --platform any -d .whl "snakemake==9.27.1" "snakemake-executor-plugin-slurm" jsonschema
# torch, numpy, pandas, scipy, matplotlib and PyYAML are in the GPU image: drop the downloaded copies.
rm -f .whl/torch-* .whl/numpy-* .whl/pandas-* .whl/scipy-* .whl/matplotlib-* .whl/nvidia_* .whl/triton-* \
  .whl/PyYAML-* .whl/pyyaml-* .whl/pillow-* .whl/sympy-* .whl/networkx-*
ls .whl | wc -l
